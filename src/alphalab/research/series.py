"""Metrics of a plain per-bar return series (walk-forward stitching, Monte Carlo, fakes).

:func:`series_metrics` is the numpy definition. :func:`series_metrics_columns` and
:func:`equity_metrics_columns` compute the same numbers for every column of a (T, K) matrix in two
compiled passes over the rows (row order keeps memory access contiguous for C-ordered matrices): the
first sums the returns and tracks equity, peak and drawdown (one division per stretch under a peak:
the lowest equity of a stretch gives its largest drawdown); the second sums squared deviations from
the mean. Both sums follow numpy's pairwise summation exactly (blocks of at most 128 elements with
eight interleaved accumulators, split in halves rounded down to a multiple of 8), so the mean and the
standard deviation are the very numbers ``np.mean`` and ``np.std(ddof=1)`` give for each column,
and a zero-variance column gets sharpe 0 in both.
"""

from __future__ import annotations

import numba
import numpy as np

_BLOCK = 128  # numpy's PW_BLOCKSIZE
_BIG = np.finfo(np.float64).max  # np.nan_to_num's replacement for +inf


def series_metrics(returns: np.ndarray, periods_per_year: float) -> dict[str, float]:
    """Return sharpe, total_return, cagr, max_drawdown (positive) and volatility of per-bar returns."""
    r = np.nan_to_num(np.asarray(returns, dtype=float))
    n = r.size
    equity = np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(np.concatenate([[1.0], equity]))[1:]
    dd = float(np.max(1.0 - equity / peak)) if n else 0.0
    sd = float(r.std(ddof=1)) if n > 1 else 0.0
    sharpe = float(r.mean() / sd * np.sqrt(periods_per_year)) if sd > 0 else 0.0
    total = float(equity[-1] - 1.0) if n else 0.0
    years = n / periods_per_year
    cagr = float((1.0 + total) ** (1.0 / years) - 1.0) if years > 0 and total > -1 else -1.0
    return {
        "sharpe": sharpe,
        "total_return": total,
        "cagr": cagr,
        "max_drawdown": dd,
        "volatility": sd * float(np.sqrt(periods_per_year)),
    }


@numba.njit(cache=True, error_model="numpy")
def _load(a: np.ndarray, lo: int, n: int, from_equity: bool, buf: np.ndarray) -> None:
    """Copy the returns of rows lo..lo+n-1 into ``buf`` (``a`` holds equity or returns), as np.nan_to_num."""
    k = buf.shape[1]
    for i in range(n):
        t = lo + i
        for j in range(k):
            v = a[t + 1, j] / a[t, j] - 1.0 if from_equity else a[t, j]
            if v != v:
                v = 0.0
            buf[i, j] = min(max(v, -_BIG), _BIG)


@numba.njit(cache=True)
def _lower_peak(state: np.ndarray, j: int) -> None:
    """Fold the stretch under the current peak into the running max drawdown (NaN propagates as in np.max).

    Within a stretch the peak is fixed and positive, so ``1 - e / peak`` is largest at the lowest
    equity: rounding is monotone, hence this is exactly the max of the per-bar drawdowns.
    """
    d = 1.0 - state[2, j] / state[1, j]
    dd = state[3, j]
    if dd == dd and (d != d or d > dd):
        state[3, j] = d


@numba.njit(cache=True)
def _track(buf: np.ndarray, n: int, state: np.ndarray) -> None:
    """Advance equity, peak, lowest equity under the peak and max drawdown (rows of ``state``) over n rows."""
    k = buf.shape[1]
    for i in range(n):
        for j in range(k):
            e = state[0, j] * (1.0 + buf[i, j])
            state[0, j] = e
            if e > state[1, j]:  # a new peak closes the stretch under the old one
                _lower_peak(state, j)
                state[1, j] = e
                state[2, j] = e
            elif e < state[2, j]:
                state[2, j] = e


@numba.njit(cache=True)
def _square_deviations(buf: np.ndarray, n: int, mean: np.ndarray) -> None:
    """Replace n rows of ``buf`` by their squared deviations from the column means."""
    k = buf.shape[1]
    for i in range(n):
        for j in range(k):
            d = buf[i, j] - mean[j]
            buf[i, j] = d * d


@numba.njit(cache=True)
def _leaf_sum(buf: np.ndarray, n: int, out: np.ndarray) -> None:
    """Write numpy's pairwise sum of the first n <= 128 rows of ``buf`` into ``out``, per column."""
    k = out.size
    if n < 8:
        out[:] = 0.0
        for i in range(n):
            for j in range(k):
                out[j] += buf[i, j]
        return
    acc = buf[:8].copy()
    m = n - n % 8
    for i0 in range(8, m, 8):
        for i in range(8):
            for j in range(k):
                acc[i, j] += buf[i0 + i, j]
    for j in range(k):
        out[j] = ((acc[0, j] + acc[1, j]) + (acc[2, j] + acc[3, j])) + (
            (acc[4, j] + acc[5, j]) + (acc[6, j] + acc[7, j]))
    for i in range(m, n):
        for j in range(k):
            out[j] += buf[i, j]


@numba.njit(cache=True, error_model="numpy")
def _block_sum(a: np.ndarray, lo: int, n: int, from_equity: bool, mean: np.ndarray, state: np.ndarray,
               buf: np.ndarray, out: np.ndarray) -> None:
    """Sum one block of rows: the returns (tracking equity) when ``mean`` is empty, else squared deviations."""
    _load(a, lo, n, from_equity, buf)
    if mean.size == 0:
        _track(buf, n, state)
    else:
        _square_deviations(buf, n, mean)
    _leaf_sum(buf, n, out)


@numba.njit(cache=True, error_model="numpy")
def _pairwise_sum(a: np.ndarray, n: int, from_equity: bool, mean: np.ndarray, state: np.ndarray,
                  out: np.ndarray) -> None:
    """Write numpy's pairwise sum of rows 0..n-1 of every column into ``out`` (rows visited in order).

    numpy recurses (sum(left half) + sum(right half) above 128 rows); recursive numba functions
    cannot be cached safely, so the same tree is walked with explicit stacks: tasks (lo, n, combine?)
    and the partial sums of the pending left halves.
    """
    k = out.size
    buf = np.empty((_BLOCK, k))
    tasks = np.empty((192, 3), dtype=np.int64)  # tree depth < 57 for any int64 n; <= 2 pending per level
    sums = np.empty((64, k))
    tasks[0, 0], tasks[0, 1], tasks[0, 2] = 0, n, 0
    n_tasks, n_sums = 1, 0
    while n_tasks:
        n_tasks -= 1
        lo, size, combine = tasks[n_tasks, 0], tasks[n_tasks, 1], tasks[n_tasks, 2]
        if combine:  # left + right, as numpy adds the two halves
            n_sums -= 1
            for j in range(k):
                sums[n_sums - 1, j] = sums[n_sums - 1, j] + sums[n_sums, j]
        elif size <= _BLOCK:
            _block_sum(a, lo, size, from_equity, mean, state, buf, sums[n_sums])
            n_sums += 1
        else:
            half = size // 2
            half -= half % 8
            tasks[n_tasks, 0], tasks[n_tasks, 1], tasks[n_tasks, 2] = 0, 0, 1
            tasks[n_tasks + 1, 0], tasks[n_tasks + 1, 1], tasks[n_tasks + 1, 2] = lo + half, size - half, 0
            tasks[n_tasks + 2, 0], tasks[n_tasks + 2, 1], tasks[n_tasks + 2, 2] = lo, half, 0
            n_tasks += 3
    out[:] = sums[0]


@numba.njit(cache=True, error_model="numpy")
def _column_stats(a: np.ndarray, n: int, from_equity: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (final equity, max drawdown, mean, sample std) per column of n >= 1 returns."""
    k = a.shape[1]
    state = np.empty((4, k))
    state[0, :] = 1.0  # equity
    state[1, :] = 1.0  # peak (the curve starts at 1)
    state[2, :] = np.inf  # lowest equity since the peak
    state[3, :] = -np.inf  # running max of the drawdown
    total = np.empty(k)
    _pairwise_sum(a, n, from_equity, np.empty(0), state, total)
    for j in range(k):
        _lower_peak(state, j)
        if state[0, j] != state[0, j]:  # a NaN equity stays NaN and makes numpy's peak and drawdown NaN
            state[3, j] = np.nan
    mean = total / n
    sd = np.zeros(k)
    if n > 1:
        sq = np.empty(k)
        _pairwise_sum(a, n, from_equity, mean, state, sq)
        sd = np.sqrt(sq / (n - 1))
    return state[0].copy(), state[3].copy(), mean, sd


def _rows(final: np.ndarray, dd: np.ndarray, mean: np.ndarray, sd: np.ndarray, n: int,
          periods_per_year: float) -> list[dict[str, float]]:
    """Assemble :func:`series_metrics` dicts from per-column equity, drawdown, mean and std."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sharpe = np.where(sd > 0, mean / sd * np.sqrt(periods_per_year), 0.0)
        total = final - 1.0
        years = n / periods_per_year
        cagr = np.where((years > 0) & (total > -1), (1.0 + total) ** (1.0 / years) - 1.0, -1.0)
    vol = sd * float(np.sqrt(periods_per_year))
    return [
        {"sharpe": float(sharpe[j]), "total_return": float(total[j]), "cagr": float(cagr[j]),
         "max_drawdown": float(dd[j]), "volatility": float(vol[j])}
        for j in range(final.size)
    ]


def series_metrics_columns(returns: np.ndarray, periods_per_year: float) -> list[dict[str, float]]:
    """Return :func:`series_metrics` of every column of a (T, K) return matrix.

    Parameters
    ----------
    returns : numpy.ndarray
        (T, K) per-bar fractional returns; NaN counts as 0.
    periods_per_year : float
        Bars per year, for the annualised numbers.

    Returns
    -------
    list of dict
        One dict per column with the keys of :func:`series_metrics`, equal to it column by column.
    """
    r = np.ascontiguousarray(returns, dtype=float)
    if r.ndim != 2:
        raise ValueError("returns must be a (T, K) matrix")
    n, k = r.shape
    if n == 0:
        return [series_metrics(np.zeros(0), periods_per_year) for _ in range(k)]
    return _rows(*_column_stats(r, n, False), n, periods_per_year)


def equity_metrics_columns(equity: np.ndarray, periods_per_year: float) -> list[dict[str, float]]:
    """Return :func:`series_metrics` of the bar returns of every column of a (T+1, K) equity matrix.

    Equal to ``series_metrics_columns(equity[1:] / equity[:-1] - 1.0)`` (the same floating-point
    operations per element) without building the (T, K) return matrix.

    Parameters
    ----------
    equity : numpy.ndarray
        (T+1, K) equity curves, one column per run.
    periods_per_year : float
        Bars per year, for the annualised numbers.

    Returns
    -------
    list of dict
        One dict per column with the keys of :func:`series_metrics`.
    """
    eq = np.ascontiguousarray(equity, dtype=float)
    if eq.ndim != 2:
        raise ValueError("equity must be a (T+1, K) matrix")
    n, k = eq.shape[0] - 1, eq.shape[1]
    if n <= 0:
        return [series_metrics(np.zeros(0), periods_per_year) for _ in range(k)]
    return _rows(*_column_stats(eq, n, True), n, periods_per_year)


@numba.njit(cache=True, error_model="numpy")
def _neumaier(x: np.ndarray, power: int) -> float:
    s = c = 0.0
    for v in x:
        w = v if power == 1 else v * v
        t = s + w
        c += (s - t) + w if abs(s) >= abs(w) else (w - t) + s
        s = t
    return s + c


@numba.njit(cache=True, error_model="numpy")
def _return_stats_nb(returns: np.ndarray, edges: np.ndarray) -> tuple[int, float, float, float, float, np.ndarray]:
    """Return (n, mean, sd, skew, kurt, block sums) of the non-NaN returns; see ``return_statistics_fast``."""
    r = returns[~np.isnan(returns)]
    n = r.size
    blocks = np.zeros((edges.size - 1, 2))
    for b in range(edges.size - 1):
        seg = r[edges[b]:edges[b + 1]]
        blocks[b, 0] = _neumaier(seg, 1)
        blocks[b, 1] = _neumaier(seg, 2)
    if n == 0:
        return 0, np.nan, np.nan, 0.0, 3.0, blocks
    mean = _neumaier(r, 1) / n
    d = r - mean
    m2 = _neumaier(d, 2) / n
    sd = np.sqrt(m2 * n / (n - 1)) if n > 1 else np.nan
    skew, kurt = 0.0, 3.0
    if n > 2 and sd > 0:
        z = d / np.sqrt(m2)
        s3 = c3 = s4 = c4 = 0.0
        for v in z:
            v2 = v * v
            t = s3 + v2 * v
            c3 += (s3 - t) + v2 * v if abs(s3) >= abs(v2 * v) else (v2 * v - t) + s3
            s3 = t
            t = s4 + v2 * v2
            c4 += (s4 - t) + v2 * v2 if abs(s4) >= abs(v2 * v2) else (v2 * v2 - t) + s4
            s4 = t
        skew, kurt = (s3 + c3) / n, (s4 + c4) / n
    return n, mean, sd, skew, kurt, blocks


def return_statistics_fast(returns: np.ndarray, n_blocks: int = 16) -> dict[str, float]:
    """Return ``research.evaluator.return_statistics`` of a return series in one compiled call.

    Same keys and definitions (per-bar Sharpe, skew and kurtosis of the z-scores, per-block sum,
    sum of squares and count over ``np.linspace`` block edges); sums are compensated, so the
    values agree with NumPy's pairwise sums to about 1e-15 relative.
    """
    r = np.ascontiguousarray(returns, dtype=np.float64)
    n_valid = int(np.count_nonzero(~np.isnan(r)))
    edges = np.linspace(0, n_valid, n_blocks + 1).astype(np.int64)
    n, mean, sd, skew, kurt, blocks = _return_stats_nb(r, edges)
    out: dict[str, float] = {"ret_n": float(n)}
    out["ret_sharpe"] = float(mean / sd) if n > 1 and sd > 0 else 0.0
    out["ret_skew"], out["ret_kurt"] = float(skew), float(kurt)
    for b in range(n_blocks):
        out[f"ret_s{b}"] = float(blocks[b, 0])
        out[f"ret_q{b}"] = float(blocks[b, 1])
        out[f"ret_n{b}"] = float(edges[b + 1] - edges[b])
    return out
