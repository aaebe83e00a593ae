"""Batch kernels of the oscillators and momentum indicators: (time, asset) float64 in and out.

NaN policy as in :mod:`alphalab.indicators.nb_core` (fast path on the column, gathered fallback
on interior NaNs). Ratios whose denominator is zero (a flat window) are defined as TA-Lib defines
them, usually 0, so that no NaN appears after warm-up.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    NAN,
    any_nan,
    column,
    direction,
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
    tie_snap,
    true_range,
    valid_rows,
    wilder_factors,
)


@numba.njit(cache=True, fastmath={"contract"})
def rsi_into(x, period, out):  # type: ignore[no-untyped-def]
    """Wilder's RSI; the first value is at bar ``period``; 0 when flat.

    Written for speed: the seed and the recursion are separate loops without per-bar branches
    on the warm-up, and a NaN input is detected once, after the loop (a NaN change poisons
    ``bad``), so the loop body is the two Wilder steps and the ratio.
    """
    n = x.shape[0]
    m = min(period + 1, n)
    ag = al = 0.0
    bad = False
    for i in range(m):
        out[i] = NAN
        if i == 0:
            bad |= np.isnan(x[0])
            continue
        d = x[i] - x[i - 1]
        bad |= np.isnan(d)
        ag += d if d > 0.0 else 0.0
        al += -d if d < 0.0 else 0.0
    if bad:
        return False
    if n <= period:
        return True
    ag /= period
    al /= period
    total = ag + al
    out[period] = 100.0 * (ag / total) if total != 0.0 else 0.0
    a, b = wilder_factors(period)
    for i in range(period + 1, n):
        d = x[i] - x[i - 1]
        bad |= np.isnan(d)
        ag = ag * a + (d if d > 0.0 else 0.0) * b
        al = al * a + (-d if d < 0.0 else 0.0) * b
        total = ag + al
        out[i] = 100.0 * (ag / total) if total != 0.0 else 0.0
    return not bad


@numba.njit(cache=True)
def rsi_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Relative strength index (Wilder's smoothing), 0..100."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        o = out_column(out, j, s)
        if rsi_into(column(close, j, s), period, o):
            put_column(out, j, s, o)
        else:
            idx = valid_rows((close,), j)
            tmp = np.empty(idx.shape[0])
            rsi_into(gather_c(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True, inline="always")
def ring_sma(v, q, p, ring, c, total):  # type: ignore[no-untyped-def]
    """Feed the ``q``-th value ``v`` to an SMA(``p``) whose last ``p`` inputs live in ``ring``.

    Returns (value, c, total); ``c`` is the ring's next slot.
    """
    ring[c] = v
    c = c + 1 if c + 1 < p else 0
    total += v
    if q < p - 1:
        return NAN, c, total
    out = total / p
    return out, c, total - ring[c]


@numba.njit(cache=True)
def stoch_tail(fast, q, smooth_k, d_period, ring_k, ring_d, st):  # type: ignore[no-untyped-def]
    """Smooth the ``q``-th fast %K into (%K, %D); ``st`` = [c_k, total_k, c_d, total_d] is updated."""
    k, ck, tk = ring_sma(fast, q, smooth_k, ring_k, int(st[0]), st[1])
    st[0] = ck
    st[1] = tk
    if q < smooth_k - 1:
        return NAN, NAN
    d, cd, td = ring_sma(k, q - smooth_k + 1, d_period, ring_d, int(st[2]), st[3])
    st[2] = cd
    st[3] = td
    return k, d


@numba.njit(cache=True)
def stoch_smooth(hh, ll, close, start, k_period, d_period, smooth_k, lead, k_out, d_out):  # type: ignore[no-untyped-def]
    """Fast %K from the rolling extremes (``ll`` may alias ``k_out``), smoothed into %K and %D.

    ``hh``, ``ll`` and ``close`` are valid from ``start`` (the outputs before it are NaN); returns
    False when ``close`` holds a NaN from there.
    """
    ring_k = np.empty(smooth_k)
    ring_d = np.empty(d_period)
    st = np.zeros(4)
    for i in range(close.shape[0]):
        c = close[i]
        if i >= start and np.isnan(c):
            return False
        k = d = NAN
        q = i - start - k_period + 1
        if q >= 0:
            diff = hh[i] - ll[i]
            fast = 100.0 * (c - ll[i]) / diff if diff != 0.0 else 0.0
            k, d = stoch_tail(fast, q, smooth_k, d_period, ring_k, ring_d, st)
        k_out[i] = k if i >= lead else NAN
        d_out[i] = d
    return True


@numba.njit(cache=True)
def stoch_into(high, low, close, k_period, d_period, smooth_k, k_out, d_out):  # type: ignore[no-untyped-def]
    """Slow stochastic of one compact series; both outputs start at the common warm-up."""
    lead = k_period + smooth_k + d_period - 3
    hh = scratch(close.shape[0])
    if not (extreme_into(high, k_period, True, hh) and extreme_into(low, k_period, False, k_out)):
        return False
    return stoch_smooth(hh, k_out, close, 0, k_period, d_period, smooth_k, lead, k_out, d_out)


@numba.njit(cache=True)
def stoch_nb(high, low, close, k_period, d_period, smooth_k, outs):  # type: ignore[no-untyped-def]
    """Stochastic oscillator: %K (fast %K smoothed by an SMA of ``smooth_k``) and %D (SMA of %K).

    Both outputs start at bar ``k_period + smooth_k + d_period - 3``, as in TA-Lib's STOCH.
    """
    a = close.shape[1]
    k_out, d_out = outs
    ins = (high, low, close)
    pars = (k_period, d_period, smooth_k)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(k_out, j, s)
        nan_head(d_out, j, s)
        if not stoch_into(high[s:, j], low[s:, j], close[s:, j], *pars, k_out[s:, j], d_out[s:, j]):
            idx = valid_rows(ins, j)
            k, d = scratch(idx.shape[0]), scratch(idx.shape[0])
            stoch_into(gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), *pars, k, d)
            restore(k_out, idx, j, k)
            restore(d_out, idx, j, d)


@numba.njit(cache=True)
def stochrsi_into(x, period, k_period, d_period, smooth_k, k_out, d_out):  # type: ignore[no-untyped-def]
    """Stochastic RSI of one compact series: RSI, its rolling extremes, then the smoothing."""
    n = x.shape[0]
    lead = period + k_period + smooth_k + d_period - 3
    r = scratch(n)
    if not rsi_into(x, period, r):
        return False
    hh = scratch(n)
    if n > period:
        extreme_into(r[period:], k_period, True, hh[period:])
        extreme_into(r[period:], k_period, False, k_out[period:])
    return stoch_smooth(hh, k_out, r, period, k_period, d_period, smooth_k, lead, k_out, d_out)


@numba.njit(cache=True)
def stochrsi_nb(close, period, k_period, d_period, smooth_k, outs):  # type: ignore[no-untyped-def]
    """Stochastic RSI: the stochastic oscillator applied to RSI(``period``); outputs %K and %D."""
    a = close.shape[1]
    k_out, d_out = outs
    pars = (period, k_period, d_period, smooth_k)
    for j in range(a):
        s = first_row((close,), j)
        nan_head(k_out, j, s)
        nan_head(d_out, j, s)
        if not stochrsi_into(close[s:, j], *pars, k_out[s:, j], d_out[s:, j]):
            idx = valid_rows((close,), j)
            k, d = scratch(idx.shape[0]), scratch(idx.shape[0])
            stochrsi_into(gather(close, idx, j), *pars, k, d)
            restore(k_out, idx, j, k)
            restore(d_out, idx, j, d)


@numba.njit(cache=True)
def cci_into(high, low, close, period, out):  # type: ignore[no-untyped-def]
    """CCI of the typical price; the window lives twice in a ring of ``2 * period`` (contiguous reads).

    The window is taken relative to the newest typical price (``tie_snap``: exact differences,
    ties within a few ulps set to 0), so the mean and the mean deviation carry no rounding of the
    price level and |CCI| never exceeds its bound ``period / (2 * 0.015)``.
    """
    ring = np.empty(2 * period)
    c = 0
    for i in range(close.shape[0]):
        if np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(close[i]):
            return False
        tp = (high[i] + low[i] + close[i]) / 3.0
        ring[c] = tp
        ring[c + period] = tp
        c = c + 1 if c + 1 < period else 0
        if i < period - 1:
            out[i] = NAN
            continue
        total = 0.0
        for k in range(c, c + period):
            total += tie_snap(ring[k], tp)
        mean = total / period
        dev = 0.0
        for k in range(c, c + period):
            dev += abs(tie_snap(ring[k], tp) - mean)
        out[i] = -mean / (0.015 * (dev / period)) if mean != 0.0 and dev != 0.0 else 0.0
    return True


@numba.njit(cache=True)
def cci_nb(high, low, close, period, out):  # type: ignore[no-untyped-def]
    """Commodity channel index on the typical price (high + low + close) / 3."""
    a = close.shape[1]
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(out, j, s)
        if not cci_into(high[s:, j], low[s:, j], close[s:, j], period, out[s:, j]):
            idx = valid_rows(ins, j)
            tmp = scratch(idx.shape[0])
            cci_into(gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def change_into(x, period, pct, out):  # type: ignore[no-untyped-def]
    """Momentum ``x - x[t - period]``, or with ``pct`` the rate of change in percent (0 on a 0 base)."""
    n = x.shape[0]
    if any_nan(x):
        return False
    nan_fill(out, 0, min(period, n))
    if n <= period:
        return True
    new = x[period:]  # aligned views keep the loops simple enough to vectorise
    old = x[: n - period]
    res = out[period:]
    if pct:
        for i in range(n - period):
            base = old[i]
            res[i] = (new[i] / base - 1.0) * 100.0 if base != 0.0 else 0.0
    else:
        for i in range(n - period):
            res[i] = new[i] - old[i]
    return True


@numba.njit(cache=True)
def change_nb(close, period, pct, out):  # type: ignore[no-untyped-def]
    """Column driver of :func:`change_into`."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not change_into(close[s:, j], period, pct, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            change_into(gather(close, idx, j), period, pct, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def roc_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Rate of change in percent: 100 * (x / x[t - period] - 1); 0 when the old value is 0."""
    change_nb(close, period, True, out)


@numba.njit(cache=True)
def mom_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Momentum: x - x[t - period]."""
    change_nb(close, period, False, out)


@numba.njit(cache=True)
def willr_into(high, low, close, period, out):  # type: ignore[no-untyped-def]
    """Williams %R of one compact series (the lowest low is computed in ``out``, then replaced)."""
    hh = scratch(close.shape[0])
    if not (extreme_into(high, period, True, hh) and extreme_into(low, period, False, out)):
        return False
    for i in range(close.shape[0]):
        c = close[i]
        if np.isnan(c):
            return False
        if i < period - 1:
            continue
        diff = hh[i] - out[i]
        out[i] = -100.0 * (hh[i] - c) / diff if diff != 0.0 else 0.0
    return True


@numba.njit(cache=True)
def willr_nb(high, low, close, period, out):  # type: ignore[no-untyped-def]
    """Williams %R: -100 * (highest high - close) / (highest high - lowest low); 0 when flat."""
    a = close.shape[1]
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(out, j, s)
        if not willr_into(high[s:, j], low[s:, j], close[s:, j], period, out[s:, j]):
            idx = valid_rows(ins, j)
            tmp = scratch(idx.shape[0])
            willr_into(gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True)
def mfi_into(high, low, close, volume, period, out):  # type: ignore[no-untyped-def]
    """Money flow index from running sums; the last ``period`` flows live in ring buffers.

    A typical price within a few ulps of the previous one is a tie (``direction``): no flow. A
    side with no flow left in the window has a sum of exactly 0 (not the round-off of the flows
    that left it), so a window of only falls gives exactly 0 and one of only rises exactly 100.
    """
    n = close.shape[0]
    pos = np.empty(period)
    neg = np.empty(period)
    c = 0
    tp_prev = 0.0
    pos_sum = neg_sum = 0.0
    pos_n = neg_n = 0
    for i in range(n):
        if np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(close[i]) or np.isnan(volume[i]):
            return False
        tp = (high[i] + low[i] + close[i]) / 3.0
        if i == 0:
            tp_prev = tp
            out[i] = NAN
            continue
        way = direction(tp, tp_prev)
        tp_prev = tp
        p = tp * volume[i] if way > 0 else 0.0
        m = tp * volume[i] if way < 0 else 0.0
        pos[c] = p
        neg[c] = m
        c = c + 1 if c + 1 < period else 0
        pos_sum += p
        neg_sum += m
        pos_n += p != 0.0
        neg_n += m != 0.0
        if i < period:
            out[i] = NAN
            continue
        pos_sum = pos_sum if pos_n > 0 else 0.0
        neg_sum = neg_sum if neg_n > 0 else 0.0
        total = pos_sum + neg_sum
        out[i] = 100.0 * (pos_sum / total) if total > 0.0 else 0.0
        pos_sum -= pos[c]
        neg_sum -= neg[c]
        pos_n -= pos[c] != 0.0
        neg_n -= neg[c] != 0.0
    return True


@numba.njit(cache=True)
def mfi_nb(high, low, close, volume, period, out):  # type: ignore[no-untyped-def]
    """Money flow index, 0..100."""
    a = close.shape[1]
    ins = (high, low, close, volume)
    for j in range(a):
        s = first_row(ins, j)
        nan_head(out, j, s)
        if not mfi_into(high[s:, j], low[s:, j], close[s:, j], volume[s:, j], period, out[s:, j]):
            idx = valid_rows(ins, j)
            tmp = scratch(idx.shape[0])
            h, lo, c, v = (
                gather(high, idx, j),
                gather(low, idx, j),
                gather(close, idx, j),
                gather(volume, idx, j),
            )
            mfi_into(h, lo, c, v, period, tmp)
            restore(out, idx, j, tmp)


@numba.njit(cache=True, inline="always")
def directional_move(high, low, close, i):  # type: ignore[no-untyped-def]
    """(+DM, -DM, true range) of bar ``i >= 1``, as TA-Lib decides them."""
    up = high[i] - high[i - 1]
    down = low[i - 1] - low[i]
    plus = minus = 0.0
    if down > 0.0 and up < down:
        minus = down
    elif up > 0.0 and up > down:
        plus = up
    return plus, minus, true_range(high, low, close, i)


@numba.njit(cache=True, inline="always")
def di_step(high, low, close, i, a, sums):  # type: ignore[no-untyped-def]
    """One Wilder step of the +DM/-DM/TR sums (``sums`` updated); return (+DI, -DI, DX, has_dx)."""
    plus, minus, tr = directional_move(high, low, close, i)
    sp = sums[0] * a + plus
    sm = sums[1] * a + minus
    st = sums[2] * a + tr
    sums[0] = sp
    sums[1] = sm
    sums[2] = st
    p = 100.0 * (sp / st) if st > 0.0 else 0.0
    m = 100.0 * (sm / st) if st > 0.0 else 0.0
    has_dx = st > 0.0 and p + m > 0.0
    return p, m, (100.0 * (abs(m - p) / (m + p)) if has_dx else 0.0), has_dx


@numba.njit(cache=True, fastmath={"contract"})
def adx_into(high, low, close, period, adx, pdi, mdi):  # type: ignore[no-untyped-def]
    """ADX, +DI and -DI with TA-Lib's Wilder sums (+DI/-DI from bar ``period``, ADX from ``2*period-1``).

    The sums step as ``sum * a + move`` and the ADX as ``adx * a + dx * b``
    (:func:`alphalab.indicators.nb_core.wilder_factors`); warm-up, seed and recursion are separate
    loops and NaN inputs are reported after them.
    """
    n = close.shape[0]
    bad = False
    sums = np.zeros(3)
    for i in range(min(period, n)):
        bad |= np.isnan(high[i]) | np.isnan(low[i]) | np.isnan(close[i])
        adx[i] = pdi[i] = mdi[i] = NAN
        if i > 0:
            plus, minus, tr = directional_move(high, low, close, i)
            sums[0] += plus
            sums[1] += minus
            sums[2] += tr
    if bad:
        return False
    a, b = wilder_factors(period)
    dx_sum = 0.0
    for i in range(period, min(2 * period, n)):
        bad |= np.isnan(high[i]) | np.isnan(low[i]) | np.isnan(close[i])
        pdi[i], mdi[i], dx, _ = di_step(high, low, close, i, a, sums)
        dx_sum += dx
        adx[i] = dx_sum / period if i == 2 * period - 1 else NAN
    prev = dx_sum / period
    for i in range(2 * period, n):
        bad |= np.isnan(high[i]) | np.isnan(low[i]) | np.isnan(close[i])
        pdi[i], mdi[i], dx, has_dx = di_step(high, low, close, i, a, sums)
        if has_dx:
            prev = prev * a + dx * b
        adx[i] = prev
    return not bad


@numba.njit(cache=True)
def adx_nb(high, low, close, period, outs):  # type: ignore[no-untyped-def]
    """Average directional index with +DI and -DI: (adx, plus_di, minus_di)."""
    a = close.shape[1]
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        for o in outs:
            nan_head(o, j, s)
        o0, o1, o2 = out_column(outs[0], j, s), out_column(outs[1], j, s), out_column(outs[2], j, s)
        if adx_into(column(high, j, s), column(low, j, s), column(close, j, s), period, o0, o1, o2):
            put_column(outs[0], j, s, o0)
            put_column(outs[1], j, s, o1)
            put_column(outs[2], j, s, o2)
        else:
            idx = valid_rows(ins, j)
            k = idx.shape[0]
            tmp = (np.empty(k), np.empty(k), np.empty(k))
            h, lo, c = gather_c(high, idx, j), gather_c(low, idx, j), gather_c(close, idx, j)
            adx_into(h, lo, c, period, tmp[0], tmp[1], tmp[2])
            for m in range(3):
                restore(outs[m], idx, j, tmp[m])
