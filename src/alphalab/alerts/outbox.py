"""The outbox table's operations: enqueue with the causing event, claim due rows, settle them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from alphalab.core.errors import ConfigError
from alphalab.live.ledger import Ledger

PENDING, DELIVERING, SENT, FAILED, EXPIRED = "pending", "delivering", "sent", "failed", "expired"
SEVERITIES = ("info", "warning", "critical")
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class Alert:
    """One message for people. ``key`` is idempotent: the same key is enqueued (and delivered) once.

    Build keys from what identifies the cause, e.g. ``fill:<trade id>`` or the scanner's
    ``(symbol, detector, bar time)``.
    """

    key: str
    topic: str
    subject: str
    body: str
    severity: str = "info"
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 250:
            raise ConfigError(f"alert key {self.key!r} must be 1..250 characters")
        if self.severity not in SEVERITIES:
            raise ConfigError(f"alert {self.key}: severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A claimed delivery: one alert for one channel."""

    id: int
    key: str
    channel: str
    topic: str
    severity: str
    subject: str
    body: str
    payload: dict[str, Any]
    attempts: int
    expires_ns: int


class Outbox:
    """The ``outbox`` table of a bot's ledger database."""

    def __init__(self, ledger: Ledger, *, ttl_ns: int = DAY_NS) -> None:
        self.ledger = ledger
        self.ttl_ns = ttl_ns

    def enqueue(self, alert: Alert, channels: list[str], now_ns: int, conn: Any = None) -> int:
        """Insert one row per channel (inside ``conn``'s transaction when given); return rows added.

        A key already in the outbox for a channel is skipped, so re-enqueueing after a restart
        never duplicates an alert.
        """
        import sqlalchemy as sa

        from alphalab.live.schema import outbox

        payload = json.dumps(alert.payload, sort_keys=True, default=str)
        rows = [{"key": f"{alert.key}@{ch}", "channel": ch, "topic": alert.topic, "severity": alert.severity,
                 "subject": alert.subject, "body": alert.body, "payload": payload, "status": PENDING,
                 "attempts": 0, "created_ns": now_ns, "next_attempt_ns": now_ns, "lease_until_ns": 0,
                 "expires_ns": now_ns + self.ttl_ns, "delivered_ns": None, "last_error": ""} for ch in channels]

        def write(c: Any) -> int:
            keys = [r["key"] for r in rows]
            known = set(c.execute(sa.select(outbox.c.key).where(outbox.c.key.in_(keys))).scalars())
            fresh = [r for r in rows if r["key"] not in known]
            if fresh:
                c.execute(outbox.insert(), fresh)
            return len(fresh)

        if conn is not None:
            return write(conn)
        with self.ledger.transaction() as c:
            return write(c)

    def claim(self, now_ns: int, *, limit: int = 100, lease_ns: int = 30 * 10**9) -> list[OutboxRow]:
        """Lease due rows for delivery; rows whose lease ran out (a dispatcher died) are due again."""
        import sqlalchemy as sa

        from alphalab.live.schema import outbox as t

        due = sa.or_(sa.and_(t.c.status == PENDING, t.c.next_attempt_ns <= now_ns),
                     sa.and_(t.c.status == DELIVERING, t.c.lease_until_ns < now_ns))
        with self.ledger.transaction() as c:
            q = sa.select(t).where(due).order_by(t.c.id).limit(limit).with_for_update(skip_locked=True)
            found = list(c.execute(q).mappings())
            if not found:
                return []
            c.execute(sa.update(t).where(t.c.id.in_([r["id"] for r in found]))
                      .values(status=DELIVERING, lease_until_ns=now_ns + lease_ns))
        return [OutboxRow(r["id"], r["key"], r["channel"], r["topic"], r["severity"], r["subject"], r["body"],
                          json.loads(r["payload"]), r["attempts"], r["expires_ns"]) for r in found]

    def settle(self, row_id: int, status: str, now_ns: int, *, error: str = "", retry_at_ns: int = 0) -> None:
        """Record the outcome of one delivery attempt."""
        import sqlalchemy as sa

        from alphalab.live.schema import outbox as t

        values: dict[str, Any] = {"status": status, "last_error": error[:2000], "lease_until_ns": 0,
                                  "attempts": t.c.attempts + 1}
        if status == SENT:
            values["delivered_ns"] = now_ns
        if status == PENDING:
            values["next_attempt_ns"] = retry_at_ns
        with self.ledger.transaction() as c:
            c.execute(sa.update(t).where(t.c.id == row_id).values(**values))

    def counts(self) -> dict[str, int]:
        """Return the number of rows by status (the outbox depth is ``pending + delivering``)."""
        import sqlalchemy as sa

        from alphalab.live.schema import outbox as t

        with self.ledger.engine.connect() as c:
            return {s: n for s, n in c.execute(sa.select(t.c.status, sa.func.count()).group_by(t.c.status))}

    def rows(self) -> list[dict[str, Any]]:
        import sqlalchemy as sa

        from alphalab.live.schema import outbox as t

        with self.ledger.engine.connect() as c:
            return [dict(r) for r in c.execute(sa.select(t).order_by(t.c.id)).mappings()]
