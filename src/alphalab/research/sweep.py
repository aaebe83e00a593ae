"""Column sweeps: many parameter sets of one signal rule on one symbol's bars.

Each parameter set becomes one column of (time x combination) signal arrays with its own cash,
and ``alphalab.engine.simulate_columns`` runs the columns on the shared bars (the compiled
one-column loop per column, no copies of the bars). Indicators are computed once per distinct
configuration (an EMA of period 20 is shared by every pair that uses it).

Memory bound: a chunk of ``c`` combinations on ``T`` bars holds its (T x c) entry and exit
booleans (2 bytes per cell), its (T x c) float64 equity curves and the row-major copy the metrics
read (16 bytes per cell), and the distinct EMA lines with their stacked copy (16 bytes per bar and
line, at most 2c lines): at most ``BYTES_PER_CELL = 50`` bytes per cell besides the bars. The
default chunk keeps ``T x c <= CELLS_PER_CHUNK`` (4 million), so a sweep of any number of
combinations works in about 200 MB (:func:`memory_bound_mb`); only series longer than 4 million
bars (chunks of one) need more, 50 bytes per bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from alphalab.research.series import equity_metrics_columns

BYTES_PER_CELL = 50
CELLS_PER_CHUNK = 4_000_000


def default_chunk(n_bars: int) -> int:
    """Return the default number of combinations per chunk for ``n_bars`` bars (``T x c <= 4e6``)."""
    return max(1, int(CELLS_PER_CHUNK // max(n_bars, 1)))


def memory_bound_mb(n_bars: int, chunk: int | None = None) -> float:
    """Return the documented working-memory bound (MB, bars excluded) of a column sweep on ``n_bars`` bars."""
    return BYTES_PER_CELL * n_bars * (chunk or default_chunk(n_bars)) / 2**20


def ema_lines(close: np.ndarray, periods: Sequence[int]) -> dict[int, np.ndarray]:
    """Return the EMA of a 1-D close series for each distinct period (computed once each)."""
    from alphalab.indicators import registry

    ema = registry.get("ema")
    col = np.ascontiguousarray(close, dtype=float).reshape(-1, 1)
    return {int(p): ema.batch(close=col, period=int(p))[0][:, 0] for p in sorted(set(periods))}


@numba.njit(cache=True)
def _cross_kernel(lines: np.ndarray, fast: np.ndarray, slow: np.ndarray, entries: np.ndarray,
                  exits: np.ndarray) -> None:
    """Fill (K, T) ``entries``/``exits``: line ``fast[j]`` of the (P, T) ``lines`` crosses above / below ``slow[j]``.

    One pass along time per pair (contiguous reads and writes), the SDL rule of consecutive valid
    bars (``alphalab.sdl.calendars``): a row where a line is NaN (warm-up, a missing bar) has no
    signal and is skipped; a valid row compares ``above = fast > slow`` with the last valid row
    before it (no signal on the first valid row).
    """
    for j in range(fast.size):
        fl, sl = lines[fast[j]], lines[slow[j]]
        er, xr = entries[j], exits[j]
        was = False
        seen = False
        for t in range(fl.shape[0]):
            f, s = fl[t], sl[t]
            if not ((f == f) and (s == s)):
                er[t] = False
                xr[t] = False
                continue
            above = f > s
            er[t] = seen and above and not was
            xr[t] = seen and was and not above
            was = above
            seen = True


def cross_signals(
    lines: dict[int, np.ndarray], pairs: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (entries, exits) of shape (T, len(pairs)): fast crosses above / below slow.

    Parameters
    ----------
    lines : dict of int to numpy.ndarray
        Indicator line per period, all of the same length T (NaN during warm-up).
    pairs : sequence of (int, int)
        (fast, slow) periods; both must be keys of ``lines``.

    Returns
    -------
    tuple of numpy.ndarray
        Boolean (T, K) column-major arrays (each combination's column is contiguous, which is how
        ``engine.simulate_columns`` reads it): ``above & ~prev`` and ``~above & prev`` on rows where
        both lines are valid, where ``above = fast > slow`` and ``prev`` is ``above`` on the last
        earlier valid row (no signal on the first valid row, none on a NaN row).
    """
    keys = sorted({p for pair in pairs for p in pair})
    missing = [p for p in keys if p not in lines]
    if missing:
        raise ValueError(f"no line for periods {missing}")
    row = {p: i for i, p in enumerate(keys)}
    n = next(iter(lines.values())).shape[0]
    mat = np.empty((len(keys), n))
    for p, i in row.items():
        mat[i] = lines[p]
    fast = np.array([row[f] for f, _ in pairs], dtype=np.int64)
    slow = np.array([row[s] for _, s in pairs], dtype=np.int64)
    entries = np.empty((len(pairs), n), dtype=np.bool_)
    exits = np.empty((len(pairs), n), dtype=np.bool_)
    _cross_kernel(mat, fast, slow, entries, exits)
    return entries.T, exits.T


def sweep_columns(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    entries: np.ndarray,
    exits: np.ndarray,
    *,
    capital: float = 100_000.0,
    periods_per_year: float,
) -> list[dict[str, float]]:
    """Simulate long-only signal columns over one symbol's bars, each with its own cash; return metrics per column.

    The columns run through ``engine.simulate_columns`` on the shared bars (no tiling).
    """
    from alphalab.engine.columns import simulate_columns
    from alphalab.engine.layout import TR_COL
    from alphalab.engine.simulate import SimSettings

    n_cols = entries.shape[1]
    out = simulate_columns(open_, high, low, close, volume, entries, exits, settings=SimSettings(allow_short=False),
                           capital=capital, record=("equity",))
    trade_cols = out.trades[:, TR_COL].astype(np.int64) if len(out.trades) else np.empty(0, np.int64)
    counts = np.bincount(trade_cols, minlength=n_cols)
    eq = out.equity
    rows = equity_metrics_columns(eq, periods_per_year)
    for g, m in enumerate(rows):
        m["trades"] = float(counts[g])
        m["final_equity"] = float(eq[-1, g])
    return rows


def ema_cross_sweep(
    bars_open: np.ndarray,
    bars_high: np.ndarray,
    bars_low: np.ndarray,
    bars_close: np.ndarray,
    bars_volume: np.ndarray,
    pairs: Sequence[tuple[int, int]],
    *,
    periods_per_year: float,
    chunk: int | None = None,
) -> list[dict[str, float]]:
    """Run an EMA-cross sweep over ``pairs`` (fast, slow) in chunks; return one metrics dict per pair.

    ``periods_per_year`` is the bars' own (``alphalab.analytics.metrics.periods_per_year_for``).
    """
    n = len(bars_close)
    chunk = chunk or default_chunk(n)
    out: list[dict[str, float]] = []
    for a in range(0, len(pairs), chunk):
        part = list(pairs[a : a + chunk])
        lines = ema_lines(bars_close, [p for pair in part for p in pair])
        entries, exits = cross_signals(lines, part)
        del lines
        out.extend(sweep_columns(bars_open, bars_high, bars_low, bars_close, bars_volume, entries, exits,
                                 periods_per_year=periods_per_year))
    return out


def sweep_chunk(job: tuple[tuple[np.ndarray, ...], float], pairs: Sequence[tuple[int, int]]) -> list[dict[str, float]]:
    """Executor task: an EMA-cross sweep of ``pairs``; ``job`` = ((open, high, low, close, volume), periods_per_year)."""
    (o, h, lo, c, v), ppy = job
    return ema_cross_sweep(o, h, lo, c, v, pairs, periods_per_year=ppy)


def parallel_ema_cross_sweep(
    bars: tuple[np.ndarray, ...], pairs: Sequence[tuple[int, int]], executor: object, chunk: int = 50, *,
    periods_per_year: float,
) -> list[dict[str, float]]:
    """Split ``pairs`` into chunks, run them on ``executor`` and return the metrics in pair order."""
    chunks = [list(pairs[i : i + chunk]) for i in range(0, len(pairs), chunk)]
    results: dict[int, list[dict[str, float]]] = {}
    job = (bars, float(periods_per_year))
    for i, res in executor.map(sweep_chunk, job, chunks):  # type: ignore[attr-defined]
        results[i] = res
    return [m for i in range(len(chunks)) for m in results[i]]
