"""Compiled metric kernels: every equity-curve metric in two passes over the curve.

``equity_stats_nb`` makes one pass over the equity curve (returns, their sum, product and
downside, the drawdown, its duration and the ulcer sum, the trailing window of ``calmar``), one
over the finite returns (central moments); one partial sort (NumPy's introselect) then gives the
5% and 95% quantiles and the worst 5%. ``benchmark_stats_nb`` adds alpha, beta and the information ratio in one pass.
Definitions are those of ``alphalab.analytics.metrics``; the NumPy reference implementations in
``alphalab.analytics._returns`` stay the oracle of the tests. Sums are compensated (Neumaier) so
that a million-bar curve agrees with NumPy's pairwise sums to about 1e-15 relative.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Positions in the array ``equity_stats_nb`` returns.
S_TOTAL, S_CAGR, S_VOL, S_SHARPE, S_SORTINO, S_CALMAR, S_MAR, S_MDD, S_DUR, S_ULCER = range(10)
S_TAIL, S_VAR, S_CVAR, S_SKEW, S_KURT = range(10, 15)
N_STATS = 15
# Positions in the array ``benchmark_stats_nb`` returns.
B_ALPHA, B_BETA, B_INFO = range(3)

_FLAT = 1e-14
_DAY_NS = 86_400e9


@njit(cache=True, error_model="numpy")
def _ksum(total: float, comp: float, v: float) -> tuple[float, float]:
    t = total + v
    if abs(total) >= abs(v):
        comp += (total - t) + v
    else:
        comp += (v - t) + total
    return t, comp


@njit(cache=True, error_model="numpy")
def _ratio(num: float, den: float) -> float:
    if not den > 0 or not math.isfinite(num):
        return np.nan
    return num / den


@njit(cache=True, error_model="numpy")
def _growth(wealth: float, n: int, ppy: float) -> float:
    if n == 0 or wealth < 0:
        return np.nan
    return wealth ** (ppy / n) - 1.0


@njit(cache=True, error_model="numpy")
def _drawdown_pass(eq: np.ndarray, times: np.ndarray, cut: int) -> tuple[float, float, float, float]:
    """Return (max drawdown, longest spell in days, sum of squared drawdowns, max drawdown from ``cut``)."""
    n = eq.size
    peak = np.nan
    wpeak = np.nan
    mdd = 0.0
    wmdd = 0.0
    sq = 0.0
    longest = 0
    start = -1
    for i in range(n):
        e = eq[i]
        if not e <= peak and not math.isnan(e):  # fmax: a NaN point leaves the peak as it is
            peak = e
        dd = 1.0 - e / peak
        if not math.isfinite(dd) or dd < 0.0:
            dd = 0.0
        mdd = max(mdd, dd)
        sq += dd * dd
        if e < peak and start < 0:
            start = i - 1
        elif not e < peak and start >= 0:
            longest = max(longest, times[i] - times[start])
            start = -1
        if i >= cut:
            if not e <= wpeak and not math.isnan(e):
                wpeak = e
            wdd = 1.0 - e / wpeak
            if math.isfinite(wdd) and wdd > wmdd:
                wmdd = wdd
    if start >= 0:
        longest = max(longest, times[n - 1] - times[start])
    return mdd, longest / _DAY_NS, sq, wmdd


@njit(cache=True, error_model="numpy")
def returns_nb(eq: np.ndarray) -> np.ndarray:
    """Return ``eq[t] / eq[t-1] - 1`` (length N-1), NaN where it is not finite."""
    n = eq.size
    r = np.empty(max(n - 1, 0))
    for i in range(1, n):
        v = eq[i] / eq[i - 1] - 1.0
        r[i - 1] = v if math.isfinite(v) else np.nan
    return r


@njit(cache=True, error_model="numpy")
def _moments(x: np.ndarray, mean: float) -> tuple[float, float, float]:
    s2 = c2 = s3 = c3 = s4 = c4 = 0.0
    for v in x:
        d = v - mean
        d2 = d * d
        s2, c2 = _ksum(s2, c2, d2)
        s3, c3 = _ksum(s3, c3, d2 * d)
        s4, c4 = _ksum(s4, c4, d2 * d2)
    n = x.size
    return (s2 + c2) / n, (s3 + c3) / n, (s4 + c4) / n


@njit(cache=True, error_model="numpy")
def _shape_stats(out: np.ndarray, m2: float, m3: float, m4: float, n: int) -> None:
    if n >= 3 and m2 > 1e-30:
        out[S_SKEW] = m3 / m2**1.5 * math.sqrt(n * (n - 1.0)) / (n - 2.0)
    if n >= 4 and m2 > 1e-30:
        g2 = m4 / (m2 * m2) - 3.0
        out[S_KURT] = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))


def _lerp(a: float, b: float, t: float) -> float:
    # numpy.percentile's linear interpolation, written as NumPy writes it.
    d = b - a
    return b - d * (1.0 - t) if t >= 0.5 else a + d * t


def tail_stats(out: np.ndarray, x: np.ndarray) -> None:
    """Fill ``S_VAR``, ``S_CVAR`` and ``S_TAIL`` from the finite returns ``x`` (reordered in place).

    One introselect (NumPy's partition) finds both quantiles' neighbours and the worst 5%.
    """
    n = x.size
    if n == 0:
        return
    v5, v95 = 0.05 * (n - 1), 0.95 * (n - 1)
    k5, k95 = math.floor(v5), math.floor(v95)
    x.partition(k5)  # x[:k5] <= x[k5] <= x[k5 + 1:]
    upper = x[k5 + 1:]
    next5 = upper.min() if upper.size else x[k5]
    p5 = _lerp(x[k5], next5, v5 - k5)
    j = k95 - k5 - 1
    if j < 0:  # both quantiles fall between the same two order statistics
        p95 = _lerp(x[k5], next5, v95 - k95)
    else:
        upper.partition(j)
        top = upper[j + 1:]
        p95 = _lerp(upper[j], top.min() if top.size else upper[j], v95 - k95)
    out[S_VAR] = -p5
    out[S_CVAR] = -float(np.mean(x[: k5 + 1]))
    if abs(p5) != 0.0:
        out[S_TAIL] = abs(p95) / abs(p5)


def equity_stats(eq: np.ndarray, times: np.ndarray, ppy: float, cut: int) -> np.ndarray:
    """Return the ``S_*`` metrics of an equity curve (see ``equity_stats_nb``), tail figures included."""
    out, x = equity_stats_nb(eq, times, ppy, cut)
    tail_stats(out, x)
    return out


@njit(cache=True, error_model="numpy")
def equity_stats_nb(eq: np.ndarray, times: np.ndarray, ppy: float, cut: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``S_*`` metrics of an equity curve but the tail ones, and its finite returns.

    ``eq`` float64, ``times`` int64 ns.
    ``cut`` is the first point of the trailing window over which ``calmar`` is measured
    (0 = the full history, where calmar equals mar).
    """
    out = np.full(N_STATS, np.nan)
    n = eq.size
    if n == 0:
        return out, np.empty(0)
    if math.isfinite(eq[0]) and eq[0] != 0.0:
        out[S_TOTAL] = eq[n - 1] / eq[0] - 1.0
    r = returns_nb(eq)
    x = r  # the finite returns are compacted in place (one fresh array, not two: page faults cost)
    m = 0
    s = c = down = 0.0
    wealth = wwealth = 1.0
    wm = 0
    for i in range(r.size):
        v = r[i]
        if math.isnan(v):
            continue
        x[m] = v
        m += 1
        s, c = _ksum(s, c, v)
        wealth *= 1.0 + v
        if v < 0.0:
            down += v * v
        if i + 1 > cut:
            wwealth *= 1.0 + v
            wm += 1
    x = x[:m]
    mdd, dur, sq, wmdd = _drawdown_pass(eq, times, cut)
    out[S_MDD] = mdd
    out[S_DUR] = dur
    if n - 1 >= 2:
        out[S_ULCER] = math.sqrt(sq / (n - 2))
    if m == 0 or not ppy > 0:
        return out, x
    mean = (s + c) / m
    growth = _growth(wealth, m, ppy)
    out[S_CAGR] = growth
    out[S_MAR] = _ratio(growth, mdd)
    out[S_CALMAR] = _ratio(_growth(wwealth, wm, ppy), wmdd) if cut > 0 else out[S_MAR]
    m2, m3, m4 = _moments(x, mean)
    if m >= 2:
        sd = math.sqrt(m2 * m / (m - 1.0))
        out[S_VOL] = sd * math.sqrt(ppy)
        if sd > _FLAT:
            out[S_SHARPE] = mean / sd * math.sqrt(ppy)
        dd = math.sqrt(down / m)
        if dd > 0:
            out[S_SORTINO] = mean * math.sqrt(ppy) / dd
    _shape_stats(out, m2, m3, m4, m)
    return out, x


@njit(cache=True, error_model="numpy")
def benchmark_stats_nb(r: np.ndarray, bench_eq: np.ndarray, ppy: float) -> np.ndarray:
    """Return (alpha, beta, information ratio) of returns ``r`` against a benchmark curve (length N).

    Only the periods where both returns are finite count (empyrical's ``alpha_beta`` and
    ``excess_sharpe``).
    """
    out = np.full(3, np.nan)
    b = returns_nb(bench_eq)
    n = 0
    sr = sb = 0.0
    for i in range(r.size):
        if not (math.isnan(r[i]) or math.isnan(b[i])):
            n += 1
            sr += r[i]
            sb += b[i]
    if n < 2:
        return out
    mr, mb = sr / n, sb / n
    ma = mr - mb
    var = cov = sa2 = 0.0
    for i in range(r.size):
        ri, bi = r[i], b[i]
        if math.isnan(ri) or math.isnan(bi):
            continue
        var += (bi - mb) ** 2
        cov += (bi - mb) * ri
        sa2 += (ri - bi - ma) ** 2
    var /= n
    if var > 1e-30:
        beta = cov / n / var
        out[B_BETA] = beta
        base = 1.0 + (mr - beta * mb)
        if base >= 0:
            out[B_ALPHA] = base**ppy - 1.0
    sd = math.sqrt(sa2 / (n - 1))
    if sd > _FLAT:
        out[B_INFO] = ma / sd * math.sqrt(ppy)
    return out


@njit(cache=True, error_model="numpy")
def buy_and_hold_nb(close: np.ndarray, capital: float) -> np.ndarray:
    """Return the equal-weight buy-and-hold value of the columns of ``close`` (T, A).

    Each column is its last close carried forward over its first close; before its first
    close (or where that ratio is not finite) a column's share is 1 (cash).
    """
    t_n, a_n = close.shape
    out = np.zeros(t_n)
    for j in range(a_n):
        first = np.nan
        for t in range(t_n):
            if not math.isnan(close[t, j]):
                first = close[t, j]
                break
        last = np.nan
        for t in range(t_n):
            if not math.isnan(close[t, j]):
                last = close[t, j]
            v = last / first
            out[t] += v if math.isfinite(v) else 1.0
    if a_n > 0:
        for t in range(t_n):
            out[t] = out[t] / a_n * capital
    return out


@njit(cache=True, error_model="numpy")
def envelope_nb(y: np.ndarray, max_points: int) -> np.ndarray:
    """Return the positions that keep a line's min/max envelope with at most ``max_points`` points.

    The series is cut into ``max_points // 2`` bins of equal length; each bin keeps the position
    of its lowest and of its highest finite value, in time order (a bin without a finite value
    keeps its first position, so gaps stay gaps). The first and last points are always kept.
    """
    n = y.size
    bins = max(1, max_points // 2)
    if n <= max_points:
        return np.arange(n)
    step = (n + bins - 1) // bins
    out = np.empty(2 * bins + 2, dtype=np.int64)
    k = 0
    out[k] = 0
    k += 1
    for a in range(0, n, step):
        b = min(a + step, n)
        lo = hi = -1
        for i in range(a, b):
            v = y[i]
            if math.isnan(v):
                continue
            if lo < 0 or v < y[lo]:
                lo = i
            if hi < 0 or v > y[hi]:
                hi = i
        if lo < 0:
            lo = hi = a
        first, second = min(lo, hi), max(lo, hi)
        if first > out[k - 1]:
            out[k] = first
            k += 1
        if second > out[k - 1]:
            out[k] = second
            k += 1
    if out[k - 1] != n - 1:
        out[k] = n - 1
        k += 1
    return out[:k].copy()
