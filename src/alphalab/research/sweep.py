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

import numpy as np

from alphalab.research.series import series_metrics_columns


def ema_lines(close: np.ndarray, periods: Sequence[int]) -> dict[int, np.ndarray]:
    """Return the EMA of a 1-D close series for each distinct period (computed once each)."""
    from alphalab.indicators import registry

    ema = registry.get("ema")
    col = np.ascontiguousarray(close, dtype=float).reshape(-1, 1)
    return {int(p): ema.batch(close=col, period=int(p))[0][:, 0] for p in sorted(set(periods))}


def cross_signals(
    lines: dict[int, np.ndarray], pairs: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (entries, exits) of shape (T, len(pairs)): fast crosses above / below slow."""
    n = next(iter(lines.values())).shape[0]
    entries = np.zeros((n, len(pairs)), dtype=np.bool_)
    exits = np.zeros((n, len(pairs)), dtype=np.bool_)
    for j, (f, s) in enumerate(pairs):
        above = lines[f] > lines[s]
        prev = np.concatenate([[False], above[:-1]])
        valid = ~np.isnan(lines[f]) & ~np.isnan(lines[s])
        entries[:, j] = above & ~prev & valid
        exits[:, j] = ~above & prev & valid
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
    rows = series_metrics_columns(eq[1:] / eq[:-1] - 1.0, periods_per_year)
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
