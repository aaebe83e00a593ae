"""Column sweeps: many parameter sets of one signal rule in one compiled engine call.

Each parameter set becomes one column of (time x combination) signal arrays with its own cash
group, and ``alphalab.engine.simulate`` runs them all in one numba call. Indicators are computed
once per distinct configuration (an EMA of period 20 is shared by every pair that uses it).

Memory bound: signals are (T x chunk) booleans and the engine's curves (T x chunk) float64, so a
chunk needs about ``T x chunk x (4 x 8 + 4) bytes`` plus ``T x 8`` per distinct indicator; the sweep
walks the combinations ``chunk`` at a time (default chosen so that T x chunk <= 4e6, ~150 MB).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from alphalab.research.series import equity_metrics_columns


def ema_lines(close: np.ndarray, periods: Sequence[int]) -> dict[int, np.ndarray]:
    """Return the EMA of a 1-D close series for each distinct period (computed once each)."""
    from alphalab.indicators import registry

    ema = registry.get("ema")
    col = np.ascontiguousarray(close, dtype=float).reshape(-1, 1)
    return {int(p): ema.batch(close=col, period=int(p))[0][:, 0] for p in sorted(set(periods))}


_TILE = 64  # bars per tile of the cross kernel: a (65, K) byte tile stays in L1 for K up to several hundred


@numba.njit(cache=True)
def _cross_kernel(lines: np.ndarray, fast: np.ndarray, slow: np.ndarray, entries: np.ndarray,
                  exits: np.ndarray) -> None:
    """Fill (T, K) ``entries``/``exits``: line ``fast[j]`` of the (P, T) ``lines`` crosses above / below ``slow[j]``.

    Tile by tile of bars: first each pair's line comparison along time (contiguous reads), coded as
    ``above | valid << 1`` into a (bars x pairs) byte tile; then the C-ordered outputs row by row from
    the tile and its previous row (``above`` one bar earlier; False before the first bar).
    """
    n_pairs, n = fast.size, lines.shape[1]
    code = np.zeros((_TILE + 1, n_pairs), dtype=np.uint8)  # row 0: the last bar of the previous tile
    for t0 in range(0, n, _TILE):
        m = min(_TILE, n - t0)
        for j in range(n_pairs):
            fl = lines[fast[j], t0 : t0 + m]
            sl = lines[slow[j], t0 : t0 + m]
            for i in range(m):
                f, s = fl[i], sl[i]
                code[i + 1, j] = np.uint8(f > s) | (np.uint8((f == f) & (s == s)) << 1)  # NaN: False
        for i in range(m):
            now, before = code[i + 1], code[i]
            er, xr = entries[t0 + i], exits[t0 + i]
            for j in range(n_pairs):
                above, was, valid = now[j] & 1, before[j] & 1, now[j] >> 1
                er[j] = above & (was ^ 1) & valid
                xr[j] = was & (above ^ 1) & valid
        code[0] = code[m]


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
        Boolean (T, K) arrays: ``above & ~prev & valid`` and ``~above & prev & valid``, where
        ``above = fast > slow``, ``prev`` is ``above`` one bar earlier (False on the first bar) and
        ``valid`` says both lines are not NaN.
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
    entries = np.empty((n, len(pairs)), dtype=np.bool_)
    exits = np.empty((n, len(pairs)), dtype=np.bool_)
    _cross_kernel(mat, fast, slow, entries, exits)
    return entries, exits


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
    periods_per_year: float = 252.0,
) -> list[dict[str, float]]:
    """Simulate long-only signal columns over one symbol's bars in one engine call; return metrics per column."""
    from alphalab.engine.layout import TR_COL
    from alphalab.engine.simulate import SimSettings, simulate

    n_cols = entries.shape[1]
    tile = lambda a: np.repeat(np.asarray(a, float).reshape(-1, 1), n_cols, axis=1)  # noqa: E731
    out = simulate(
        tile(open_), tile(high), tile(low), tile(close), tile(volume), entries, exits,
        settings=SimSettings(allow_short=False), capital=[capital] * n_cols, group=np.arange(n_cols),
        record=("equity",),
    )
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
    chunk: int | None = None,
) -> list[dict[str, float]]:
    """Run an EMA-cross sweep over ``pairs`` (fast, slow) in chunks; return one metrics dict per pair."""
    n = len(bars_close)
    chunk = chunk or max(1, int(4_000_000 // max(n, 1)))
    out: list[dict[str, float]] = []
    for a in range(0, len(pairs), chunk):
        part = list(pairs[a : a + chunk])
        lines = ema_lines(bars_close, [p for pair in part for p in pair])
        entries, exits = cross_signals(lines, part)
        del lines
        out.extend(sweep_columns(bars_open, bars_high, bars_low, bars_close, bars_volume, entries, exits))
    return out


def sweep_chunk(bars: tuple[np.ndarray, ...], pairs: Sequence[tuple[int, int]]) -> list[dict[str, float]]:
    """Executor task: an EMA-cross sweep of ``pairs`` over ``bars`` = (open, high, low, close, volume)."""
    o, h, lo, c, v = bars
    return ema_cross_sweep(o, h, lo, c, v, pairs)


def parallel_ema_cross_sweep(
    bars: tuple[np.ndarray, ...], pairs: Sequence[tuple[int, int]], executor: object, chunk: int = 50
) -> list[dict[str, float]]:
    """Split ``pairs`` into chunks, run them on ``executor`` and return the metrics in pair order."""
    chunks = [list(pairs[i : i + chunk]) for i in range(0, len(pairs), chunk)]
    results: dict[int, list[dict[str, float]]] = {}
    for i, res in executor.map(sweep_chunk, bars, chunks):  # type: ignore[attr-defined]
        results[i] = res
    return [m for i in range(len(chunks)) for m in results[i]]
