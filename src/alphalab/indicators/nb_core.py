"""One-dimensional numba building blocks shared by the indicator kernels.

NaN policy (the same in every kernel and in every streaming twin): a bar where any required
input is NaN is a *missing bar*. It is skipped: the output there is NaN and the indicator's state
is left as it was, so the computation continues over the valid bars as if the missing bar had
never existed. An asset that starts later (leading NaNs in its column) therefore gets exactly the
values it would get from its own trimmed series.

The 2-D kernels apply this by gathering each column's valid rows (:func:`valid_rows`,
:func:`gather`), running a 1-D core on the compact series and scattering the result back
(:func:`scatter`). The 1-D cores below accept a series whose *leading* values may be NaN (the
warm-up of an inner indicator) and start at the first non-NaN value; after that they expect
finite values, which every indicator here guarantees once its warm-up is over.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def valid_rows(arrs, j):  # type: ignore[no-untyped-def]
    """Return the row indices of column ``j`` where every array in ``arrs`` is not NaN."""
    n = arrs[0].shape[0]
    idx = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        ok = True
        for a in arrs:
            if np.isnan(a[i, j]):
                ok = False
                break
        if ok:
            idx[k] = i
            k += 1
    return idx[:k]


@numba.njit(cache=True)
def gather(a, idx, j):  # type: ignore[no-untyped-def]
    """Copy ``a[idx, j]`` into a contiguous 1-D array."""
    out = np.empty(idx.shape[0], dtype=np.float64)
    for k in range(idx.shape[0]):
        out[k] = a[idx[k], j]
    return out


@numba.njit(cache=True)
def scatter(out, idx, j, vals):  # type: ignore[no-untyped-def]
    """Write ``vals`` into ``out[idx, j]``."""
    for k in range(idx.shape[0]):
        out[idx[k], j] = vals[k]


@numba.njit(cache=True)
def nan_2d(t, a):  # type: ignore[no-untyped-def]
    """Return a (t, a) float64 array of NaN."""
    return np.full((t, a), np.nan)


@numba.njit(cache=True)
def first_valid(x):  # type: ignore[no-untyped-def]
    """Return the index of the first non-NaN value of ``x`` (``len(x)`` when there is none)."""
    for i in range(x.shape[0]):
        if not np.isnan(x[i]):
            return i
    return x.shape[0]


@numba.njit(cache=True)
def sma_1d(x, period):  # type: ignore[no-untyped-def]
    """Simple moving average with a running sum (add the new value, divide, drop the oldest)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    s = first_valid(x)
    total = 0.0
    for i in range(s, n):
        total += x[i]
        if i - s >= period - 1:
            out[i] = total / period
            total -= x[i - period + 1]
    return out


@numba.njit(cache=True)
def ema_1d(x, period, seed_end):  # type: ignore[no-untyped-def]
    """Exponential moving average, alpha = 2 / (period + 1), seeded like TA-Lib.

    The first value, at ``first_valid + seed_end``, is the mean of the ``period`` values ending
    there; ``seed_end = period - 1`` is TA-Lib's EMA, a larger one its MACD fast line.
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    s = first_valid(x)
    start = s + seed_end
    if start >= n:
        return out
    k = 2.0 / (period + 1.0)
    total = 0.0
    for i in range(start - period + 1, start + 1):
        total += x[i]
    prev = total / period
    out[start] = prev
    for i in range(start + 1, n):
        prev = (x[i] - prev) * k + prev
        out[i] = prev
    return out


@numba.njit(cache=True)
def wma_1d(x, period):  # type: ignore[no-untyped-def]
    """Linearly weighted moving average (weights 1..period, newest heaviest) in O(1) per bar."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    s = first_valid(x)
    divider = period * (period + 1) / 2.0
    wsum = 0.0
    plain = 0.0
    for i in range(s, n):
        if i - s < period - 1:
            wsum += x[i] * (i - s + 1)
            plain += x[i]
            continue
        wsum += x[i] * period
        plain += x[i]
        out[i] = wsum / divider
        wsum -= plain
        plain -= x[i - period + 1]
    return out


@numba.njit(cache=True)
def rolling_extreme_1d(x, period, is_max):  # type: ignore[no-untyped-def]
    """Rolling maximum (or minimum) over ``period`` values with a monotonic deque (O(1) amortised)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    s = first_valid(x)
    dq = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for i in range(s, n):
        v = x[i]
        if is_max:
            while tail > head and x[dq[tail - 1]] <= v:
                tail -= 1
        else:
            while tail > head and x[dq[tail - 1]] >= v:
                tail -= 1
        dq[tail] = i
        tail += 1
        if dq[head] <= i - period:
            head += 1
        if i - s >= period - 1:
            out[i] = x[dq[head]]
    return out


@numba.njit(cache=True)
def rolling_var_1d(x, period):  # type: ignore[no-untyped-def]
    """Population variance over ``period`` values from running sums of x and x² (TA-Lib's method).

    Negative round-off results are clipped to 0.
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    s = first_valid(x)
    t1 = 0.0
    t2 = 0.0
    for i in range(s, n):
        v = x[i]
        t1 += v
        t2 += v * v
        if i - s >= period - 1:
            m1 = t1 / period
            m2 = t2 / period
            var = m2 - m1 * m1
            out[i] = var if var > 0.0 else 0.0
            old = x[i - period + 1]
            t1 -= old
            t2 -= old * old
    return out


@numba.njit(cache=True)
def true_range_1d(high, low, close):  # type: ignore[no-untyped-def]
    """True range; NaN on the first bar (it has no previous close), as in TA-Lib."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    for i in range(1, n):
        hl = high[i] - low[i]
        hc = abs(high[i] - close[i - 1])
        lc = abs(low[i] - close[i - 1])
        out[i] = max(hl, max(hc, lc))
    return out


@numba.njit(cache=True)
def wilder_1d(x, period):  # type: ignore[no-untyped-def]
    """Wilder's smoothing: mean of the first ``period`` values, then (prev*(period-1) + x) / period."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    s = first_valid(x)
    if s + period - 1 >= n:
        return out
    total = 0.0
    for i in range(s, s + period):
        total += x[i]
    prev = total / period
    out[s + period - 1] = prev
    for i in range(s + period, n):
        prev = (prev * (period - 1) + x[i]) / period
        out[i] = prev
    return out


@numba.njit(cache=True)
def atr_1d(high, low, close, period):  # type: ignore[no-untyped-def]
    """Average true range with Wilder's smoothing; the first value is at bar ``period``."""
    return wilder_1d(true_range_1d(high, low, close), period)


@numba.njit(cache=True)
def stoch_k_1d(high, low, close, period):  # type: ignore[no-untyped-def]
    """Fast stochastic %K: 100 * (close - lowest low) / (highest high - lowest low); 0 when flat."""
    hh = rolling_extreme_1d(high, period, True)
    ll = rolling_extreme_1d(low, period, False)
    n = close.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        if np.isnan(hh[i]):
            continue
        diff = hh[i] - ll[i]
        out[i] = 100.0 * (close[i] - ll[i]) / diff if diff != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def mask_before(x, n_leading):  # type: ignore[no-untyped-def]
    """Set the first ``n_leading`` values of ``x`` to NaN (in place) and return it."""
    m = min(n_leading, x.shape[0])
    for i in range(m):
        x[i] = np.nan
    return x
