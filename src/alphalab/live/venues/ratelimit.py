"""A weighted token bucket per venue: requests spend the venue's published weight of their endpoint."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """``capacity`` weight units, refilled continuously over ``period_s``; ``acquire`` waits for enough.

    ``observe_used`` syncs the bucket with what the venue says was used (Binance's
    ``X-MBX-USED-WEIGHT-1M``), and ``block_for`` stops every caller for a Retry-After.
    """

    def __init__(self, capacity: float, period_s: float = 60.0) -> None:
        if capacity <= 0 or period_s <= 0:
            raise ValueError("a token bucket needs a positive capacity and period")
        self.capacity = float(capacity)
        self.rate = self.capacity / period_s
        self.tokens = self.capacity
        self._stamp = time.monotonic()
        self._blocked_until = 0.0
        self.waited_s = 0.0
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, weight: float = 1.0) -> None:
        weight = min(float(weight), self.capacity)
        async with self._lock:
            while True:
                self._refill()
                wait = max(self._blocked_until - time.monotonic(), 0.0)
                if wait == 0.0 and self.tokens >= weight:
                    self.tokens -= weight
                    return
                wait = max(wait, (weight - self.tokens) / self.rate)
                self.waited_s += wait
                await asyncio.sleep(wait)

    def observe_used(self, used: float) -> None:
        self._refill()
        self.tokens = min(self.tokens, max(0.0, self.capacity - float(used)))

    def block_for(self, seconds: float) -> None:
        self._blocked_until = max(self._blocked_until, time.monotonic() + max(0.0, seconds))
