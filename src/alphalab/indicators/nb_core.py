"""Numba building blocks shared by the indicator kernels: the column driver helpers and 1-D cores.

NaN policy (the same in every kernel and in every streaming twin): a bar where any required
input is NaN is a *missing bar*. It is skipped: the output there is NaN and the indicator's state
is left as it was, so the computation continues over the valid bars as if the missing bar had
never existed. An asset that starts later (leading NaNs in its column) therefore gets exactly the
values it would get from its own trimmed series.

The 2-D kernels (``*_nb``) take the inputs, the parameters and then the preallocated
(time, asset) float64 output (``out``) or outputs (the tuple ``outs``), and fill them completely;
the catalogue allocates them with numpy.

How the 2-D kernels apply the policy, fast: every indicator has a 1-D *core* ``*_into(inputs..., params...,
outputs...) -> bool`` that writes every element of its output views (NaN during the warm-up) and
returns False as soon as it meets a NaN input. A kernel first finds the column's first valid row
(:func:`first_row`) and runs the core straight on the column slices from there, writing into the
output array itself: no copy, no temporary (the common case, leading NaNs only). Only when the core
reports an interior NaN does the kernel fall back to gathering the valid rows (:func:`valid_rows`,
:func:`gather`), running the same core on the compact series and scattering the result back
(:func:`restore`). Both paths run the same floating-point operations in the same order.

The cores keep their running state in scalars (or in small ring buffers of ``period`` values);
the ``*_feed`` helpers below are the one-value steps of the recursive averages (inlined by numba),
which lets a kernel chain several of them (DEMA, TEMA, MACD, RSI, ATR) in a single pass.
"""

from __future__ import annotations

import numba
import numpy as np

NAN = np.nan
TIE_ULPS = 8
TIE_REL = TIE_ULPS * float(np.finfo(np.float64).eps)
"""Two values closer than ``TIE_REL`` of the larger magnitude (8 ulps) are a tie, not a move.

A typical price ``(h + l + c) / 3`` carries up to ~2 ulps of rounding, so two bars whose typical
prices are mathematically equal can differ by a few ulps; counting that as a rise or a fall made
MFI flip whole windows of money flow and CCI(2) reach 133 on a flat market. Every indicator that
decides a direction from consecutive values (MFI, OBV) or from a value against the window (CCI)
uses :func:`direction` / :func:`tie_snap`, and so do their streaming twins.
"""


@numba.njit(cache=True)
def first_row(arrs, j):  # type: ignore[no-untyped-def]
    """Return the first row of column ``j`` where no array in ``arrs`` is NaN (the row count if none)."""
    n = arrs[0].shape[0]
    for i in range(n):
        ok = True
        for a in arrs:
            if np.isnan(a[i, j]):
                ok = False
                break
        if ok:
            return i
    return n


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
    """Copy ``a[idx, j]`` into a 1-D view (the column of a (len(idx), 1) array, like a column slice)."""
    out = np.empty((idx.shape[0], 1), dtype=np.float64)
    for k in range(idx.shape[0]):
        out[k, 0] = a[idx[k], j]
    return out[:, 0]


@numba.njit(cache=True)
def column(a, j, s):
    """Rows ``s:`` of column ``j`` of the 2-D C array ``a`` as a C-contiguous 1-D array.

    A view when ``a`` has one column (the usual single-asset case: no copy), else a copy. Cores
    compiled for C-contiguous 1-D arrays load with a unit stride; on the Wilder recursions (RSI,
    ATR, ADX) that is ~1.4x faster than the strided column slice.
    """
    if a.shape[1] == 1:
        return a.reshape(a.shape[0])[s:]
    return np.ascontiguousarray(a[s:, j])


@numba.njit(cache=True)
def out_column(out, j, s):
    """Where a core writes rows ``s:`` of column ``j`` of ``out``: a view for one column, else scratch."""
    if out.shape[1] == 1:
        return out.reshape(out.shape[0])[s:]
    return np.empty(out.shape[0] - s)


@numba.njit(cache=True)
def put_column(out, j, s, vals):
    """Copy ``vals`` into rows ``s:`` of column ``j`` unless ``vals`` is already that view."""
    if out.shape[1] != 1:
        for i in range(vals.shape[0]):
            out[s + i, j] = vals[i]


@numba.njit(cache=True)
def gather_c(a, idx, j):
    """Copy ``a[idx, j]`` into a new C-contiguous 1-D array (the fallback of the C-typed cores)."""
    out = np.empty(idx.shape[0])
    for k in range(idx.shape[0]):
        out[k] = a[idx[k], j]
    return out


@numba.njit(cache=True)
def scratch(n):  # type: ignore[no-untyped-def]
    """Return an uninitialised 1-D float64 view of length ``n`` (same layout as a column slice)."""
    return np.empty((n, 1), dtype=np.float64)[:, 0]


@numba.njit(cache=True)
def restore(out, idx, j, vals):  # type: ignore[no-untyped-def]
    """Set column ``j`` of ``out`` to NaN, then write ``vals`` at the rows ``idx``."""
    for i in range(out.shape[0]):
        out[i, j] = NAN
    for k in range(idx.shape[0]):
        out[idx[k], j] = vals[k]


@numba.njit(cache=True)
def nan_head(out, j, stop):  # type: ignore[no-untyped-def]
    """Set the first ``stop`` rows of column ``j`` of ``out`` to NaN."""
    for i in range(stop):
        out[i, j] = NAN


@numba.njit(cache=True)
def nan_fill(out, start, stop):  # type: ignore[no-untyped-def]
    """Set ``out[start:stop]`` (1-D) to NaN."""
    for i in range(start, stop):
        out[i] = NAN


@numba.njit(cache=True, inline="always")
def ema_feed(v, pos, total, prev, period, seed_end, k):  # type: ignore[no-untyped-def]
    """Feed the ``pos``-th valid value ``v`` to an EMA; return (value, total, prev).

    The EMA is seeded at ``pos == seed_end`` with the mean of the ``period`` values ending there
    (``seed_end = period - 1`` is TA-Lib's EMA, a larger one MACD's fast line), then follows
    ``prev = (v - prev) * k + prev`` with ``k = 2 / (period + 1)``.
    """
    if pos < seed_end:
        if pos > seed_end - period:
            total += v
        return NAN, total, prev
    if pos == seed_end:
        total += v
        prev = total / period
        return prev, total, prev
    prev = (v - prev) * k + prev
    return prev, total, prev


@numba.njit(cache=True, inline="always")
def wilder_factors(period):  # type: ignore[no-untyped-def]
    """Return (a, b) = ((period - 1) / period, 1 / period), the weights of a Wilder step.

    A step is ``prev * a + v * b``: two multiplications instead of TA-Lib's
    ``(prev * (period - 1) + v) / period``, whose division sits on the recursion's critical path
    (2-3x slower). The two differ by rounding only: measured against TA-Lib, RSI, ATR, NATR and
    ADX/+DI/-DI agree to 1e-13 relative (tests assert 1e-9).
    """
    return (period - 1.0) / period, 1.0 / period


@numba.njit(cache=True, inline="always")
def wilder_feed(v, pos, prev, period):  # type: ignore[no-untyped-def]
    """Feed the ``pos``-th valid value to Wilder's smoothing; return (value, prev).

    Before the seed ``prev`` is the running sum; at ``pos == period - 1`` it becomes the mean of
    the first ``period`` values, then ``prev = prev * a + v * b`` (:func:`wilder_factors`).
    """
    if pos < period - 1:
        return NAN, prev + v
    if pos == period - 1:
        prev = (prev + v) / period
        return prev, prev
    a, b = wilder_factors(period)
    prev = prev * a + v * b
    return prev, prev


@numba.njit(cache=True, inline="always")
def direction(a, prev):  # type: ignore[no-untyped-def]
    """Return +1 if ``a`` is above ``prev``, -1 if below, 0 on a tie (within ``TIE_REL``)."""
    d = a - prev
    tol = TIE_REL * max(abs(a), abs(prev))
    if d > tol:
        return 1
    if d < -tol:
        return -1
    return 0


@numba.njit(cache=True, inline="always")
def tie_snap(a, ref):  # type: ignore[no-untyped-def]
    """Return ``a - ref``, or exactly 0 when the two tie (within ``TIE_REL``)."""
    d = a - ref
    return 0.0 if abs(d) <= TIE_REL * max(abs(a), abs(ref)) else d


@numba.njit(cache=True, inline="always")
def true_range(high, low, close, i):  # type: ignore[no-untyped-def]
    """True range of bar ``i >= 1`` (uses the previous close)."""
    pc = close[i - 1]
    hl = high[i] - low[i]
    hc = abs(high[i] - pc)
    lc = abs(low[i] - pc)
    return max(hl, max(hc, lc))


@numba.njit(cache=True)
def sma_into(x, period, out):  # type: ignore[no-untyped-def]
    """Simple moving average with a running sum (add the new value, divide, drop the oldest)."""
    n = x.shape[0]
    total = 0.0
    m = min(period - 1, n)
    for i in range(m):
        v = x[i]
        if np.isnan(v):
            return False
        total += v
        out[i] = NAN
    for i in range(m, n):
        v = x[i]
        if np.isnan(v):
            return False
        total += v
        out[i] = total / period
        total -= x[i - period + 1]
    return True


@numba.njit(cache=True)
def ema_into(x, period, out):  # type: ignore[no-untyped-def]
    """EMA seeded with the mean of the first ``period`` values (TA-Lib's EMA)."""
    n = x.shape[0]
    k = 2.0 / (period + 1.0)
    total = 0.0
    m = min(period - 1, n)
    for i in range(m):
        v = x[i]
        if np.isnan(v):
            return False
        total += v
        out[i] = NAN
    if m == n:
        return True
    v = x[m]
    if np.isnan(v):
        return False
    total += v
    prev = total / period
    out[m] = prev
    for i in range(m + 1, n):
        v = x[i]
        if np.isnan(v):
            return False
        prev = (v - prev) * k + prev
        out[i] = prev
    return True


@numba.njit(cache=True)
def wma_into(x, period, out):  # type: ignore[no-untyped-def]
    """Linearly weighted moving average (weights 1..period, newest heaviest) in O(1) per bar."""
    n = x.shape[0]
    divider = period * (period + 1) / 2.0
    wsum = 0.0
    plain = 0.0
    m = min(period - 1, n)
    for i in range(m):
        v = x[i]
        if np.isnan(v):
            return False
        wsum += v * (i + 1)
        plain += v
        out[i] = NAN
    for i in range(m, n):
        v = x[i]
        if np.isnan(v):
            return False
        wsum += v * period
        plain += v
        out[i] = wsum / divider
        wsum -= plain
        plain -= x[i - period + 1]
    return True


@numba.njit(cache=True)
def any_nan(x):  # type: ignore[no-untyped-def]
    """Return True when the 1-D ``x`` holds a NaN (a branch-free reduction the compiler vectorises)."""
    bad = False
    for i in range(x.shape[0]):
        bad |= np.isnan(x[i])
    return bad


@numba.njit(cache=True)
def extreme_into(x, period, is_max, out):  # type: ignore[no-untyped-def]
    """Rolling maximum (or minimum) over ``period`` values, branch-free (van Herk / Gil-Werman).

    The series is cut into blocks of ``period``; a window is the suffix of the previous block
    (extremes kept in a buffer of ``period``) plus the prefix of the current one. Ties resolve to
    the newest value, so the result is the same element a monotonic deque would return. The
    minimum is the maximum of the negated values, negated back (exact: a sign flip).
    """
    n = x.shape[0]
    if any_nan(x):
        return False
    sg = 1.0 if is_max else -1.0
    nan_fill(out, 0, min(period - 1, n))
    suf = np.empty(period)
    bs = 0
    while bs < n:
        last = bs + period - 1
        if bs > 0:
            acc = sg * x[bs - 1]
            suf[period - 1] = acc
            for k in range(period - 2, 0, -1):
                w = sg * x[bs - period + k]
                acc = w if w > acc else acc
                suf[k] = acc
        acc = sg * x[bs]
        for i in range(bs, min(last, n)):
            w = sg * x[i]
            acc = w if w >= acc else acc
            if bs > 0:
                h = suf[i - bs + 1]
                out[i] = sg * (acc if acc >= h else h)
        if last < n:
            w = sg * x[last]
            acc = w if w >= acc else acc
            out[last] = sg * acc
        bs += period
    return True
