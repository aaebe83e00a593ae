"""The runtime: isolation of a failing sleeve, hot reload, the kill switch across restarts, resume."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.data import load_arrays
from alphalab.engine.backtest import resolve_spec
from alphalab.engine.config import BacktestConfig
from alphalab.live.clock import SimulatedClock
from alphalab.live.feeds import BarRow, ReplayFeed
from alphalab.live.ledger import Ledger
from alphalab.live.manager import KILL_KEY
from alphalab.live.runtime import Runtime
from alphalab.live.sleeve import SleeveConfig
from alphalab.sdl.sources import builtin_dir

CFG = BacktestConfig(fee_bps=5.0)


class PowerCut(BaseException):
    """The process dies here (not an error any code path handles)."""


class HookFeed:
    """A replay feed that calls ``hook(i)`` before yielding row ``i``."""

    def __init__(self, inner: ReplayFeed, hook: Callable[[int], None]) -> None:
        self.inner, self.hook = inner, hook
        self.symbols, self.timeframe, self.stats = inner.symbols, inner.timeframe, inner.stats

    async def rows(self) -> AsyncIterator[BarRow]:
        i = 0
        async for row in self.inner.rows():
            self.hook(i)
            i += 1
            yield row


def _bars(n: int = 600) -> BarArrays:
    return load_arrays(["sample:AAPL", "sample:MSFT"], "1d").slice(0, n)


def _sleeve(sid: str, strategy: str, symbols: tuple[str, ...], source: Path | None = None) -> SleeveConfig:
    spec = resolve_spec(str(source) if source else strategy, None)
    return SleeveConfig(sid, spec, symbols, "1d", 50_000.0, CFG, source)


def _runtime(ledger: Ledger, bars: BarArrays, sleeves: list[SleeveConfig], hook=None, until=None) -> Runtime:  # type: ignore[no-untyped-def]
    clock = SimulatedClock(int(bars.time[0]))
    feed: object = ReplayFeed(bars, clock, until_ns=until)
    if hook is not None:
        feed = HookFeed(feed, hook)  # type: ignore[arg-type]
    return Runtime(sleeves, ledger=ledger, clock=clock, feed=feed, checkpoint_every=1)  # type: ignore[arg-type]


def _fills(ledger: Ledger, sleeve: str) -> list[tuple[int, float, float]]:
    cids = {i.client_id for i in ledger.intents() if i.strategy.split("/")[0] == sleeve}
    return sorted((e.t_ns, e.price, e.quantity) for e in ledger.events() if e.kind == "fill" and e.client_id in cids)


def test_a_sleeve_that_raises_is_disabled_and_the_others_go_on(tmp_path: Path) -> None:
    bars = _bars()
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    rt = _runtime(ledger, bars, [_sleeve("bad", "ema_cross", ("sample:AAPL",)),
                                 _sleeve("good", "ema_cross", ("sample:MSFT",))])
    calls = {"n": 0}
    original = rt.sleeves[0].strategies[0].update

    def flaky(bar):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 200:
            raise ZeroDivisionError("boom")
        return original(bar)

    rt.sleeves[0].strategies[0].update = flaky  # type: ignore[method-assign]
    report = asyncio.run(rt.run())
    bad, good = rt.sleeves
    assert bad.disabled is not None and "boom" in bad.disabled
    assert good.disabled is None and good.book.t == bars.n_bars - 1
    assert [e["kind"] for e in report.events].count("sleeve_disabled") == 1
    assert len(_fills(ledger, "good")) > len(_fills(ledger, "bad")) > 0
    ledger.close()


def test_bad_hot_reload_is_rejected_and_the_old_version_keeps_running(tmp_path: Path) -> None:
    src = tmp_path / "mine.json"
    shutil.copy(builtin_dir() / "ema_cross.json", src)
    good_doc = json.loads(src.read_text())
    bars = _bars(400)

    def hook(i: int) -> None:
        if i == 100:
            src.write_text('{"id": "ema_cross", "indicators": {')  # broken JSON
        if i == 200:
            doc = dict(good_doc, indicators={"ema_fast": {"type": "no_such_indicator"}})
            src.write_text(json.dumps(doc))  # valid JSON, invalid strategy
        if i == 300:
            src.write_text(json.dumps(dict(good_doc, parameters={**good_doc["parameters"],
                                                                  "fast": {**good_doc["parameters"]["fast"],
                                                                           "default": 10}})))

    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    rt = _runtime(ledger, bars, [_sleeve("mine", "ema_cross", ("sample:AAPL",), src)], hook)
    report = asyncio.run(rt.run())
    kinds = [e["kind"] for e in report.events]
    assert kinds.count("reload_rejected") == 2 and kinds.count("reloaded") == 1
    s = rt.sleeves[0]
    assert s.disabled is None and s.version == 2 and s.book.t == bars.n_bars - 1
    assert s.cfg.spec.indicators["ema_fast"].params["period"] == 10
    ledger.close()


def test_kill_switch_halts_survives_a_restart_and_resume_trades_again(tmp_path: Path) -> None:
    bars = _bars(600)
    db = f"sqlite:///{tmp_path / 'l.sqlite'}"
    ledger = Ledger(db)
    kill_at = int(bars.time[150])
    stop_at = int(bars.time[300])

    def hook(i: int) -> None:
        if i == 150:
            ledger.set_state(KILL_KEY, {"active": True, "reason": "test"}, 0)

    rt = _runtime(ledger, bars, [_sleeve("s", "ema_cross", bars.symbols)], hook, until=stop_at)
    report = asyncio.run(rt.run())
    assert report.halted_rows == 150
    assert all(i.bar_time_ns < kill_at for i in ledger.intents())
    assert rt.om.book.open_orders() == []
    # restart: still halted
    rt2 = _runtime(ledger, bars, [_sleeve("s", "ema_cross", bars.symbols)], until=int(bars.time[450]))
    r2 = asyncio.run(rt2.run())
    assert r2.warm_rows == 300 and r2.halted_rows == 150
    assert all(i.bar_time_ns < kill_at for i in ledger.intents())
    # resume: trading again
    ledger.set_state(KILL_KEY, {"active": False}, 0)
    rt3 = _runtime(ledger, bars, [_sleeve("s", "ema_cross", bars.symbols)])
    asyncio.run(rt3.run())
    assert any(i.bar_time_ns > int(bars.time[450]) for i in ledger.intents())
    ledger.close()


def test_a_restarted_bot_ends_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    bars = _bars(700)
    one = Ledger(f"sqlite:///{tmp_path / 'one.sqlite'}")
    whole = _runtime(one, bars, [_sleeve("s", "donchian_breakout", bars.symbols)])
    asyncio.run(whole.run())
    two = Ledger(f"sqlite:///{tmp_path / 'two.sqlite'}")
    for stop in (int(bars.time[233]), int(bars.time[467]), None):
        part = _runtime(two, bars, [_sleeve("s", "donchian_breakout", bars.symbols)], until=stop)
        asyncio.run(part.run())
    assert part.sleeves[0].book.equity == whole.sleeves[0].book.equity
    np.testing.assert_array_equal(part.sleeves[0].book.pos, whole.sleeves[0].book.pos)
    assert _fills(two, "s") == _fills(one, "s") and len(_fills(one, "s")) > 4
    assert [i.client_id for i in two.intents()] == [i.client_id for i in one.intents()]
    one.close()
    two.close()


def test_a_crash_while_an_order_is_in_flight_loses_no_decision(tmp_path: Path) -> None:
    bars = _bars(400)
    one = Ledger(f"sqlite:///{tmp_path / 'one.sqlite'}")
    whole = _runtime(one, bars, [_sleeve("s", "ema_cross", bars.symbols)])
    asyncio.run(whole.run())
    decided = sorted({i.bar_time_ns for i in one.intents() if i.verdict != "engine"})
    crash_at = decided[len(decided) // 2]  # a row whose decisions were sent
    two = Ledger(f"sqlite:///{tmp_path / 'two.sqlite'}")
    first = _runtime(two, bars, [_sleeve("s", "ema_cross", bars.symbols)])
    submit = first.venue.submit

    async def crash(intent):  # type: ignore[no-untyped-def]
        if intent.bar_time_ns == crash_at:
            raise PowerCut("power cut")  # the intent is written and marked sent, no answer came
        return await submit(intent)

    first.venue.submit = crash  # type: ignore[method-assign]
    with contextlib.suppress(PowerCut):
        asyncio.run(first.run())
    assert any(i.bar_time_ns == crash_at for i in two.intents())
    again = _runtime(two, bars, [_sleeve("s", "ema_cross", bars.symbols)])
    asyncio.run(again.run())
    assert _fills(two, "s") == _fills(one, "s")
    assert sorted(i.client_id for i in two.intents()) == sorted(i.client_id for i in one.intents())
    assert again.sleeves[0].book.equity == whole.sleeves[0].book.equity
    one.close()
    two.close()


def test_kill_with_flatten_closes_every_position_at_the_next_open(tmp_path: Path) -> None:
    bars = _bars(300)
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    rt = _runtime(ledger, bars, [_sleeve("s", "sma_cross", bars.symbols)])
    held: dict[str, float] = {}

    def hook(i: int) -> None:
        if i > 100 and not held and rt.sleeves[0].book.positions():
            held.update(rt.sleeves[0].book.positions())
            ledger.set_state(KILL_KEY, {"active": True, "reason": "drill", "flatten": True}, 0)

    rt.feed = HookFeed(rt.feed, hook)  # type: ignore[arg-type,assignment]
    asyncio.run(rt.run())
    assert held and rt.sleeves[0].book.positions() == {}
    closing = [r for r in ledger.load_book().orders.values() if r.intent.verdict == "kill"]
    assert {r.intent.symbol for r in closing} == set(held)
    assert all(r.filled_qty == abs(held[r.intent.symbol]) for r in closing)
    state = ledger.get_state(KILL_KEY)
    assert state["active"] is True and state["flattened"] is True
    ledger.close()
