"""Numba kernels of the regime detectors: causal features, percentile ranks and the HMM forward filter.

Every kernel reads 1-D float64 arrays and writes a value at bar ``t`` from inputs at bars ``<= t`` only.
NaN marks a bar whose value is not yet defined (warm-up or missing input).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def log_returns(close: np.ndarray) -> np.ndarray:
    """Return log(close[t] / close[t-1]); NaN at the first bar and around missing closes."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    for t in range(1, n):
        a = close[t - 1]
        b = close[t]
        if a > 0.0 and b > 0.0:
            out[t] = np.log(b / a)
    return out


@numba.njit(cache=True)
def rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Return the trailing mean of ``window`` bars; NaN until ``window`` finite values are in the window."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for t in range(window - 1, n):
        s = 0.0
        ok = True
        for i in range(t - window + 1, t + 1):
            v = x[i]
            if np.isnan(v):
                ok = False
                break
            s += v
        if ok:
            out[t] = s / window
    return out


@numba.njit(cache=True)
def rolling_std(x: np.ndarray, window: int) -> np.ndarray:
    """Return the trailing sample standard deviation (ddof=1) of ``window`` bars."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for t in range(window - 1, n):
        s = 0.0
        ok = True
        for i in range(t - window + 1, t + 1):
            if np.isnan(x[i]):
                ok = False
                break
            s += x[i]
        if not ok:
            continue
        m = s / window
        ss = 0.0
        for i in range(t - window + 1, t + 1):
            d = x[i] - m
            ss += d * d
        out[t] = np.sqrt(ss / (window - 1))
    return out


@numba.njit(cache=True)
def wilder_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    """Return Wilder's average true range (TA-Lib convention: first value at bar ``period``)."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    if n <= period:
        return out
    s = 0.0
    for t in range(1, period + 1):
        s += max(high[t] - low[t], abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
    atr = s / period
    out[period] = atr
    for t in range(period + 1, n):
        tr = max(high[t] - low[t], abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
        atr = (atr * (period - 1) + tr) / period
        out[t] = atr
    return out


@numba.njit(cache=True)
def wilder_adx(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (ADX, +DI, -DI) with Wilder smoothing, in TA-Lib's convention.

    +DI/-DI are defined from bar ``period``; ADX from bar ``2 * period - 1``.
    """
    n = close.shape[0]
    adx = np.full(n, np.nan)
    pdi = np.full(n, np.nan)
    mdi = np.full(n, np.nan)
    if n <= 2 * period - 1:
        return adx, pdi, mdi
    s_tr = 0.0
    s_p = 0.0
    s_m = 0.0
    dx_sum = 0.0
    cur_adx = 0.0
    for t in range(1, n):
        up = high[t] - high[t - 1]
        down = low[t - 1] - low[t]
        p_dm = up if (up > down and up > 0.0) else 0.0
        m_dm = down if (down > up and down > 0.0) else 0.0
        tr = max(high[t] - low[t], abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
        if t < period:
            s_tr += tr
            s_p += p_dm
            s_m += m_dm
            continue
        # TA-Lib seeds with the sum of the first period-1 moves, then applies Wilder steps from bar period.
        s_tr = s_tr - s_tr / period + tr
        s_p = s_p - s_p / period + p_dm
        s_m = s_m - s_m / period + m_dm
        p = 100.0 * s_p / s_tr if s_tr > 0.0 else 0.0
        m = 100.0 * s_m / s_tr if s_tr > 0.0 else 0.0
        pdi[t] = p
        mdi[t] = m
        dx = 100.0 * abs(p - m) / (p + m) if (p + m) > 0.0 else 0.0
        k = t - period  # 0-based index of this DX value
        if k < period:
            dx_sum += dx
            if k == period - 1:
                cur_adx = dx_sum / period
                adx[t] = cur_adx
        else:
            cur_adx = (cur_adx * (period - 1) + dx) / period
            adx[t] = cur_adx
    return adx, pdi, mdi


@numba.njit(cache=True)
def _fenwick_add(tree: np.ndarray, i: int) -> None:
    i += 1
    while i < tree.shape[0]:
        tree[i] += 1
        i += i & (-i)


@numba.njit(cache=True)
def _fenwick_sum(tree: np.ndarray, i: int) -> int:
    """Return how many inserted positions are <= i."""
    s = 0
    i += 1
    while i > 0:
        s += tree[i]
        i -= i & (-i)
    return s


@numba.njit(cache=True)
def expanding_percentile(x: np.ndarray, rank_hi: np.ndarray, n_finite: int) -> np.ndarray:
    """Return, at each t, the fraction of finite values at bars ``<= t`` that are ``<= x[t]``.

    ``rank_hi[t]`` is the position (in ascending sorted order of all finite values) of the last value
    equal to ``x[t]``; the Fenwick tree counts only values already inserted (bars ``<= t``), so the
    result at t never depends on later bars even though the sort order was computed once.
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    tree = np.zeros(n_finite + 1, dtype=np.int64)
    count = 0
    for t in range(n):
        if np.isnan(x[t]):
            continue
        _fenwick_add(tree, rank_hi[t])
        count += 1
        out[t] = _fenwick_sum(tree, rank_hi[t]) / count
    return out


@numba.njit(cache=True)
def rolling_percentile(x: np.ndarray, window: int) -> np.ndarray:
    """Return the fraction of the last ``window`` finite values (bar t included) that are ``<= x[t]``.

    NaN until the window holds ``window`` values.
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    for t in range(n):
        if np.isnan(x[t]) or t < window - 1:
            continue
        below = 0
        seen = 0
        for i in range(t - window + 1, t + 1):
            v = x[i]
            if np.isnan(v):
                continue
            seen += 1
            if v <= x[t]:
                below += 1
        if seen == window:
            out[t] = below / seen
    return out


@numba.njit(cache=True)
def forward_filter(log_b: np.ndarray, log_start: np.ndarray, log_trans: np.ndarray) -> np.ndarray:
    """Run the HMM forward recursion; return the filtered state probabilities P(s_t | x_0..x_t).

    ``log_b`` is (T, K) emission log-likelihoods (a NaN row means "no observation": the state
    distribution is only propagated). Probabilities are normalised at every step (scaled forward
    algorithm), so row t depends on rows ``<= t`` only.
    """
    n, k = log_b.shape
    out = np.full((n, k), np.nan)
    trans = np.exp(log_trans)
    alpha = np.exp(log_start)
    first = True
    for t in range(n):
        if first:
            prior = alpha.copy()
        else:
            prior = np.zeros(k)
            for i in range(k):
                for j in range(k):
                    prior[j] += alpha[i] * trans[i, j]
        if np.isnan(log_b[t, 0]):
            alpha = prior
            if not first:
                for j in range(k):
                    out[t, j] = alpha[j]
            continue
        m = log_b[t, 0]
        for j in range(1, k):
            m = max(m, log_b[t, j])
        total = 0.0
        post = np.empty(k)
        for j in range(k):
            post[j] = prior[j] * np.exp(log_b[t, j] - m)
            total += post[j]
        if total <= 0.0:
            post = prior.copy()
            total = post.sum()
        for j in range(k):
            alpha[j] = post[j] / total
            out[t, j] = alpha[j]
        first = False
    return out
