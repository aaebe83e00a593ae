"""Scanner hits to people: one outbox alert per event, keyed by the event's signal key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alphalab.alerts.outbox import Alert, Outbox
from alphalab.scanner.scanner import Event

LEVELS = ("info", "warning", "critical")


def alert_for(event: Event) -> Alert:
    """Return the outbox alert of an event (key ``scan:<symbol>|<detector>|<bar time ns>``)."""
    subject = f"{event.symbol}: {event.detector} ({event.level})"
    body = (f"{event.detector} on {event.symbol} at {event.time_ns} ns, value {event.value:.6g}, "
            f"regime {event.regime or '-'}")
    return Alert(f"scan:{event.key}", "scanner", subject, body, event.level, event.to_dict())


def publish(outbox: Outbox, events: Sequence[Event], channels: list[str], now_ns: int, *,
            min_level: str = "warning", conn: Any = None) -> int:
    """Enqueue the events at or above ``min_level`` (idempotent per key); return the rows added."""
    floor = LEVELS.index(min_level)
    return sum(outbox.enqueue(alert_for(e), channels, now_ns, conn) for e in events
               if LEVELS.index(e.level) >= floor)
