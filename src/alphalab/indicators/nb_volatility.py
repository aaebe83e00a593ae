"""Batch kernels of the volatility, channel and rolling-statistics indicators.

(time, asset) float64 in and out; NaN policy as in :mod:`alphalab.indicators.nb_core`.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import (
    atr_1d,
    ema_1d,
    gather,
    nan_2d,
    rolling_extreme_1d,
    rolling_var_1d,
    scatter,
    sma_1d,
    valid_rows,
)


@numba.njit(cache=True)
def bbands_nb(close, period, std):  # type: ignore[no-untyped-def]
    """Bollinger Bands: (middle, upper, lower, percent_b, bandwidth) with the population std.

    ``percent_b`` is 0.5 and ``bandwidth`` 0 when the band has zero width.
    """
    t, a = close.shape
    outs = (nan_2d(t, a), nan_2d(t, a), nan_2d(t, a), nan_2d(t, a), nan_2d(t, a))
    for j in range(a):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        mid = sma_1d(x, period)
        sd = np.sqrt(rolling_var_1d(x, period))
        up = mid + std * sd
        lo = mid - std * sd
        width = up - lo
        pb = np.full(x.shape[0], np.nan)
        bw = np.full(x.shape[0], np.nan)
        for i in range(period - 1, x.shape[0]):
            pb[i] = (x[i] - lo[i]) / width[i] if width[i] != 0.0 else 0.5
            bw[i] = width[i] / mid[i] if mid[i] != 0.0 else 0.0
        scatter(outs[0], idx, j, mid)
        scatter(outs[1], idx, j, up)
        scatter(outs[2], idx, j, lo)
        scatter(outs[3], idx, j, pb)
        scatter(outs[4], idx, j, bw)
    return outs


@numba.njit(cache=True)
def atr_nb(high, low, close, period):  # type: ignore[no-untyped-def]
    """Average true range (Wilder), first value at bar ``period`` as in TA-Lib."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close), j)
        scatter(out, idx, j, atr_1d(gather(high, idx, j), gather(low, idx, j), gather(close, idx, j), period))
    return out


@numba.njit(cache=True)
def natr_nb(high, low, close, period):  # type: ignore[no-untyped-def]
    """Normalised ATR in percent of the close: (ATR / close) * 100; 0 when the close is 0."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((high, low, close), j)
        c = gather(close, idx, j)
        atr = atr_1d(gather(high, idx, j), gather(low, idx, j), c, period)
        r = np.full(c.shape[0], np.nan)
        for i in range(period, c.shape[0]):
            r[i] = (atr[i] / c[i]) * 100.0 if c[i] != 0.0 else 0.0
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def donchian_nb(high, low, period):  # type: ignore[no-untyped-def]
    """Donchian channel: (upper, middle, lower) = highest high, midpoint, lowest low."""
    t, a = high.shape
    outs = (nan_2d(t, a), nan_2d(t, a), nan_2d(t, a))
    for j in range(a):
        idx = valid_rows((high, low), j)
        up = rolling_extreme_1d(gather(high, idx, j), period, True)
        lo = rolling_extreme_1d(gather(low, idx, j), period, False)
        scatter(outs[0], idx, j, up)
        scatter(outs[1], idx, j, (up + lo) / 2.0)
        scatter(outs[2], idx, j, lo)
    return outs


@numba.njit(cache=True)
def keltner_nb(high, low, close, period, atr_period, multiplier):  # type: ignore[no-untyped-def]
    """Keltner channel: (middle, upper, lower) = EMA(close) and EMA ± multiplier * ATR."""
    t, a = close.shape
    outs = (nan_2d(t, a), nan_2d(t, a), nan_2d(t, a))
    for j in range(a):
        idx = valid_rows((high, low, close), j)
        c = gather(close, idx, j)
        mid = ema_1d(c, period, period - 1)
        atr = atr_1d(gather(high, idx, j), gather(low, idx, j), c, atr_period)
        scatter(outs[0], idx, j, mid)
        scatter(outs[1], idx, j, mid + multiplier * atr)
        scatter(outs[2], idx, j, mid - multiplier * atr)
    return outs


@numba.njit(cache=True)
def stddev_nb(close, period):  # type: ignore[no-untyped-def]
    """Rolling population standard deviation."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, np.sqrt(rolling_var_1d(gather(close, idx, j), period)))
    return out


@numba.njit(cache=True)
def zscore_nb(close, period):  # type: ignore[no-untyped-def]
    """Rolling z-score (x - SMA) / population std; 0 when the std is 0."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        mean = sma_1d(x, period)
        sd = np.sqrt(rolling_var_1d(x, period))
        r = np.full(x.shape[0], np.nan)
        for i in range(period - 1, x.shape[0]):
            r[i] = (x[i] - mean[i]) / sd[i] if sd[i] > 0.0 else 0.0
        scatter(out, idx, j, r)
    return out


@numba.njit(cache=True)
def highest_nb(close, period):  # type: ignore[no-untyped-def]
    """Rolling maximum over ``period`` bars."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, rolling_extreme_1d(gather(close, idx, j), period, True))
    return out


@numba.njit(cache=True)
def lowest_nb(close, period):  # type: ignore[no-untyped-def]
    """Rolling minimum over ``period`` bars."""
    out = nan_2d(close.shape[0], close.shape[1])
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        scatter(out, idx, j, rolling_extreme_1d(gather(close, idx, j), period, False))
    return out


@numba.njit(cache=True)
def hv_nb(close, period, periods_per_year):  # type: ignore[no-untyped-def]
    """Historical volatility: sample std (ddof=1) of ``period`` log returns × sqrt(periods_per_year)."""
    out = nan_2d(close.shape[0], close.shape[1])
    scale = period / (period - 1.0)
    for j in range(close.shape[1]):
        idx = valid_rows((close,), j)
        x = gather(close, idx, j)
        r = np.full(x.shape[0], np.nan)
        for i in range(1, x.shape[0]):
            r[i] = np.log(x[i] / x[i - 1])
        scatter(out, idx, j, np.sqrt(rolling_var_1d(r, period) * scale) * np.sqrt(periods_per_year))
    return out
