"""The paper book fed streaming decisions bar by bar writes the backtest's orders and equity."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.bars import BarArrays
from alphalab.data import load_arrays
from alphalab.engine import layout as L
from alphalab.engine.backtest import (
    costs_from_spec,
    instrument_limits,
    resolve_spec,
    rules_from_spec,
    settings_from_config,
)
from alphalab.engine.config import BacktestConfig
from alphalab.engine.simulate import simulate
from alphalab.live.paper_book import PaperBook
from alphalab.live.strategy import Bar, StreamingStrategy
from alphalab.sdl import compile as compile_plan
from alphalab.sdl.sources import builtin_dir

BUILTINS = sorted(p.stem for p in builtin_dir().glob("*.json"))


def paper_replay(spec, bars: BarArrays, cfg: BacktestConfig) -> PaperBook:  # type: ignore[no-untyped-def]
    lot, mn = instrument_limits(bars.symbols, cfg)
    book = PaperBook(bars.symbols, rules=rules_from_spec(spec), costs=costs_from_spec(spec, cfg),
                     settings=settings_from_config(cfg), capital=cfg.capital, lot=lot, min_notional=mn, capacity=8)
    strats = [StreamingStrategy(spec, s, bars.timeframe) for s in bars.symbols]
    for t in range(bars.n_bars):
        decisions = []
        row = np.full((6, bars.n_assets), np.nan)
        for j, st in enumerate(strats):
            c = bars.close[t, j]
            if c != c:
                decisions.append(None)
                continue
            d = st.update(Bar(int(bars.time[t]), float(bars.open[t, j]), float(bars.high[t, j]),
                              float(bars.low[t, j]), float(c), float(bars.volume[t, j])))
            decisions.append(d)
            row[:, j] = (bars.open[t, j], bars.high[t, j], bars.low[t, j], c, bars.volume[t, j], d.atr)
        book.open_bar(int(bars.time[t]), row)
        book.decide(decisions)
        book.close_bar(last=t == bars.n_bars - 1)
    return book


@pytest.mark.parametrize("strategy_id", BUILTINS)
@pytest.mark.parametrize("fill", ["next_open", "close"])
def test_paper_book_equals_backtest(strategy_id: str, fill: str) -> None:
    bars = (load_arrays(["sample:EURUSD"], "1h") if strategy_id == "mtf_trend"
            else load_arrays(["sample:AAPL", "sample:GOOG"], "1d"))
    cfg = BacktestConfig(fill=fill, fee_bps=5.0, slippage_bps=2.0)
    spec = resolve_spec(strategy_id, None)
    sig = compile_plan(spec).signals(bars)
    lot, mn = instrument_limits(bars.symbols, cfg)
    want = simulate(bars.open, bars.high, bars.low, bars.close, bars.volume, sig.entry_long, sig.exit_long,
                    sig.entry_short, sig.exit_short, rules=rules_from_spec(spec), costs=costs_from_spec(spec, cfg),
                    settings=settings_from_config(cfg), capital=cfg.capital, atr=sig.atr, lot_size=lot,
                    min_notional=mn)
    book = paper_replay(spec, bars, cfg)
    got = book.order_records()
    assert got.shape == want.orders.shape and got.shape[0] > 0
    np.testing.assert_allclose(got, want.orders, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(book.trade_records(), want.trades, rtol=1e-9, atol=1e-9)
    n = bars.n_bars
    np.testing.assert_allclose(book.curves[:n], want.equity[:, 0], rtol=1e-9, atol=1e-9)
    assert got[:, L.O_QTY].sum() > 0
