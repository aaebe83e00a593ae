"""GARCH, GJR-GARCH and EGARCH volatility forecasts, refitted on a schedule, never on the future.

Fitting is done by ``arch`` itself (so parameters equal ``arch`` called directly); between refits
the fitted recursion is continued bar by bar in numba (:func:`alphalab.quant.nb.garch_path_nb`).

Schedule (in valid bars of the series): returns are ``100 * ln(c_t / c_{t-1})``; once ``min_obs``
returns are known, the model is fitted at that bar and then every ``refit_every`` bars, each time
on the last ``window`` returns up to and including that bar. The value at bar t is the forecast
of the next bar's volatility made at the close of t (a fraction per bar, e.g. 0.012), from the
parameters of the latest refit at or before t: nothing at or after t+1 is used.

>>> import numpy as np
>>> close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 300)))
>>> vol = garch_vol(close, kind="garch", min_obs=100, refit_every=50)
>>> bool(np.isnan(vol[:100]).all() and np.isfinite(vol[100:]).all())
True
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from alphalab._optional import require
from alphalab.core.errors import ConfigError
from alphalab.quant import nb

KINDS = {"garch": nb.KIND_GARCH, "gjr": nb.KIND_GJR, "egarch": nb.KIND_EGARCH}


@dataclass(frozen=True, slots=True)
class GarchFit:
    """One fit: ``params`` = (mu, omega, alpha, gamma, beta) in percent-return units, and its start state."""

    kind: str
    params: np.ndarray
    backcast: float
    converged: bool

    @property
    def ok(self) -> bool:
        """True when the fit produced finite parameters."""
        return bool(np.isfinite(self.params).all() and math.isfinite(self.backcast))


def arch_spec(kind: str) -> dict[str, object]:
    """Return the ``arch_model`` keyword arguments that define model ``kind``."""
    if kind not in KINDS:
        raise ConfigError(f"GARCH kind {kind!r} is unknown", hint=f"use one of: {', '.join(KINDS)}")
    vol = "EGARCH" if kind == "egarch" else "GARCH"
    return {"mean": "Constant", "vol": vol, "p": 1, "o": 0 if kind == "garch" else 1, "q": 1, "dist": "normal"}


def _failed(kind: str) -> GarchFit:
    return GarchFit(kind, np.full(5, np.nan), math.nan, False)


def fit_garch(returns: np.ndarray, kind: str = "garch") -> GarchFit:
    """Fit model ``kind`` to percent ``returns`` with ``arch``; a failed fit has NaN parameters.

    ``arch`` warnings (convergence, scale) are recorded in ``converged`` rather than raised.
    """
    spec = arch_spec(kind)
    arch = require("arch", purpose="GARCH volatility models")
    r = np.ascontiguousarray(returns, dtype=np.float64)
    if r.shape[0] < 10 or not np.isfinite(r).all() or float(np.std(r)) == 0.0:
        return _failed(kind)
    model = arch.arch_model(r, rescale=False, **spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = model.fit(disp="off", show_warning=True)
        except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
            return _failed(kind)
    p = res.params.to_numpy()
    gamma = 0.0 if kind == "garch" else float(p[3])
    beta = float(p[-1])
    params = np.array([p[0], p[1], p[2], gamma, beta], dtype=np.float64)
    backcast = float(model.volatility.backcast(r - params[0]))
    converged = int(res.convergence_flag) == 0 and not caught
    return GarchFit(kind, params, backcast, converged)


def refit_points(n_returns: int, min_obs: int, refit_every: int) -> list[int]:
    """Return the return counts (1-based) at which the model is refitted: min_obs, +refit_every, ..."""
    return list(range(min_obs, n_returns + 1, refit_every))


def _check(kind: str, min_obs: int, refit_every: int, window: int) -> None:
    if kind not in KINDS:
        raise ConfigError(f"GARCH kind {kind!r} is unknown", hint=f"use one of: {', '.join(KINDS)}")
    if min_obs < 10 or refit_every < 1 or window < min_obs:
        raise ConfigError(
            f"GARCH schedule min_obs={min_obs}, refit_every={refit_every}, window={window} is invalid",
            hint="use min_obs >= 10, refit_every >= 1 and window >= min_obs",
        )


def pct_returns(close: np.ndarray) -> np.ndarray:
    """Return ``100 * ln(c_t / c_{t-1})`` for consecutive values (scalar ``math.log``, as the stream does)."""
    return np.array([100.0 * math.log(close[i] / close[i - 1]) for i in range(1, close.shape[0])])


def garch_variance_forecasts(
    returns: np.ndarray, kind: str, min_obs: int, refit_every: int, window: int
) -> np.ndarray:
    """Return, per return, the next-return variance forecast (percent²) on the refit schedule; NaN before min_obs."""
    _check(kind, min_obs, refit_every, window)
    n = returns.shape[0]
    out = np.full(n, np.nan)
    points = refit_points(n, min_obs, refit_every)
    for j, count in enumerate(points):
        start = max(0, count - window)
        fit = fit_garch(returns[start:count], kind)
        stop = points[j + 1] if j + 1 < len(points) else n
        if not fit.ok:
            continue
        path = np.empty(stop - start)
        nb.garch_path_nb(KINDS[kind], fit.params, fit.backcast, returns[start:stop], path)
        out[count - 1 : stop] = path[count - 1 - start :]
    return out


def garch_vol(
    close: np.ndarray, kind: str = "garch", min_obs: int = 50, refit_every: int = 20, window: int = 1000
) -> np.ndarray:
    """Return the next-bar volatility forecast (fraction per bar) at every bar of a 1-D ``close``.

    NaN closes are missing bars: their value is NaN and the model runs over the valid bars only.
    """
    c = np.asarray(close, dtype=np.float64)
    if c.ndim != 1:
        raise ConfigError(f"garch_vol needs a 1-D close series, got shape {c.shape}")
    valid = np.flatnonzero(np.isfinite(c))
    out = np.full(c.shape[0], np.nan)
    if valid.shape[0] < 2:
        _check(kind, min_obs, refit_every, window)
        return out
    var = garch_variance_forecasts(pct_returns(c[valid]), kind, min_obs, refit_every, window)
    out[valid[1:]] = np.sqrt(var) / 100.0
    return out


def vol_target_weights(
    vol: np.ndarray, target: float, periods_per_year: float, max_leverage: float = 1.0
) -> np.ndarray:
    """Return position weights ``target / (vol * sqrt(periods_per_year))`` capped at ``max_leverage``.

    ``vol`` is a per-bar volatility forecast (e.g. :func:`garch_vol`), ``target`` an annual
    volatility (0.10 = 10 %). A NaN or zero forecast gives weight 0 (no position without a forecast).
    """
    if target <= 0 or periods_per_year <= 0 or max_leverage <= 0:
        raise ConfigError(
            f"vol targeting needs positive target, periods_per_year and max_leverage, got "
            f"{target}, {periods_per_year}, {max_leverage}"
        )
    v = np.asarray(vol, dtype=np.float64) * math.sqrt(periods_per_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(np.isfinite(v) & (v > 0), target / v, 0.0)
    return np.minimum(w, max_leverage)
