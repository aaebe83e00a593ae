"""Every built-in SDL strategy runs end to end on real bars with costs, and its result is coherent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.enums import ExitReason
from alphalab.core.records import TRADE_COLUMNS
from alphalab.engine import BacktestConfig, run_backtest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "alphalab" / "data" / "samples"
BUILTINS = sorted(p.stem for p in (ROOT / "src" / "alphalab" / "strategies" / "builtin").glob("*.json"))


def _bars(strategy_id: str) -> BarArrays:
    if strategy_id == "mtf_trend":  # 4h confirmation needs intraday bars
        frame = pd.read_parquet(SAMPLES / "EURUSD.parquet").iloc[:3000]
        return BarArrays.from_frame(frame[["open", "high", "low", "close", "volume"]], "EURUSD", "1h")
    frames = {s: pd.read_parquet(SAMPLES / f"{s}.parquet")[["open", "high", "low", "close", "volume"]]
              for s in ("AAPL", "MSFT")}
    return BarArrays.from_frames(frames, "1d")


@pytest.mark.parametrize("strategy_id", BUILTINS)
def test_builtin_backtest_is_coherent(strategy_id):
    bars = _bars(strategy_id)
    cfg = BacktestConfig(fee_bps=10, slippage_bps=5)
    res = run_backtest(strategy_id, bars, cfg)
    trades = res.trades
    assert tuple(trades.columns) == TRADE_COLUMNS
    assert len(trades) > 0
    assert set(trades.exit_reason) <= {r.label for r in ExitReason}
    assert (trades.fees > 0).all() and (trades.slippage >= 0).all()
    assert (trades.exit_time >= trades.entry_time).all()
    assert (trades.mae <= 1e-12).all() and (trades.mfe >= -1e-12).all()
    # every position is closed by the end, so the trades explain the whole equity change
    assert trades.pnl.sum() == pytest.approx(res.final_equity - cfg.capital, rel=1e-9, abs=1e-6)
    assert (res.positions.iloc[-1] == 0).all()
    entries = res.orders[(res.orders.purpose == "entry") & (res.orders.quantity > 0)]
    assert (entries.time > entries.signal_time).all()  # next-open fills: never on the signal bar
    assert np.isfinite(res.equity["equity"]).all()
