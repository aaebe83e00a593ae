"""Many parameter sets in one kernel call, regime-restricted runs, mappings -> routing tables."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ConfigError
from alphalab.data import synthetic
from alphalab.engine import BacktestConfig, run_backtest
from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.evaluator import Window
from alphalab.research.fitness import fitness_matrix
from alphalab.research.mapping import (
    BestConfigMapping,
    DataRange,
    ExpectedPerformance,
    MappingEntry,
    RiskModel,
)
from alphalab.research.regime_run import batch_curves, run_in_regime
from alphalab.research.routing import mapping_to_routing_table
from alphalab.sdl.models import ExitsSpec, SizingSpec
from alphalab.testing.evaluators import SyntheticEvaluator

SYM, TF = "SYN", "1d"


def _bars(n: int = 700, seed: int = 5) -> BarArrays:
    return BarArrays.from_frame(synthetic.gbm(n, seed=seed), SYM, TF)


def _evaluator(**kw: object) -> EngineEvaluator:
    ev = EngineEvaluator(config={"fee_bps": 2.0}, **kw)  # type: ignore[arg-type]
    ev.data[(SYM, TF)] = _bars()
    return ev


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] or (np.isnan(a[k]) and np.isnan(b[k])) for k in a)


CASES = [
    ("ema_cross", [{"fast": 5, "slow": 30}, {"fast": 10, "slow": 30}, {"fast": 10, "slow": 60, "stop": 0.02}]),
    ("sma_cross_atr", [{}, {"fast": 10}]),
    ("bollinger_breakout", [{"period": 15}, {"period": 20, "std": 1.5}]),
    ("rsi_reversion", [{"period": 7}, {"period": 14, "upper": 80.0}]),
]


@pytest.mark.parametrize(("strategy", "sets"), CASES)
def test_evaluate_many_equals_one_run_backtest_per_set(strategy: str, sets: list[dict]) -> None:
    ev = _evaluator()
    window = Window(start=200, stop=650, warmup_start=100)
    for w in (None, window):
        many = ev.evaluate_many(strategy, sets, SYM, TF, w)
        one = [ev(strategy, p, SYM, TF, w) for p in sets]
        assert all(_same(a, b) for a, b in zip(many, one, strict=True))


def test_batch_curves_equal_run_backtest_whatever_the_chunking() -> None:
    bars, cfg = _bars(), BacktestConfig(slippage_bps=3.0)
    sets = [{"fast": f, "slow": s} for f in (5, 10, 15) for s in (30, 50)]
    tiny = batch_curves("ema_cross", bars, sets, cfg, max_bytes=1)  # one set per kernel call
    whole = batch_curves("ema_cross", bars, sets, cfg)
    for p, (eq1, tr1), (eq2, tr2) in zip(sets, tiny, whole, strict=True):
        ref = run_backtest("ema_cross", bars, cfg, params=p)
        pd.testing.assert_series_equal(eq1, ref.equity["equity"], check_names=False)
        pd.testing.assert_series_equal(eq2, ref.equity["equity"], check_names=False)
        pd.testing.assert_frame_equal(tr1, ref.trades)
        pd.testing.assert_frame_equal(tr2, ref.trades)


def test_regime_covering_every_bar_equals_plain_backtest() -> None:
    bars = _bars()
    labels = {SYM: pd.Series("bull", index=bars.index)}
    res = run_in_regime("ema_cross", bars, params={"fast": 5, "slow": 30}, regimes=labels, regime="bull")
    ref = run_backtest("ema_cross", bars, params={"fast": 5, "slow": 30}, regimes=labels)
    pd.testing.assert_frame_equal(res.trades, ref.trades)
    pd.testing.assert_frame_equal(res.equity, ref.equity)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["bull", "bear", ""]), st.integers(1, 60)), min_size=2, max_size=25))
def test_regime_run_enters_only_in_regime_and_is_flat_after_it_ends(runs: list[tuple[str, int]]) -> None:
    bars = _bars(400, seed=9)
    lab = np.concatenate([[r] * n for r, n in runs] + [["bear"] * 400])[: bars.n_bars].astype(object)
    labels = {SYM: pd.Series(lab, index=bars.index)}
    res = run_in_regime("ema_cross", bars, params={"fast": 5, "slow": 20}, regimes=labels, regime="bull")
    pos = {t: i for i, t in enumerate(bars.index)}
    for tr in res.trades.itertuples():
        assert lab[pos[tr.entry_time] - 1] == "bull" and tr.regime == "bull"  # signal bar in the regime
        if tr.exit_reason == "regime_switch":
            k = pos[tr.exit_time]
            assert lab[k - 1] != "bull" and lab[k - 2] == "bull"  # closed at the first bar after it
    held = np.flatnonzero(res.positions[SYM].to_numpy() != 0)
    assert all(lab[t - 1] == "bull" for t in held if t > 0)  # never held past the regime's first exit bar


def test_regime_evaluator_restricts_runs_and_keys_trials_by_regime() -> None:
    bars = _bars()
    lab = pd.Series(np.where(np.arange(bars.n_bars) % 100 < 50, "bull", "bear"), index=bars.index)
    ev = _evaluator(regimes={SYM: lab})
    bull = ev.for_regime("bull")
    assert bull.fingerprint("ema_cross", SYM, TF, None) != ev.for_regime("bear").fingerprint("ema_cross", SYM, TF, None)
    res = bull.run("ema_cross", {"fast": 5, "slow": 20}, SYM, TF, None)
    assert len(res.trades) and set(res.trades["regime"]) == {"bull"}
    assert _same(bull.evaluate_many("ema_cross", [{"fast": 5, "slow": 20}], SYM, TF, None)[0],
                 bull("ema_cross", {"fast": 5, "slow": 20}, SYM, TF, None))
    with pytest.raises(ConfigError):
        _evaluator().for_regime("bull")("ema_cross", {}, SYM, TF, None)


def test_fitness_regimes_need_an_evaluator_that_can_restrict() -> None:
    from alphalab.research.space import SearchSpace, parse_override

    space = {"a": SearchSpace({"fast": parse_override("fast=10,20")})}
    with pytest.raises(ConfigError):
        fitness_matrix(SyntheticEvaluator(), ["a"], ["X"], ["1d"], space, regimes="rule")


def _entry(asset: str, regime: str, strategy: str, params: dict, rank: int) -> MappingEntry:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    return MappingEntry(asset=asset, timeframe="1d", regime=regime, strategy_id=strategy, strategy_name=strategy,
                        parameters=params, risk_model=RiskModel(sizing=SizingSpec(), exits=ExitsSpec()),
                        expected_performance=ExpectedPerformance(), rank=rank, created_at=now,
                        data_range=DataRange(start=now, end=now, bars=1))


def test_mapping_to_routing_table_routes_best_entry_per_regime() -> None:
    mapping = BestConfigMapping(created_at=datetime(2024, 1, 1, tzinfo=UTC), detector={"method": "rule"}, entries=[
        _entry("X", "bull", "ema_cross", {"fast": 10}, 1), _entry("X", "bull", "sma_cross", {}, 2),
        _entry("X", "bear", "rsi_reversion", {"period": 7}, 3), _entry("X", "all", "sma_cross", {"fast": 5}, 4),
        _entry("Y", "bull", "sma_cross", {}, 5),
    ])
    table = mapping_to_routing_table(mapping, "X", "1d")
    assert table.on_switch == "close" and table.symbol == "X" and table.detector.method == "rule"
    assert {k: (v.strategy, v.params) for k, v in table.entries.items()} == {
        "bull": ("ema_cross", {"fast": 10}), "bear": ("rsi_reversion", {"period": 7})}
    assert table.default.strategy == "sma_cross" and table.default.params == {"fast": 5}
    assert mapping_to_routing_table(mapping, "Y", "1d", on_switch="keep").default == "flat"
    with pytest.raises(ConfigError):
        mapping_to_routing_table(mapping, "Z", "1d")
