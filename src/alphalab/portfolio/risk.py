"""Value at risk and expected shortfall: historical, parametric, Cornish-Fisher, filtered historical (GARCH).

Conventions: ``returns`` are simple per-bar returns; VaR and CVaR are reported as positive loss
fractions at confidence ``level`` (0.95: the loss exceeded on 5% of bars). Historical quantiles use
numpy's linear interpolation; the historical CVaR is the mean of the returns at or below the
(negative) VaR. Rolling values at bar t use the ``window`` returns strictly before t (a forecast).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError

Method = Literal["historical", "parametric", "cornish_fisher", "filtered_historical"]
METHODS: tuple[Method, ...] = ("historical", "parametric", "cornish_fisher", "filtered_historical")


@dataclass(frozen=True, slots=True)
class VarResult:
    """VaR and CVaR (positive loss fractions) of one method at one level."""

    method: str
    level: float
    var: float
    cvar: float
    n: int


def _clean(returns: Sequence[float] | np.ndarray | pd.Series, level: float, need: int = 10) -> np.ndarray:
    if not 0.5 < level < 1:
        raise ConfigError(f"VaR level must be between 0.5 and 1 (e.g. 0.95), got {level}")
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.shape[0] < need:
        raise ConfigError(f"VaR needs at least {need} finite returns, got {r.shape[0]}",
                          hint="use a longer history or a shorter window")
    return r


def _norm_ppf(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


def historical(returns: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95) -> VarResult:
    """Return the empirical VaR (the (1 - level) quantile of returns) and the mean loss beyond it."""
    r = _clean(returns, level)
    q = float(np.quantile(r, 1.0 - level))
    tail = r[r <= q]
    return VarResult("historical", level, -q, -float(tail.mean()), r.shape[0])


def parametric(returns: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95) -> VarResult:
    """Return the normal VaR ``-(mu + sigma z)`` and CVaR ``-(mu - sigma phi(z) / (1 - level))``."""
    r = _clean(returns, level)
    mu, sigma = float(r.mean()), float(r.std(ddof=1))
    z = _norm_ppf(1.0 - level)
    phi = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return VarResult("parametric", level, -(mu + sigma * z), -(mu - sigma * phi / (1.0 - level)), r.shape[0])


def _cf_z(z: np.ndarray | float, s: float, k: float) -> np.ndarray | float:
    """The Cornish-Fisher adjusted quantile of a standard normal ``z`` for skew ``s``, excess kurtosis ``k``."""
    return z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36


def cornish_fisher(returns: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95) -> VarResult:
    """Return the Cornish-Fisher VaR (normal quantile corrected for skew and excess kurtosis).

    The CVaR averages the corrected quantile over the tail probabilities (0, 1 - level), on a
    midpoint grid of 2,000 points.
    """
    from scipy.stats import kurtosis, norm, skew

    r = _clean(returns, level)
    mu, sigma = float(r.mean()), float(r.std(ddof=1))
    s, k = float(skew(r, bias=False)), float(kurtosis(r, fisher=True, bias=False))
    var = -(mu + sigma * float(_cf_z(_norm_ppf(1.0 - level), s, k)))
    grid = (np.arange(2000) + 0.5) / 2000 * (1.0 - level)
    cvar = -(mu + sigma * float(np.mean(_cf_z(norm.ppf(grid), s, k))))
    return VarResult("cornish_fisher", level, var, cvar, r.shape[0])


def garch_filter(returns: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Fit a constant-mean GARCH(1,1) with ``arch``; return standardised residuals, mean and next-bar volatility."""
    from alphalab._optional import require

    arch_model = require("arch", purpose="filtered historical VaR").arch_model
    scale = 100.0  # arch's optimiser is happiest with returns in percent
    res = arch_model(returns * scale, mean="Constant", vol="GARCH", p=1, q=1, dist="normal").fit(disp="off")
    z = np.asarray(res.std_resid, dtype=np.float64)
    sigma_next = float(np.sqrt(res.forecast(horizon=1, reindex=False).variance.to_numpy()[-1, 0])) / scale
    return z[np.isfinite(z)], float(res.params["mu"]) / scale, sigma_next


def filtered_historical(returns: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95) -> VarResult:
    """Return the filtered historical VaR: GARCH(1,1) standardised residuals rescaled by the next-bar volatility."""
    r = _clean(returns, level, need=50)
    z, mu, sigma = garch_filter(r)
    q = float(np.quantile(z, 1.0 - level))
    tail = z[z <= q]
    return VarResult("filtered_historical", level, -(mu + sigma * q), -(mu + sigma * float(tail.mean())), r.shape[0])


_FUNCS = {"historical": historical, "parametric": parametric, "cornish_fisher": cornish_fisher,
          "filtered_historical": filtered_historical}


def value_at_risk(returns: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95,
                  method: str = "historical") -> VarResult:
    """Return VaR and CVaR of ``returns`` by ``method`` (one of :data:`METHODS`)."""
    if method not in _FUNCS:
        raise ConfigError(f"unknown VaR method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    return _FUNCS[method](returns, level)


def rolling_var(returns: pd.Series, window: int = 250, level: float = 0.95,
                method: str = "historical") -> pd.DataFrame:
    """Return VaR and CVaR at each bar from the ``window`` returns strictly before it (NaN until full)."""
    if window < 10:
        raise ConfigError(f"rolling VaR window must be at least 10 bars, got {window}")
    r = returns.to_numpy(dtype=np.float64)
    out = np.full((r.shape[0], 2), np.nan)
    for t in range(window, r.shape[0]):
        past = r[t - window:t]
        if np.isfinite(past).sum() >= max(10, window // 2):
            res = value_at_risk(past, level, method)
            out[t] = (res.var, res.cvar)
    return pd.DataFrame(out, index=returns.index, columns=["var", "cvar"])


def component_var(contributions: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Split the parametric (zero-mean) VaR of ``sum(contributions)`` into Euler components.

    ``contributions`` holds per-bar return contributions (by sleeve or asset) that add up to the
    portfolio return. Component i is ``-z cov(X_i, P) / sigma_P``; components add up to the total,
    and ``marginal`` is the component per unit of the contribution's own volatility.
    """
    x = contributions.dropna(how="any")
    if len(x) < 10:
        raise ConfigError(f"component VaR needs at least 10 complete bars, got {len(x)}")
    p = x.sum(axis=1)
    sigma_p = float(p.std(ddof=1))
    z = -_norm_ppf(1.0 - level)
    cov = np.array([np.cov(x[c], p, ddof=1)[0, 1] for c in x.columns])
    comp = z * cov / sigma_p if sigma_p > 0 else np.zeros(len(cov))
    total = z * sigma_p
    return pd.DataFrame({"component": comp, "share": comp / total if total > 0 else np.nan,
                         "standalone": z * x.std(ddof=1).to_numpy()}, index=x.columns)
