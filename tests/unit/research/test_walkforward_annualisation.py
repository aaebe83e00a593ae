"""Walk-forward and the other research figures annualise with the data's own bars per year (hourly FX: 6240)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from alphalab.data import load_arrays
from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.evaluator import periods_per_year_of
from alphalab.research.executors import LocalExecutor
from alphalab.research.space import SearchSpace, parse_override
from alphalab.research.walkforward import split, walk_forward

HOURLY_FX = 260 * 24  # FX trades 24 hours on 260 days a year


def _sharpe(r: np.ndarray, ppy: float) -> float:
    r = np.nan_to_num(r)
    return float(r.mean() / r.std(ddof=1) * math.sqrt(ppy))


@pytest.fixture(scope="module")
def evaluator() -> EngineEvaluator:
    bars = load_arrays(["sample:EURUSD"], "1h").slice(0, 2400)
    return EngineEvaluator(data={("sample:EURUSD", "1h"): bars})


def test_engine_evaluator_reports_the_bars_own_periods_per_year(evaluator: EngineEvaluator) -> None:
    assert periods_per_year_of(evaluator, "sample:EURUSD", "1h") == HOURLY_FX
    assert evaluator.run("sma_cross", {}, "sample:EURUSD", "1h", None).periods_per_year == HOURLY_FX
    override = EngineEvaluator(config={"periods_per_year": 1000.0}, data=evaluator.data)
    assert periods_per_year_of(override, "sample:EURUSD", "1h") == 1000.0


def test_walk_forward_on_hourly_fx_annualises_with_6240(evaluator: EngineEvaluator, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPHALAB_HOME", str(tmp_path))
    space = SearchSpace({"fast": parse_override("fast=10,20"), "slow": parse_override("slow=50")})
    res = walk_forward(evaluator, "sma_cross", "sample:EURUSD", "1h", space=space, n_bars=2400, train=1200,
                       test=600, executor=LocalExecutor(1))
    ok = res.folds[res.folds["status"] == "ok"]
    assert len(ok) == 2
    folds = split(2400, train=1200, test=600)
    for _, fold in ok.iterrows():
        window = folds[int(fold["fold"])].test  # the OOS window, its warm-up from the IS start
        oos = evaluator.returns("sma_cross", fold["params"], "sample:EURUSD", "1h", window).to_numpy()
        assert fold["oos_sharpe"] == pytest.approx(_sharpe(oos, HOURLY_FX), rel=1e-9)
    r = res.oos_returns.to_numpy()
    assert res.metrics["sharpe"] == pytest.approx(_sharpe(r, HOURLY_FX), rel=1e-9)
    assert res.metrics["volatility"] == pytest.approx(np.nan_to_num(r).std(ddof=1) * math.sqrt(HOURLY_FX), rel=1e-9)


@pytest.mark.parametrize("tf", ["1m", "15m", "1h", "4h", "12h", "1d", "1w"])
@pytest.mark.parametrize("symbols", [("sample:AAPL",), ("sample:EURUSD",), ("BTC/USDT",), ("sample:AAPL", "BTC/USDT")])
def test_engine_and_analytics_share_one_periods_per_year_rule(tf: str, symbols: tuple[str, ...]) -> None:
    from alphalab.analytics.metrics import periods_per_year_for
    from alphalab.core.timeframe import Timeframe
    from alphalab.engine.assemble import periods_per_year

    assert periods_per_year(Timeframe.parse(tf), symbols) == periods_per_year_for(tf, symbols)
    days = {"sample:AAPL": 252, "sample:EURUSD": 260, "BTC/USDT": 365}[symbols[-1]]
    assert periods_per_year_for(tf, symbols) >= (52 if tf == "1w" else days)  # at least one bar a trading day


def test_no_annualisation_defaults_to_a_fixed_number_of_periods() -> None:
    import re

    src = Path(__file__).resolve().parents[3] / "src" / "alphalab"
    pattern = re.compile(r"periods_per_year\s*:\s*float\s*=\s*[\d.]+")
    offenders = [f"{p.relative_to(src)}:{i}" for p in src.rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


@pytest.mark.parametrize("symbol", ["sample:AAPL", "sample:EURUSD", "BTC/USDT"])
def test_instrument_trading_days_follow_the_same_rule(symbol: str) -> None:
    from alphalab.analytics.metrics import periods_per_year_for
    from alphalab.core.instrument import Instrument

    assert Instrument.guess(symbol).periods_per_year_daily == periods_per_year_for("1d", (symbol,))


def test_sdl_volatility_indicator_annualises_with_the_bars_calendar() -> None:
    import talib

    from alphalab.sdl import compile, load

    bars = load_arrays(["sample:EURUSD"], "1h").slice(0, 500)
    doc = {"schema_version": "1.1", "id": "t", "name": "t", "timeframe": "1h",
           "indicators": {"vol": {"type": "hv", "params": {"period": 20}}},
           "entry": {"long": {"gt": {"left": "vol", "right": 0}}}, "exit": {}}
    vol = compile(load(doc)).signals(bars).indicators["vol"][:, 0]
    logret = np.log(bars.close[1:, 0] / bars.close[:-1, 0])
    ref = talib.STDDEV(logret, 20) * math.sqrt(20 / 19) * math.sqrt(HOURLY_FX)  # sample std, annualised
    np.testing.assert_allclose(vol[-100:], ref[-100:], rtol=1e-8)
    doc["indicators"]["vol"]["params"]["periods_per_year"] = 252.0  # an explicit value is kept
    vol_252 = compile(load(doc)).signals(bars).indicators["vol"][:, 0]
    np.testing.assert_allclose(vol_252[-100:], vol[-100:] * math.sqrt(252.0 / HOURLY_FX), rtol=1e-12)
