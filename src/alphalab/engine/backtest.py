"""``run_backtest``: an SDL strategy on bars, through the compiled fast path, into a BacktestResult."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.errors import EngineError
from alphalab.core.instrument import Instrument
from alphalab.engine.assemble import build_result
from alphalab.engine.config import BacktestConfig
from alphalab.engine.result import BacktestResult
from alphalab.engine.simulate import Costs, EntryRules, SimSettings, simulate


def rules_from_spec(spec: Any) -> EntryRules:
    """Translate a spec's ``exits`` and ``sizing`` into the engine's :class:`EntryRules`."""
    ex, sz = spec.exits, spec.sizing
    kw: dict[str, Any] = {"exit_on_opposite": bool(ex.exit_on_opposite_signal)}
    if ex.stop_loss is not None:
        kw["stop_loss"] = ex.stop_loss.type
        kw["stop_value"] = ex.stop_loss.value if ex.stop_loss.type == "percent" else ex.stop_loss.multiple
    if ex.take_profit is not None:
        kw["take_profit"] = ex.take_profit.type
        kw["target_value"] = ex.take_profit.value
    if ex.trailing_stop is not None:
        tr = ex.trailing_stop
        kw["trailing"] = tr.type
        kw["trailing_value"] = tr.value if tr.type == "percent" else tr.multiple
    if ex.time_stop_bars:
        kw["time_stop_bars"] = int(ex.time_stop_bars)
    value = {"fixed_fraction": sz.fraction, "risk_per_trade": sz.risk, "fixed_quantity": sz.quantity,
             "fixed_notional": sz.notional, "kelly": sz.kelly_fraction}[sz.type]
    cap = sz.cap if sz.type == "kelly" else (sz.fraction if sz.type == "risk_per_trade" else 0.0)
    return EntryRules(size=sz.type, size_value=float(value), size_cap=float(cap),
                      kelly_lookback=int(sz.lookback_trades), **kw)


def costs_from_spec(spec: Any, config: BacktestConfig) -> Costs:
    """Return the costs of a run: the spec's ``costs``, overridden by the config's non-None fields."""
    c, slip = spec.costs, spec.costs.slippage
    base = Costs(fee_bps=c.fee_bps, maker_fee_bps=c.maker_fee_bps, fee_fixed=c.fee_fixed, slippage=slip.type,
                 slippage_value=slip.value, participation_cap=slip.participation_cap, impact_coef=slip.impact_coef)
    return apply_config_costs(base, config)


def apply_config_costs(base: Costs, config: BacktestConfig) -> Costs:
    """Override ``base`` with the run config's cost fields that are set (the one override rule)."""
    changes: dict[str, Any] = {}
    if config.fee_bps is not None:
        changes["fee_bps"] = config.fee_bps
    if config.maker_fee_bps is not None:
        changes["maker_fee_bps"] = config.maker_fee_bps
    if config.fee_fixed is not None:
        changes["fee_fixed"] = config.fee_fixed
    if config.slippage_bps is not None:
        changes["slippage"], changes["slippage_value"] = "bps", config.slippage_bps
    return dataclasses.replace(base, **changes)


def settings_from_config(config: BacktestConfig) -> SimSettings:
    """Return the kernel's run switches from a config."""
    return SimSettings(
        fill_at_close=config.fill == FillTiming.CLOSE,
        allow_short=config.allow_short,
        leverage=config.leverage,
        pyramiding=config.pyramiding,
        stop_priority=config.stop_priority,
        kelly_min_trades=config.kelly_min_trades,
        kelly_fallback=config.kelly_fallback,
    )


def instrument_limits(symbols: tuple[str, ...], config: BacktestConfig) -> tuple[np.ndarray, np.ndarray]:
    """Return lot sizes and minimum notionals per symbol (the config overrides the instruments)."""
    inst = [Instrument.guess(s) for s in symbols]
    lot = np.array([config.lot_size if config.lot_size is not None else i.lot_size for i in inst], float)
    mn = np.array([config.min_notional if config.min_notional is not None else i.min_notional for i in inst], float)
    return lot, mn


def resolve_spec(strategy: Any, params: Mapping[str, Any] | None) -> Any:
    """Return a ``StrategySpec`` from a spec, a built-in id or a file path, with ``params`` applied."""
    from alphalab.sdl import StrategySpec, load

    if isinstance(strategy, StrategySpec):  # its own document keeps the "$name" references
        return strategy.with_params(dict(params)) if params else strategy
    if isinstance(strategy, Path) or str(strategy).endswith(".json"):
        return load(Path(strategy), params=params)
    from alphalab.strategies.registry import get

    found = get(str(strategy), params=dict(params) if params else None)
    if not isinstance(found, StrategySpec):
        raise EngineError(
            f"strategy {strategy!r} is a Python strategy",
            hint="run it with alphalab.engine.run_strategy (the event-driven path)",
        )
    return found


def regimes_array(regimes: Mapping[str, pd.Series] | None, bars: BarArrays) -> np.ndarray | None:
    """Align regime label series per symbol on the bars' time axis, as a (T, A) object array."""
    if not regimes:
        return None
    out = np.full((bars.n_bars, bars.n_assets), None, dtype=object)
    index = bars.index
    for j, sym in enumerate(bars.symbols):
        series = regimes.get(sym)
        if series is None:
            continue
        s = series.copy()
        s.index = pd.DatetimeIndex(s.index).tz_localize("UTC") if s.index.tz is None else s.index.tz_convert("UTC")
        out[:, j] = s.reindex(index).to_numpy(dtype=object)
    return out


def run_backtest(
    strategy: Any, data: BarArrays, config: BacktestConfig | None = None, *,
    params: Mapping[str, Any] | None = None, regimes: Mapping[str, pd.Series] | None = None,
) -> BacktestResult:
    """Backtest an SDL strategy on ``data`` with the compiled fast path.

    Parameters
    ----------
    strategy
        A ``StrategySpec``, a built-in or user strategy id, or a path to an SDL JSON file.
    data
        Bars (time x asset); cash is shared across the symbols.
    config
        Run settings; cost fields given here override the strategy's ``costs``.
    params
        Strategy parameter overrides.
    regimes
        Regime label series per symbol: entries are filtered by ``filters.regimes`` and the trade
        log records the label at entry.

    Returns
    -------
    BacktestResult
    """
    if not isinstance(data, BarArrays):
        raise EngineError("data must be BarArrays", hint="use alphalab.data.load_arrays or BarArrays.from_frame")
    from alphalab.sdl import compile as compile_plan

    cfg = config or BacktestConfig()
    spec = resolve_spec(strategy, params)
    plan = compile_plan(spec)
    reg = regimes_array(regimes, data)
    sig = plan.signals(data, reg)
    lot, min_notional = instrument_limits(data.symbols, cfg)
    out = simulate(
        data.open, data.high, data.low, data.close, data.volume,
        sig.entry_long, sig.exit_long, sig.entry_short, sig.exit_short,
        rules=rules_from_spec(spec), costs=costs_from_spec(spec, cfg), settings=settings_from_config(cfg),
        capital=cfg.capital, atr=sig.atr, lot_size=lot, min_notional=min_notional,
    )
    return build_result(
        out, data, strategy_id=spec.id, strategy_name=spec.name, config=cfg.model_dump(mode="json"),
        strategy_doc=spec.model_dump(mode="json", by_alias=True, exclude_none=True),
        fill_timing=cfg.fill, seed=cfg.seed, ppy=cfg.periods_per_year,
        indicators=sig.indicators, regimes=reg,
    )
