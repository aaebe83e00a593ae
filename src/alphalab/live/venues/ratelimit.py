"""One token bucket for every rate limit: venue request weights and alert channels alike.

Requests spend a weight (a venue's published weight of the endpoint, or 1 per message) from a
bucket of ``capacity`` units refilled continuously over ``period_s``. Time is read through a
:class:`~alphalab.live.clock.Clock` (wall clock by default), so a simulated clock drives it in tests.
"""

from __future__ import annotations

import asyncio

from alphalab.live.clock import Clock, WallClock

NS = 10**9


class TokenBucket:
    """``capacity`` weight units, refilled continuously over ``period_s``; ``acquire`` waits for enough.

    ``observe_used`` syncs the bucket with what the venue says was used (Binance's
    ``X-MBX-USED-WEIGHT-1M``), and ``block_for`` stops every caller for a Retry-After.
    """

    def __init__(self, capacity: float, period_s: float = 60.0, *, clock: Clock | None = None) -> None:
        if capacity <= 0 or period_s <= 0:
            raise ValueError("a token bucket needs a positive capacity and period")
        self.clock = clock or WallClock()
        self.capacity = float(capacity)
        self.rate = self.capacity / period_s
        self.tokens = self.capacity
        self._stamp = self.clock.now_ns()
        self._blocked_until = 0
        self.waited_s = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def per_second(cls, rate: float, burst: int, clock: Clock | None = None) -> TokenBucket:
        """``rate`` tokens a second up to ``burst`` (the shape alert channels declare)."""
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        return cls(float(burst), burst / rate, clock=clock)

    def _refill(self) -> None:
        now = self.clock.now_ns()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) / NS * self.rate)
        self._stamp = now

    def wait_s(self, weight: float = 1.0) -> float:
        """Seconds until ``weight`` units are available and no Retry-After holds (0 when now)."""
        self._refill()
        weight = min(float(weight), self.capacity)
        blocked = max(self._blocked_until - self.clock.now_ns(), 0) / NS
        return max(blocked, 0.0 if self.tokens >= weight else (weight - self.tokens) / self.rate)

    def take(self, weight: float = 1.0) -> None:
        """Spend ``weight`` units now (the caller waited ``wait_s`` first)."""
        self._refill()
        self.tokens -= min(float(weight), self.capacity)

    async def acquire(self, weight: float = 1.0) -> None:
        """Wait on the bucket's clock until ``weight`` units are there, then spend them."""
        async with self._lock:
            while (wait := self.wait_s(weight)) > 0.0:
                self.waited_s += wait
                await self.clock.sleep(wait)
            self.take(weight)

    def observe_used(self, used: float) -> None:
        self._refill()
        self.tokens = min(self.tokens, max(0.0, self.capacity - float(used)))

    def block_for(self, seconds: float) -> None:
        until = self.clock.now_ns() + round(max(0.0, seconds) * NS)
        self._blocked_until = max(self._blocked_until, until)
