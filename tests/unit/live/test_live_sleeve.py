"""Market hours of a sleeve, and the risk gate's verdicts on the runtime's intents."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd

from alphalab.core.timeframe import Timeframe
from alphalab.data import load_arrays
from alphalab.engine.backtest import resolve_spec
from alphalab.engine.config import BacktestConfig
from alphalab.live.clock import SimulatedClock
from alphalab.live.feeds import ReplayFeed
from alphalab.live.ledger import Ledger
from alphalab.live.orders import OrderStatus
from alphalab.live.runtime import Runtime
from alphalab.live.sleeve import SleeveConfig, in_session
from alphalab.portfolio.gate import RiskGate
from alphalab.portfolio.spec import RiskLimits


def _ns(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value)


def test_stock_sessions_follow_the_nyse_calendar_and_hours() -> None:
    h, d = Timeframe.parse("1h"), Timeframe.parse("1d")
    assert in_session("AAPL", _ns("2024-07-03 14:00"), h)  # 10:00 in New York
    assert not in_session("AAPL", _ns("2024-07-03 21:00"), h)  # 17:00, after the close
    assert not in_session("AAPL", _ns("2024-07-04"), d)  # Independence Day
    assert not in_session("AAPL", _ns("2024-07-06"), d)  # Saturday
    assert in_session("AAPL", _ns("2024-07-05"), d)
    assert in_session("BTC/USDT", _ns("2024-07-06 03:00"), h)  # crypto: 24/7


def test_risk_gate_denials_are_written_with_their_verdict_and_never_sent(tmp_path: Path) -> None:
    bars = load_arrays(["sample:AAPL", "sample:MSFT"], "1d").slice(0, 500)
    cfg = BacktestConfig(capital=50_000.0)
    sleeves = [SleeveConfig(f"s{j}", resolve_spec("ema_cross", None), (sym,), "1d", 50_000.0, cfg)
               for j, sym in enumerate(bars.symbols)]
    limits = RiskLimits(max_heat=None, max_position=0.05, drawdown=None, daily_loss=None)
    gate = RiskGate(limits, assets=list(bars.symbols), sleeves=["s0", "s1"])
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    clock = SimulatedClock(int(bars.time[0]))
    rt = Runtime(sleeves, ledger=ledger, clock=clock, feed=ReplayFeed(bars, clock), gate=gate, checkpoint_every=50)
    report = asyncio.run(rt.run())
    book = ledger.load_book()
    n = bars.n_bars
    top = float(max(rt.sleeves[0].book.curves[:n] + rt.sleeves[1].book.curves[:n]))  # the bot's best equity
    verdicts = {r.intent.verdict for r in book.orders.values()}
    assert "resize" in verdicts or any(v.startswith("deny") for v in verdicts)
    for r in book.orders.values():
        if r.intent.verdict.startswith("deny"):
            assert r.status is OrderStatus.REJECTED and r.filled_qty == 0.0
        if r.intent.verdict == "resize" and r.filled_qty > 0:  # the fill took the gate's quantity
            assert r.filled_qty <= r.intent.quantity * (1 + 1e-9)
            assert r.filled_qty * r.avg_price <= 0.05 * top * 1.3  # priced at the close, filled at the open
    assert report.intents > 0
    ledger.close()
