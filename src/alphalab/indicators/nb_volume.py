"""Batch kernels of the volume indicators: OBV, volume SMA and VWAP (session or rolling).

(time, asset) float64 in and out; NaN policy as in :mod:`alphalab.indicators.nb_core` (fast path
on the column, gathered fallback on interior NaNs).
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    NAN,
    direction,
    first_row,
    gather,
    nan_head,
    restore,
    scratch,
    sma_into,
    valid_rows,
)

NS_PER_DAY = 86_400_000_000_000


@numba.njit(cache=True)
def obv_into(close, volume, out):  # type: ignore[no-untyped-def]
    """On-balance volume of one compact series, starting at the first bar's volume.

    A close within a few ulps of the previous one is a tie (``direction``): the volume is not counted.
    """
    total = 0.0
    for i in range(close.shape[0]):
        c = close[i]
        v = volume[i]
        if np.isnan(c) or np.isnan(v):
            return False
        if i == 0:
            total = v
        else:
            way = direction(c, close[i - 1])
            if way > 0:
                total += v
            elif way < 0:
                total -= v
        out[i] = total
    return True


@numba.njit(cache=True)
def obv_nb(close, volume, out):  # type: ignore[no-untyped-def]
    """On-balance volume, starting at the first bar's volume (as TA-Lib)."""
    a = close.shape[1]
    ins = (close, volume)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(out, j, s)
        if not obv_into(close[s:, j], volume[s:, j], out[s:, j]):
            idx = valid_rows(ins, j)
            tmp = scratch(idx.shape[0])
            obv_into(gather(close, idx, j), gather(volume, idx, j), tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def volume_sma_nb(volume, period, out):  # type: ignore[no-untyped-def]
    """Simple moving average of volume."""
    a = volume.shape[1]
    for j in range(a):
        s = first_row((volume,), j)
        nan_head(out, j, s)
        if not sma_into(volume[s:, j], period, out[s:, j]):
            idx = valid_rows((volume,), j)
            tmp = scratch(idx.shape[0])
            sma_into(gather(volume, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def vwap_into(time, high, low, close, volume, period, out):  # type: ignore[no-untyped-def]
    """VWAP of one compact series: per UTC day when ``period`` is 0 (``time`` in ns), else rolling."""
    pv = 0.0
    vol = 0.0
    day = np.int64(0)
    for i in range(close.shape[0]):
        v = volume[i]
        if np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(close[i]) or np.isnan(v):
            return False
        tp = (high[i] + low[i] + close[i]) / 3.0
        if period == 0:
            d = time[i] // NS_PER_DAY
            if i == 0 or d != day:
                pv = 0.0
                vol = 0.0
                day = d
        pv += tp * v
        vol += v
        if period == 0 or i >= period - 1:
            out[i] = pv / vol if vol > 0.0 else tp
        else:
            out[i] = NAN
        if period > 0 and i >= period - 1:
            old = i - period + 1
            pv -= (high[old] + low[old] + close[old]) / 3.0 * volume[old]
            vol -= volume[old]
    return True


@numba.njit(cache=True)
def vwap_cols(time, high, low, close, volume, period, out):  # type: ignore[no-untyped-def]
    """Column driver of :func:`vwap_into`."""
    a = close.shape[1]
    ins = (high, low, close, volume)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(out, j, s)
        tj = time[s:] if time.shape[0] > 0 else time
        if not vwap_into(tj, high[s:, j], low[s:, j], close[s:, j], volume[s:, j], period, out[s:, j]):
            idx = valid_rows(ins, j)
            tmp = scratch(idx.shape[0])
            h, lo, c, v = (
                gather(high, idx, j),
                gather(low, idx, j),
                gather(close, idx, j),
                gather(volume, idx, j),
            )
            vwap_into(time[idx] if time.shape[0] > 0 else time, h, lo, c, v, period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def vwap_session_nb(time, high, low, close, volume, out):  # type: ignore[no-untyped-def]
    """VWAP of the typical price since the start of each UTC day (``time`` in int64 ns, shape (T,)).

    The sums reset on the first valid bar of a new day; while the day's volume is still 0 the
    value is the typical price.
    """
    vwap_cols(time, high, low, close, volume, 0, out)


@numba.njit(cache=True)
def vwap_rolling_nb(high, low, close, volume, period, out):  # type: ignore[no-untyped-def]
    """VWAP of the typical price over the last ``period`` bars; the typical price when their volume is 0."""
    vwap_cols(np.empty(0, dtype=np.int64), high, low, close, volume, period, out)
