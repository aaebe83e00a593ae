"""The order state machine: intents, the events that move an order, and state derived from them.

An order's current state is never stored on its own: it is the fold of its events, in the
order they were appended (the ledger's audit trail). :class:`OrderBook` is that fold in memory;
the ledger replays its event rows through the same ``apply`` on startup, so the state a
restarted bot sees is exactly the state it had.

States: ``NEW`` (intent written, no venue call yet) → ``SUBMITTED`` (venue call started) →
``ACKED`` → ``PARTIALLY_FILLED`` → ``FILLED``; or ``CANCELLED``, ``REJECTED``, ``EXPIRED``; and
``UNRESOLVED`` after an ambiguous failure (timeout, reset, 5xx after sending), which only a
query of the venue by client id may resolve — never a second send.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from alphalab.core.errors import AlphaLabError


class OrderStatus(StrEnum):
    """Life-cycle state of one order."""

    NEW = "new"
    SUBMITTED = "submitted"
    ACKED = "acked"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNRESOLVED = "unresolved"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_open(self) -> bool:
        """Whether the venue may still hold (or be about to hold) this order."""
        return not self.is_terminal and self is not OrderStatus.NEW


TERMINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED})

# Event kinds and the status each one moves an order to (fills are decided by quantity).
EVENT_STATUS = {
    "submitted": OrderStatus.SUBMITTED,
    "ack": OrderStatus.ACKED,
    "unresolved": OrderStatus.UNRESOLVED,
    "reject": OrderStatus.REJECTED,
    "cancel": OrderStatus.CANCELLED,
    "expire": OrderStatus.EXPIRED,
}
EVENT_KINDS = frozenset({*EVENT_STATUS, "fill"})

_S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.NEW: frozenset({_S.SUBMITTED, _S.REJECTED, _S.EXPIRED}),
    _S.SUBMITTED: frozenset({_S.ACKED, _S.REJECTED, _S.UNRESOLVED, _S.PARTIALLY_FILLED, _S.FILLED,
                             _S.CANCELLED, _S.EXPIRED}),
    _S.UNRESOLVED: frozenset({_S.ACKED, _S.REJECTED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELLED,
                              _S.EXPIRED}),
    _S.ACKED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELLED, _S.EXPIRED}),
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELLED, _S.EXPIRED}),
}
# How far along the life cycle a status is: a message that would move an order back (an ack
# arriving after its fill on a reordered stream) is stale and ignored, never an error.
_RANK = {_S.NEW: 0, _S.SUBMITTED: 1, _S.UNRESOLVED: 1, _S.ACKED: 2, _S.PARTIALLY_FILLED: 3}
QTY_EPS = 1e-12


class OrderStateError(AlphaLabError):
    """An event that no order could have produced (unknown order, impossible transition)."""


@dataclass(frozen=True, slots=True)
class Intent:
    """What a strategy decided, written to the ledger before any venue call.

    ``side`` is ``"buy"`` or ``"sell"``; ``order_type`` is ``"market"``, ``"limit"``, ``"stop"`` or
    ``"stop_limit"``; ``quantity`` is in units of the instrument (never a fraction of equity).
    ``verdict`` is the risk gate's answer (``"approve"``, ``"resize"`` or ``"deny:<code>"``).
    """

    client_id: str
    strategy: str
    symbol: str
    timeframe: str
    bar_time_ns: int
    seq: int
    side: str
    order_type: str
    quantity: float
    price: float | None = None
    stop_price: float | None = None
    reason: str = ""
    verdict: str = "approve"
    created_ns: int = 0

    def __post_init__(self) -> None:
        if self.side not in ("buy", "sell"):
            raise OrderStateError(f"intent {self.client_id}: side must be 'buy' or 'sell', not {self.side!r}")
        if self.order_type not in ("market", "limit", "stop", "stop_limit"):
            raise OrderStateError(f"intent {self.client_id}: unknown order type {self.order_type!r}")
        if not (math.isfinite(self.quantity) and self.quantity > 0):
            raise OrderStateError(f"intent {self.client_id}: quantity must be a positive number, not {self.quantity!r}")
        if self.order_type in ("limit", "stop_limit") and self.price is None:
            raise OrderStateError(f"intent {self.client_id}: a {self.order_type} order needs a price")
        if self.order_type in ("stop", "stop_limit") and self.stop_price is None:
            raise OrderStateError(f"intent {self.client_id}: a {self.order_type} order needs a stop price")


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One appended change of one order: a status change or a fill (``kind == "fill"``)."""

    client_id: str
    kind: str
    t_ns: int
    quantity: float = 0.0
    price: float = math.nan
    fee: float = 0.0
    trade_id: str | None = None
    venue_order_id: str | None = None
    reason: str = ""


@dataclass(slots=True)
class OrderRecord:
    """Current state of one order, derived from its intent and events."""

    intent: Intent
    status: OrderStatus = OrderStatus.NEW
    filled_qty: float = 0.0
    avg_price: float = math.nan
    fees: float = 0.0
    venue_order_id: str | None = None
    reason: str = ""
    updated_ns: int = 0
    trade_ids: set[str] = field(default_factory=set)

    @property
    def remaining(self) -> float:
        return max(0.0, self.intent.quantity - self.filled_qty)


class OrderBook:
    """All orders of a bot, folded from their events; fills count once per venue trade id."""

    def __init__(self) -> None:
        self.orders: dict[str, OrderRecord] = {}
        self.stale_events = 0
        self.duplicate_fills = 0

    def add_intent(self, intent: Intent) -> OrderRecord:
        """Register a new intent; the same client id twice is refused (one decision, one order)."""
        if intent.client_id in self.orders:
            raise OrderStateError(f"client order id {intent.client_id} already exists: one decision is one order")
        rec = OrderRecord(intent, updated_ns=intent.created_ns)
        self.orders[intent.client_id] = rec
        return rec

    def get(self, client_id: str) -> OrderRecord:
        try:
            return self.orders[client_id]
        except KeyError:
            raise OrderStateError(f"no order with client id {client_id}") from None

    def apply(self, ev: OrderEvent) -> bool:
        """Apply one event; return whether it changed anything (stale or duplicate events do not)."""
        rec = self.get(ev.client_id)
        if ev.venue_order_id and rec.venue_order_id is None:
            rec.venue_order_id = ev.venue_order_id
        if ev.kind == "fill":
            return self._fill(rec, ev)
        target = EVENT_STATUS.get(ev.kind)
        if target is None:
            raise OrderStateError(f"unknown order event kind {ev.kind!r} for {ev.client_id}")
        return self._move(rec, target, ev)

    def apply_all(self, events: Iterable[OrderEvent]) -> None:
        for ev in events:
            self.apply(ev)

    def _move(self, rec: OrderRecord, target: OrderStatus, ev: OrderEvent) -> bool:
        current = rec.status
        if target is current and target is not OrderStatus.PARTIALLY_FILLED:
            return False
        if target in ALLOWED.get(current, frozenset()):
            rec.status, rec.updated_ns = target, ev.t_ns
            if ev.reason:
                rec.reason = ev.reason
            return True
        if current.is_terminal or _RANK.get(target, 9) < _RANK.get(current, 9):
            self.stale_events += 1
            return False
        raise OrderStateError(f"order {rec.intent.client_id}: {current.value} cannot become {target.value}")

    def _fill(self, rec: OrderRecord, ev: OrderEvent) -> bool:
        if ev.trade_id is None:
            raise OrderStateError(f"fill of {ev.client_id} without a venue trade id cannot be applied exactly once")
        if ev.trade_id in rec.trade_ids:
            self.duplicate_fills += 1
            return False
        if rec.status is OrderStatus.REJECTED or rec.status is OrderStatus.NEW:
            raise OrderStateError(f"order {ev.client_id} is {rec.status.value} and cannot fill")
        if not (ev.quantity > 0 and math.isfinite(ev.price)):
            raise OrderStateError(f"fill {ev.trade_id} of {ev.client_id} has no positive quantity and price")
        rec.trade_ids.add(ev.trade_id)
        total = rec.filled_qty + ev.quantity
        prior = 0.0 if rec.filled_qty == 0 else rec.avg_price * rec.filled_qty
        rec.avg_price = (prior + ev.price * ev.quantity) / total
        rec.filled_qty = total
        rec.fees += ev.fee
        rec.updated_ns = ev.t_ns
        if not rec.status.is_terminal:
            done = rec.filled_qty >= rec.intent.quantity * (1 - 1e-9) - QTY_EPS
            rec.status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        return True

    def open_orders(self) -> list[OrderRecord]:
        return [r for r in self.orders.values() if r.status.is_open]

    def unresolved(self) -> list[OrderRecord]:
        return [r for r in self.orders.values() if r.status is OrderStatus.UNRESOLVED]
