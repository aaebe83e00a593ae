"""Parameter sweeps in one compiled call: many parameter sets of one strategy as cash groups.

Each parameter set becomes its own group of columns (one per symbol) with its own cash, so the
sets never interact; they run in a single call of the numba kernel. Identical indicator
configurations are computed once for the whole sweep. Work is chunked so the tiled arrays stay
within ``max_bytes``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.errors import EngineError
from alphalab.engine import layout as L
from alphalab.engine.backtest import (
    costs_from_spec,
    instrument_limits,
    resolve_spec,
    rules_from_spec,
    settings_from_config,
)
from alphalab.engine.config import BacktestConfig
from alphalab.engine.simulate import CURVES, Costs, EntryRules, SimOutput, SimSettings, simulate


@dataclass
class SweepResult:
    """Per-combination outcome of a sweep: equity curves (time x combination) and trade statistics."""

    params: list[dict[str, Any]]
    equity: pd.DataFrame
    stats: pd.DataFrame


def simulate_many(
    bars: BarArrays, signals: Sequence[Any], rules: Sequence[EntryRules], *, costs: Costs = Costs(),
    settings: SimSettings = SimSettings(), capital: float = 100_000.0,
    lot_size: np.ndarray | float = 0.0, min_notional: np.ndarray | float = 0.0,
    record: Sequence[str] = CURVES,
) -> SimOutput:
    """Simulate several signal sets on the same bars in one kernel call, each with its own cash.

    Parameters
    ----------
    bars
        The bars (T, A); they are tiled once per signal set.
    signals
        Objects with ``entry_long, exit_long, entry_short, exit_short`` (T, A) and ``atr`` (or None).
    rules
        One :class:`EntryRules` per signal set.
    record
        Curves to write besides equity (see ``simulate``); sweeps reading only equity pass ``("equity",)``.

    Returns
    -------
    SimOutput
        Columns ``k * A + j`` belong to set ``k`` and symbol ``j``; group ``k`` is set ``k``.
    """
    if len(signals) != len(rules) or not signals:
        raise EngineError("give one EntryRules per signal set (and at least one set)")
    k, a = len(signals), bars.n_assets
    if a == 1:  # one symbol: the sets run as columns on the shared bars (no tiling; see engine.columns)
        return _one_symbol(bars, signals, rules, costs=costs, settings=settings, capital=capital,
                           lot_size=lot_size, min_notional=min_notional, record=record)

    def tile(x: np.ndarray) -> np.ndarray:
        return np.tile(np.asarray(x, dtype=np.float64), (1, k))

    def stack(name: str) -> np.ndarray:
        return np.hstack([np.asarray(getattr(s, name), dtype=bool) for s in signals])

    atrs = [s.atr if getattr(s, "atr", None) is not None else np.full((bars.n_bars, a), np.nan) for s in signals]
    params = np.ascontiguousarray(np.repeat(np.stack([r.vector() for r in rules], axis=1), a, axis=1)[:, None, :])
    return simulate(
        tile(bars.open), tile(bars.high), tile(bars.low), tile(bars.close), tile(bars.volume),
        stack("entry_long"), stack("exit_long"), stack("entry_short"), stack("exit_short"),
        rules=params, costs=costs, settings=settings, capital=capital, group=np.repeat(np.arange(k), a),
        atr=np.hstack(atrs), lot_size=np.tile(np.broadcast_to(lot_size, (a,)), k),
        min_notional=np.tile(np.broadcast_to(min_notional, (a,)), k), record=record,
    )


def _one_symbol(
    bars: BarArrays, signals: Sequence[Any], rules: Sequence[EntryRules], *, costs: Costs, settings: SimSettings,
    capital: float, lot_size: np.ndarray | float, min_notional: np.ndarray | float, record: Sequence[str],
) -> SimOutput:
    """``simulate_many`` for one symbol through ``simulate_columns`` (signal sets as column-major columns)."""
    from alphalab.engine.columns import simulate_columns

    def stack(name: str) -> np.ndarray | None:
        cols = [getattr(s, name) for s in signals]
        if all(c is None for c in cols):
            return None
        out = np.zeros((bars.n_bars, len(cols)), dtype=np.bool_, order="F")
        for j, c in enumerate(cols):
            if c is not None:
                out[:, j] = np.asarray(c, dtype=np.bool_).reshape(-1)
        return out

    entries = stack("entry_long")
    assert entries is not None
    return simulate_columns(
        bars.open, bars.high, bars.low, bars.close, bars.volume, entries, stack("exit_long"),
        stack("entry_short"), stack("exit_short"), rules=list(rules), costs=costs, settings=settings,
        capital=capital, atr=[getattr(s, "atr", None) for s in signals],
        lot_size=float(np.asarray(lot_size).reshape(-1)[0]), min_notional=float(np.asarray(min_notional).reshape(-1)[0]),
        record=record,
    )


@contextlib.contextmanager
def shared_indicators() -> Iterator[None]:
    """Within this block, identical indicator configurations on the same bars are computed once."""
    from alphalab.sdl import compiler

    original = getattr(compiler, "_compute_one", None)
    if original is None:  # the compiler changed shape: run without sharing
        yield
        return
    cache: dict[tuple[str, int], tuple[BarArrays, Any]] = {}

    def memo(spec: Any, bars: BarArrays) -> Any:
        # the entry keeps its bars alive, so no other bars (a per-calendar part, higher-timeframe
        # bars) can be given the same id while the block lasts and be served these values
        key = (spec.model_dump_json(), id(bars))
        hit = cache.get(key)
        if hit is None or hit[0] is not bars:
            hit = cache[key] = (bars, original(spec, bars))
        return hit[1]

    compiler._compute_one = memo
    try:
        yield
    finally:
        compiler._compute_one = original


def _stats(out: SimOutput, k: int, capital: float) -> dict[str, float]:
    eq = out.equity[:, k]
    tr = out.trades[out.group[out.trades[:, L.TR_COL].astype(np.int64)] == k]
    peak = np.maximum.accumulate(eq)
    rets = np.diff(eq) / eq[:-1] if len(eq) > 1 else np.zeros(0)
    sd = float(np.std(rets, ddof=1)) if len(rets) > 1 else 0.0
    pnl = tr[:, L.TR_PNL]
    return {
        "final_equity": float(eq[-1]),
        "total_return": float(eq[-1] / capital - 1.0),
        "max_drawdown": float(np.min(eq / peak - 1.0)),
        "sharpe_per_bar": float(np.mean(rets) / sd) if sd > 0 else 0.0,
        "n_trades": len(tr),
        "win_rate": float(np.mean(pnl > 0)) if len(pnl) else float("nan"),
        "net_pnl": float(pnl.sum()),
    }


def run_sweep(
    strategy: Any, data: BarArrays, param_sets: Sequence[Mapping[str, Any]], config: BacktestConfig | None = None,
    *, max_bytes: int = 256 * 2**20,
) -> SweepResult:
    """Backtest many parameter sets of one SDL strategy on ``data``, chunked, one kernel call per chunk.

    Every set gets the config's capital; results equal separate ``run_backtest`` calls.

    Parameters
    ----------
    strategy
        A ``StrategySpec``, an id or a path.
    data
        The bars.
    param_sets
        Parameter overrides, one mapping per combination.
    config
        Shared run settings.
    max_bytes
        Rough bound on the tiled arrays of one chunk.

    Returns
    -------
    SweepResult
        ``equity`` has one column per combination (numbered in input order); ``stats`` one row.
    """
    from alphalab.sdl import compile as compile_plan

    cfg = config or BacktestConfig()
    sets = [dict(p) for p in param_sets]
    if not sets:
        raise EngineError("no parameter sets given")
    per_set = data.n_bars * data.n_assets * 8 * 12
    chunk = max(1, int(max_bytes // max(per_set, 1)))
    lot, mn = instrument_limits(data.symbols, cfg)
    curves: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    with shared_indicators():
        for start in range(0, len(sets), chunk):
            part = sets[start:start + chunk]
            specs = [resolve_spec(strategy, p) for p in part]
            sigs = [compile_plan(s).signals(data) for s in specs]
            costs = {costs_from_spec(s, cfg) for s in specs}
            if len(costs) != 1:
                raise EngineError("parameter sets of one sweep must share the same costs")
            out = simulate_many(data, sigs, [rules_from_spec(s) for s in specs], costs=costs.pop(),
                                settings=settings_from_config(cfg), capital=cfg.capital, lot_size=lot,
                                min_notional=mn, record=("equity",))
            for k in range(len(part)):
                curves.append(out.equity[:, k])
                rows.append(_stats(out, k, cfg.capital))
    equity = pd.DataFrame(np.column_stack(curves), index=data.index)
    return SweepResult(sets, equity, pd.DataFrame(rows))
