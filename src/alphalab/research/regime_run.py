"""Backtests of many parameter sets in one kernel call, optionally restricted to one market regime.

Regime-restricted semantics (the fitness matrix's regime dimension and the hand-made side of the
router acceptance test use exactly this):

- signals are computed on **all** bars (indicators warm up on every bar) with the bar labels passed
  to ``StrategyPlan.signals`` (so the strategy's own ``filters.regimes`` still applies);
- entries are kept only on bars labelled ``regime`` — the same as an SDL ``filters.regimes =
  [regime]`` override intersected with the strategy's own allow-list;
- a position still open when the regime ends is closed with exit reason ``regime_switch``: the
  engine's ``force_exit`` is set on every bar ``t`` whose label differs from bar ``t-1``'s label
  when bar ``t-1`` was in ``regime`` (the router's ``on_switch="close"`` rule seen from one
  configuration), so the exit fills like a signal exit (next open by default);
- exits, stops, targets and sizing are the strategy's own; equity is flat outside the regime.

Many parameter sets run as cash groups of one ``engine.simulate`` call (``engine.sweep.simulate_many``
when no exit is forced), with identical indicator configurations computed once
(``engine.sweep.shared_indicators``). Each set's equity curve and trade log are identical to what
a separate ``run_backtest`` (or :func:`run_in_regime`) gives.

Memory bound: one call tiles the bars and signals once per set, about ``T x A x 96 bytes`` per set
(the engine's own estimate); :func:`batch_curves` splits the sets so a call stays under
``max_bytes`` (default 256 MB).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays

BYTES_PER_SET_BAR = 96
DEFAULT_MAX_BYTES = 256 * 2**20


def labels_array(regimes: Mapping[str, pd.Series] | None, bars: BarArrays) -> np.ndarray | None:
    """Return the (T, A) object array of regime labels aligned on the bars ("" where unknown)."""
    from alphalab.engine.backtest import regimes_array

    arr = regimes_array(regimes, bars)
    if arr is None:
        return None
    return np.where(pd.isna(arr), "", arr).astype(object)


def leaving_bars(labels: np.ndarray, regime: str) -> np.ndarray:
    """Return (T, A) booleans: bar t's label differs from bar t-1's and bar t-1 was in ``regime``."""
    out = np.zeros(labels.shape, dtype=np.bool_)
    prev_in = labels[:-1] == regime
    out[1:] = prev_in & (labels[1:] != regime)
    return out


def _signals(specs: Sequence[Any], bars: BarArrays, labels: np.ndarray | None, regime: str | None) -> list[Any]:
    from dataclasses import replace

    from alphalab.engine.sweep import shared_indicators
    from alphalab.sdl import compile as compile_plan

    with shared_indicators():
        sigs = [compile_plan(s).signals(bars, labels) for s in specs]
    if regime is None:
        return sigs
    if labels is None:
        raise ValueError("a regime-restricted run needs regime labels")
    inside = labels == regime
    return [replace(s, entry_long=s.entry_long & inside, entry_short=s.entry_short & inside) for s in sigs]


def _simulate(bars: BarArrays, sigs: Sequence[Any], rules: Sequence[Any], force: np.ndarray | None,
              costs: Any, cfg: Any) -> Any:
    from alphalab.engine.backtest import instrument_limits, settings_from_config
    from alphalab.engine.simulate import simulate
    from alphalab.engine.sweep import simulate_many

    lot, mn = instrument_limits(bars.symbols, cfg)
    settings = settings_from_config(cfg)
    if force is None:
        return simulate_many(bars, sigs, rules, costs=costs, settings=settings, capital=cfg.capital,
                             lot_size=lot, min_notional=mn)
    k, a = len(sigs), bars.n_assets
    tile = lambda x: np.tile(np.asarray(x, dtype=np.float64), (1, k))  # noqa: E731
    stack = lambda n: np.hstack([np.asarray(getattr(s, n), dtype=bool) for s in sigs])  # noqa: E731
    atr = np.hstack([s.atr if s.atr is not None else np.full((bars.n_bars, a), np.nan) for s in sigs])
    params = np.ascontiguousarray(np.repeat(np.stack([r.vector() for r in rules], axis=1), a, axis=1)[:, None, :])
    return simulate(
        tile(bars.open), tile(bars.high), tile(bars.low), tile(bars.close), tile(bars.volume),
        stack("entry_long"), stack("exit_long"), stack("entry_short"), stack("exit_short"),
        rules=params, costs=costs, settings=settings, capital=cfg.capital, group=np.repeat(np.arange(k), a),
        atr=atr, force_exit=np.tile(force, (1, k)), lot_size=np.tile(lot, k), min_notional=np.tile(mn, k),
    )


def _curves(out: Any, k: int, bars: BarArrays, spec: Any, labels: np.ndarray | None) -> tuple[pd.Series, pd.DataFrame]:
    from alphalab.engine import layout as L
    from alphalab.engine.records import trades_frame

    a = bars.n_assets
    raw = out.trades[(out.trades[:, L.TR_COL] // a).astype(np.int64) == k].copy()
    raw[:, L.TR_COL] -= k * a
    trades = trades_frame(raw, bars.index, bars.symbols, strategy_id=spec.id, strategy_name=spec.name,
                          timeframe=str(bars.timeframe), regimes=labels, close=bars.close)
    return pd.Series(out.equity[:, k], index=bars.index, name="equity"), trades


def batch_curves(
    strategy: Any, bars: BarArrays, param_sets: Sequence[Mapping[str, Any]], config: Any = None, *,
    regimes: Mapping[str, pd.Series] | None = None, regime: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[tuple[pd.Series, pd.DataFrame]]:
    """Return (equity, trades) of each parameter set, simulated as cash groups of few kernel calls.

    Parameters
    ----------
    strategy
        A ``StrategySpec``, an id or a path.
    bars
        The bars every set runs on.
    param_sets
        Parameter overrides, one mapping per set.
    config
        ``BacktestConfig`` (default settings when None).
    regimes
        Regime labels per symbol (passed to the signals; trades record the label at entry).
    regime
        Restrict entries to this regime and close positions when it ends (module docstring).
    max_bytes
        Bound on one kernel call's tiled arrays; sets are split into calls accordingly.

    Returns
    -------
    list of (pandas.Series, pandas.DataFrame)
        In input order: the equity curve and the trade log (``TRADE_COLUMNS``).
    """
    from alphalab.engine.backtest import costs_from_spec, resolve_spec, rules_from_spec
    from alphalab.engine.config import BacktestConfig

    cfg = config or BacktestConfig()
    labels = labels_array(regimes, bars)
    force = leaving_bars(labels, regime) if regime is not None and labels is not None else None
    base = resolve_spec(strategy, None)  # resolved once (an id is looked up in the registry once)
    specs = [base.with_params(dict(p)) if p else base for p in param_sets]
    per_call = max(1, int(max_bytes // max(bars.n_bars * bars.n_assets * BYTES_PER_SET_BAR, 1)))
    results: list[tuple[pd.Series, pd.DataFrame] | None] = [None] * len(specs)
    groups: dict[Any, list[int]] = {}
    for i, s in enumerate(specs):  # sets of one call must share the run-wide costs
        groups.setdefault(costs_from_spec(s, cfg), []).append(i)
    for costs, idx in groups.items():
        for a in range(0, len(idx), per_call):
            part = idx[a:a + per_call]
            sigs = _signals([specs[i] for i in part], bars, labels, regime)
            out = _simulate(bars, sigs, [rules_from_spec(specs[i]) for i in part], force, costs, cfg)
            for k, i in enumerate(part):
                results[i] = _curves(out, k, bars, specs[i], labels)
    return [r for r in results if r is not None]


def run_in_regime(
    strategy: Any, bars: BarArrays, config: Any = None, *, params: Mapping[str, Any] | None = None,
    regimes: Mapping[str, pd.Series], regime: str,
) -> Any:
    """Backtest ``strategy`` with entries restricted to ``regime`` and exits forced when it ends.

    Returns
    -------
    BacktestResult
        Built by the engine's ``build_result`` from one kernel call; trades carry their regime.
    """
    from alphalab.engine.assemble import build_result
    from alphalab.engine.backtest import costs_from_spec, resolve_spec, rules_from_spec
    from alphalab.engine.config import BacktestConfig

    cfg = config or BacktestConfig()
    spec = resolve_spec(strategy, params)
    labels = labels_array(regimes, bars)
    if labels is None:
        raise ValueError("run_in_regime needs regime labels for the bars' symbols")
    sig = _signals([spec], bars, labels, regime)[0]
    out = _simulate(bars, [sig], [rules_from_spec(spec)], leaving_bars(labels, regime),
                    costs_from_spec(spec, cfg), cfg)
    return build_result(
        out, bars, strategy_id=spec.id, strategy_name=spec.name, config=cfg.model_dump(mode="json"),
        strategy_doc=spec.model_dump(mode="json", by_alias=True, exclude_none=True), fill_timing=cfg.fill,
        seed=cfg.seed, ppy=cfg.periods_per_year, indicators=sig.indicators, regimes=labels,
    )
