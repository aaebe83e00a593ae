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
    direction,
    extreme_into,
    first_row,
    gather,
    nan_fill,
    nan_head,
    restore,
    scratch,
    tie_snap,
    true_range,
    valid_rows,
    wilder_feed,
)


@numba.njit(cache=True, inline="always")
def rsi_step(d, pos, ag, al, period):  # type: ignore[no-untyped-def]
    """Feed the ``pos``-th price change ``d`` to Wilder's RSI; return (rsi, ag, al); 0 when flat."""
    g, ag = wilder_feed(d if d > 0.0 else 0.0, pos, ag, period)
    lo, al = wilder_feed(-d if d < 0.0 else 0.0, pos, al, period)
    if pos < period - 1:
        return NAN, ag, al
    total = g + lo
    return (100.0 * (g / total) if total != 0.0 else 0.0), ag, al


@numba.njit(cache=True)
def rsi_into(x, period, out):  # type: ignore[no-untyped-def]
    """Wilder's RSI; the first value is at bar ``period``."""
    ag = al = 0.0
    for i in range(x.shape[0]):
        if np.isnan(x[i]):
            return False
        if i == 0:
            out[i] = NAN
            continue
        out[i], ag, al = rsi_step(x[i] - x[i - 1], i - 1, ag, al, period)
    return True


@numba.njit(cache=True)
def rsi_nb(close, period, out):  # type: ignore[no-untyped-def]
    """Relative strength index (Wilder's smoothing), 0..100."""
    a = close.shape[1]
    for j in range(a):
        s = first_row((close,), j)
        nan_head(out, j, s)
        if not rsi_into(close[s:, j], period, out[s:, j]):
            idx = valid_rows((close,), j)
            tmp = scratch(idx.shape[0])
            rsi_into(gather(close, idx, j), period, tmp)
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


@numba.njit(cache=True)
def adx_into(high, low, close, period, adx, pdi, mdi):  # type: ignore[no-untyped-def]
    """ADX, +DI and -DI with TA-Lib's Wilder sums (+DI/-DI from bar ``period``, ADX from ``2*period-1``)."""
    sp = sm = st = dx_sum = prev_adx = 0.0
    for i in range(close.shape[0]):
        if np.isnan(high[i]) or np.isnan(low[i]) or np.isnan(close[i]):
            return False
        adx[i] = NAN
        pdi[i] = NAN
        mdi[i] = NAN
        if i == 0:
            continue
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        plus = minus = 0.0
        if down > 0.0 and up < down:
            minus = down
        elif up > 0.0 and up > down:
            plus = up
        tr = true_range(high, low, close, i)
        if i < period:
            sp += plus
            sm += minus
            st += tr
            continue
        sp = sp - sp / period + plus
        sm = sm - sm / period + minus
        st = st - st / period + tr
        p = 100.0 * (sp / st) if st > 0.0 else 0.0
        m = 100.0 * (sm / st) if st > 0.0 else 0.0
        pdi[i] = p
        mdi[i] = m
        has_dx = st > 0.0 and p + m > 0.0
        dx = 100.0 * (abs(m - p) / (m + p)) if has_dx else 0.0
        if i < 2 * period - 1:
            dx_sum += dx
        elif i == 2 * period - 1:
            dx_sum += dx
            prev_adx = dx_sum / period
            adx[i] = prev_adx
        else:
            if has_dx:
                prev_adx = (prev_adx * (period - 1) + dx) / period
            adx[i] = prev_adx
    return True


@numba.njit(cache=True)
def adx_nb(high, low, close, period, outs):  # type: ignore[no-untyped-def]
    """Average directional index with +DI and -DI: (adx, plus_di, minus_di)."""
    a = close.shape[1]
    ins = (high, low, close)
    for j in range(a):
        s = first_row(ins, j)
        for o in outs:
            nan_head(o, j, s)
        o0, o1, o2 = outs[0][s:, j], outs[1][s:, j], outs[2][s:, j]
        if not adx_into(high[s:, j], low[s:, j], close[s:, j], period, o0, o1, o2):
            idx = valid_rows(ins, j)
            k = idx.shape[0]
            tmp = (scratch(k), scratch(k), scratch(k))
            h, lo, c = gather(high, idx, j), gather(low, idx, j), gather(close, idx, j)
            adx_into(h, lo, c, period, tmp[0], tmp[1], tmp[2])
            for m in range(3):
                restore(outs[m], idx, j, tmp[m])
