"""Execution algorithms as pure functions over a parent order's state vector (numba).

A parent order is one float64 vector ``st`` (layout ``E_*`` below). The schedule is two
functions that the backtest (child orders on bars) and live trading (one call per completed bar)
both call:

- :func:`observe` records a *completed* bar (open, high, low, close, volume): the only market
  information a schedule ever sees, so a child never depends on the bar it trades in;
- :func:`next_child` returns ``(quantity, limit)`` of the next child (``limit`` NaN: market order)
  and advances the step; :func:`on_fill` books what a child filled.

Schedules (``k`` is the 0-based step, ``n`` the horizon in bars, ``Q`` the parent quantity):

- TWAP: cumulative target ``Q (k+1) / n``; each child is the target minus what has filled (so a
  short fill is caught up by the next child).
- VWAP: cumulative target ``Q * sum_{j<=k} w_j / sum_{j<n} w_j`` with ``w_j`` the volume profile
  at session slot ``(slot0 + j) mod P`` (TWAP when the profile over the horizon is zero).
- Iceberg: a visible clip ``min(clip, remaining)`` each bar, at the parent's limit (or market).
- POV: ``min(remaining, min(rate, cap) x volume of the last completed bar)``.
- Adaptive: POV whose rate is scaled by ``(ref spread / spread) x (volatility / ref volatility)``
  clipped to ``[0.5, 2]`` (a wide high-low range slows it, a volatile tape speeds it up), capped,
  and the remainder is sent on the last bar of the horizon. Spread is the bar's (high-low)/close,
  volatility the absolute close-to-close return; the references are exponential means of the
  bars observed *before* the last one.

All quantities are rounded down to the lot (``E_LOT``; 0: no rounding).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE
from alphalab.engine.rules_nb import round_lot

ALGO_TWAP, ALGO_VWAP, ALGO_ICEBERG, ALGO_POV, ALGO_ADAPTIVE = 0, 1, 2, 3, 4

E_KIND = 0  # ALGO_*
E_SIDE = 1  # +1 buy, -1 sell
E_TOTAL = 2  # parent quantity (> 0)
E_FILLED = 3  # filled so far
E_STEP = 4  # children decided so far
E_BARS = 5  # horizon in bars (0: none, for iceberg / POV)
E_RATE = 6  # participation rate (POV, adaptive)
E_CAP = 7  # participation cap (POV, adaptive)
E_CLIP = 8  # visible clip (iceberg)
E_LIMIT = 9  # limit price of the children (NaN: market)
E_LOT = 10  # lot size (0: none)
E_SLOT0 = 11  # session slot of the first child (VWAP)
E_PREV_CLOSE = 12  # close of the previous observed bar
E_LAST_VOLUME = 13  # volume of the last completed bar
E_LAST_SPREAD = 14  # (high - low) / close of the last completed bar
E_LAST_VOLA = 15  # |close / previous close - 1| of the last completed bar
E_REF_SPREAD = 16  # exponential mean of the spreads before the last bar (NaN: none yet)
E_REF_VOLA = 17  # exponential mean of the volatilities before the last bar (NaN: none yet)
E_EWM_SPREAD = 18  # running exponential mean including the last bar
E_EWM_VOLA = 19
E_ALPHA = 20  # weight of a new bar in the exponential means
E_NOBS = 21  # bars observed
NEXEC = 22

ADAPT_MIN, ADAPT_MAX = 0.5, 2.0


@nb.njit(**RULE)
def _ewm(prev: float, x: float, alpha: float) -> float:
    if prev != prev:
        return x
    return prev + alpha * (x - prev)


@nb.njit(**RULE)
def observe(st: np.ndarray, o: float, h: float, lo: float, c: float, v: float) -> None:
    """Record a completed bar in the parent's state (volume, spread proxy, volatility)."""
    st[E_LAST_VOLUME] = v if v == v and v > 0.0 else 0.0
    spread = (h - lo) / c if c > 0.0 else np.nan
    vola = abs(c / st[E_PREV_CLOSE] - 1.0) if st[E_PREV_CLOSE] > 0.0 else np.nan
    st[E_REF_SPREAD] = st[E_EWM_SPREAD]
    st[E_REF_VOLA] = st[E_EWM_VOLA]
    st[E_LAST_SPREAD] = spread
    st[E_LAST_VOLA] = vola
    if spread == spread:
        st[E_EWM_SPREAD] = _ewm(st[E_EWM_SPREAD], spread, st[E_ALPHA])
    if vola == vola:
        st[E_EWM_VOLA] = _ewm(st[E_EWM_VOLA], vola, st[E_ALPHA])
    if c > 0.0:
        st[E_PREV_CLOSE] = c
    st[E_NOBS] += 1.0


@nb.njit(**RULE)
def adaptive_scale(st: np.ndarray) -> float:
    """Return the adaptive algorithm's rate multiplier (1 until references exist)."""
    s, rs = st[E_LAST_SPREAD], st[E_REF_SPREAD]
    x, rx = st[E_LAST_VOLA], st[E_REF_VOLA]
    scale = 1.0
    if s == s and rs == rs and s > 0.0 and rs > 0.0:
        scale *= rs / s
    if x == x and rx == rx and rx > 0.0:
        scale *= x / rx
    return min(max(scale, ADAPT_MIN), ADAPT_MAX)


@nb.njit(**RULE)
def _profile_share(profile: np.ndarray, slot0: int, k: int, n: int) -> float:
    """Return the share of the horizon's profile volume in steps ``0..k`` (NaN: zero profile)."""
    p = profile.shape[0]
    num = 0.0
    den = 0.0
    for j in range(n):
        w = profile[(slot0 + j) % p]
        den += w
        if j <= k:
            num += w
    if not den > 0.0:
        return np.nan
    return num / den


@nb.njit(**RULE)
def _target_quantity(st: np.ndarray, profile: np.ndarray, k: int) -> float:
    """Return the unrounded quantity the schedule asks for at step ``k``."""
    kind = int(st[E_KIND])
    total = st[E_TOTAL]
    remaining = total - st[E_FILLED]
    n = int(st[E_BARS])
    if kind in (ALGO_TWAP, ALGO_VWAP):
        share = (k + 1.0) / n
        if kind == ALGO_VWAP and profile.shape[0] > 0:
            w = _profile_share(profile, int(st[E_SLOT0]), k, n)
            if w == w:
                share = w
        return total * share - st[E_FILLED]
    if kind == ALGO_ICEBERG:
        return min(st[E_CLIP], remaining)
    rate = st[E_RATE]
    if kind == ALGO_ADAPTIVE:
        if n > 0 and k >= n - 1:
            return remaining
        rate *= adaptive_scale(st)
    rate = min(rate, st[E_CAP])
    return min(remaining, rate * st[E_LAST_VOLUME])


@nb.njit(**RULE)
def is_done(st: np.ndarray) -> bool:
    """Return True when the parent is filled or its horizon is over."""
    if st[E_FILLED] >= st[E_TOTAL] * (1.0 - 1e-12):
        return True
    n = int(st[E_BARS])
    return n > 0 and int(st[E_STEP]) >= n


@nb.njit(**RULE)
def next_child(st: np.ndarray, profile: np.ndarray) -> tuple:
    """Return ``(quantity, limit)`` of the next child (quantity 0: none this bar) and advance a step.

    Call it after :func:`observe` has recorded the last completed bar. ``profile`` is the VWAP
    volume profile by session slot (an empty array for the other algorithms).
    """
    if is_done(st):
        return 0.0, np.nan
    k = int(st[E_STEP])
    st[E_STEP] = k + 1.0
    q = _target_quantity(st, profile, k)
    q = min(q, st[E_TOTAL] - st[E_FILLED])
    if not q > 0.0:
        return 0.0, np.nan
    return round_lot(q, st[E_LOT]), st[E_LIMIT]


@nb.njit(**RULE)
def on_fill(st: np.ndarray, qty: float) -> None:
    """Book ``qty`` filled by a child."""
    st[E_FILLED] += qty


@nb.njit(cache=True)
def volume_profile_nb(day: np.ndarray, slot: np.ndarray, volume: np.ndarray, nslots: int) -> np.ndarray:
    """Return the mean share of a day's volume traded in each session slot (sums to 1, or all 0).

    ``day`` (non-decreasing int64 day numbers), ``slot`` (int64 in ``[0, nslots)``) and ``volume``
    describe past bars only; each day's share per slot is its slot volume over its total, and the
    profile is the mean of those shares over the days with volume.
    """
    acc = np.zeros(nslots)
    cur = np.zeros(nslots)
    ndays = 0
    n = day.shape[0]
    i = 0
    while i < n:
        d = day[i]
        cur[:] = 0.0
        tot = 0.0
        while i < n and day[i] == d:
            v = volume[i]
            if v == v and v > 0.0:
                cur[slot[i]] += v
                tot += v
            i += 1
        if tot > 0.0:
            acc += cur / tot
            ndays += 1
    if ndays > 0:
        acc /= ndays
    return acc
