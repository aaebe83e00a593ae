"""The event loop defers the compiled steps of inert bars (held positions without stops): results unchanged.

On such bars the steps only mark and record, so the loop runs them later in one compiled call,
before any order and before the strategy reads its equity. These tests check what a strategy
sees and what the run records against the compiled fast path and the equity curve.
"""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.data import load_arrays
from alphalab.engine import BacktestConfig, run_backtest, run_strategy
from alphalab.engine.backtest import costs_from_spec, rules_from_spec
from alphalab.strategies.api import Strategy


class HoldAndWatch(Strategy):
    """Buys units at bars 10 and 300, closes at bars 200 and 450, reads its equity on some bars."""

    id = "hold_and_watch"

    def on_start(self, ctx) -> None:  # type: ignore[no-untyped-def]
        self.seen: dict[int, float] = {}

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        t, sym = ctx.bar_index, ctx.symbols[0]
        if t in (10, 300):
            ctx.buy(sym, quantity=50)
        elif t in (200, 450):
            ctx.close(sym)
        if t in (11, 12, 57, 58, 199, 350, 449) or t % 97 == 0:
            self.seen[t] = ctx.equity


def test_equity_read_during_a_deferred_hold_equals_the_marked_curve() -> None:
    bars = load_arrays(["sample:AAPL"], "1d").slice(0, 500)
    strat = HoldAndWatch()
    res = run_strategy(strat, bars, BacktestConfig(fee_bps=10))
    eq = res.equity["equity"].to_numpy()
    for t, value in strat.seen.items():
        if t == 0 or t in (11, 301):  # no bar before the first; a fill at this bar's open moved cash and value since the last close
            continue
        # on_bar at t sees the account after bar t's open: the equity marked at the close of t-1
        assert value == pytest.approx(eq[t - 1], rel=1e-12, abs=1e-9), t
    assert len(res.trades) == 2
    assert res.trades.entry_time.tolist() == [bars.index[11], bars.index[301]]


def test_multi_symbol_run_without_stops_matches_the_fast_path() -> None:
    from alphalab.sdl import compile
    from alphalab.strategies.registry import get

    bars = load_arrays(["sample:AAPL", "sample:MSFT"], "1d").slice(0, 1200)
    spec = get("sma_cross")
    cfg = BacktestConfig(fee_bps=5, slippage_bps=2)
    fast = run_backtest(spec, bars, cfg)
    sig = compile(spec).signals(bars)

    class Replay(Strategy):
        id = "replay"

        def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
            t = ctx.bar_index
            for a, sym in enumerate(ctx.symbols):
                q = ctx.position(sym)
                if q > 0 and sig.exit_long[t, a]:
                    ctx.close(sym)
                if sig.entry_long[t, a] and not sig.exit_long[t, a]:
                    ctx.enter(sym, 1)

    rules = rules_from_spec(spec)
    event = run_strategy(Replay, bars, cfg, rules=rules, costs=costs_from_spec(spec, cfg))
    assert len(fast.trades) > 4
    assert fast.trades.symbol.nunique() == 2
    np.testing.assert_allclose(event.equity.to_numpy(), fast.equity.to_numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(event.trades.pnl.to_numpy(), fast.trades.pnl.to_numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(event.positions.to_numpy(), fast.positions.to_numpy(), rtol=1e-12, atol=1e-9)


class Recorder(Strategy):
    """Holds from ``enter_at`` (without stops) and records the bar of every ``on_bar`` call."""

    id = "recorder"

    def __init__(self, enter_at: int, exit_at: int) -> None:
        super().__init__()
        self.enter_at, self.exit_at, self.bars_seen = enter_at, exit_at, []

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        self.bars_seen.append(ctx.bar_index)
        if ctx.bar_index == self.enter_at:
            ctx.enter(ctx.symbols[0], 1)
        elif ctx.bar_index == self.exit_at:
            ctx.close(ctx.symbols[0])
        elif ctx.bar_index % 7 == 0 and ctx.position(ctx.symbols[0]) > 0:
            ctx.enter(ctx.symbols[0], 1)  # rejected while long (an order call that changes nothing)


@pytest.mark.parametrize(("enter_at", "exit_at"), [(5, 10**6), (5, 60), (98, 10**6), (-1, -1)])
def test_on_bar_runs_once_per_bar_in_order_whatever_the_state_at_the_end(enter_at, exit_at) -> None:
    bars = load_arrays(["sample:AAPL"], "1d").slice(0, 100)
    strat = Recorder(enter_at, exit_at)
    res = run_strategy(strat, bars)
    assert strat.bars_seen == list(range(100))
    assert np.isfinite(res.equity.to_numpy()).all()
    assert len(res.trades) == (0 if enter_at < 0 else 1)
