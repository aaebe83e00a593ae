"""Batch kernels of the moving averages and trend indicators: (time, asset) float64 in and out.

Every kernel follows the NaN policy of :mod:`alphalab.indicators.nb_core`: a bar with a NaN
input is skipped (NaN out, state untouched); each column is computed on its own valid bars. Each
kernel runs its 1-D core straight on the column (fast path) and falls back to the gathered valid
rows only when the column has an interior NaN.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    NAN,
    ema_feed,
    ema_into,
    extreme_into,
    first_row,
    gather,
    nan_fill,
    nan_head,
    restore,
    scratch,
    sma_into,
    true_range,
    valid_rows,
    wilder_feed,
    wma_into,
)
from alphalab.indicators.nb_stats import linreg_slope_into


@numba.njit(cache=True)
def sma_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Simple moving average of each column."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not sma_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            sma_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def ema_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Exponential moving average, seeded with the SMA of the first ``period`` values (as TA-Lib)."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not ema_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            ema_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def wma_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Linearly weighted moving average."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not wma_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            wma_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def dema_into(x, period, out):  # type: ignore[no-untyped-def]
    """Double EMA 2 * EMA - EMA(EMA) in one pass (the inner EMA seeds on the outer one's values).

    After the warm-up both recurrences run in a branch-free loop (the same operations).
    """
    n = x.shape[0]
    k = 2.0 / (period + 1.0)
    lead = 2 * (period - 1)
    t1 = p1 = t2 = p2 = 0.0
    for i in range(min(lead + 1, n)):
        v = x[i]
        if np.isnan(v):
            return False
        e1, t1, p1 = ema_feed(v, i, t1, p1, period, period - 1, k)
        out[i] = NAN
        if i >= period - 1:
            e2, t2, p2 = ema_feed(e1, i - period + 1, t2, p2, period, period - 1, k)
            out[i] = 2.0 * e1 - e2
    for i in range(lead + 1, n):
        v = x[i]
        if np.isnan(v):
            return False
        p1 = (v - p1) * k + p1
        p2 = (p1 - p2) * k + p2
        out[i] = 2.0 * p1 - p2
    return True


@numba.njit(cache=True)
def tema_into(x, period, out):  # type: ignore[no-untyped-def]
    """Triple EMA 3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA)) in one pass (branch-free after the warm-up)."""
    n = x.shape[0]
    k = 2.0 / (period + 1.0)
    lead = 3 * (period - 1)
    t1 = p1 = t2 = p2 = t3 = p3 = 0.0
    e2 = NAN
    for i in range(min(lead + 1, n)):
        v = x[i]
        if np.isnan(v):
            return False
        e1, t1, p1 = ema_feed(v, i, t1, p1, period, period - 1, k)
        if i >= period - 1:
            e2, t2, p2 = ema_feed(e1, i - period + 1, t2, p2, period, period - 1, k)
        out[i] = NAN
        if i >= 2 * (period - 1):
            e3, t3, p3 = ema_feed(e2, i - 2 * (period - 1), t3, p3, period, period - 1, k)
            out[i] = 3.0 * e1 - 3.0 * e2 + e3
    for i in range(lead + 1, n):
        v = x[i]
        if np.isnan(v):
            return False
        p1 = (v - p1) * k + p1
        p2 = (p1 - p2) * k + p2
        p3 = (p2 - p3) * k + p3
        out[i] = 3.0 * p1 - 3.0 * p2 + p3
    return True


@numba.njit(cache=True)
def dema_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Double EMA: 2 * EMA - EMA(EMA)."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not dema_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            dema_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def tema_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Triple EMA: 3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA))."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not tema_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            tema_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True, inline="always")
def wma_step(x, i, p, divider, wsum, plain):  # type: ignore[no-untyped-def]
    """One WMA(``p``) step at bar ``i`` of ``x``; return (value, wsum, plain)."""
    v = x[i]
    if i < p - 1:
        return NAN, wsum + v * (i + 1), plain + v
    wsum += v * p
    plain += v
    out = wsum / divider
    return out, wsum - plain, plain - x[i - p + 1]


@numba.njit(cache=True)
def hma_into(x, period, out):  # type: ignore[no-untyped-def]
    """Hull MA WMA(2 * WMA(x, period // 2) - WMA(x, period), floor(sqrt(period))) in one pass.

    The outer WMA keeps its last ``root`` inputs in a ring buffer.
    """
    half = period // 2
    root = int(np.sqrt(period))
    dh = half * (half + 1) / 2.0
    df = period * (period + 1) / 2.0
    dr = root * (root + 1) / 2.0
    ring = np.empty(root)
    wh = ph = wf = pf = wr = pr = 0.0
    c = 0
    for i in range(x.shape[0]):
        if np.isnan(x[i]):
            return False
        vh, wh, ph = wma_step(x, i, half, dh, wh, ph)
        vf, wf, pf = wma_step(x, i, period, df, wf, pf)
        q = i - (period - 1)
        if q < 0:
            out[i] = NAN
            continue
        raw = 2.0 * vh - vf
        ring[c] = raw
        c = c + 1 if c + 1 < root else 0
        if q < root - 1:
            wr += raw * (q + 1)
            pr += raw
            out[i] = NAN
            continue
        wr += raw * root
        pr += raw
        out[i] = wr / dr
        wr -= pr
        pr -= ring[c]
    return True


@numba.njit(cache=True)
def hma_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Hull moving average: WMA(2 * WMA(x, period // 2) - WMA(x, period), floor(sqrt(period)))."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not hma_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            hma_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def macd_into(x, fast, slow, signal, line, sig, hist):  # type: ignore[no-untyped-def]
    """MACD, signal and histogram in one pass; every output starts at bar ``slow + signal - 2``.

    The warm-up runs through the seeding steps; from the first output on, the three recurrences
    run in a branch-free loop (the same operations the seeding steps would do).
    """
    n = x.shape[0]
    kf = 2.0 / (fast + 1.0)
    ks = 2.0 / (slow + 1.0)
    kg = 2.0 / (signal + 1.0)
    lead = slow + signal - 2
    tf = pf = ts = ps = tg = pg = 0.0
    for i in range(min(lead + 1, n)):
        v = x[i]
        if np.isnan(v):
            return False
        ef, tf, pf = ema_feed(v, i, tf, pf, fast, slow - 1, kf)
        es, ts, ps = ema_feed(v, i, ts, ps, slow, slow - 1, ks)
        line[i] = sig[i] = hist[i] = NAN
        if i >= slow - 1:
            m = ef - es
            sg, tg, pg = ema_feed(m, i - slow + 1, tg, pg, signal, signal - 1, kg)
            if i == lead:
                line[i] = m
                sig[i] = sg
                hist[i] = m - sg
    for i in range(lead + 1, n):
        v = x[i]
        if np.isnan(v):
            return False
        pf = (v - pf) * kf + pf
        ps = (v - ps) * ks + ps
        m = pf - ps
        pg = (m - pg) * kg + pg
        line[i] = m
        sig[i] = pg
        hist[i] = m - pg
    return True


@numba.njit(cache=True)
def macd_nb(close, fast, slow, signal, outs):  # type: ignore[no-untyped-def]
    """MACD line, signal line and histogram, seeded exactly like TA-Lib's MACD.

    Both EMAs start at bar ``slow - 1`` (the fast one seeded with the mean of the last ``fast``
    values there); the signal is an EMA of the MACD line; all three outputs start at bar
    ``slow + signal - 2``.
    """
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        for o in outs:
            nan_head(o, j, s)
        if not macd_into(close[s:, j], fast, slow, signal, outs[0][s:, j], outs[1][s:, j], outs[2][s:, j]):
            idx = valid_rows((close,), j)
            k = idx.shape[0]
            tmp = (scratch(k), scratch(k), scratch(k))
            macd_into(gather(close, idx, j), fast, slow, signal, tmp[0], tmp[1], tmp[2])
            for m in range(3):
                restore(outs[m], idx, j, tmp[m])


@numba.njit(cache=True)
def linreg_slope_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Linear-regression slope (price units per bar) over ``period`` bars."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not linreg_slope_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            linreg_slope_into(gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def shift_into(o, lag):  # type: ignore[no-untyped-def]
    """Delay the 1-D ``o`` by ``lag`` positions in place (NaN for the first ``lag``)."""
    n = o.shape[0]
    for i in range(n - 1, lag - 1, -1):
        o[i] = o[i - lag]
    nan_fill(o, 0, min(lag, n))


@numba.njit(cache=True)
def midpoint_into(high, low, period, out, tmp):  # type: ignore[no-untyped-def]
    """``out`` = (highest high + lowest low) / 2 over ``period`` bars; ``tmp`` is scratch space."""
    if not (extreme_into(high, period, True, tmp) and extreme_into(low, period, False, out)):
        return False
    for i in range(out.shape[0]):
        out[i] = (tmp[i] + out[i]) / 2.0
    return True


@numba.njit(cache=True)
def ichimoku_into(high, low, close, tenkan, kijun, senkou, disp, o0, o1, o2, o3, o4):  # type: ignore[no-untyped-def]
    """Ichimoku lines of one compact series (the spans are shifted in place at the end)."""
    n = close.shape[0]
    tmp = scratch(n)
    if not (
        midpoint_into(high, low, tenkan, o0, tmp)
        and midpoint_into(high, low, kijun, o1, tmp)
        and midpoint_into(high, low, senkou, o3, tmp)
    ):
        return False
    for i in range(n):
        c = close[i]
        if np.isnan(c):
            return False
        o2[i] = (o0[i] + o1[i]) / 2.0
        o4[i] = c if i >= disp else NAN
    shift_into(o2, disp)
    shift_into(o3, disp)
    return True


@numba.njit(cache=True)
def ichimoku_nb(high, low, close, tenkan, kijun, senkou, displacement, outs):  # type: ignore[no-untyped-def]
    """Ichimoku lines, every one causal (known at the close of its bar).

    ``senkou_a``/``senkou_b`` at bar t are the cloud values *drawn* at t, i.e. computed at
    ``t - displacement``; ``chikou`` at bar t is the close of t (the lagging line's newest point,
    drawn ``displacement`` bars back), NaN until ``displacement`` bars exist to draw it on.
    """
    a = close.shape[1]
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        for o in outs:
            nan_head(o, j, s)
        o0, o1, o2, o3, o4 = outs[0][s:, j], outs[1][s:, j], outs[2][s:, j], outs[3][s:, j], outs[4][s:, j]
        pars = (tenkan, kijun, senkou, displacement)
        if not ichimoku_into(high[s:, j], low[s:, j], close[s:, j], *pars, o0, o1, o2, o3, o4):
            idx = valid_rows(ins, j)
            k = idx.shape[0]
            tmp = (scratch(k), scratch(k), scratch(k), scratch(k), scratch(k))
            h, lo, c = gather(high, idx, j), gather(low, idx, j), gather(close, idx, j)
            ichimoku_into(h, lo, c, *pars, tmp[0], tmp[1], tmp[2], tmp[3], tmp[4])
            for m in range(5):
                restore(outs[m], idx, j, tmp[m])


@numba.njit(cache=True)
def supertrend_into(high, low, close, period, multiplier, value, direction):  # type: ignore[no-untyped-def]
    """Supertrend line and direction (+1 up, -1 down) from Wilder's ATR and the hl2 bands."""
    n = close.shape[0]
    atr = 0.0
    upper = 0.0
    lower = 0.0
    trend = 1.0
    for i in range(n):
        if np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(close[i]):
            return False
        if i == 0:
            value[i] = NAN
            direction[i] = NAN
            continue
        a, atr = wilder_feed(true_range(high, low, close, i), i - 1, atr, period)
        if i < period:
            value[i] = NAN
            direction[i] = NAN
            continue
        mid = (high[i] + low[i]) / 2.0
        basic_up = mid + multiplier * a
        basic_lo = mid - multiplier * a
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
    return True


@numba.njit(cache=True)
def supertrend_nb(high, low, close, period, multiplier, outs):  # type: ignore[no-untyped-def]
    """Supertrend of each column: (value, direction)."""
    a = close.shape[1]
    value, direction = outs
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(value, j, s)
        nan_head(direction, j, s)
        if not supertrend_into(
            high[s:, j], low[s:, j], close[s:, j], period, multiplier, value[s:, j], direction[s:, j]
        ):
            idx = valid_rows(ins, j)
            v, d = scratch(idx.shape[0]), scratch(idx.shape[0])
            h, lo, c = gather(high, idx, j), gather(low, idx, j), gather(close, idx, j)
            supertrend_into(h, lo, c, period, multiplier, v, d)
            restore(value, idx, j, v)
            restore(direction, idx, j, d)
