"""Batch kernels of the oscillators and momentum indicators: (time, asset) float64 in and out.

NaN policy as in :mod:`alphalab.indicators.nb_core`. Ratios whose denominator is zero (a flat
window) are defined as TA-Lib defines them, usually 0, so that no NaN appears after warm-up.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    gather,
    mask_before,
    nan_2d,
    rolling_extreme_1d,
    scatter,
    sma_1d,
    stoch_k_1d,
    true_range_1d,
    valid_rows,
    wilder_1d,
)


@numba.njit(cache=True)
def rsi_1d(x, period):  # type: ignore[no-untyped-def]
    """Wilder's RSI; the first value is at bar ``period``; 0 when the window has no change."""
    n = x.shape[0]
    gain = np.full(n, np.nan)
    loss = np.full(n, np.nan)
    s = 0
    while s < n and np.isnan(x[s]):
        s += 1
    for i in range(s + 1, n):
        d = x[i] - x[i - 1]
        gain[i] = d if d > 0.0 else 0.0
        loss[i] = -d if d < 0.0 else 0.0
    ag = wilder_1d(gain, period)
    al = wilder_1d(loss, period)
    out = np.full(n, np.nan)
    for i in range(n):
        if not np.isnan(ag[i]):
            total = ag[i] + al[i]
            out[i] = 100.0 * (ag[i] / total) if total != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def rsi_nb(close, period):  # type: ignore[no-untyped-def]
    """Relative strength index (Wilder's smoothing), 0..100."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, rsi_1d(gather(close, idx, j), period))
    return out


@numba.njit(cache=True)
def stoch_nb(high, low, close, k_period, d_period, smooth_k):  # type: ignore[no-untyped-def]
    """Stochastic oscillator: %K (fast %K smoothed by an SMA of ``smooth_k``) and %D (SMA of %K).

    Both outputs start at bar ``k_period + smooth_k + d_period - 3``, as in TA-Lib's STOCH.
    """
    t, a = close.shape
    k_out = nan_2d(t, a)
    d_out = nan_2d(t, a)
    lead = k_period + smooth_k + d_period - 3
    for j in range(a):
        idx = valid_rows((high, low, close), j)
        fast = stoch_k_1d(gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), k_period)
        k = sma_1d(fast, smooth_k)
        d = sma_1d(k, d_period)
        scatter(k_out, idx, j, mask_before(k, lead))
        scatter(d_out, idx, j, d)
    return k_out, d_out


@numba.njit(cache=True)
def stochrsi_nb(close, period, k_period, d_period, smooth_k):  # type: ignore[no-untyped-def]
    """Stochastic RSI: the stochastic oscillator applied to RSI(``period``); outputs %K and %D."""
    t, a = close.shape
    k_out = nan_2d(t, a)
    d_out = nan_2d(t, a)
    lead = period + k_period + smooth_k + d_period - 3
    for j in range(a):
        idx = valid_rows((close,), j)
        r = rsi_1d(gather(close, idx, j), period)
        k = sma_1d(stoch_k_1d(r, r, r, k_period), smooth_k)
        d = sma_1d(k, d_period)
        scatter(k_out, idx, j, mask_before(k, lead))
        scatter(d_out, idx, j, d)
    return k_out, d_out


@numba.njit(cache=True)
def cci_1d(tp, period):  # type: ignore[no-untyped-def]
    """Commodity channel index of a typical-price series (mean deviation over the window)."""
    n = tp.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        total = 0.0
        for k in range(i - period + 1, i + 1):
            total += tp[k]
        mean = total / period
        dev = 0.0
        for k in range(i - period + 1, i + 1):
            dev += abs(tp[k] - mean)
        num = tp[i] - mean
        out[i] = num / (0.015 * (dev / period)) if num != 0.0 and dev != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def cci_nb(high, low, close, period):  # type: ignore[no-untyped-def]
    """Commodity channel index on the typical price (high + low + close) / 3."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close), j)
        tp = (gather(high, idx, j) + gather(low, idx, j) + gather(close, idx, j)) / 3.0
        scatter(out, idx, j, cci_1d(tp, period))
    return out


@numba.njit(cache=True)
def roc_nb(close, period):  # type: ignore[no-untyped-def]
    """Rate of change in percent: 100 * (x / x[t - period] - 1); 0 when the old value is 0."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        r = np.full(x.shape[0], np.nan)
        for i in range(period, x.shape[0]):
            r[i] = (x[i] / x[i - period] - 1.0) * 100.0 if x[i - period] != 0.0 else 0.0
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def mom_nb(close, period):  # type: ignore[no-untyped-def]
    """Momentum: x - x[t - period]."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        r = np.full(x.shape[0], np.nan)
        for i in range(period, x.shape[0]):
            r[i] = x[i] - x[i - period]
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def willr_nb(high, low, close, period):  # type: ignore[no-untyped-def]
    """Williams %R: -100 * (highest high - close) / (highest high - lowest low); 0 when flat."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close), j)
        c = gather(close, idx, j)
        hh = rolling_extreme_1d(gather(high, idx, j), period, True)
        ll = rolling_extreme_1d(gather(low, idx, j), period, False)
        r = np.full(c.shape[0], np.nan)
        for i in range(period - 1, c.shape[0]):
            diff = hh[i] - ll[i]
            r[i] = -100.0 * (hh[i] - c[i]) / diff if diff != 0.0 else 0.0
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def mfi_1d(high, low, close, volume, period):  # type: ignore[no-untyped-def]
    """Money flow index from running sums of positive and negative money flow."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    pos = np.zeros(n)
    neg = np.zeros(n)
    tp_prev = (high[0] + low[0] + close[0]) / 3.0 if n > 0 else 0.0
    pos_sum = 0.0
    neg_sum = 0.0
    for i in range(1, n):
        tp = (high[i] + low[i] + close[i]) / 3.0
        if tp > tp_prev:
            pos[i] = tp * volume[i]
        elif tp < tp_prev:
            neg[i] = tp * volume[i]
        tp_prev = tp
        pos_sum += pos[i]
        neg_sum += neg[i]
        if i >= period:
            total = pos_sum + neg_sum
            out[i] = 100.0 * (pos_sum / total) if total > 0.0 else 0.0
            pos_sum -= pos[i - period + 1]
            neg_sum -= neg[i - period + 1]
    return out


@numba.njit(cache=True)
def mfi_nb(high, low, close, volume, period):  # type: ignore[no-untyped-def]
    """Money flow index, 0..100."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close, volume), j)
        r = mfi_1d(
            gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), gather(volume, idx, j), period
        )
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def directional_movement_1d(high, low):  # type: ignore[no-untyped-def]
    """+DM and -DM per bar (NaN on the first bar)."""
    n = high.shape[0]
    plus = np.full(n, np.nan)
    minus = np.full(n, np.nan)
    for i in range(1, n):
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        plus[i] = 0.0
        minus[i] = 0.0
        if down > 0.0 and up < down:
            minus[i] = down
        elif up > 0.0 and up > down:
            plus[i] = up
    return plus, minus


@numba.njit(cache=True)
def adx_1d(high, low, close, period):  # type: ignore[no-untyped-def]
    """ADX, +DI and -DI with TA-Lib's Wilder sums (+DI/-DI from bar ``period``, ADX from ``2*period-1``)."""
    n = close.shape[0]
    adx = np.full(n, np.nan)
    pdi = np.full(n, np.nan)
    mdi = np.full(n, np.nan)
    plus, minus = directional_movement_1d(high, low)
    tr = true_range_1d(high, low, close)
    sp = 0.0
    sm = 0.0
    st = 0.0
    dx_sum = 0.0
    prev_adx = 0.0
    for i in range(1, n):
        if i < period:
            sp += plus[i]
            sm += minus[i]
            st += tr[i]
            continue
        sp = sp - sp / period + plus[i]
        sm = sm - sm / period + minus[i]
        st = st - st / period + tr[i]
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
    return adx, pdi, mdi


@numba.njit(cache=True)
def adx_nb(high, low, close, period):  # type: ignore[no-untyped-def]
    """Average directional index with +DI and -DI: (adx, plus_di, minus_di)."""
    t, a = close.shape
    outs = (nan_2d(t, a), nan_2d(t, a), nan_2d(t, a))
    for j in range(a):
        idx = valid_rows((high, low, close), j)
        res = adx_1d(gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), period)
        for k in range(3):
            scatter(outs[k], idx, j, res[k])
    return outs
