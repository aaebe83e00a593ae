"""A parameter passed with a loaded StrategySpec takes effect or raises (issue 10, wrong numbers)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.errors import AlphaLabError, ValidationError
from alphalab.engine import run_backtest
from alphalab.engine.backtest import resolve_spec
from alphalab.sdl import StrategySpec, load

SAMPLE = Path(__file__).resolve().parents[3] / "src" / "alphalab" / "data" / "samples" / "AAPL.parquet"


@pytest.fixture(scope="module")
def bars() -> BarArrays:
    frame = pd.read_parquet(SAMPLE)[["open", "high", "low", "close", "volume"]].iloc[:800]
    return BarArrays.from_frame(frame, "AAPL", "1d")


def _ema_period(spec: StrategySpec, name: str) -> int:
    return int(spec.indicators[name].params["period"])


def test_loaded_spec_with_params_applies_them():
    spec = load("ema_cross")
    changed = resolve_spec(spec, {"fast": 10, "slow": 30})
    assert _ema_period(changed, "ema_fast") == 10
    assert _ema_period(changed, "ema_slow") == 30
    assert changed.param_values["fast"] == 10
    assert _ema_period(spec, "ema_fast") == 20  # the original is not mutated


def test_run_backtest_spec_params_equal_id_params(bars):
    spec = load("ema_cross")
    by_spec = run_backtest(spec, bars, params={"fast": 10})
    by_id = run_backtest("ema_cross", bars, params={"fast": 10})
    default = run_backtest(spec, bars)
    assert by_spec.trades.equals(by_id.trades)
    assert not by_spec.trades.equals(default.trades)


def test_spec_unknown_param_raises_with_suggestion():
    with pytest.raises(ValidationError) as err:
        resolve_spec(load("ema_cross"), {"fsat": 10})
    assert "did you mean 'fast'" in str(err.value.problems[0].hint)


def test_spec_without_source_document_refuses_params():
    spec = load("ema_cross")
    bare = StrategySpec.model_validate(spec.model_dump(mode="json", by_alias=True, exclude_none=True))
    with pytest.raises(AlphaLabError, match="fast"):
        resolve_spec(bare, {"fast": 10})


def test_run_sweep_of_a_loaded_spec_runs_each_parameter_set(bars):
    from alphalab.engine import run_sweep

    sets = [{"fast": f, "slow": s} for f in (5, 10, 20) for s in (40, 80)]
    sweep = run_sweep(load("ema_cross"), bars, sets)
    finals = sweep.equity.iloc[-1].to_numpy()
    assert len(set(finals.round(6))) == len(sets)
    alone = run_backtest("ema_cross", bars, params=sets[3])
    assert finals[3] == pytest.approx(alone.final_equity, rel=1e-12)


def test_run_strategy_instance_with_params_raises(bars):
    from alphalab.engine import run_strategy
    from alphalab.strategies.api import Param, Strategy

    class Hold(Strategy):
        parameters = {"n": Param("int", 3, min=1, max=9)}  # noqa: RUF012

    with pytest.raises(AlphaLabError, match="instance"):
        run_strategy(Hold(), bars, params={"n": 5})
    assert run_strategy(Hold, bars, params={"n": 5}).strategy["params"] == {"n": 5}
