"""Portfolio backtest: N sleeves x M assets as sleeve x asset columns of the engine, on one shared cash.

Each sleeve's strategy computes its signals on its own symbols (signals per asset do not depend on
the other columns); the columns are laid side by side and simulated by the engine's compiled bar
loop as one cash group, so every entry competes for the same cash and is capped by it. A sleeve's
allocation scales its equity-relative sizing (fixed fraction, risk per trade, Kelly): a sleeve at
weight w sizes against w x portfolio equity. Each column is a sleeve's own book; the account-level
position per asset is the sum of its sleeves' columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ConfigError
from alphalab.engine import layout as L
from alphalab.engine.assemble import build_result, periods_per_year
from alphalab.engine.backtest import (
    costs_from_spec,
    instrument_limits,
    resolve_spec,
    rules_from_spec,
    settings_from_config,
)
from alphalab.engine.config import BacktestConfig
from alphalab.engine.result import BacktestResult
from alphalab.engine.simulate import EntryRules, build_params
from alphalab.portfolio.allocate import Allocation, weight_schedule
from alphalab.portfolio.gate import RiskGate, day_numbers
from alphalab.portfolio.gate_nb import RULE_NAMES
from alphalab.portfolio.kernel import ColumnMap, simulate_gated
from alphalab.portfolio.sim_nb import (
    E_ALLOWED,
    E_BAR,
    E_COL,
    E_LIMIT,
    E_OUTCOME,
    E_REQUESTED,
    E_RULE,
    E_VALUE,
)
from alphalab.portfolio.spec import PortfolioSpec, SleeveSpec

_SCALED = ("fixed_fraction", "risk_per_trade", "kelly")


@dataclass
class PortfolioResult:
    """A portfolio run: the widened engine result plus portfolio views of it.

    ``run`` is the engine's result over the sleeve x asset columns (named ``sleeve:symbol``), so
    every existing metric applies at portfolio level. ``trades`` is its trade log with ``sleeve``
    and the real ``symbol``; ``books`` holds each sleeve's signed quantity per column,
    ``net_positions`` the account-level quantity per asset.
    """

    spec: PortfolioSpec
    run: BacktestResult
    columns: pd.DataFrame
    trades: pd.DataFrame
    books: pd.DataFrame
    net_positions: pd.DataFrame
    weights: dict[str, float]
    notes: list[str] = field(default_factory=list)
    risk_events: pd.DataFrame = field(default_factory=pd.DataFrame)
    heat: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    halted: pd.Series = field(default_factory=lambda: pd.Series(dtype=np.int64))
    weight_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    allocations: list[tuple[int, Allocation]] = field(default_factory=list)

    def risk_event_counts(self) -> dict[str, int]:
        """Return the number of resizes and denials by rule."""
        if self.risk_events.empty:
            return {}
        return {str(k): int(v) for k, v in self.risk_events.groupby("rule").size().items()}

    @property
    def equity(self) -> pd.DataFrame:
        """Portfolio equity, cash and gross exposure per bar."""
        return self.run.equity

    def attribution(self, by: str = "sleeve") -> pd.DataFrame:
        """Return PnL, fees, trade count and share of the total PnL by ``sleeve`` or ``symbol``."""
        if by not in ("sleeve", "symbol"):
            raise ConfigError(f"attribution by {by!r} is not available", hint="use 'sleeve' or 'symbol'")
        keys = list(self.columns[by].unique())
        g = self.trades.groupby(by)
        out = pd.DataFrame({"pnl": g["pnl"].sum(), "fees": g["fees"].sum(), "trades": g.size()}).reindex(keys)
        out = out.fillna({"pnl": 0.0, "fees": 0.0, "trades": 0}).astype({"trades": np.int64})
        total = float(out["pnl"].sum())
        out["share"] = out["pnl"] / total if total != 0 else np.nan
        out.index.name = by
        return out


def _select(data: BarArrays, symbols: list[str]) -> BarArrays:
    missing = [s for s in symbols if s not in data.symbols]
    if missing:
        raise ConfigError(f"no bars for {', '.join(missing)}", hint=f"the data holds {', '.join(data.symbols)}")
    idx = [data.symbols.index(s) for s in symbols]
    return dataclasses.replace(data, open=data.open[:, idx], high=data.high[:, idx], low=data.low[:, idx],
                               close=data.close[:, idx], volume=data.volume[:, idx], symbols=tuple(symbols))


def sleeve_strategy(sleeve: SleeveSpec) -> Any:
    """Return the sleeve's ``StrategySpec`` with its parameters and its ``risk_model`` applied."""
    spec = resolve_spec(sleeve.strategy, sleeve.params)
    rm = sleeve.risk_model
    if rm is not None:
        spec = spec.model_copy(update={"sizing": rm.sizing, "exits": rm.exits, "costs": rm.costs})
    return spec


def scaled_rules(rules: EntryRules, weight: float) -> EntryRules:
    """Scale equity-relative sizing by the sleeve's weight (fixed quantities and notionals stay)."""
    if rules.size not in _SCALED:
        return rules
    cap = rules.size_cap * weight if rules.size in ("risk_per_trade", "kelly") else rules.size_cap
    return dataclasses.replace(rules, size_value=rules.size_value * weight, size_cap=cap)


def _run_costs(spec: PortfolioSpec, strategies: list[Any]) -> Any:
    if spec.costs is not None:
        return spec.costs
    first = strategies[0].costs
    if any(s.costs != first for s in strategies[1:]):
        raise ConfigError("the sleeves' strategies have different costs and the portfolio sets none",
                          hint="give the portfolio a top-level \"costs\" (one cost model for the account)")
    return first


def _widen(parts: list[tuple[str, BarArrays]]) -> BarArrays:
    first = parts[0][1]
    def cat(c: str) -> np.ndarray:
        return np.concatenate([getattr(b, c) for _, b in parts], axis=1)

    names = tuple(f"{sid}:{sym}" for sid, b in parts for sym in b.symbols)
    return dataclasses.replace(first, symbols=names, open=cat("open"), high=cat("high"), low=cat("low"),
                               close=cat("close"), volume=cat("volume"))


def run_portfolio(spec: PortfolioSpec, data: BarArrays | None = None, config: BacktestConfig | None = None, *,
                  regimes: Mapping[str, pd.Series] | None = None) -> PortfolioResult:
    """Backtest a portfolio on shared cash with the compiled fast path and the risk gate on entries.

    Parameters
    ----------
    spec
        The portfolio (static or equal weights).
    data
        Bars holding every sleeve's symbols (default: loaded at the sleeves' timeframe).
    config
        Engine settings (fill timing, shorting, ...); its capital is replaced by the portfolio's.
    regimes
        Regime label series per symbol, for the per-regime caps (the label at the signal bar).
    """
    tfs = sorted({s.timeframe for s in spec.sleeves})
    if len(tfs) > 1:
        raise ConfigError(f"sleeves use different timeframes ({', '.join(tfs)}); one clock per portfolio for now",
                          hint="give every sleeve the same timeframe")
    if data is None:
        from alphalab.data.loader import load_arrays

        data = load_arrays(sorted({sym for s in spec.sleeves for sym in s.symbols}), tfs[0])
    cfg = (config or BacktestConfig()).model_copy(update={"capital": spec.capital})
    if spec.risk.max_leverage is not None:
        cfg = cfg.model_copy(update={"leverage": spec.risk.max_leverage})
    weights = spec.weights()
    notes = [f"sleeve {s.id}: regime routing is not simulated yet; it trades its default strategy"
             for s in spec.sleeves if s.routing]
    dynamic = spec.allocation.method not in ("static", "equal")
    strategies, parts, rules, signals = _sleeve_signals(spec, data, {k: 1.0 for k in weights} if dynamic else weights)
    wide = _widen(parts)
    el, xl, es, xs, atr = (np.concatenate([s[k] for s in signals], axis=1) for k in range(5))
    real = tuple(sym for _, b in parts for sym in b.symbols)
    lot, min_notional = instrument_limits(real, cfg)
    if spec.risk.lot_size > 0:
        lot = np.full_like(lot, spec.risk.lot_size)
    min_notional = np.maximum(min_notional, spec.risk.min_notional)
    costs = costs_from_spec(SimpleNamespace(costs=_run_costs(spec, strategies)), cfg)
    assets = sorted(set(real))
    sleeve_ids = [s.id for s in spec.sleeves]
    gate = RiskGate(spec.risk, assets=assets, sleeves=sleeve_ids, regimes=list(spec.risk.per_regime),
                    fee_bps=costs.fee_bps)
    cmap = ColumnMap(asset=np.array([assets.index(sym) for sym in real]),
                     sleeve=np.array([sleeve_ids.index(sid) for sid, b in parts for _ in b.symbols]),
                     regime=_regime_index(regimes, data, real, gate.regimes))
    dl = spec.risk.daily_loss
    day = day_numbers(data.index, dl.reset if dl else "utc_day")
    uses_atr = any(s[5] for s in signals)
    schedule = allocations = None
    run_rules: Any = rules
    if dynamic:
        schedule, allocations = _schedule(spec, data)
        run_rules = _rules_over_time(rules, cmap.sleeve, schedule.to_numpy())
    out = simulate_gated((wide.open, wide.high, wide.low, wide.close, wide.volume), (el, xl, es, xs), rules=run_rules,
                         costs=costs, settings=settings_from_config(cfg), capital=cfg.capital, gate=gate,
                         columns=cmap, day=day, atr=atr if uses_atr else None, lot_size=lot,
                         min_notional=min_notional)
    doc = spec.model_dump(mode="json")
    run = build_result(out.sim, wide, strategy_id=f"portfolio:{spec.name}", strategy_name=spec.name,
                       config=cfg.model_dump(mode="json"), strategy_doc=doc, fill_timing=cfg.fill, seed=cfg.seed,
                       ppy=cfg.periods_per_year or periods_per_year(wide.timeframe, real))
    result = _assemble(spec, run, parts, strategies, weights, notes)
    if schedule is not None and allocations is not None:
        result.weights = dict(allocations[-1][1].weights)
        result.weight_history = schedule
        result.allocations = allocations
        result.notes += [f"bar {t}: {a.requested} fell back to {a.method} ({a.fallback_reason})"
                         for t, a in allocations if a.fallback_reason]
    result.risk_events = _events_frame(out.events, data.index, result.columns)
    result.heat = pd.Series(out.heat, index=data.index, name="heat")
    result.halted = pd.Series(out.halted.astype(np.int64), index=data.index, name="halted")
    return result


def _schedule(spec: PortfolioSpec, data: BarArrays) -> tuple[pd.DataFrame, list[tuple[int, Allocation]]]:
    """Sleeve weights per bar by the allocation method, each from the sleeves' returns strictly before it."""
    from alphalab.portfolio.optimize import sleeve_returns

    rets = sleeve_returns(spec, data)
    static = {s.id: float(s.allocation or 0.0) for s in spec.sleeves}
    schedule, allocations = weight_schedule(rets, spec.allocation, static)
    full = schedule.reindex(data.index).bfill()  # bar 0 has no return yet: the first allocation's weights
    return full, [(t + 1, a) for t, a in allocations]


def _rules_over_time(rules: list[EntryRules], col_sleeve: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Entry rules per bar and column: equity-relative sizes scaled by the sleeve's weight at the signal bar."""
    arr = np.repeat(build_params(rules, (weights.shape[0], len(rules))), weights.shape[0], axis=1)
    for c, r in enumerate(rules):
        if r.size in _SCALED:
            w = weights[:, col_sleeve[c]]
            arr[L.R_SIZE_VAL, :, c] *= w
            if r.size in ("risk_per_trade", "kelly"):
                arr[L.R_KCAP, :, c] *= w
    return arr


def _sleeve_signals(spec: PortfolioSpec, data: BarArrays, weights: dict[str, float]) -> tuple[list, list, list, list]:
    from alphalab.sdl import compile as compile_plan

    strategies, parts, rules, signals = [], [], [], []
    for sleeve in spec.sleeves:
        strat = sleeve_strategy(sleeve)
        bars = _select(data, list(sleeve.symbols))
        sig = compile_plan(strat).signals(bars, None)
        strategies.append(strat)
        parts.append((sleeve.id, bars))
        rules += [scaled_rules(rules_from_spec(strat), weights[sleeve.id])] * bars.n_assets
        atr = sig.atr if sig.atr is not None else np.full(bars.close.shape, np.nan)
        signals.append((sig.entry_long, sig.exit_long, sig.entry_short, sig.exit_short, atr, sig.atr is not None))
    return strategies, parts, rules, signals


def _regime_index(regimes: Mapping[str, pd.Series] | None, data: BarArrays, real: tuple[str, ...],
                  names: list[str]) -> np.ndarray:
    if not regimes or not names:
        return np.full((1, 1), -1, dtype=np.int64)
    from alphalab.engine.backtest import regimes_array

    labels = regimes_array(regimes, data)
    assert labels is not None
    lookup = {n: i for i, n in enumerate(names)}
    per_asset = np.vectorize(lambda x: lookup.get(x, -1), otypes=[np.int64])(labels)
    return np.ascontiguousarray(per_asset[:, [data.symbols.index(s) for s in real]])


def _events_frame(events: np.ndarray, index: pd.DatetimeIndex, columns: pd.DataFrame) -> pd.DataFrame:
    cols = events[:, E_COL].astype(np.int64)
    names = columns.index.to_numpy()
    sleeve = np.where(cols >= 0, columns["sleeve"].to_numpy()[np.maximum(cols, 0)], "")
    symbol = np.where(cols >= 0, columns["symbol"].to_numpy()[np.maximum(cols, 0)], "")
    outcome = np.array(["approve", "resize", "deny", "flatten"], dtype=object)
    return pd.DataFrame({
        "time": index[events[:, E_BAR].astype(np.int64)], "bar": events[:, E_BAR].astype(np.int64),
        "sleeve": sleeve.astype(object), "symbol": symbol.astype(object),
        "column": np.where(cols >= 0, names[np.maximum(cols, 0)], "").astype(object),
        "rule": np.asarray(RULE_NAMES, dtype=object)[events[:, E_RULE].astype(np.int64)],
        "outcome": outcome[events[:, E_OUTCOME].astype(np.int64)], "requested": events[:, E_REQUESTED],
        "allowed": events[:, E_ALLOWED], "value": events[:, E_VALUE], "limit": events[:, E_LIMIT]})


def _assemble(spec: PortfolioSpec, run: BacktestResult, parts: list[tuple[str, BarArrays]], strategies: list[Any],
              weights: dict[str, float], notes: list[str]) -> PortfolioResult:
    rows = [(f"{sid}:{sym}", sid, sym, st.id) for (sid, b), st in zip(parts, strategies, strict=True)
            for sym in b.symbols]
    columns = pd.DataFrame(rows, columns=["column", "sleeve", "symbol", "strategy_id"]).set_index("column")
    trades = run.trades.copy()
    col = trades["symbol"]
    trades.insert(1, "sleeve", col.map(columns["sleeve"]).to_numpy())
    trades["strategy_id"] = col.map(columns["strategy_id"]).to_numpy()
    trades["symbol"] = col.map(columns["symbol"]).to_numpy()
    books = run.positions.copy()
    net = books.T.groupby(columns["symbol"].reindex(books.columns).to_numpy(), sort=False).sum().T
    return PortfolioResult(spec, run, columns, trades, books, net, weights, notes)
