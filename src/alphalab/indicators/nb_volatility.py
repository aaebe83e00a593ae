"""Batch kernels of the volatility, channel and rolling-statistics indicators.

(time, asset) float64 in and out; NaN policy as in :mod:`alphalab.indicators.nb_core` (fast path
on the column, gathered fallback on interior NaNs).
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    NAN,
    any_nan,
    column,
    ema_feed,
    extreme_into,
    first_row,
    gather,
    gather_c,
    nan_fill,
    nan_head,
    out_column,
    put_column,
    restore,
    scratch,
    true_range,
    valid_rows,
    wilder_factors,
    wilder_feed,
)
from alphalab.indicators.nb_stats import BANDS, STDDEV, VARIANCE, ZSCORE, moments_into, var_into


@numba.njit(cache=True)
def bbands_into(x, period, std, mid, up, lo, pb, bw):  # type: ignore[no-untyped-def]
    """Bollinger Bands of one compact series from the stable rolling moments.

    %b is ``0.5 + z / (2 * std)`` with the centred z-score (exact to ~1e-10 even when the band
    is narrower than the price's ulp), bandwidth ``2 * std * sd / mean``; a zero-width band gives
    %b 0.5 and bandwidth 0. The moments pass leaves the std in ``up`` and the deviation in ``pb``.
    """
    n = x.shape[0]
    if not moments_into(x, period, BANDS, mid, up, pb):
        return False
    m = min(period - 1, n)
    for o in (up, lo, pb, bw):
        nan_fill(o, 0, m)
    for i in range(m, n):
        m1 = mid[i]
        half = std * up[i]
        dev = pb[i]
        up[i] = m1 + half
        lo[i] = m1 - half
        pb[i] = (dev + half) / (2.0 * half) if half > 0.0 else 0.5
        bw[i] = 2.0 * half / m1 if m1 != 0.0 else 0.0
    return True


@numba.njit(cache=True)
def bbands_nb(close, period, std, outs):  # type: ignore[no-untyped-def]
    """Bollinger Bands: (middle, upper, lower, percent_b, bandwidth) with the population std.

    ``percent_b`` is 0.5 and ``bandwidth`` 0 when the band has zero width.
    """
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        for o in outs:
            nan_head(o, j, s)
        o0, o1, o2, o3, o4 = outs[0][s:, j], outs[1][s:, j], outs[2][s:, j], outs[3][s:, j], outs[4][s:, j]
        if not bbands_into(close[s:, j], period, std, o0, o1, o2, o3, o4):
            idx = valid_rows((close,), j)
            k = idx.shape[0]
            tmp = (scratch(k), scratch(k), scratch(k), scratch(k), scratch(k))
            bbands_into(gather(close, idx, j), period, std, tmp[0], tmp[1], tmp[2], tmp[3], tmp[4])
            for m in range(5):
                restore(outs[m], idx, j, tmp[m])


@numba.njit(cache=True, fastmath={"contract"})
def atr_into(high, low, close, period, pct, out):  # type: ignore[no-untyped-def]
    """Wilder's ATR (first value at bar ``period``); with ``pct`` in percent of the close (0 on a 0 close).

    Seed and recursion in separate loops; NaN inputs are collected in ``bad`` and reported after
    the loop (as :func:`alphalab.indicators.nb_momentum.rsi_into`).
    """
    n = close.shape[0]
    m = min(period + 1, n)
    bad = False
    total = 0.0
    for i in range(m):
        bad |= np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(close[i])
        out[i] = NAN
        if i > 0:
            total += true_range(high, low, close, i)
    if bad:
        return False
    if n <= period:
        return True
    prev = total / period
    c = close[period]
    out[period] = prev if not pct else ((prev / c) * 100.0 if c != 0.0 else 0.0)
    a, b = wilder_factors(period)
    for i in range(period + 1, n):
        c = close[i]
        bad |= np.isnan(high[i]) | np.isnan(low[i]) | np.isnan(c)
        prev = prev * a + true_range(high, low, close, i) * b
        if pct:
            out[i] = (prev / c) * 100.0 if c != 0.0 else 0.0
        else:
            out[i] = prev
    return not bad


@numba.njit(cache=True)
def atr_cols(high, low, close, period, pct, out):  # type: ignore[no-untyped-def]
    """Column driver of :func:`atr_into` (C-contiguous columns, see :func:`alphalab.indicators.nb_core.column`)."""
    a = close.shape[1]
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(out, j, s)
        o = out_column(out, j, s)
        if atr_into(column(high, j, s), column(low, j, s), column(close, j, s), period, pct, o):
            put_column(out, j, s, o)
        else:
            idx = valid_rows(ins, j)
            tmp = np.empty(idx.shape[0])
            atr_into(gather_c(high, idx, j), gather_c(low, idx, j), gather_c(close, idx, j), period, pct, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def atr_nb(high, low, close, period, out):  # type: ignore[no-untyped-def]
    """Average true range (Wilder), first value at bar ``period`` as in TA-Lib."""
    atr_cols(high, low, close, period, False, out)


@numba.njit(cache=True)
def natr_nb(high, low, close, period, out):  # type: ignore[no-untyped-def]
    """Normalised ATR in percent of the close: (ATR / close) * 100; 0 when the close is 0."""
    atr_cols(high, low, close, period, True, out)


@numba.njit(cache=True)
def donchian_into(high, low, period, up, mid, lo):  # type: ignore[no-untyped-def]
    """Donchian channel of one compact series: two rolling extremes and their midpoint."""
    if not (extreme_into(high, period, True, up) and extreme_into(low, period, False, lo)):
        return False
    for i in range(high.shape[0]):
        mid[i] = (up[i] + lo[i]) / 2.0
    return True


@numba.njit(cache=True)
def donchian_nb(high, low, period, outs):  # type: ignore[no-untyped-def]
    """Donchian channel: (upper, middle, lower) = highest high, midpoint, lowest low."""
    a = high.shape[1]
    ins = (high, low)
    for j in range(a):
        s = first_row(ins, j)
        for o in outs:
            nan_head(o, j, s)
        if not donchian_into(high[s:, j], low[s:, j], period, outs[0][s:, j], outs[1][s:, j], outs[2][s:, j]):
            idx = valid_rows(ins, j)
            k = idx.shape[0]
            tmp = (scratch(k), scratch(k), scratch(k))
            donchian_into(gather(high, idx, j), gather(low, idx, j), period, tmp[0], tmp[1], tmp[2])
            for m in range(3):
                restore(outs[m], idx, j, tmp[m])


@numba.njit(cache=True)
def keltner_into(high, low, close, period, atr_period, mult, mid, up, lo):  # type: ignore[no-untyped-def]
    """Keltner channel of one compact series: EMA and Wilder ATR in one pass."""
    k = 2.0 / (period + 1.0)
    total = prev = 0.0
    atr = 0.0
    for i in range(close.shape[0]):
        c = close[i]
        if np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(c):
            return False
        e, total, prev = ema_feed(c, i, total, prev, period, period - 1, k)
        a = NAN
        if i >= 1:
            a, atr = wilder_feed(true_range(high, low, close, i), i - 1, atr, atr_period)
        mid[i] = e
        up[i] = e + mult * a
        lo[i] = e - mult * a
    return True


@numba.njit(cache=True)
def keltner_nb(high, low, close, period, atr_period, multiplier, outs):  # type: ignore[no-untyped-def]
    """Keltner channel: (middle, upper, lower) = EMA(close) and EMA ± multiplier * ATR."""
    a = close.shape[1]
    ins = (high, low, close)
    pars = (period, atr_period, multiplier)
    for j in range(a):
        s = first_row(ins, j)
        for o in outs:
            nan_head(o, j, s)
        o0, o1, o2 = outs[0][s:, j], outs[1][s:, j], outs[2][s:, j]
        if not keltner_into(high[s:, j], low[s:, j], close[s:, j], *pars, o0, o1, o2):
            idx = valid_rows(ins, j)
            k = idx.shape[0]
            tmp = (scratch(k), scratch(k), scratch(k))
            h, lo, c = gather(high, idx, j), gather(low, idx, j), gather(close, idx, j)
            keltner_into(h, lo, c, *pars, tmp[0], tmp[1], tmp[2])
            for m in range(3):
                restore(outs[m], idx, j, tmp[m])


@numba.njit(cache=True)
def extreme_cols(close, period, is_max, out):  # type: ignore[no-untyped-def]
    """Column driver of the rolling maximum (``is_max``) or minimum."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not extreme_into(close[s:, j], period, is_max, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            extreme_into(gather(close, idx, j), period, is_max, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def var_cols(close, period, what, out):  # type: ignore[no-untyped-def]
    """Column driver of :func:`alphalab.indicators.nb_stats.var_into`."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not var_into(close[s:, j], period, what, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            var_into(gather(close, idx, j), period, what, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def stddev_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Rolling population standard deviation (numerically stable, see :mod:`alphalab.indicators.nb_stats`)."""
    var_cols(close, period, STDDEV, out)


@numba.njit(cache=True)
def zscore_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Rolling z-score (x - SMA) / population std; 0 when the std is 0."""
    var_cols(close, period, ZSCORE, out)


@numba.njit(cache=True)
def highest_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Rolling maximum over ``period`` bars."""
    extreme_cols(close, period, True, out)


@numba.njit(cache=True)
def lowest_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Rolling minimum over ``period`` bars."""
    extreme_cols(close, period, False, out)


@numba.njit(cache=True)
def hv_into(x, period, scale, root_ppy, out):  # type: ignore[no-untyped-def]
    """Historical volatility of one compact series: the stable rolling variance of its log returns."""
    n = x.shape[0]
    if any_nan(x):
        return False
    if n == 0:
        return True
    out[0] = NAN
    r = scratch(n - 1)
    for i in range(1, n):
        r[i - 1] = np.log(x[i] / x[i - 1])
    var_into(r, period, VARIANCE, out[1:])
    for i in range(1, n):
        out[i] = np.sqrt(out[i] * scale) * root_ppy
    return True


@numba.njit(cache=True)
def hv_nb(close, period, periods_per_year, out):  # type: ignore[no-untyped-def]
    """Historical volatility: sample std (ddof=1) of ``period`` log returns × sqrt(periods_per_year)."""
    a = close.shape[1]
    scale = period / (period - 1.0)
    root_ppy = np.sqrt(periods_per_year)
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not hv_into(close[s:, j], period, scale, root_ppy, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            hv_into(gather(close, idx, j), period, scale, root_ppy, tmp)
            restore(out, idx, j, tmp)
