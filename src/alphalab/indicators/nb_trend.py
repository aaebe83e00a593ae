"""Batch kernels of the moving averages and trend indicators: (time, asset) float64 in and out.

Every kernel follows the NaN policy of :mod:`alphalab.indicators.nb_core`: a bar with a NaN
input is skipped (NaN out, state untouched); each column is computed on its own valid bars.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    atr_1d,
    ema_1d,
    gather,
    mask_before,
    nan_2d,
    rolling_extreme_1d,
    scatter,
    sma_1d,
    valid_rows,
    wma_1d,
)


@numba.njit(cache=True)
def sma_nb(close, period):  # type: ignore[no-untyped-def]
    """Simple moving average of each column."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, sma_1d(gather(close, idx, j), period))
    return out


@numba.njit(cache=True)
def ema_nb(close, period):  # type: ignore[no-untyped-def]
    """Exponential moving average, seeded with the SMA of the first ``period`` values (as TA-Lib)."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, ema_1d(gather(close, idx, j), period, period - 1))
    return out


@numba.njit(cache=True)
def wma_nb(close, period):  # type: ignore[no-untyped-def]
    """Linearly weighted moving average."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, wma_1d(gather(close, idx, j), period))
    return out


@numba.njit(cache=True)
def dema_nb(close, period):  # type: ignore[no-untyped-def]
    """Double EMA: 2 * EMA - EMA(EMA)."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        e1 = ema_1d(gather(close, idx, j), period, period - 1)
        e2 = ema_1d(e1, period, period - 1)
        scatter(out, idx, j, 2.0 * e1 - e2)
    return out


@numba.njit(cache=True)
def tema_nb(close, period):  # type: ignore[no-untyped-def]
    """Triple EMA: 3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA))."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        e1 = ema_1d(gather(close, idx, j), period, period - 1)
        e2 = ema_1d(e1, period, period - 1)
        e3 = ema_1d(e2, period, period - 1)
        scatter(out, idx, j, 3.0 * e1 - 3.0 * e2 + e3)
    return out


@numba.njit(cache=True)
def hma_nb(close, period):  # type: ignore[no-untyped-def]
    """Hull moving average: WMA(2 * WMA(x, period // 2) - WMA(x, period), floor(sqrt(period)))."""
    out = nan_2d(close.shape[0], close.shape[1])
    half = period // 2
    root = int(np.sqrt(period))
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        raw = 2.0 * wma_1d(x, half) - wma_1d(x, period)
        scatter(out, idx, j, wma_1d(raw, root))
    return out


@numba.njit(cache=True)
def macd_nb(close, fast, slow, signal):  # type: ignore[no-untyped-def]
    """MACD line, signal line and histogram, seeded exactly like TA-Lib's MACD.

    Both EMAs start at bar ``slow - 1`` (the fast one seeded with the mean of the last ``fast``
    values there); the signal is an EMA of the MACD line; all three outputs start at bar
    ``slow + signal - 2``.
    """
    t, a = close.shape
    line = nan_2d(t, a)
    sig = nan_2d(t, a)
    hist = nan_2d(t, a)
    for j in range(a):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        m = ema_1d(x, fast, slow - 1) - ema_1d(x, slow, slow - 1)
        s = ema_1d(m, signal, signal - 1)
        lead = slow + signal - 2
        scatter(line, idx, j, mask_before(m, lead))
        scatter(sig, idx, j, s)
        scatter(hist, idx, j, m - s)
    return line, sig, hist


@numba.njit(cache=True)
def linreg_slope_1d(x, period):  # type: ignore[no-untyped-def]
    """Least-squares slope of the last ``period`` values against 0..period-1, in O(1) per bar."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    sx = period * (period - 1) / 2.0
    sxx = period * (period - 1) * (2.0 * period - 1) / 6.0
    div = period * sxx - sx * sx
    wsum = 0.0
    total = 0.0
    for i in range(n):
        if i < period - 1:
            wsum += x[i] * i
            total += x[i]
            continue
        wsum += x[i] * (period - 1)
        total += x[i]
        out[i] = (period * wsum - sx * total) / div
        total -= x[i - period + 1]
        wsum -= total
    return out


@numba.njit(cache=True)
def linreg_slope_nb(close, period):  # type: ignore[no-untyped-def]
    """Linear-regression slope (price units per bar) over ``period`` bars."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, linreg_slope_1d(gather(close, idx, j), period))
    return out


@numba.njit(cache=True)
def _midpoint(high, low, period):  # type: ignore[no-untyped-def]
    return (rolling_extreme_1d(high, period, True) + rolling_extreme_1d(low, period, False)) / 2.0


@numba.njit(cache=True)
def _delay(x, lag):  # type: ignore[no-untyped-def]
    out = np.full(x.shape[0], np.nan)
    for i in range(lag, x.shape[0]):
        out[i] = x[i - lag]
    return out


@numba.njit(cache=True)
def ichimoku_nb(high, low, close, tenkan, kijun, senkou, displacement):  # type: ignore[no-untyped-def]
    """Ichimoku lines, every one causal (known at the close of its bar).

    ``senkou_a``/``senkou_b`` at bar t are the cloud values *drawn* at t, i.e. computed at
    ``t - displacement``; ``chikou`` at bar t is the close of t (the lagging line's newest point,
    drawn ``displacement`` bars back), NaN until ``displacement`` bars exist to draw it on.
    """
    t, a = close.shape
    outs = (nan_2d(t, a), nan_2d(t, a), nan_2d(t, a), nan_2d(t, a), nan_2d(t, a))
    for j in range(a):
        idx = valid_rows((high, low, close), j)
        h = gather(high, idx, j)
        lo = gather(low, idx, j)
        ten = _midpoint(h, lo, tenkan)
        kij = _midpoint(h, lo, kijun)
        scatter(outs[0], idx, j, ten)
        scatter(outs[1], idx, j, kij)
        scatter(outs[2], idx, j, _delay((ten + kij) / 2.0, displacement))
        scatter(outs[3], idx, j, _delay(_midpoint(h, lo, senkou), displacement))
        scatter(outs[4], idx, j, mask_before(gather(close, idx, j), displacement))
    return outs


@numba.njit(cache=True)
def supertrend_1d(high, low, close, period, multiplier):  # type: ignore[no-untyped-def]
    """Supertrend line and direction (+1 up, -1 down) from Wilder's ATR and the hl2 bands."""
    n = close.shape[0]
    value = np.full(n, np.nan)
    direction = np.full(n, np.nan)
    atr = atr_1d(high, low, close, period)
    if period >= n:
        return value, direction
    upper = 0.0
    lower = 0.0
    trend = 1.0
    for i in range(period, n):
        mid = (high[i] + low[i]) / 2.0
        basic_up = mid + multiplier * atr[i]
        basic_lo = mid - multiplier * atr[i]
        if i == period:
            upper = basic_up
            lower = basic_lo
        else:
            if basic_up < upper or close[i - 1] > upper:
                upper = basic_up
            if basic_lo > lower or close[i - 1] < lower:
                lower = basic_lo
            if trend > 0.0 and close[i] < lower:
                trend = -1.0
            elif trend < 0.0 and close[i] > upper:
                trend = 1.0
        value[i] = lower if trend > 0.0 else upper
        direction[i] = trend
    return value, direction


@numba.njit(cache=True)
def supertrend_nb(high, low, close, period, multiplier):  # type: ignore[no-untyped-def]
    """Supertrend of each column: (value, direction)."""
    t, a = close.shape
    value = nan_2d(t, a)
    direction = nan_2d(t, a)
    for j in range(a):
        idx = valid_rows((high, low, close), j)
        v, d = supertrend_1d(
            gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), period, multiplier
        )
        scatter(value, idx, j, v)
        scatter(direction, idx, j, d)
    return value, direction
