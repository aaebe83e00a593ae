"""Numba kernels of the data layer: NumPy arrays in, NumPy arrays out."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def resample_ohlcv_nb(
    times: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    step: int,
    origin: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Aggregate sorted bars into buckets of ``step`` ns aligned to ``origin``, in one pass.

    Returns (labels, open, high, low, close, volume, last_row) where ``last_row`` is the position
    of each bucket's last source bar.
    """
    n = times.shape[0]
    labels = np.empty(n, dtype=np.int64)
    o = np.empty(n)
    h = np.empty(n)
    lo = np.empty(n)
    c = np.empty(n)
    v = np.empty(n)
    last = np.empty(n, dtype=np.int64)
    k = -1
    current = np.int64(0)
    for i in range(n):
        label = ((times[i] - origin) // step) * step + origin
        if k < 0 or label != current:
            k += 1
            current = label
            labels[k] = label
            o[k] = open_[i]
            h[k] = high[i]
            lo[k] = low[i]
            v[k] = 0.0
        else:
            if high[i] > h[k]:
                h[k] = high[i]
            if low[i] < lo[k]:
                lo[k] = low[i]
        c[k] = close[i]
        v[k] += volume[i]
        last[k] = i
    m = k + 1
    return labels[:m], o[:m], h[:m], lo[:m], c[:m], v[:m], last[:m]
