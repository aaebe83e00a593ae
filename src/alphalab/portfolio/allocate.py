"""Sleeve weights: static, equal, inverse volatility, and skfolio's risk parity, HRP, min variance, max Sharpe.

The optimisers are skfolio's (extra ``portfolio``); we only prepare the returns and read the
weights. When an optimiser fails or is infeasible (bounds that cannot sum to 1, too little data)
the stated ``fallback`` method is used and the result records that it was. A schedule computes the
weights of a rebalance bar t from the ``lookback`` returns strictly before t.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.portfolio.spec import AllocationSpec

_OPTIMISERS = ("risk_parity", "hrp", "min_variance", "max_sharpe")
_FREQ = {"daily": "D", "weekly": "W", "monthly": "M", "quarterly": "Q", "yearly": "Y"}


@dataclass(frozen=True, slots=True)
class Allocation:
    """Weights by sleeve, the method that produced them, and why a fallback was used (empty if none)."""

    weights: dict[str, float]
    method: str
    requested: str
    fallback_reason: str = ""


def _equal(cols: list[str]) -> dict[str, float]:
    return {c: 1.0 / len(cols) for c in cols}


def _inverse_vol(returns: pd.DataFrame) -> dict[str, float]:
    vol = returns.std(ddof=1)
    if not np.all(np.isfinite(vol)) or np.any(vol <= 0):
        raise ValueError("a sleeve has no volatility in the window")
    inv = 1.0 / vol
    return {str(k): float(v) for k, v in (inv / inv.sum()).items()}


def _skfolio(method: str, returns: pd.DataFrame, lo: float, hi: float) -> dict[str, float]:
    from alphalab._optional import require

    opt = require("skfolio.optimization", purpose=f"the {method} allocation")
    measures = require("skfolio", purpose=f"the {method} allocation")
    if method == "hrp":
        model = opt.HierarchicalRiskParity(min_weights=lo, max_weights=hi)
    elif method == "risk_parity":
        model = opt.RiskBudgeting(risk_measure=measures.RiskMeasure.VARIANCE, min_weights=lo, max_weights=hi)
    else:
        objective = (opt.ObjectiveFunction.MINIMIZE_RISK if method == "min_variance"
                     else opt.ObjectiveFunction.MAXIMIZE_RATIO)
        model = opt.MeanRisk(objective_function=objective, risk_measure=measures.RiskMeasure.VARIANCE,
                             min_weights=lo, max_weights=hi)
    w = np.asarray(model.fit(returns).weights_, dtype=np.float64)
    if w.shape != (returns.shape[1],) or not np.all(np.isfinite(w)) or abs(w.sum() - 1.0) > 1e-6:
        raise ValueError(f"the optimiser returned unusable weights {w.tolist()}")
    return {str(c): float(x) for c, x in zip(returns.columns, w, strict=True)}


def allocate(returns: pd.DataFrame, spec: AllocationSpec, static: Mapping[str, float] | None = None) -> Allocation:
    """Return sleeve weights from sleeve ``returns`` (bars x sleeves) by ``spec.method``, with fallback."""
    cols = [str(c) for c in returns.columns]
    if not cols:
        raise ConfigError("allocation needs at least one sleeve")
    method = spec.method
    try:
        return Allocation(_weights(method, returns.dropna(how="any"), spec, static, cols), method, method)
    except Exception as exc:  # any optimiser failure falls back, and says so
        if isinstance(exc, ConfigError) and "extra" in (exc.hint or ""):
            raise
        reason = f"{type(exc).__name__}: {exc}".strip()[:300]
    fb = spec.fallback
    try:
        weights = _weights(fb, returns.dropna(how="any"), spec, static, cols)
    except Exception as exc:  # the fallback itself cannot run (no static weights, no volatility)
        fb, weights = "equal", _equal(cols)
        reason += f"; fallback {spec.fallback} failed too ({type(exc).__name__}), used equal"
    return Allocation(weights, fb, method, reason)


def _weights(method: str, returns: pd.DataFrame, spec: AllocationSpec, static: Mapping[str, float] | None,
             cols: list[str]) -> dict[str, float]:
    if method == "equal":
        return _equal(cols)
    if method == "static":
        if static is None:
            raise ConfigError("the static allocation needs weights")
        return {c: float(static[c]) for c in cols}
    if len(returns) < max(3, len(cols) + 1):
        raise ValueError(f"{len(returns)} complete bars of sleeve returns are too few to estimate weights")
    if method == "inverse_vol":
        return _inverse_vol(returns)
    if method in _OPTIMISERS:
        return _skfolio(method, returns, spec.min_weight, spec.max_weight)
    raise ConfigError(f"unknown allocation method {method!r}")


def rebalance_bars(index: pd.DatetimeIndex, schedule: str) -> np.ndarray:
    """Return the bar positions where a new period of ``schedule`` starts (always including bar 0)."""
    if schedule == "none":
        return np.array([0], dtype=np.int64)
    if schedule not in _FREQ:
        raise ConfigError(f"unknown rebalance schedule {schedule!r}", hint=f"use none or one of {', '.join(_FREQ)}")
    naive = index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index
    period = naive.to_period(_FREQ[schedule]).asi8
    starts = np.flatnonzero(np.r_[True, period[1:] != period[:-1]])
    return starts.astype(np.int64)


def weight_schedule(returns: pd.DataFrame, spec: AllocationSpec,
                    static: Mapping[str, float] | None = None) -> tuple[pd.DataFrame, list[tuple[int, Allocation]]]:
    """Return weights per bar (held between rebalances) and each rebalance's (bar, allocation).

    The weights of rebalance bar t come from ``returns`` rows ``[t - lookback, t)`` only; before
    there are any returns the fallback (or static) weights apply.
    """
    bars = rebalance_bars(pd.DatetimeIndex(returns.index), spec.rebalance)
    out = np.full((len(returns), returns.shape[1]), np.nan)
    allocations = []
    for k, t in enumerate(bars):
        window = returns.iloc[max(0, t - spec.lookback_bars):t]
        alloc = allocate(window, spec, static)
        allocations.append((int(t), alloc))
        stop = bars[k + 1] if k + 1 < len(bars) else len(returns)
        out[t:stop] = [alloc.weights[str(c)] for c in returns.columns]
    return pd.DataFrame(out, index=returns.index, columns=returns.columns), allocations


def correlation_warnings(returns: pd.DataFrame, window: int, threshold: float) -> pd.DataFrame:
    """Return each time two sleeves' rolling correlation rises above ``threshold`` (time, a, b, correlation).

    The correlation at t uses the ``window`` bars ending at t; one row per excursion above the threshold.
    """
    rows = []
    cols = list(returns.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            corr = returns[a].rolling(window, min_periods=window).corr(returns[b])
            above = (corr > threshold).to_numpy()
            starts = np.flatnonzero(above & ~np.r_[False, above[:-1]])
            rows += [(returns.index[t], str(a), str(b), float(corr.iloc[t])) for t in starts]
    return pd.DataFrame(rows, columns=["time", "a", "b", "correlation"])
