"""Replay parity: a paper run on the replay feed gives `alphalab backtest`'s orders, fills and equity."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from alphalab.data import load_arrays
from alphalab.engine.backtest import resolve_spec, run_backtest
from alphalab.engine.config import BacktestConfig
from alphalab.live.clock import SimulatedClock
from alphalab.live.feeds import ReplayFeed
from alphalab.live.ledger import Ledger
from alphalab.live.runtime import Runtime
from alphalab.live.sleeve import SleeveConfig
from alphalab.sdl.sources import builtin_dir

BUILTINS = sorted(p.stem for p in builtin_dir().glob("*.json"))


def _run(strategy_id: str, bars, cfg: BacktestConfig, db: Path) -> tuple[Runtime, Ledger]:  # type: ignore[no-untyped-def]
    spec = resolve_spec(strategy_id, None)
    ledger = Ledger(f"sqlite:///{db}")
    clock = SimulatedClock(int(bars.time[0]))
    sleeve = SleeveConfig(strategy_id, spec, bars.symbols, str(bars.timeframe), cfg.capital, cfg)
    rt = Runtime([sleeve], ledger=ledger, clock=clock, feed=ReplayFeed(bars, clock), flatten_at_end=True,
                 checkpoint_every=100)
    asyncio.run(rt.run())
    return rt, ledger


@pytest.mark.slow
@pytest.mark.parametrize("strategy_id", BUILTINS)
def test_paper_replay_equals_backtest(strategy_id: str, tmp_path: Path) -> None:
    bars = (load_arrays(["sample:EURUSD"], "1h") if strategy_id == "mtf_trend"
            else load_arrays(["sample:AAPL", "sample:GOOG"], "1d"))
    cfg = BacktestConfig(fee_bps=5.0, slippage_bps=2.0)
    want = run_backtest(strategy_id, bars, cfg)
    rt, ledger = _run(strategy_id, bars, cfg, tmp_path / "ledger.sqlite")
    book = rt.sleeves[0].book
    np.testing.assert_allclose(book.curves[: bars.n_bars], want.equity["equity"].to_numpy(), rtol=1e-9, atol=1e-9)
    fills = want.fills
    assert len(fills) > 0
    got = sorted((e.t_ns, e.price, e.quantity, e.fee) for e in ledger.events() if e.kind == "fill")
    assert len(got) == len(fills)
    t_col = fills["time"]
    exp = sorted(zip(np.asarray(t_col, dtype="datetime64[ns]").astype(np.int64),
                     fills["price"], np.abs(fills["quantity"]), fills["fee"], strict=True))
    np.testing.assert_allclose(np.array(got, dtype=float), np.array(exp, dtype=float), rtol=1e-9, atol=1e-9)
    intents = ledger.intents()
    assert len({i.client_id for i in intents}) == len(intents)  # one order per decision
    assert rt.om.book.open_orders() == []
    ledger.close()
