"""Pairs trading: hedge ratios (rolling OLS, Kalman filter), the spread, its z-score and half-life.

Every series is causal: the value at row t uses rows up to and including t only. Inputs are
1-D float arrays of equal length; rows where either leg is NaN are skipped and give NaN.

>>> import numpy as np
>>> x = np.arange(1.0, 41.0)
>>> hedge, _ = rolling_hedge_ratio(2.0 * x + 1.0, x, window=10)
>>> round(float(hedge[-1]), 12)
2.0
"""

from __future__ import annotations

import math

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.quant import nb


def _legs(y: object, x: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ya = np.asarray(y, dtype=np.float64)
    xa = np.asarray(x, dtype=np.float64)
    if ya.ndim != 1 or ya.shape != xa.shape:
        raise ConfigError(
            f"pairs need two 1-D series of equal length, got shapes {ya.shape} and {xa.shape}",
            hint="align both legs on the same bar times first",
        )
    valid = np.flatnonzero(np.isfinite(ya) & np.isfinite(xa))
    return np.ascontiguousarray(ya[valid]), np.ascontiguousarray(xa[valid]), valid


def _scatter(n: int, valid: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.full((n, *values.shape[1:]), np.nan)
    out[valid] = values
    return out


def rolling_hedge_ratio(y: object, x: object, window: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Return (hedge, intercept) of the OLS of ``y`` on ``x`` over the last ``window`` valid rows."""
    if int(window) < 2:
        raise ConfigError(f"rolling hedge window must be at least 2, got {window}")
    ys, xs, valid = _legs(y, x)
    beta = np.empty(ys.shape[0])
    alpha = np.empty(ys.shape[0])
    nb.rolling_ols_nb(ys, xs, int(window), beta, alpha)
    n = np.asarray(y).shape[0]
    return _scatter(n, valid, beta), _scatter(n, valid, alpha)


def kalman_hedge_ratio(y: object, x: object, delta: float = 1e-4, obs_var: float = 1e-3) -> np.ndarray:
    """Return an (n, 4) array: hedge, intercept, forecast error and its std from a Kalman filter.

    The hedge ratio and intercept follow random walks with variance ``delta / (1 - delta)``;
    ``obs_var`` is the observation noise. The forecast error at t (``y_t`` minus the prediction
    from the state after t-1) divided by its std is the classic Kalman pairs z-score.
    """
    if not 0.0 < float(delta) < 1.0 or float(obs_var) <= 0.0:
        raise ConfigError(
            f"Kalman hedge needs 0 < delta < 1 and obs_var > 0, got delta={delta}, obs_var={obs_var}"
        )
    ys, xs, valid = _legs(y, x)
    out = np.empty((ys.shape[0], 4))
    nb.kalman_hedge_nb(ys, xs, float(delta), float(obs_var), out)
    return _scatter(np.asarray(y).shape[0], valid, out)


def spread(y: object, x: object, hedge: np.ndarray, intercept: np.ndarray | None = None) -> np.ndarray:
    """Return ``y - hedge * x - intercept`` (intercept 0 when not given)."""
    s = np.asarray(y, dtype=np.float64) - np.asarray(hedge) * np.asarray(x, dtype=np.float64)
    return s if intercept is None else s - np.asarray(intercept)


def rolling_zscore(values: object, window: int = 60) -> np.ndarray:
    """Return ``(v_t - mean) / std`` over the last ``window`` valid values (population std); NaN before."""
    v = np.asarray(values, dtype=np.float64)
    if int(window) < 2:
        raise ConfigError(f"z-score window must be at least 2, got {window}")
    valid = np.flatnonzero(np.isfinite(v))
    vs = v[valid]
    out = np.full(vs.shape[0], np.nan)
    for t in range(int(window) - 1, vs.shape[0]):
        w = vs[t + 1 - int(window) : t + 1]
        sd = float(np.std(w))
        out[t] = (vs[t] - float(np.mean(w))) / sd if sd > 0 else np.nan
    return _scatter(v.shape[0], valid, out)


def half_life(values: object) -> float:
    """Return the mean-reversion half-life (in rows) of a spread from the AR(1) fit ``s_t = a + phi s_{t-1}``.

    ``-ln 2 / ln phi``; ``inf`` when the spread does not revert (phi >= 1), NaN on too few rows.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.shape[0] < 3:
        return math.nan
    lag = v[:-1]
    design = np.column_stack([np.ones_like(lag), lag])
    coef = np.linalg.lstsq(design, v[1:], rcond=None)[0]
    phi = float(coef[1])
    if phi >= 1.0:
        return math.inf
    if phi <= 0.0:
        return 0.0
    return -math.log(2.0) / math.log(phi)
