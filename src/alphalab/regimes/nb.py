"""Kernels of the regime detectors: causal features, percentile ranks and the HMM forward filter.

Every function reads 1-D float64 arrays and writes a value at bar ``t`` from inputs at bars ``<= t`` only.
NaN marks a bar whose value is not yet defined (warm-up or missing input). The rolling mean and
standard deviation, Wilder's ATR and the ADX are the indicator kernels themselves (one rule, one
implementation): a missing bar is skipped exactly as :mod:`alphalab.indicators.nb_core` says.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.indicators import nb_momentum, nb_trend, nb_volatility
from alphalab.indicators.nb_stats import VARIANCE


@numba.njit(cache=True)
def log_returns(close: np.ndarray) -> np.ndarray:
    """Return log(close[t] / previous valid close); NaN at the first valid bar and on missing bars.

    A missing (NaN) or non-positive close is skipped, as the indicators skip missing bars: the
    first bar after a gap gets the return across the gap, so a symbol's returns at its valid bars
    do not depend on which other symbols' calendars share the run.
    """
    n = close.shape[0]
    out = np.full(n, np.nan)
    prev = np.nan
    for t in range(n):
        b = close[t]
        if not b > 0.0:
            continue
        if prev > 0.0:
            out[t] = np.log(b / prev)
        prev = b
    return out


def _column(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).reshape(-1, 1)


def rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Return the trailing mean of ``window`` valid values (the ``sma`` indicator kernel).

    NaN marks a missing bar, skipped as by every indicator (NaN out, the window continues over
    the valid bars).
    """
    out = np.empty((x.shape[0], 1))
    nb_trend.sma_nb(_column(x), int(window), out)
    return out[:, 0]


def rolling_std(x: np.ndarray, window: int) -> np.ndarray:
    """Return the trailing sample standard deviation (ddof=1) of ``window`` valid values.

    The numerically stable rolling variance of the ``stddev`` indicator, scaled by n / (n - 1).
    """
    out = np.empty((x.shape[0], 1))
    nb_volatility.var_cols(_column(x), int(window), VARIANCE, out)
    return np.sqrt(out[:, 0] * (window / (window - 1.0)))  # type: ignore[no-any-return]


def wilder_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    """Return Wilder's average true range (the ``atr`` indicator: first value at bar ``period``)."""
    out = np.empty((close.shape[0], 1))
    nb_volatility.atr_nb(_column(high), _column(low), _column(close), int(period), out)
    return out[:, 0]


def wilder_adx(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (ADX, +DI, -DI) of the ``adx`` indicator (+DI/-DI from bar ``period``, ADX from ``2 * period - 1``)."""
    outs = (np.empty((close.shape[0], 1)), np.empty((close.shape[0], 1)), np.empty((close.shape[0], 1)))
    nb_momentum.adx_nb(_column(high), _column(low), _column(close), int(period), outs)
    return outs[0][:, 0], outs[1][:, 0], outs[2][:, 0]


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
