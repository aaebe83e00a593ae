"""A parameter passed to a sweep or a research run takes effect or raises, also for a loaded StrategySpec."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ValidationError
from alphalab.engine import BacktestConfig, run_backtest, run_sweep
from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.executors import LocalExecutor
from alphalab.research.optimize import optimize
from alphalab.research.space import SearchSpace, parse_override
from alphalab.research.store import TrialStore
from alphalab.sdl import StrategySpec, load

SAMPLE = Path(__file__).resolve().parents[3] / "src" / "alphalab" / "data" / "samples" / "AAPL.parquet"
SETS = [{"fast": 5, "slow": 20}, {"fast": 10, "slow": 60}, {"fast": 30, "slow": 100}]


@pytest.fixture(scope="module")
def bars() -> BarArrays:
    frame = pd.read_parquet(SAMPLE)[["open", "high", "low", "close", "volume"]].iloc[:1500]
    return BarArrays.from_frame(frame, "AAPL", "1d")


def test_sweep_of_a_loaded_spec_applies_each_parameter_set(bars: BarArrays) -> None:
    spec = load("sma_cross")
    cfg = BacktestConfig(fee_bps=10)
    sweep = run_sweep(spec, bars, SETS, cfg)
    curves = [sweep.equity[k].to_numpy() for k in range(len(SETS))]
    assert not np.array_equal(curves[0], curves[1]) and not np.array_equal(curves[1], curves[2])
    for k, p in enumerate(SETS):
        one = run_backtest("sma_cross", bars, cfg, params=p)  # by id: the registry applies params
        np.testing.assert_allclose(curves[k], one.equity["equity"].to_numpy(), rtol=1e-12)
        assert sweep.stats.loc[k, "n_trades"] == len(one.trades)


def test_params_on_a_spec_that_already_has_params_keep_the_earlier_ones(bars: BarArrays) -> None:
    spec = load("sma_cross", params={"slow": 60})
    res = run_backtest(spec, bars, params={"fast": 10})
    want = run_backtest("sma_cross", bars, params={"fast": 10, "slow": 60})
    np.testing.assert_array_equal(res.equity["equity"].to_numpy(), want.equity["equity"].to_numpy())


def test_unknown_parameter_in_a_sweep_raises_with_did_you_mean(bars: BarArrays) -> None:
    with pytest.raises(ValidationError) as info:
        run_sweep(load("sma_cross"), bars, [{"fsat": 10}])
    assert "did you mean 'fast'" in str(info.value.problems[0].hint)


def test_params_on_a_spec_without_its_document_raise(bars: BarArrays) -> None:
    bare = StrategySpec.model_validate(load("sma_cross").model_dump(mode="json", by_alias=True, exclude_none=True))
    with pytest.raises(ValidationError, match="cannot be applied"):
        run_sweep(bare, bars, [{"fast": 10}])
    run_sweep(bare, bars, [{}])  # no parameters: nothing to apply, runs


def test_optimising_a_loaded_spec_evaluates_each_trial(tmp_path: Path) -> None:
    space = SearchSpace({"fast": parse_override("fast=5,30"), "slow": parse_override("slow=60")})
    res = optimize(EngineEvaluator(), load("sma_cross"), "sample:AAPL", "1d", space=space,
                   executor=LocalExecutor(1), store=TrialStore(tmp_path))
    by_id = optimize(EngineEvaluator(), "sma_cross", "sample:AAPL", "1d", space=space,
                     executor=LocalExecutor(1), store=TrialStore(tmp_path / "id"))
    sharpe = res.trials["m_sharpe"].to_numpy()
    assert sharpe[0] != sharpe[1]
    np.testing.assert_allclose(sharpe, by_id.trials["m_sharpe"].to_numpy(), rtol=1e-12)


def test_sweep_on_symbols_with_different_calendars_equals_separate_backtests(bars: BarArrays) -> None:
    # the 24/7 symbol gives AAPL NaN rows: each parameter set is evaluated per calendar (sdl.calendars)
    frame = bars.frame("AAPL")
    idx = pd.date_range(frame.index[0], frame.index[-1], freq="D")
    close = 50.0 * np.exp(np.cumsum(np.random.default_rng(2).normal(0, 0.02, len(idx))))
    always = pd.DataFrame({"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=idx)
    mixed = BarArrays.from_frames({"AAPL": frame, "ALWAYS": always}, "1d")
    cfg = BacktestConfig(fee_bps=10)
    sweep = run_sweep("sma_cross", mixed, SETS, cfg)
    for k, p in enumerate(SETS):
        one = run_backtest("sma_cross", mixed, cfg, params=p)
        np.testing.assert_allclose(sweep.equity[k].to_numpy(), one.equity["equity"].to_numpy(), rtol=1e-12)
        assert sweep.stats.loc[k, "n_trades"] == len(one.trades)


def test_optimising_an_undeclared_parameter_raises_with_did_you_mean_before_any_trial(tmp_path: Path) -> None:
    from alphalab.core.errors import ConfigError

    space = SearchSpace({"fsat": parse_override("fsat=10,20"), "slow": parse_override("slow=60")})
    for strategy in ("sma_cross", load("sma_cross")):
        with pytest.raises(ConfigError, match="no parameter 'fsat'") as info:
            optimize(EngineEvaluator(), strategy, "sample:AAPL", "1d", space=space, executor=LocalExecutor(1),
                     store=TrialStore(tmp_path))
        assert info.value.hint == "did you mean 'fast'?"
    assert not list(tmp_path.glob("chunk-*"))  # nothing was evaluated
