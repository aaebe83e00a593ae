"""Live updates: a poller turns new ledger rows into numbered messages, fanned out to WebSocket clients.

Every message has a sequence number (1, 2, 3, ... within one service run, named by ``epoch``). A
client that reconnects sends the last ``seq`` and ``epoch`` it saw; if those messages are still in
the replay buffer it gets exactly the ones it missed, otherwise (another epoch, or too far behind)
a fresh ``snapshot`` from which it continues. A slow client never slows the others: its queue is
bounded and a client that overflows it is dropped (it reconnects and resumes).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from typing import Any

import sqlalchemy as sa

from alphalab.live.ledger import Ledger
from alphalab.service import readmodel as rm

QUEUE_SIZE = 1000


class Subscriber:
    """One connected client: a bounded queue the hub fills and the socket drains."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(QUEUE_SIZE)  # (seq, JSON text)
        self.dropped = False


class LiveHub:
    """Numbered messages, a replay buffer, and the set of subscribers."""

    def __init__(self, buffer: int = 1000) -> None:
        self.epoch = secrets.token_hex(6)
        self.seq = 0
        self.buffer: deque[tuple[dict[str, Any], str]] = deque(maxlen=buffer)  # (message, its JSON text)
        self.subscribers: set[Subscriber] = set()
        self._event_cursor: int | None = None
        self._last: dict[str, Any] = {}

    def publish(self, kind: str, data: Any) -> dict[str, Any]:
        self.seq += 1
        msg = {"seq": self.seq, "epoch": self.epoch, "type": kind, "t_ns": time.time_ns(), "data": data}
        text = json.dumps(msg, separators=(",", ":"), default=str)  # encoded once, sent to every client
        self.buffer.append((msg, text))
        item = (self.seq, text)
        for sub in list(self.subscribers):
            try:
                sub.queue.put_nowait(item)
            except asyncio.QueueFull:
                sub.dropped = True
                self.subscribers.discard(sub)
        return msg

    def missed(self, since: int, epoch: str | None) -> list[dict[str, Any]] | None:
        """Messages after ``since`` if the client can resume from them, else None (send a snapshot)."""
        if epoch != self.epoch or since > self.seq:
            return None
        if since == self.seq:
            return []
        if not self.buffer or self.buffer[0][0]["seq"] > since + 1:
            return None
        return [m for m, _ in self.buffer if m["seq"] > since]

    def subscribe(self) -> Subscriber:
        sub = Subscriber()
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    # -- the poller ---------------------------------------------------------------------------
    def read_changes(self, ledger: Ledger) -> list[tuple[str, Any]]:
        """Read what changed in the ledger since the last call (database only: safe in a worker thread)."""
        changes: list[tuple[str, Any]] = [("order_event", ev) for ev in self._new_events(ledger)]
        for key, value in (("kill_switch", rm.kill_state(ledger)), ("outbox", _outbox_counts(ledger)),
                           ("positions", rm.positions(ledger) if changes else self._last.get("positions"))):
            if key in self._last and self._last[key] == value:
                continue
            first = key not in self._last
            self._last[key] = value
            if not first:
                changes.append((key, value))
        return changes

    def poll(self, ledger: Ledger) -> list[dict[str, Any]]:
        """Read the changes and publish them (on the event loop's thread); return the messages."""
        return [self.publish(kind, data) for kind, data in self.read_changes(ledger)]

    def _new_events(self, ledger: Ledger) -> list[dict[str, Any]]:
        from alphalab.live.schema import intents
        from alphalab.live.schema import order_events as ev

        with ledger.engine.connect() as c:
            if self._event_cursor is None:
                self._event_cursor = c.execute(sa.select(sa.func.coalesce(sa.func.max(ev.c.id), 0))).scalar() or 0
                return []
            q = (sa.select(ev.c.id, ev.c.client_id, ev.c.kind, ev.c.t_ns, ev.c.quantity, ev.c.price,
                           intents.c.symbol, intents.c.side, intents.c.strategy)
                 .join(intents, intents.c.client_id == ev.c.client_id)
                 .where(ev.c.id > self._event_cursor).order_by(ev.c.id).limit(5000))
            rows = [dict(r) for r in c.execute(q).mappings()]
        if rows:
            self._event_cursor = rows[-1]["id"]
        return rows

    async def run(self, ledger: Ledger, interval_s: float, on_poll: Any = None) -> None:
        """Poll forever (cancel the task to stop); a failed poll is retried at the next tick."""
        while True:
            try:
                for kind, data in await asyncio.to_thread(self.read_changes, ledger):
                    self.publish(kind, data)
                if on_poll is not None:
                    on_poll()
            except sa.exc.SQLAlchemyError:
                pass  # the ledger is unreachable for a moment: /readyz says so; try again next tick
            await asyncio.sleep(interval_s)


def _outbox_counts(ledger: Ledger) -> dict[str, int]:
    from alphalab.alerts.outbox import Outbox

    return Outbox(ledger).counts()
