"""Paced replay: recorded bars streamed through an asyncio queue into the live assembler at N x speed.

The producer publishes each bar time's per-symbol messages after sleeping one bar length / speed
on the runtime's clock; the consumer feeds the :class:`~alphalab.scanner.feed.BarAssembler`. The
queue is bounded, so a slow consumer slows the producer down instead of dropping messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alphalab.live.clock import Clock
from alphalab.scanner.feed import BarAssembler
from alphalab.scanner.scanner import Event


@dataclass(frozen=True, slots=True)
class BarMessage:
    """One symbol's closed bar as a feed delivers it."""

    symbol: str
    time_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class StreamStats:
    """What a paced replay delivered: messages, events, messages refused as late, deepest queue."""

    messages: int
    events: int
    late: int
    max_queue: int


def panel_messages(symbols: Sequence[str], times_ns: np.ndarray,
                   panel: Mapping[str, np.ndarray]) -> Iterator[tuple[int, list[BarMessage]]]:
    """Yield (bar time, its messages) for every bar time of a panel (symbols without a bar send nothing)."""
    keys = ("open", "high", "low", "close", "volume")
    for t, time_ns in enumerate(np.asarray(times_ns).tolist()):
        rows = [panel[k][t] for k in keys]
        msgs = [BarMessage(s, int(time_ns), *(float(r[j]) for r in rows)) for j, s in enumerate(symbols)
                if np.isfinite(rows[3][j])]
        yield int(time_ns), msgs


async def paced_replay(source: Iterator[tuple[int, list[BarMessage]]], assembler: BarAssembler, clock: Clock, *,
                       bar_s: float, speed: float = 100.0, queue_size: int = 10_000) -> tuple[list[Event], StreamStats]:
    """Stream ``source`` at ``speed`` x real time into ``assembler``; return the events and the delivery stats."""
    queue: asyncio.Queue[BarMessage | None] = asyncio.Queue(maxsize=queue_size)
    events: list[Event] = []
    counts = {"messages": 0, "max_queue": 0}

    async def produce() -> None:
        for _, msgs in source:
            await clock.sleep(bar_s / speed)
            for m in msgs:
                await queue.put(m)
                counts["max_queue"] = max(counts["max_queue"], queue.qsize())
        await queue.put(None)

    async def consume() -> None:
        while (m := await queue.get()) is not None:
            counts["messages"] += 1
            events.extend(assembler.bar(m.symbol, m.time_ns, m.open, m.high, m.low, m.close, m.volume))
        events.extend(assembler.close())

    await asyncio.gather(produce(), consume())
    return events, StreamStats(counts["messages"], len(events), assembler.late, counts["max_queue"])
