"""Numba kernels of the ML features: fixed-width fractional differentiation and Amihud illiquidity.

Both skip NaN rows (the caller compresses to valid rows), and both sum their window oldest-first
in the same order as their streaming twins in :mod:`alphalab.ml.indicators`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def fracdiff_weights_nb(d: float, width: int) -> np.ndarray:
    """Return ``w_k`` for k = 0..width-1 with ``w_0 = 1`` and ``w_k = -w_{k-1} (d - k + 1) / k``."""
    w = np.empty(width)
    w[0] = 1.0
    for k in range(1, width):
        w[k] = -w[k - 1] * (d - k + 1.0) / k
    return w


@njit(cache=True)
def fracdiff_nb(x: np.ndarray, d: float, width: int, out: np.ndarray) -> None:
    """Fill ``out[t] = sum_k w_k x_{t-k}`` over the last ``width`` values (NaN before), oldest term first."""
    w = fracdiff_weights_nb(d, width)
    n = x.shape[0]
    for t in range(n):
        if t + 1 < width:
            out[t] = np.nan
            continue
        acc = 0.0
        for k in range(width - 1, -1, -1):
            acc += w[k] * x[t - k]
        out[t] = acc


@njit(cache=True)
def amihud_nb(close: np.ndarray, volume: np.ndarray, period: int, out: np.ndarray) -> None:
    """Fill ``out[t]`` with the mean over the last ``period`` bars of ``|r_i| / (close_i * volume_i)``.

    ``r_i`` is the simple return from the previous valid close; a bar with zero volume has no
    ratio, so a window containing one is NaN.
    """
    n = close.shape[0]
    ratio = np.full(n, np.nan)
    for i in range(1, n):
        dv = close[i] * volume[i]
        if dv > 0.0:
            ratio[i] = abs(close[i] / close[i - 1] - 1.0) / dv
    for t in range(n):
        if t < period:
            out[t] = np.nan
            continue
        acc = 0.0
        for i in range(t + 1 - period, t + 1):
            acc += ratio[i]
        out[t] = acc / period
