"""Factor models: market beta, momentum, low volatility, user factors, and rolling cross-sectional
(Fama–MacBeth) regressions giving factor returns, plus a simple return attribution.

Arrays are (time, asset). Exposures at row t use data up to t; the factor return at row t+1 is the
cross-sectional regression of the returns of t+1 on the exposures of t, so both are causal.
"""

from __future__ import annotations

import numpy as np

from alphalab.core.errors import ConfigError


def _matrix(values: object, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ConfigError(f"{what} must be a (time, asset) array, got shape {arr.shape}")
    return arr


def rolling_beta(returns: object, market: object, window: int = 60) -> np.ndarray:
    """Return each asset's OLS beta on ``market`` over the last ``window`` rows up to t (NaN before)."""
    r = _matrix(returns, "returns")
    m = np.asarray(market, dtype=np.float64)
    if m.shape != (r.shape[0],) or window < 2:
        raise ConfigError(f"market must have one value per row ({r.shape[0]}) and window >= 2")
    out = np.full(r.shape, np.nan)
    for t in range(window - 1, r.shape[0]):
        mw = m[t - window + 1 : t + 1]
        rw = r[t - window + 1 : t + 1]
        dm = mw - mw.mean()
        var = float(dm @ dm)
        if var > 0:
            out[t] = dm @ (rw - rw.mean(axis=0)) / var
    return out


def momentum(close: object, lookback: int = 252, skip: int = 21) -> np.ndarray:
    """Return ``close[t - skip] / close[t - lookback] - 1`` (the 12-1 momentum with the defaults)."""
    c = _matrix(close, "close")
    if not 0 <= skip < lookback:
        raise ConfigError(f"momentum needs 0 <= skip < lookback, got skip={skip}, lookback={lookback}")
    out = np.full(c.shape, np.nan)
    out[lookback:] = c[lookback - skip : c.shape[0] - skip] / c[: c.shape[0] - lookback] - 1.0
    return out


def low_volatility(returns: object, window: int = 60) -> np.ndarray:
    """Return minus the rolling standard deviation of returns (higher = calmer), rows up to t."""
    r = _matrix(returns, "returns")
    out = np.full(r.shape, np.nan)
    for t in range(window - 1, r.shape[0]):
        out[t] = -r[t - window + 1 : t + 1].std(axis=0)
    return out


def cross_sectional_returns(returns: object, exposures: object, *, intercept: bool = True) -> np.ndarray:
    """Return (time, factors [+1]) factor returns: row t+1 regresses returns[t+1] on exposures[t].

    ``exposures`` is (time, asset, factor). Assets with a NaN return or exposure drop out of that
    row's regression; a row with fewer assets than coefficients is NaN. With ``intercept`` the
    first column is the cross-sectional mean (market) return.
    """
    r = _matrix(returns, "returns")
    x = np.asarray(exposures, dtype=np.float64)
    if x.ndim != 3 or x.shape[:2] != r.shape:
        raise ConfigError(f"exposures must be (time, asset, factor) matching returns {r.shape}, got {x.shape}")
    k = x.shape[2] + int(intercept)
    out = np.full((r.shape[0], k), np.nan)
    for t in range(1, r.shape[0]):
        design = x[t - 1]
        if intercept:
            design = np.column_stack([np.ones(r.shape[1]), design])
        ok = np.isfinite(r[t]) & np.isfinite(design).all(axis=1)
        if ok.sum() >= k:
            out[t] = np.linalg.lstsq(design[ok], r[t, ok], rcond=None)[0]
    return out


def attribution(weights: object, exposures: object, factor_returns: object) -> np.ndarray:
    """Return (time, factor) contributions ``sum_i w_i[t-1] * X_i[t-1] * f[t]`` of a portfolio's return."""
    w = _matrix(weights, "weights")
    x = np.asarray(exposures, dtype=np.float64)
    f = _matrix(factor_returns, "factor returns")
    if x.shape[:2] != w.shape or f.shape != (w.shape[0], x.shape[2]):
        raise ConfigError("weights (time, asset), exposures (time, asset, factor) and factor returns must align")
    out = np.full(f.shape, np.nan)
    out[1:] = np.einsum("ta,tak->tk", w[:-1], x[:-1]) * f[1:]
    return out
