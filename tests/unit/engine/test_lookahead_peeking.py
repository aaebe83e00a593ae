"""Deliberately peeking strategies: the API gives them no future data, and the checker flags every peek.

Each peeking strategy reads the future through a different door. The doors the API hands out
(``.base`` of ``ctx.data`` / ``ctx.indicator`` arrays) now lead to reveal buffers holding NaN after
the current bar, so those peeks see nothing; the others go around the API (the loop's own arrays,
private indicator sources, a higher-timeframe bar before it closes, a full-sample statistic, an SDL
plan that aligns 4h values too early) and both checker methods must name the bar and the decision.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from alphalab.cli.main import app
from alphalab.core.bars import BarArrays
from alphalab.core.errors import EngineError
from alphalab.data import load_arrays
from alphalab.engine import BacktestConfig, run_strategy
from alphalab.engine.event import strategy_decisions
from alphalab.engine.lookahead import METHODS, LookaheadReport, check_lookahead, continuation, cut_points
from alphalab.strategies.api import Strategy

CUTS = 6


@pytest.fixture(scope="module")
def daily() -> BarArrays:
    return load_arrays(["sample:AAPL"], "1d").slice(0, 600)


@pytest.fixture(scope="module")
def hourly() -> BarArrays:
    return load_arrays(["sample:EURUSD"], "1h").slice(0, 1500)


def _trade_on(ctx, up: bool) -> None:  # type: ignore[no-untyped-def]
    """Buy 10 units when ``up`` and flat; close when not ``up`` and long (one decision most bars)."""
    sym = ctx.symbols[0]
    q = ctx.position(sym)
    if up and q == 0:
        ctx.buy(sym, quantity=10)
    elif not up and q > 0:
        ctx.close(sym)


class PeekLoopBars(Strategy):
    """One-bar peek through the loop's own arrays (guarded so that it never runs off the end)."""

    id = "peek_loop_bars"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        close = ctx._loop.bars.close[:, 0]
        t = ctx.bar_index
        if t + 1 < close.shape[0]:
            _trade_on(ctx, close[t + 1] > close[t])


class PeekTwoBars(Strategy):
    """Two-bar peek through the context's private price columns."""

    id = "peek_two_bars"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        close = ctx._columns["close"][:, 0]
        t = ctx.bar_index
        if t + 2 < close.shape[0]:
            _trade_on(ctx, close[t + 2] > close[t])


class PeekUnguarded(Strategy):
    """One-bar peek guarded only for the full data it was written on: truncated data breaks it."""

    id = "peek_unguarded"
    LAST = 590

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        if ctx.bar_index < self.LAST:
            _trade_on(ctx, ctx._loop.bars.close[ctx.bar_index + 1, 0] > ctx.price())


class PeekIndicatorSource(Strategy):
    """Reads an indicator one bar beyond now from the engine's private, full-run source."""

    id = "peek_indicator_source"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        now = ctx.indicator("sma", period=5)["value"][-1, 0]
        src = next(iter(ctx._indicators.values()))._src["value"][:, 0]
        t = ctx.bar_index
        if t + 1 < src.shape[0] and now == now:
            _trade_on(ctx, src[t + 1] > now)


class PeekHigherBar(Strategy):
    """Uses the close of the 4h bar that contains the current 1h bar before that 4h bar has closed."""

    id = "peek_higher_bar"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        bars = ctx._loop.bars
        t = ctx.bar_index
        if t == 0:
            self.bucket = bars.time // (4 * 3600 * 10**9)
        last = t
        while last + 1 < len(self.bucket) and self.bucket[last + 1] == self.bucket[t]:
            last += 1
        _trade_on(ctx, bars.close[last, 0] > bars.open[t, 0])


class PeekFullSample(Strategy):
    """Normalises by the mean and deviation of the whole run, computed once in ``on_start``."""

    id = "peek_full_sample"

    def on_start(self, ctx) -> None:  # type: ignore[no-untyped-def]
        c = ctx._loop.bars.close[:, 0]
        self.mean, self.sd = float(np.nanmean(c)), float(np.nanstd(c))

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        _trade_on(ctx, (ctx.price() - self.mean) / self.sd < 0.0)


class PeekViewBase(Strategy):
    """Tries to read tomorrow's close through ``ctx.data['close'].base`` and an indicator's ``.base``."""

    id = "peek_view_base"
    seen: ClassVar[list[float]] = []

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        t = ctx.bar_index
        base = ctx.data["close"].base
        ind = ctx.indicator("sma", period=3)["value"].base
        nxt = base[t + 1, 0] if base is not None and t + 1 < base.shape[0] else np.nan
        nxt_sma = ind[t + 1, 0] if ind is not None and t + 1 < ind.shape[0] else np.nan
        type(self).seen.extend([nxt, nxt_sma])
        if nxt == nxt:  # only if the future leaked
            _trade_on(ctx, nxt > ctx.price())
        else:
            _trade_on(ctx, ctx.price() > ctx.data["open"][-1, 0])


def _assert_flagged(rep: LookaheadReport, methods: tuple[str, ...] = METHODS) -> None:
    assert not rep.ok
    assert {d.method for d in rep.differences} == set(methods)
    first = rep.first
    assert first is not None and 0 <= first.bar < rep.bars
    assert first.what.startswith(("decision at bar", "run failed at bar")), first
    assert str(first.bar) in first.what
    if first.what.startswith("decision"):
        assert any(w in f"{first.full} {first.truncated}" for w in ("buy", "close", "enter"))


@pytest.mark.parametrize("cls", [PeekLoopBars, PeekTwoBars, PeekIndicatorSource, PeekFullSample])
def test_python_strategy_peeking_around_the_api_is_flagged_by_both_methods(cls, daily) -> None:
    rep = check_lookahead(cls, daily, n_cuts=CUTS)
    _assert_flagged(rep)
    # the flagged decision is a real one of the full run at that bar
    flagged = [d for d in rep.differences if d.what.startswith("decision")]
    assert flagged and all(d.bar < d.cut for d in flagged)


def test_one_bar_peek_is_caught_at_the_last_bar_before_the_cut(daily) -> None:
    rep = check_lookahead(PeekLoopBars, daily, n_cuts=CUTS, methods=("truncation",))
    assert not rep.ok
    # with the data cut after bar k-1 the peek sees nothing at k-1: that is where decisions differ
    assert all(d.bar == d.cut - 1 for d in rep.differences)


def test_two_bar_peek_is_caught_within_two_bars_of_the_cut(daily) -> None:
    rep = check_lookahead(PeekTwoBars, daily, n_cuts=CUTS, methods=("continuation",))
    assert not rep.ok
    assert all(d.cut - 2 <= d.bar < d.cut for d in rep.differences)


def test_unguarded_peek_is_reported_at_the_bar_where_the_truncated_run_broke(daily) -> None:
    rep = check_lookahead(PeekUnguarded, daily, n_cuts=CUTS, methods=("truncation",))
    broke = [d for d in rep.differences if d.what.startswith("run failed")]
    assert len(broke) == sum(k - 1 < PeekUnguarded.LAST for k in cut_points(daily.n_bars, CUTS)) >= 3
    assert all(d.bar == d.cut - 1 and "IndexError" in d.truncated for d in broke)


def test_strategy_failing_on_the_full_data_is_a_clear_error(daily) -> None:
    class Broken(Strategy):
        id = "broken"

        def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
            if ctx.bar_index == 42:
                raise ZeroDivisionError("oops")

    with pytest.raises(EngineError, match="failed on the full data at bar 42: ZeroDivisionError"):
        check_lookahead(Broken, daily, n_cuts=2)


def test_higher_timeframe_bar_used_before_it_closes_is_flagged(hourly) -> None:
    _assert_flagged(check_lookahead(PeekHigherBar, hourly, n_cuts=CUTS))


def _dense_mtf_spec():  # type: ignore[no-untyped-def]
    """``mtf_trend`` with a dense entry (close above its fast EMA) so that the 4h filter decides often."""
    import alphalab.sdl as sdl
    from alphalab.strategies.registry import get

    doc = get("mtf_trend").model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["id"] = "mtf_dense"
    doc["entry"] = {"long": {"gt": {"left": "close", "right": "ema_fast"}},
                    "short": {"lt": {"left": "close", "right": "ema_fast"}}}
    return sdl.load(doc)


def test_sdl_confirmation_aligned_before_the_higher_bar_closes_is_flagged(hourly, monkeypatch) -> None:
    import alphalab.sdl.compiler as compiler

    def early(values, higher, lower):  # type: ignore[no-untyped-def]
        """The classic bug: a 4h value is given to every 1h bar from the 4h bar's *open*."""
        s = pd.Series(np.asarray(values, dtype=float), index=higher.bars.index)
        return s.reindex(lower.index, method="ffill").to_numpy()

    spec = _dense_mtf_spec()
    honest = check_lookahead(spec, hourly, n_cuts=CUTS)
    assert honest.ok, honest.differences[:3]
    monkeypatch.setattr(compiler, "align_values", early)
    rep = check_lookahead(spec, hourly, n_cuts=CUTS)
    assert not rep.ok
    assert {d.method for d in rep.differences} == set(METHODS)
    assert rep.first is not None and rep.first.bar >= 0
    assert any(d.what == "indicator ema_trend@4h" for d in rep.differences)


def test_view_base_and_indicator_base_hold_no_future(daily) -> None:
    PeekViewBase.seen = []
    honest = strategy_decisions(PeekViewBase, daily)
    assert honest.failed_at == -1 and honest.decisions
    assert np.isnan(PeekViewBase.seen).all()  # every row after the current bar reads as NaN
    assert check_lookahead(PeekViewBase, daily, n_cuts=CUTS).ok


def test_arrays_handed_to_a_strategy_are_read_only_and_own_no_later_rows(daily) -> None:
    class Probe(Strategy):
        id = "probe"

        def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
            t = ctx.bar_index
            for arr in (*ctx.data.values(), ctx.bars.close, ctx.bars.time, ctx.indicator("ema", period=4)["value"]):
                assert arr.shape[0] == t + 1 and not arr.flags.writeable
                root = arr if arr.base is None else arr.base
                later = root[t + 1:]
                assert (later == 0).all() if later.dtype.kind == "i" else np.isnan(later).all()
            with pytest.raises(ValueError):
                ctx.data["close"][-1, 0] = 0.0

    assert run_strategy(Probe, daily.slice(0, 60)).equity.shape[0] == 60


def test_bars_slice_copies_so_truncated_runs_hold_no_later_bars(daily) -> None:
    part = daily.slice(0, 100)
    for name in ("time", "open", "high", "low", "close", "volume"):
        arr = getattr(part, name)
        assert arr.base is None and arr.shape[0] == 100
        np.testing.assert_array_equal(arr, getattr(daily, name)[:100])


def test_continuation_keeps_the_past_and_replaces_the_future(daily) -> None:
    k = 300
    alt = continuation(daily, k, seed=3)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(alt, name)[:k], getattr(daily, name)[:k])
        assert not np.array_equal(getattr(alt, name)[k:], getattr(daily, name)[k:])
    assert (alt.high[k:] >= np.maximum(alt.open[k:], alt.close[k:])).all()
    assert (alt.low[k:] <= np.minimum(alt.open[k:], alt.close[k:])).all()
    assert abs(alt.open[k, 0] / daily.close[k - 1, 0] - 1) < 0.05  # starts from the last close
    np.testing.assert_array_equal(continuation(daily, k, seed=3).close, alt.close)  # seeded


class HonestWindow(Strategy):
    """Trades a 10/30 mean cross computed from ``ctx.data`` windows, sized in units."""

    id = "honest_window"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        c = ctx.data["close"][:, 0]
        if c.shape[0] >= 30:
            _trade_on(ctx, c[-10:].mean() > c[-30:].mean())


class HonestIndicators(Strategy):
    """RSI from ``ctx.indicator`` with limit entries sized as a fraction of equity, brackets and cancels."""

    id = "honest_indicators"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        rsi = ctx.indicator("rsi", period=14)["value"][-1, 0]
        sym = ctx.symbols[0]
        for order in ctx.open_orders(sym):
            ctx.cancel(order)
        if rsi != rsi:
            return
        low = float(ctx.bars.low[-5:, 0].min())
        if rsi < 40 and ctx.position(sym) == 0:
            ctx.buy(sym, fraction=0.5, kind="limit", limit=ctx.price() * 0.995, stop_loss=low * 0.97,
                    take_profit=ctx.price() * 1.06)
        elif rsi > 65 and ctx.position(sym) > 0:
            ctx.close(sym)


class HonestEnter(Strategy):
    """Enters both sides through ``ctx.enter`` with the run's rules, from the bars so far."""

    id = "honest_enter"

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        b = ctx.bars
        if b.n_bars < 21:
            return
        hi, lo = b.high[-21:-1, 0].max(), b.low[-21:-1, 0].min()
        if ctx.price() > hi:
            ctx.enter(ctx.symbols[0], 1)
        elif ctx.price() < lo:
            ctx.enter(ctx.symbols[0], -1)


@pytest.mark.parametrize("cls", [HonestWindow, HonestIndicators, HonestEnter])
def test_honest_python_strategy_passes_both_methods(cls, daily) -> None:
    full = strategy_decisions(cls, daily)
    assert len(full.decisions) >= 5  # it does decide, so the comparison means something
    rep = check_lookahead(cls, daily, n_cuts=CUTS)
    assert rep.ok, rep.differences[:3]
    assert rep.methods == METHODS


def test_honest_strategy_passes_on_a_multi_symbol_run() -> None:
    bars = load_arrays(["sample:AAPL", "sample:MSFT"], "1d").slice(0, 500)
    assert check_lookahead(HonestWindow, bars, n_cuts=4).ok


def test_unknown_method_is_a_clear_error(daily) -> None:
    with pytest.raises(EngineError, match="unknown look-ahead method"):
        check_lookahead(HonestWindow, daily, methods=("shuffle",))


_PEEK_FILE = '''
from alphalab.strategies.api import Strategy


class PeekNext(Strategy):
    id = "peek_next"

    def on_bar(self, ctx):
        close = ctx._loop.bars.close[:, 0]
        t = ctx.bar_index
        if t + 1 < close.shape[0]:
            if close[t + 1] > close[t] and ctx.position("sample:AAPL") == 0:
                ctx.buy("sample:AAPL", quantity=5)
            elif close[t + 1] < close[t] and ctx.position("sample:AAPL") > 0:
                ctx.close("sample:AAPL")
'''


def test_lookahead_command_exits_1_naming_bar_and_decision(_isolated_home: Path) -> None:
    folder = _isolated_home / "strategies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "peek_next.py").write_text(_PEEK_FILE)
    args = ["lookahead", "--strategy", "peek_next", "--symbol", "sample:AAPL", "--cuts", "3"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    assert "look-ahead: bar " in res.output and "decision at bar" in res.output
    assert "buy sample:AAPL market quantity=5" in res.output or "close sample:AAPL" in res.output
    res = CliRunner().invoke(app, [*args, "--json"])
    payload = json.loads(res.stdout)
    assert res.exit_code == 1 and payload["ok"] is False
    assert {d["method"] for d in payload["differences"]} == set(METHODS)
    assert all(d["bar"] >= 0 for d in payload["differences"])


def test_decisions_record_bar_side_type_prices_and_size(daily) -> None:
    log = strategy_decisions(HonestIndicators, daily)
    buys = [d for d in log.decisions if d.action == "buy"]
    assert buys and all(d.kind == "limit" and d.size == "fraction=0.5" for d in buys)
    names = [n for n, _ in buys[0].prices]
    assert names == ["limit", "stop_loss", "take_profit"]
    assert buys[0].describe().startswith("buy sample:AAPL limit fraction=0.5 limit=")
    assert dataclasses.replace(buys[0]) == buys[0]


def test_run_strategy_results_unchanged_by_decision_recording(daily) -> None:
    a = run_strategy(HonestWindow, daily, BacktestConfig(fee_bps=5))
    b = run_strategy(HonestWindow, daily, BacktestConfig(fee_bps=5))
    np.testing.assert_array_equal(a.equity.to_numpy(), b.equity.to_numpy())
    assert len(a.trades) > 0
