"""Feeds deliver closed bars only, drop duplicates and out-of-order bars, and backfill gaps."""

from __future__ import annotations

import asyncio

import numpy as np

from alphalab.data import load_arrays
from alphalab.live.clock import SimulatedClock
from alphalab.live.feeds import PollFeed, ReplayFeed

H = 3_600_000  # one hour in ms


class FakeExchange:
    """A ccxt-shaped OHLCV source on a simulated clock, with faults to inject."""

    def __init__(self, clock: SimulatedClock, n: int) -> None:
        self.clock = clock
        self.bars = [[i * H, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 10.0] for i in range(n)]
        self.hide: set[int] = set()  # bar indices left out of the next answer (a gap)
        self.duplicate = False
        self.shuffle = False
        self.calls: list[int | None] = []

    def milliseconds(self) -> int:
        return self.clock.now_ns() // 1_000_000

    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int | None = None,
                          limit: int | None = None) -> list[list[float]]:
        self.calls.append(since)
        now = self.milliseconds()
        out = [b for b in self.bars if (since is None or b[0] >= since) and b[0] <= now]  # forming bar included
        if self.hide:
            out = [b for b in out if b[0] // H not in self.hide]
            self.hide = set()
        if self.duplicate and out:
            out = [*out, out[-1]]
        if self.shuffle:
            out = out[::-1]
        return out


async def _collect(feed: PollFeed, rounds: int, ex: FakeExchange, step_ms: int) -> list[int]:
    seen = []
    agen = feed.rows()
    for _ in range(rounds):
        ex.clock.set(ex.clock.now_ns() + step_ms * 1_000_000)
        try:
            row = await asyncio.wait_for(agen.__anext__(), 1.0)
        except (StopAsyncIteration, TimeoutError):
            break
        seen.append(row.t_ns // 1_000_000 // H)
    return seen


def test_poll_feed_never_yields_the_forming_bar_and_backfills_a_gap() -> None:
    clock = SimulatedClock(int(3.5 * H) * 1_000_000)  # bars 0..2 closed, bar 3 forming
    ex = FakeExchange(clock, 20)
    feed = PollFeed(ex, ["BTC/USDT"], "1h", clock, interval_s=0.0, max_rounds=30, since_ns=0)
    ex.hide = {1}
    rows = asyncio.run(_collect(feed, 12, ex, H))
    assert rows[:3] == [0, 1, 2]  # bar 1 was missing from the first answer and came back by backfill
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    assert feed.stats.gaps == 1 and feed.stats.backfilled == 1
    assert feed.stats.forming >= 1  # the open bar was seen and held back


def test_poll_feed_drops_duplicates_and_out_of_order_bars() -> None:
    clock = SimulatedClock(int(5.5 * H) * 1_000_000)
    ex = FakeExchange(clock, 20)
    ex.duplicate, ex.shuffle = True, True
    feed = PollFeed(ex, ["BTC/USDT"], "1h", clock, interval_s=0.0, max_rounds=10, since_ns=0)
    rows = asyncio.run(_collect(feed, 20, ex, H))
    assert rows == list(range(len(rows))) and len(rows) >= 8
    assert feed.stats.duplicates >= 1


def test_replay_feed_sets_the_clock_to_each_close_and_marks_the_last_row() -> None:
    bars = load_arrays(["sample:AAPL"], "1d").slice(0, 30)
    clock = SimulatedClock(int(bars.time[0]))
    feed = ReplayFeed(bars, clock)

    async def run() -> list[tuple[int, int, bool]]:
        return [(r.t_ns, clock.now_ns(), r.last) async for r in feed.rows()]

    out = asyncio.run(run())
    assert len(out) == 30 and [x[2] for x in out].count(True) == 1 and out[-1][2]
    day = 86_400_000_000_000
    assert all(now == t + day for t, now, _ in out)  # a bar is delivered once it has closed
    assert np.array_equal([x[0] for x in out], bars.time)


class SampleExchange(FakeExchange):
    """The fake venue serving bundled daily bars, advancing one day per poll."""

    def __init__(self, clock: SimulatedClock, bars) -> None:  # type: ignore[no-untyped-def]
        super().__init__(clock, 0)
        self.bars = [[int(t) // 1_000_000, o, h, lo, c, v] for t, o, h, lo, c, v in
                     zip(bars.time, bars.open[:, 0], bars.high[:, 0], bars.low[:, 0], bars.close[:, 0],
                         bars.volume[:, 0], strict=True)]

    async def fetch_ohlcv(self, symbol, timeframe, since=None, limit=None):  # type: ignore[no-untyped-def]
        out = await super().fetch_ohlcv(symbol, timeframe, since, limit)
        self.clock.set(self.clock.now_ns() + 86_400_000_000_000)  # the next poll sees the next day
        return out


def test_paper_run_on_the_poll_feed_with_faults_equals_the_replay(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alphalab.engine.backtest import resolve_spec
    from alphalab.engine.config import BacktestConfig
    from alphalab.live.ledger import Ledger
    from alphalab.live.runtime import Runtime
    from alphalab.live.sleeve import SleeveConfig

    bars = load_arrays(["sample:AAPL"], "1d").slice(0, 400)
    spec, cfg = resolve_spec("ema_cross", None), BacktestConfig(fee_bps=5.0)

    def sleeve() -> list[SleeveConfig]:
        return [SleeveConfig("s", spec, ("sample:AAPL",), "1d", 100_000.0, cfg)]

    replay_clock = SimulatedClock(int(bars.time[0]))
    ref = Runtime(sleeve(), ledger=Ledger(f"sqlite:///{tmp_path / 'a.sqlite'}"), clock=replay_clock,
                  feed=ReplayFeed(bars, replay_clock), checkpoint_every=1000)
    asyncio.run(ref.run())
    clock = SimulatedClock(int(bars.time[0]) + 86_400_000_000_000)
    ex = SampleExchange(clock, bars)
    ex.duplicate = True
    seen = {"n": 0}
    fetch = ex.fetch_ohlcv

    async def faulty(symbol, timeframe, since=None, limit=None):  # type: ignore[no-untyped-def]
        seen["n"] += 1
        if seen["n"] in (50, 51, 52):  # a gap: three answers without the newest bars, then a catch-up
            ex.clock.set(ex.clock.now_ns() + 86_400_000_000_000)
            return []
        return await fetch(symbol, timeframe, since, limit)

    ex.fetch_ohlcv = faulty  # type: ignore[method-assign]
    feed = PollFeed(ex, ["sample:AAPL"], "1d", clock, interval_s=0.0, since_ns=int(bars.time[0]), max_rounds=800,
                    until_ns=int(bars.time[-1]) + 1)
    live = Runtime(sleeve(), ledger=Ledger(f"sqlite:///{tmp_path / 'b.sqlite'}"), clock=clock, feed=feed,
                   checkpoint_every=1000)
    asyncio.run(live.run())
    a, b = ref.sleeves[0].book, live.sleeves[0].book
    assert b.times == a.times  # the strategy saw exactly the replay's bars, in order, each once
    np.testing.assert_array_equal(b.equity_curve(), a.equity_curve())
    assert feed.stats.duplicates > 0 and feed.stats.gaps == 0  # a stock's weekends are not gaps
