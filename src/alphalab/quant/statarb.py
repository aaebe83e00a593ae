"""Stat-arb baskets: residuals of a rolling PCA factor model and their z-scores across a universe.

At each row t the factor loadings come from the ``window`` returns *before* t (rows t-window .. t-1),
so the residual at t (today's return minus its projection on the top ``n_factors`` components) uses
no information after t. Cumulated residuals give a mean-reverting "spread" per asset; their
rolling z-scores are the entry signals of a residual mean-reversion basket.
"""

from __future__ import annotations

import numpy as np

from alphalab.core.errors import ConfigError


def pca_residuals(returns: object, *, window: int = 120, n_factors: int = 3) -> np.ndarray:
    """Return (time, asset) residual returns of a rolling PCA model fitted on the rows before t.

    Rows with any NaN return in the fitting window or at t give NaN.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 2 or not 1 <= n_factors < r.shape[1] or window <= r.shape[1]:
        raise ConfigError(
            f"PCA residuals need (time, asset) returns, 1 <= n_factors < assets and window > assets; "
            f"got shape {r.shape}, n_factors={n_factors}, window={window}"
        )
    out = np.full(r.shape, np.nan)
    for t in range(window, r.shape[0]):
        hist = r[t - window : t]
        if not np.isfinite(hist).all() or not np.isfinite(r[t]).all():
            continue
        mean = hist.mean(axis=0)
        sd = hist.std(axis=0)
        if (sd == 0).any():
            continue
        z = (hist - mean) / sd
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        loadings = vt[:n_factors]  # (k, asset), orthonormal rows
        today = (r[t] - mean) / sd
        out[t] = (today - (today @ loadings.T) @ loadings) * sd
    return out


def residual_zscores(residuals: object, *, window: int = 60) -> np.ndarray:
    """Return per asset the z-score of the cumulated residual over the last ``window`` rows (to t)."""
    res = np.asarray(residuals, dtype=np.float64)
    level = np.nancumsum(res, axis=0)
    level[np.isnan(res)] = np.nan
    out = np.full(res.shape, np.nan)
    for t in range(window - 1, res.shape[0]):
        w = level[t - window + 1 : t + 1]
        ok = np.isfinite(w).all(axis=0)
        sd = w.std(axis=0)
        good = ok & (sd > 0)
        out[t, good] = (level[t, good] - w[:, good].mean(axis=0)) / sd[good]
    return out


def basket_weights(zscores: object, *, entry: float = 2.0, exit: float = 0.5) -> np.ndarray:
    """Return dollar-neutral target weights of a residual mean-reversion basket, one row per bar.

    Per asset: short when z > ``entry``, long when z < -``entry``, flat once |z| < ``exit`` (the side
    is held in between). Each row's sides are demeaned across the assets with a side and scaled to
    a gross exposure of 1; a row with fewer than two active assets is flat. The row at t uses the
    z-scores up to t; trade it at the next open.
    """
    z = np.asarray(zscores, dtype=np.float64)
    if z.ndim != 2 or not 0 <= exit < entry:
        raise ConfigError(f"basket weights need (time, asset) z-scores and 0 <= exit < entry, got {z.shape}, {exit}, {entry}")
    side = np.zeros(z.shape[1])
    out = np.zeros(z.shape)
    for t in range(z.shape[0]):
        zt = z[t]
        known = np.isfinite(zt)
        side[~known] = 0.0
        side[known & (zt > entry)] = -1.0
        side[known & (zt < -entry)] = 1.0
        side[known & (np.abs(zt) < exit)] = 0.0
        active = side != 0
        if active.sum() < 2:
            continue
        w = np.where(active, side - side[active].mean(), 0.0)
        gross = np.abs(w).sum()
        if gross > 0:
            out[t] = w / gross
    return out
