"""Dispatch of the gated portfolio loop: the engine's input checks, the gate's arrays, one kernel call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alphalab.core.errors import EngineError
from alphalab.engine import layout as L
from alphalab.engine.simulate import (
    Costs,
    EntryRules,
    SimOutput,
    SimSettings,
    _capacity,
    _groups,
    _market,
    _signal_arrays,
    build_params,
)
from alphalab.portfolio.gate import RiskGate
from alphalab.portfolio.sim_nb import NEV, portfolio_nb


@dataclass
class GatedOutput:
    """The engine's raw output plus the gate's: risk events (layout ``sim_nb.E_*``), heat and halts per bar."""

    sim: SimOutput
    events: np.ndarray
    heat: np.ndarray
    halted: np.ndarray


@dataclass(frozen=True)
class ColumnMap:
    """Which asset, sleeve and regime each sleeve x asset column belongs to."""

    asset: np.ndarray  # (C,) asset index of each column
    sleeve: np.ndarray  # (C,) sleeve index of each column
    regime: np.ndarray  # (T, C) regime index at each bar (-1: none), or (1, 1) when no regimes

    def first_columns(self, n_assets: int) -> np.ndarray:
        """Return, per asset, the first column that trades it (its prices)."""
        out = np.full(n_assets, -1, dtype=np.int64)
        for c in range(self.asset.shape[0] - 1, -1, -1):
            out[self.asset[c]] = c
        if np.any(out < 0):
            raise EngineError("every asset of the gate must be traded by some column")
        return out


def simulate_gated(bars: Sequence[np.ndarray], signals: Sequence[np.ndarray], *,
                   rules: Sequence[EntryRules] | np.ndarray,
                   costs: Costs, settings: SimSettings, capital: float, gate: RiskGate, columns: ColumnMap,
                   day: np.ndarray, atr: np.ndarray | None, lot_size: np.ndarray,
                   min_notional: np.ndarray) -> GatedOutput:
    """Simulate sleeve x asset columns on one cash account with the risk gate on every entry.

    ``bars`` is (open, high, low, close, volume), ``signals`` (entry_long, exit_long, entry_short,
    exit_short), each (T, C). With every limit off the result equals :func:`engine.simulate.simulate`.
    """
    shape = np.shape(bars[3])
    if len(shape) != 2 or columns.asset.shape != (shape[1],) or day.shape != (shape[0],):
        raise EngineError(f"bars {shape}, column map {columns.asset.shape} and days {day.shape} do not agree")
    params = build_params(rules if isinstance(rules, np.ndarray) else list(rules), shape)
    mkt = _market(tuple(bars), atr, params, costs, shape)
    entry_long, exit_long, entry_short, exit_short = signals
    el, es, xl, xs, cfg, _force = _signal_arrays(entry_long, exit_long, entry_short, exit_short, None, None, shape)
    grp, cap = _groups(None, capital, shape[1])
    inst = np.empty((shape[1], L.NINST))
    inst[:, L.I_LOT] = lot_size
    inst[:, L.I_MIN_NOTIONAL] = min_notional
    corr = gate.limits.correlation
    garr = (columns.asset.astype(np.int64), columns.sleeve.astype(np.int64),
            np.ascontiguousarray(columns.regime, dtype=np.int64), columns.first_columns(len(gate.assets)), gate.lim,
            gate.asset_cap, gate.sleeve_cap, gate.regime_cap,
            np.array([corr.lookback_bars, corr.threshold] if corr else [0.0, 1.0]))
    n_t, n_c = shape
    eq, cash, gross, posq = np.empty((n_t, 1)), np.empty((n_t, 1)), np.empty((n_t, 1)), np.empty((n_t, n_c))
    heat, halted = np.empty(n_t), np.empty(n_t)
    n_tr = _capacity(el, es)
    n_ev = int(el.sum()) + int(es.sum()) + n_t + 1
    while True:
        trades, orders = np.empty((n_tr, L.NTR)), np.empty((2 * n_tr, L.NOR))
        events = np.empty((n_ev, NEV))
        counts, n_events = portfolio_nb(mkt, el, es, xl, xs, cfg, params, grp, cap, costs.vector(),
                                        settings.vector(), inst, garr, len(gate.sleeves),
                                        np.ascontiguousarray(day, dtype=np.float64), trades, orders, eq, cash, gross,
                                        posq, heat, halted, events)
        if not counts[L.OVERFLOW] and n_events <= n_ev:
            break
        n_tr = max(n_tr * 2, int(counts[L.N_TRADES]) + 1, int(counts[L.N_ORDERS]) // 2 + 1)
        n_ev = max(n_ev, int(n_events) + 1)
    sim = SimOutput(trades[: counts[L.N_TRADES]], orders[: counts[L.N_ORDERS]], eq, cash, gross, posq, grp, cap)
    return GatedOutput(sim, events[:n_events], heat, halted)
