"""run_backtest, BacktestResult, configs, sweeps and input validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.errors import EngineError
from alphalab.core.records import TRADE_COLUMNS
from alphalab.core.timeframe import Timeframe
from alphalab.engine import BacktestConfig, BacktestResult, run_backtest, run_sweep
from alphalab.engine.assemble import periods_per_year
from alphalab.engine.simulate import simulate

SAMPLE = Path(__file__).resolve().parents[3] / "src" / "alphalab" / "data" / "samples" / "AAPL.parquet"


@pytest.fixture(scope="module")
def bars() -> BarArrays:
    frame = pd.read_parquet(SAMPLE)[["open", "high", "low", "close", "volume"]].iloc[:800]
    return BarArrays.from_frame(frame, "AAPL", "1d")


def test_result_has_canonical_trade_log_and_provenance(bars):
    res = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=10))
    assert tuple(res.trades.columns) == TRADE_COLUMNS
    assert len(res.trades) > 3
    assert res.data_hash == bars.digest()
    assert res.fill_timing == FillTiming.NEXT_OPEN
    assert res.periods_per_year == 252
    assert list(res.equity.columns) == ["equity", "cash", "exposure"]
    assert str(res.equity.index.tz) == "UTC"
    assert res.trades["pnl"].sum() == pytest.approx(res.final_equity - 100_000, rel=1e-9)
    assert (res.fills["quantity"] > 0).all()


def test_same_inputs_same_run_hash_and_different_config_changes_it(bars):
    a = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=10))
    b = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=10))
    c = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=20))
    assert a.run_hash == b.run_hash != c.run_hash
    assert a.equity.equals(b.equity) and a.trades.equals(b.trades)


def test_config_costs_override_spec_and_close_fill_is_recorded(bars):
    cheap = run_backtest("ema_cross", bars, BacktestConfig())
    costly = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=50, slippage_bps=20, fill="close"))
    assert costly.fill_timing == FillTiming.CLOSE
    assert costly.config["fill"] == "close"
    assert (cheap.trades.fees == 0).all()
    assert (costly.trades.fees > 0).all() and (costly.trades.slippage > 0).all()


def test_save_and_load_round_trip(bars, tmp_path):
    res = run_backtest("mean_reversion_v2", bars, BacktestConfig(fee_bps=5))
    back = BacktestResult.load(res.save(tmp_path / "r", indicators=True))
    for name in ("trades", "orders", "fills", "equity", "positions"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(res, name))
    assert back.bars.digest() == res.data_hash
    assert (back.run_hash, back.config, back.fill_timing) == (res.run_hash, res.config, res.fill_timing)
    assert set(back.indicators) == set(res.indicators) and res.indicators
    assert BacktestResult.load(res.save(tmp_path / "r")).indicators == {}  # indicators only when asked


def test_regime_labels_recorded_at_entry(bars):
    labels = pd.Series(np.where(np.arange(bars.n_bars) % 200 < 100, "bull", "bear"), index=bars.index)
    res = run_backtest("ema_cross", bars, regimes={"AAPL": labels})
    expected = labels.reindex(res.orders.loc[res.orders.purpose == "entry", "signal_time"]).tolist()
    assert res.trades["regime"].tolist() == expected[: len(res.trades)]


@pytest.mark.parametrize(("tf", "symbol", "ppy"), [("1d", "AAPL", 252), ("1d", "BTC/USDT", 365),
                                                   ("1h", "BTC/USDT", 365 * 24), ("1w", "AAPL", 52),
                                                   ("1h", "AAPL", 252 * 6.5)])
def test_periods_per_year_follow_calendar(tf, symbol, ppy):
    assert periods_per_year(Timeframe.parse(tf), (symbol,)) == pytest.approx(ppy)


def test_sweep_equals_separate_backtests(bars):
    sets = [{"fast": 10, "slow": 30}, {"fast": 20, "slow": 50}, {"fast": 10, "slow": 30}]
    sweep = run_sweep("sma_cross", bars, sets, BacktestConfig(fee_bps=10))
    for k, p in enumerate(sets):
        one = run_backtest("sma_cross", bars, BacktestConfig(fee_bps=10), params=p)
        np.testing.assert_allclose(sweep.equity[k].to_numpy(), one.equity["equity"].to_numpy(), rtol=1e-12)
        assert sweep.stats.loc[k, "n_trades"] == len(one.trades)


def test_bad_shapes_raise_readable_engine_errors():
    x = np.ones((5, 1))
    with pytest.raises(EngineError, match="entry_long has shape"):
        simulate(x, x, x, x, x, np.zeros((4, 1), bool))
    with pytest.raises(EngineError, match="ATR"):
        from alphalab.engine import EntryRules

        simulate(x, x, x, x, x, np.zeros((5, 1), bool), rules=EntryRules(stop_loss="atr", stop_value=2))
    with pytest.raises(EngineError, match="BarArrays"):
        run_backtest("ema_cross", pd.DataFrame())  # type: ignore[arg-type]
