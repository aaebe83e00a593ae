"""Feeds of closed bars behind one interface: replay of stored bars, and REST polling through ccxt.

Every feed yields :class:`BarRow` objects (one time, the closed bar of each symbol that has one)
in time order, and only closed bars: a bar is closed once the feed's time (the runtime's clock
for a replay, the venue's own time for polling) has reached its open time plus the timeframe.
:class:`BarGuard` is the one place that drops duplicate and out-of-order bars (counted) and finds
gaps; the polling feed backfills a gap before it yields the next row, so a decision is never
taken on a series with a hole in it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.core.timeframe import Timeframe
from alphalab.live.clock import Clock
from alphalab.live.strategy import Bar


@dataclass(frozen=True, slots=True)
class BarRow:
    """The closed bars of one time (``t_ns``: open time, UTC ns), by symbol."""

    t_ns: int
    bars: dict[str, Bar]
    last: bool = False  # the feed's final row (a replay's end), where a rehearsal may close out


@dataclass
class FeedStats:
    """What a feed delivered and dropped."""

    rows: int = 0
    bars: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    forming: int = 0
    gaps: int = 0
    backfilled: int = 0
    errors: int = 0
    last_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Feed(Protocol):
    """A source of closed bars; ``rows()`` yields them in time order until the feed ends."""

    symbols: tuple[str, ...]
    timeframe: Timeframe
    stats: FeedStats

    def rows(self) -> AsyncIterator[BarRow]: ...


@dataclass
class BarGuard:
    """Per-symbol order keeping: drops duplicates and bars older than the last one, reports gaps."""

    timeframe: Timeframe
    stats: FeedStats
    last: dict[str, int] = field(default_factory=dict)

    def accept(self, symbol: str, t_ns: int) -> bool:
        """Return True when bar ``t_ns`` of ``symbol`` is new and later than the last one accepted."""
        prev = self.last.get(symbol)
        if prev is not None and t_ns <= prev:
            if t_ns == prev:
                self.stats.duplicates += 1
            else:
                self.stats.out_of_order += 1
            return False
        self.last[symbol] = t_ns
        return True

    def missing_from(self, symbol: str, t_ns: int) -> int | None:
        """Return the open time of the first missing bar before ``t_ns`` (None when there is no gap)."""
        prev = self.last.get(symbol)
        step = self.timeframe.nanos
        if prev is not None and t_ns - prev > step:
            return prev + step
        return None


class ReplayFeed:
    """Stored bars (catalog, sample or any BarArrays) replayed on the runtime's clock.

    ``speed`` is how many times faster than real time the bars come (``None``: as fast as the
    consumer takes them; the clock is still set to each bar's close, so time-based logic sees
    the times it would see live). The clock is a :class:`~alphalab.live.clock.SimulatedClock` for
    fast replays, or the wall clock with a speed for rehearsals.
    """

    def __init__(self, bars: BarArrays, clock: Clock, *, speed: float | None = None, until_ns: int | None = None,
                 start_index: int = 0) -> None:
        self.data, self.clock, self.speed, self.until_ns = bars, clock, speed, until_ns
        self.symbols, self.timeframe = bars.symbols, bars.timeframe
        self.stats = FeedStats()
        self.guard = BarGuard(bars.timeframe, self.stats)
        self.start_index = start_index

    def _row(self, t: int) -> BarRow:
        d = self.data
        end = d.n_bars if self.until_ns is None else int(np.searchsorted(d.time, self.until_ns))
        out = {}
        for j, sym in enumerate(d.symbols):
            c = float(d.close[t, j])
            if c == c and self.guard.accept(sym, int(d.time[t])):
                out[sym] = Bar(int(d.time[t]), float(d.open[t, j]), float(d.high[t, j]), float(d.low[t, j]), c,
                               float(d.volume[t, j]))
        return BarRow(int(d.time[t]), out, last=t == end - 1)

    async def rows(self) -> AsyncIterator[BarRow]:
        d, step = self.data, self.timeframe.nanos
        prev_close: int | None = None
        for t in range(self.start_index, d.n_bars):
            close_ns = int(d.time[t]) + step
            if self.until_ns is not None and int(d.time[t]) >= self.until_ns:
                return
            await self._wait_until(close_ns, prev_close)
            prev_close = close_ns
            row = self._row(t)
            if row.bars:
                self.stats.rows += 1
                self.stats.bars += len(row.bars)
                yield row

    async def _wait_until(self, close_ns: int, prev_close: int | None) -> None:
        from alphalab.live.clock import SimulatedClock

        now = self.clock.now_ns()
        if isinstance(self.clock, SimulatedClock):
            if self.speed and prev_close is not None:
                await asyncio.sleep((close_ns - prev_close) / 1e9 / self.speed)
            if close_ns > now:
                self.clock.set(close_ns)
            await asyncio.sleep(0)
        elif self.speed and prev_close is not None:
            await self.clock.sleep((close_ns - prev_close) / 1e9 / self.speed)


class OhlcvSource(Protocol):
    """What the polling feed needs from a ccxt exchange (``ccxt.async_support`` or a test double)."""

    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int | None = None,
                          limit: int | None = None) -> list[list[float]]: ...

    def milliseconds(self) -> int: ...


class PollFeed:
    """REST polling through ccxt's ``fetch_ohlcv``, closed bars only (judged by the venue's time).

    Each round asks every symbol for its bars since the last one seen, keeps those whose close
    time is at or before the venue's time (``exchange.milliseconds()``, corrected by a measured
    offset when the exchange has one), drops duplicates and out-of-order bars, backfills a gap by
    asking again from the first missing bar, and yields the new bars merged into rows by time.
    """

    def __init__(self, exchange: OhlcvSource, symbols: Sequence[str], timeframe: Timeframe | str, clock: Clock, *,
                 interval_s: float | None = None, limit: int = 500, since_ns: int | None = None,
                 until_ns: int | None = None, max_rounds: int | None = None) -> None:
        self.exchange, self.clock = exchange, clock
        self.symbols = tuple(symbols)
        self.timeframe = Timeframe.parse(timeframe) if isinstance(timeframe, str) else timeframe
        self.interval_s = interval_s if interval_s is not None else max(1.0, self.timeframe.seconds / 10)
        self.limit, self.since_ns, self.until_ns, self.max_rounds = limit, since_ns, until_ns, max_rounds
        self.stats = FeedStats()
        self.guard = BarGuard(self.timeframe, self.stats)
        from alphalab.core.instrument import Instrument

        # a missing bar is a gap only where the market never closes (a stock's nights, weekends and
        # holidays carry no bars); elsewhere the next poll asks from the last bar seen anyway
        self.continuous = {s: Instrument.guess(s).calendar == "24/7" for s in self.symbols}

    async def _fetch(self, symbol: str, since_ns: int | None) -> list[Bar]:
        since_ms = None if since_ns is None else since_ns // 1_000_000
        raw = await self.exchange.fetch_ohlcv(symbol, str(self.timeframe), since=since_ms, limit=self.limit)
        now_ns = int(self.exchange.milliseconds()) * 1_000_000
        out = []
        for r in raw:
            t_ns = int(r[0]) * 1_000_000
            if t_ns + self.timeframe.nanos > now_ns:
                self.stats.forming += 1  # still forming at the venue: never a decision on it
                continue
            vals = [float(x) if x is not None else math.nan for x in r[1:6]]
            out.append(Bar(t_ns, *vals))
        return out

    async def _new_bars(self, symbol: str) -> list[Bar]:
        last = self.guard.last.get(symbol)
        since = self.since_ns if last is None else last + self.timeframe.nanos
        accepted: list[Bar] = []
        for bar in sorted(await self._fetch(symbol, since), key=lambda b: b.t_ns):
            if not math.isfinite(bar.close):
                continue
            gap = self.guard.missing_from(symbol, bar.t_ns) if self.continuous[symbol] else None
            if gap is not None and gap < bar.t_ns:
                self.stats.gaps += 1
                accepted.extend(await self._backfill(symbol, gap, bar.t_ns))
            if self.guard.accept(symbol, bar.t_ns):  # counts duplicates and bars older than the last
                accepted.append(bar)
        return accepted

    async def _backfill(self, symbol: str, start_ns: int, before_ns: int) -> list[Bar]:
        got = []
        for bar in await self._fetch(symbol, start_ns):
            if bar.t_ns < before_ns and self.guard.accept(symbol, bar.t_ns):
                got.append(bar)
                self.stats.backfilled += 1
        return got

    async def rows(self) -> AsyncIterator[BarRow]:
        rounds = 0
        while self.max_rounds is None or rounds < self.max_rounds:
            rounds += 1
            by_time: dict[int, dict[str, Bar]] = {}
            for sym in self.symbols:
                try:
                    bars = await self._new_bars(sym)
                except Exception as exc:  # a venue error: counted, retried on the next round
                    self.stats.errors += 1
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"
                    continue
                for b in bars:
                    by_time.setdefault(b.t_ns, {})[sym] = b
            for t_ns in sorted(by_time):
                if self.until_ns is not None and t_ns >= self.until_ns:
                    return
                self.stats.rows += 1
                self.stats.bars += len(by_time[t_ns])
                yield BarRow(t_ns, by_time[t_ns])
            await self.clock.sleep(self.interval_s)


def bars_row_arrays(row: BarRow, symbols: Sequence[str]) -> np.ndarray:
    """Return ``row`` as a (5, A) float array in ``symbols`` order (NaN where a symbol has no bar)."""
    out = np.full((5, len(symbols)), np.nan)
    for j, s in enumerate(symbols):
        b = row.bars.get(s)
        if b is not None:
            out[:, j] = (b.open, b.high, b.low, b.close, b.volume)
    return out
