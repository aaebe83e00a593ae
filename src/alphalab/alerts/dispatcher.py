"""The dispatcher: delivers due outbox rows, apart from the process that wrote them.

Each round claims due rows under a lease (a dispatcher killed mid-delivery leaves leased rows
that become due again when the lease runs out), sends each through its channel within that
channel's token bucket, and settles the row: sent; pending again with exponential backoff (or
the service's ``Retry-After``); failed after ``max_attempts`` or a refusal; expired past its
time to live. Channels run concurrently, so a slow one delays only its own rows.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping

from alphalab.alerts.channels import Channel, ChannelError
from alphalab.alerts.outbox import EXPIRED, FAILED, PENDING, SENT, Outbox, OutboxRow
from alphalab.live.clock import Clock
from alphalab.live.venues.ratelimit import TokenBucket

NS = 10**9


class Dispatcher:
    """Delivers the outbox to channels by name."""

    def __init__(self, outbox: Outbox, channels: Mapping[str, Channel], clock: Clock, *,
                 max_attempts: int = 8, base_backoff_s: float = 2.0, max_backoff_s: float = 600.0,
                 seed: int | None = None) -> None:
        self.outbox = outbox
        self.channels = dict(channels)
        self.clock = clock
        self.max_attempts = max_attempts
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self.buckets = {n: TokenBucket.per_second(c.rate_per_s, c.burst, clock) for n, c in self.channels.items()}
        self.rng = random.Random(seed)

    def backoff_s(self, attempts: int) -> float:
        """Exponential backoff with full jitter after ``attempts`` failed attempts."""
        cap = min(self.max_backoff_s, self.base_backoff_s * 2 ** max(0, attempts - 1))
        return cap / 2 + self.rng.random() * cap / 2

    async def run_once(self, limit: int = 100) -> int:
        """Deliver every due row once (a round); return how many were sent."""
        rows = self.outbox.claim(self.clock.now_ns(), limit=limit)
        by_channel: dict[str, list[OutboxRow]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row)
        results = await asyncio.gather(*(self._deliver(name, rs) for name, rs in by_channel.items()))
        return sum(results)

    async def run_forever(self, idle_s: float = 1.0) -> None:
        while True:
            if not await self.run_once():
                await self.clock.sleep(idle_s)

    async def _deliver(self, name: str, rows: list[OutboxRow]) -> int:
        channel = self.channels.get(name)
        sent = 0
        for row in rows:
            now = self.clock.now_ns()
            if now > row.expires_ns:
                self.outbox.settle(row.id, EXPIRED, now, error="expired before delivery")
                continue
            if channel is None:
                self.outbox.settle(row.id, FAILED, now, error=f"no channel named {name!r} is configured")
                continue
            await self.buckets[name].acquire()
            sent += await self._attempt(channel, row)
        return sent

    async def _attempt(self, channel: Channel, row: OutboxRow) -> int:
        try:
            await channel.send(row)
        except ChannelError as exc:
            now = self.clock.now_ns()
            attempts = row.attempts + 1
            if not exc.retryable or attempts >= self.max_attempts:
                self.outbox.settle(row.id, FAILED, now, error=str(exc))
                return 0
            delay = exc.retry_after if exc.retry_after is not None else self.backoff_s(attempts)
            self.outbox.settle(row.id, PENDING, now, error=str(exc), retry_at_ns=now + round(delay * NS))
            return 0
        self.outbox.settle(row.id, SENT, self.clock.now_ns())
        return 1
