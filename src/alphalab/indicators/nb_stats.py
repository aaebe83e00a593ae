"""Numerically stable rolling moments (mean, variance) and least-squares slope, batch side.

Why not running sums of x and x² (TA-Lib's method): ``E[x²] - E[x]²`` subtracts two numbers of
the size of ``mean²`` to get one of the size of ``variance``. On FX prices (1.1, hourly moves of
1e-4) that cancels 8 of the 16 digits before any error has accumulated, and the error of the
running sums grows with every bar: stddev(2) on EURUSD 1h was off by 3e-4 relative and a flat
window gave a standard deviation of 1e-7 instead of 0 (so %b of a flat window was noise).

What is done instead, identically in the batch cores here and in the streaming twin
(:class:`alphalab.indicators.stream_core.RollingVar`, same operations in the same order):

- The sums are kept around a *shift* ``k``, a value of the series: ``s1 = sum(x - k)`` and
  ``s2 = sum((x - k)²)``. For prices, ``x - k`` is exact (Sterbenz: both within a factor of 2),
  so the sums hold deviations, not prices, and the cancellation no longer depends on the price
  level.
- The running sums are updated by adding the new value and removing the oldest (O(1) per bar),
  and every update adds the size of the partial sums to an error budget (``e1``, ``e2``). When
  the variance the sums give is not at least ``1 / TOL`` (about 1e10 ulps) above that budget, the
  window is recomputed exactly (two-pass, corrected, around ``k`` = the newest value) and the
  budget restarts. That keeps the relative error of the variance below ~1e-10 whatever the data
  (a flat window gives exactly 0; a burst of volatility followed by a calm does not leave its
  round-off behind), at an amortised cost close to one running-sum update: on ordinary data an
  exact recomputation happens every few hundred bars.
- The deviation of the newest value from the mean, ``(x - k) - (mean - k)``, is formed from
  the same centred quantities, so z-scores and %b are exact to the same relative precision.

The linear-regression slope uses the same scheme with ``T = sum(x - k)`` and
``W = sum(j * (x_j - k))``; its exact recomputation uses the centred weights ``2j - (n - 1)``.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators.nb_core import NAN

EPS = float(np.finfo(np.float64).eps)
TOL = 1e10 * EPS
"""Recompute a window exactly when its running sums may have lost more than ~1e-10 relative."""


@numba.njit(cache=True)
def window_moments(x, lo, hi, k):  # type: ignore[no-untyped-def]
    """Moments of ``x[lo:hi]`` around the shift ``k``: (s1, s2, mean - k, n * variance).

    ``s1`` and ``s2`` are the plain sums of ``x - k`` and its square (to restart the running
    sums); the variance comes from the corrected two-pass formula, never negative.
    """
    n = hi - lo
    s1 = 0.0
    s2 = 0.0
    for j in range(lo, hi):
        d = x[j] - k
        s1 += d
        s2 += d * d
    md = s1 / n
    ss = 0.0
    c = 0.0
    for j in range(lo, hi):
        e = (x[j] - k) - md
        ss += e * e
        c += e
    nv = ss - c * c / n
    return s1, s2, md, (nv if nv > 0.0 else 0.0)


@numba.njit(cache=True)
def lead_in(x, period, out):  # type: ignore[no-untyped-def]
    """Write NaN over the warm-up ``out[:period - 1]``; return False if ``x`` has a NaN there."""
    for i in range(min(period - 1, x.shape[0])):
        if np.isnan(x[i]):
            return False
        out[i] = NAN
    return True


VARIANCE, STDDEV, ZSCORE, BANDS = 0, 1, 2, 3


@numba.njit(cache=True)
def moments_into(x, period, what, o1, o2, o3):  # type: ignore[no-untyped-def]
    """Stable rolling moments of ``x`` over ``period`` values into ``o1`` (and ``o2``, ``o3``).

    ``what``: ``VARIANCE`` / ``STDDEV`` / ``ZSCORE`` (0 when the std is 0) into ``o1``; ``BANDS``
    writes the mean into ``o1``, the std into ``o2`` and the deviation ``x - mean`` into ``o3``.
    One explicit loop (the running state stays in registers); ``inv = 1 / period`` replaces the
    divisions. Returns False at the first NaN of ``x``.
    """
    n = x.shape[0]
    if not lead_in(x, period, o1):
        return False
    if n < period:
        return True
    inv = 1.0 / period
    k, s1, s2, e1, e2 = x[0], 0.0, 0.0, np.inf, np.inf
    for i in range(period - 1, n):
        v = x[i]
        if np.isnan(v):
            return False
        d = v - k
        s1 += d
        s2 += d * d
        e1 += abs(s1)
        e2 += s2 + d * d
        nv = s2 - s1 * s1 * inv
        if nv <= TOL * (e2 + e1 * e1 * inv):
            k = v
            s1, s2, md, nv = window_moments(x, i - period + 1, i + 1, k)
            e1 = abs(s1)
            e2 = s2
        else:
            md = s1 * inv
            nv = nv if nv > 0.0 else 0.0
        d = x[i - period + 1] - k
        s1 -= d
        s2 -= d * d
        e1 += abs(s1)
        e2 += s2 + d * d
        var = nv * inv
        if what == VARIANCE:
            o1[i] = var
            continue
        sd = np.sqrt(var)
        if what == STDDEV:
            o1[i] = sd
        elif what == ZSCORE:
            o1[i] = ((v - k) - md) / sd if sd > 0.0 else 0.0
        else:
            o1[i] = k + md
            o2[i] = sd
            o3[i] = (v - k) - md
    return True


@numba.njit(cache=True)
def var_into(x, period, what, out):  # type: ignore[no-untyped-def]
    """Rolling population ``VARIANCE``, ``STDDEV`` or ``ZSCORE`` of ``x`` into ``out`` (see :func:`moments_into`)."""
    return moments_into(x, period, what, out, out, out)


@numba.njit(cache=True)
def window_slope_num(x, lo, hi, k):  # type: ignore[no-untyped-def]
    """(T, W, exact numerator) of the least-squares slope of ``x[lo:hi]`` around the shift ``k``.

    ``T = sum(d_j)``, ``W = sum(j * d_j)`` with ``d_j = x[lo + j] - k``; the numerator
    ``n * W - sx * T`` is formed as ``n / 2 * sum((2j - (n - 1)) * d_j)`` (exact integer weights).
    """
    n = hi - lo
    t = 0.0
    w = 0.0
    c = 0.0
    for j in range(n):
        d = x[lo + j] - k
        t += d
        w += j * d
        c += (2.0 * j - (n - 1)) * d
    return t, w, c * (n / 2.0)


@numba.njit(cache=True)
def linreg_slope_into(x, period, out):  # type: ignore[no-untyped-def]
    """Least-squares slope of the last ``period`` values against 0..period-1 (stable, O(1) amortised).

    Running ``T`` and ``W`` around a shift with an error budget, recomputed exactly when the
    numerator may have lost more than ~1e-10 relative (see the module docstring).
    """
    n = x.shape[0]
    sx = period * (period - 1) / 2.0
    sxx = period * (period - 1) * (2.0 * period - 1) / 6.0
    div = period * sxx - sx * sx
    if not lead_in(x, period, out):
        return False
    if n < period:
        return True
    k = x[0]
    t = w = 0.0
    et = ew = np.inf
    for i in range(period - 1, n):
        v = x[i]
        if np.isnan(v):
            return False
        d = v - k
        w += (period - 1) * d
        t += d
        et += abs(t)
        ew += abs(w) + (period - 1) * abs(d)
        num = period * w - sx * t
        if abs(num) <= TOL * (period * ew + sx * et):
            k = v
            t, w, num = window_slope_num(x, i - period + 1, i + 1, k)
            et = abs(t)
            ew = abs(w)
        out[i] = num / div
        t -= x[i - period + 1] - k
        w -= t
        et += abs(t)
        ew += abs(w)
    return True
