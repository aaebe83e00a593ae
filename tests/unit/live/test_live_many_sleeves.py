"""Fifty-six sleeves in one process: each trades on its own cash exactly as its own backtest does."""

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

SYMBOLS = ["sample:AAPL", "sample:MSFT", "sample:IBM", "sample:GOOG"]


@pytest.mark.slow
def test_fifty_six_sleeves_each_equal_their_own_backtest(tmp_path: Path) -> None:
    bars = load_arrays(SYMBOLS, "1d")
    bars = bars.slice(bars.n_bars - 500, bars.n_bars)
    cfg = BacktestConfig(fee_bps=5.0, capital=10_000.0)
    ids = sorted(p.stem for p in builtin_dir().glob("*.json") if p.stem != "mtf_trend")
    sleeves = []
    for sid in ids:
        spec = resolve_spec(sid, None)
        sleeves += [SleeveConfig(f"{sid}@{sym}", spec, (sym,), "1d", cfg.capital, cfg) for sym in SYMBOLS]
    for fast in (5, 8, 12, 15):  # the same strategy with other parameters is another sleeve
        spec = resolve_spec("ema_cross", {"fast": fast})
        sleeves += [SleeveConfig(f"ema{fast}@{s}", spec, (s,), "1d", cfg.capital, cfg) for s in SYMBOLS]
    assert len(sleeves) == 56
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    clock = SimulatedClock(int(bars.time[0]))
    rt = Runtime(sleeves, ledger=ledger, clock=clock, feed=ReplayFeed(bars, clock), flatten_at_end=True,
                 checkpoint_every=50)
    asyncio.run(rt.run())
    assert all(s.disabled is None for s in rt.sleeves)
    traded = 0
    for s in rt.sleeves:
        j = bars.symbols.index(s.cfg.symbols[0])
        one = bars.slice(0, bars.n_bars)
        one = type(bars)(one.time, one.open[:, [j]], one.high[:, [j]], one.low[:, [j]], one.close[:, [j]],
                         one.volume[:, [j]], symbols=(bars.symbols[j],), timeframe=bars.timeframe)
        want = run_backtest(s.cfg.spec, one, cfg)
        np.testing.assert_allclose(s.book.equity_curve(), want.equity["equity"].to_numpy(), rtol=1e-9, atol=1e-9)
        traded += len(want.fills) > 0
    assert traded >= 40
    ledger.close()
