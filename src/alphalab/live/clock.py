"""Clocks of the live runtime: every read of the time goes through one of these.

``WallClock`` reads the system clock; ``SimulatedClock`` only moves when told to (or when a
coroutine sleeps on it), so a test can replay a trading day in a fraction of a second and two
runs of the same replay see exactly the same times.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod


class Clock(ABC):
    """Source of the current time in integer nanoseconds since the epoch (UTC)."""

    @abstractmethod
    def now_ns(self) -> int:
        """Return the current time in ns."""

    @abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""

    def now_s(self) -> float:
        """Return the current time in seconds (float)."""
        return self.now_ns() / 1e9


class WallClock(Clock):
    """The machine's clock, optionally corrected by a measured offset to a venue's server time."""

    def __init__(self, offset_ns: int = 0) -> None:
        self.offset_ns = int(offset_ns)

    def now_ns(self) -> int:
        return time.time_ns() + self.offset_ns

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class SimulatedClock(Clock):
    """A clock that advances only through :meth:`advance`, :meth:`set` or :meth:`sleep`.

    ``sleep`` moves the clock forward by the requested time and yields to the event loop once,
    so coroutines that wait on it interleave deterministically.
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = int(start_ns)

    def now_ns(self) -> int:
        return self._now

    def set(self, t_ns: int) -> None:
        """Move the clock to ``t_ns``; time never goes backwards."""
        if t_ns < self._now:
            raise ValueError(f"a simulated clock cannot go back from {self._now} to {t_ns}")
        self._now = int(t_ns)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("a simulated clock cannot go backwards")
        self._now += round(seconds * 1e9)

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
