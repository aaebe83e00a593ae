"""Batch kernels of the volume indicators: OBV, volume SMA and VWAP (session or rolling).

(time, asset) float64 in and out; NaN policy as in :mod:`alphalab.indicators.nb_core`.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import gather, nan_2d, scatter, sma_1d, valid_rows

NS_PER_DAY = 86_400_000_000_000


@numba.njit(cache=True)
def obv_nb(close, volume):  # type: ignore[no-untyped-def]
    """On-balance volume, starting at the first bar's volume (as TA-Lib)."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close, volume), j)
        c = gather(close, idx, j)
        v = gather(volume, idx, j)
        r = np.empty(c.shape[0])
        if c.shape[0] > 0:
            total = v[0]
            r[0] = total
            for i in range(1, c.shape[0]):
                if c[i] > c[i - 1]:
                    total += v[i]
                elif c[i] < c[i - 1]:
                    total -= v[i]
                r[i] = total
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def volume_sma_nb(volume, period):  # type: ignore[no-untyped-def]
    """Simple moving average of volume."""
    out = nan_2d(volume.shape[0], volume.shape[1])
    for j in range(volume.shape[1]):
        idx = valid_rows((volume,), j)
        scatter(out, idx, j, sma_1d(gather(volume, idx, j), period))
    return out


@numba.njit(cache=True)
def _typical(high, low, close, idx, j):  # type: ignore[no-untyped-def]
    return (gather(high, idx, j) + gather(low, idx, j) + gather(close, idx, j)) / 3.0


@numba.njit(cache=True)
def vwap_session_nb(time, high, low, close, volume):  # type: ignore[no-untyped-def]
    """VWAP of the typical price since the start of each UTC day (``time`` in int64 ns, shape (T,)).

    The sums reset on the first valid bar of a new day; while the day's volume is still 0 the
    value is the typical price.
    """
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close, volume), j)
        tp = _typical(high, low, close, idx, j)
        v = gather(volume, idx, j)
        r = np.empty(tp.shape[0])
        pv = 0.0
        vol = 0.0
        day = np.int64(0)
        for k in range(tp.shape[0]):
            d = time[idx[k]] // NS_PER_DAY
            if k == 0 or d != day:
                pv = 0.0
                vol = 0.0
                day = d
            pv += tp[k] * v[k]
            vol += v[k]
            r[k] = pv / vol if vol > 0.0 else tp[k]
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def vwap_rolling_nb(high, low, close, volume, period):  # type: ignore[no-untyped-def]
    """VWAP of the typical price over the last ``period`` bars; the typical price when their volume is 0."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close, volume), j)
        tp = _typical(high, low, close, idx, j)
        v = gather(volume, idx, j)
        r = np.full(tp.shape[0], np.nan)
        pv = 0.0
        vol = 0.0
        for k in range(tp.shape[0]):
            pv += tp[k] * v[k]
            vol += v[k]
            if k >= period - 1:
                r[k] = pv / vol if vol > 0.0 else tp[k]
                old = k - period + 1
                pv -= tp[old] * v[old]
                vol -= v[old]
        scatter(out, idx, j, r)
    return out
