"""The order manager: intents through the ledger to a venue, exactly once, across restarts.

Flow of one intent: write it (NEW) → append ``submitted`` → call the venue with a timeout →
append ``ack`` / ``reject`` / ``unresolved``. A crash anywhere in between leaves a ledger from
which :meth:`OrderManager.start` reconciles: NEW intents were never sent (they expire),
SUBMITTED and UNRESOLVED ones are looked up at the venue by client id, fills since the stored
cursor are applied once by trade id, and positions derived from the ledger are compared with
the venue's. The kill switch is bot state in the ledger, so it survives restarts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from dataclasses import dataclass, field

from alphalab.core.errors import AlphaLabError
from alphalab.live.clock import Clock
from alphalab.live.ledger import DuplicateIntentError, Ledger
from alphalab.live.orders import Intent, OrderBook, OrderEvent, OrderRecord, OrderStatus
from alphalab.live.venue import AmbiguousFailure, DefiniteFailure, VenueFill, VenueOrder, VenuePort

KILL_KEY = "kill_switch"
CURSOR_KEY = "fills_cursor"
BASELINE_KEY = "position_baseline"
_STATUS_EVENT = {
    OrderStatus.ACKED: "ack",
    OrderStatus.PARTIALLY_FILLED: "ack",
    OrderStatus.FILLED: "ack",
    OrderStatus.CANCELLED: "cancel",
    OrderStatus.REJECTED: "reject",
    OrderStatus.EXPIRED: "expire",
}


class ReconciliationError(AlphaLabError):
    """The ledger and the venue disagree in a way nothing in the ledger explains."""


class KillSwitchActive(AlphaLabError):
    """The kill switch is on: no new orders until ``alphalab live resume``."""


@dataclass
class ReconcileReport:
    """What startup reconciliation found and did."""

    expired_unsent: list[str] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)
    adopted_external: list[str] = field(default_factory=list)
    fills_applied: int = 0
    position_mismatches: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.adopted_external and not self.position_mismatches


class OrderManager:
    """Owns the order book of one bot on one venue; the ledger is its memory."""

    def __init__(self, ledger: Ledger, venue: VenuePort, clock: Clock, *, timeout_s: float = 10.0) -> None:
        self.ledger = ledger
        self.venue = venue
        self.clock = clock
        self.timeout_s = timeout_s
        self.book: OrderBook = OrderBook()
        self.external_fills: list[VenueFill] = []

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self, *, allow_mismatch: bool = False) -> ReconcileReport:
        """Rebuild state from the ledger and reconcile with the venue before any trading."""
        self.book = self.ledger.load_book()
        if self.ledger.get_state(BASELINE_KEY) is None:
            self.ledger.set_state(BASELINE_KEY, await self.venue.positions(), self.clock.now_ns())
        report = ReconcileReport()
        self._expire_unsent(report)
        await self._resolve_in_doubt(report)
        await self._adopt_unknown_open(report)
        report.fills_applied = await self.sync_fills()
        await self._compare_positions(report)
        if report.position_mismatches and not allow_mismatch:
            lines = "; ".join(f"{s}: ledger {a:g} vs venue {b:g}" for s, (a, b) in report.position_mismatches.items())
            raise ReconciliationError(
                f"positions at {self.venue.name} do not match the ledger ({lines})",
                hint="inspect with `alphalab live positions`; pass --allow-mismatch to trade anyway",
            )
        return report

    def _expire_unsent(self, report: ReconcileReport) -> None:
        now = self.clock.now_ns()
        for rec in list(self.book.orders.values()):
            if rec.status is OrderStatus.NEW:
                self._record([OrderEvent(rec.intent.client_id, "expire", now, reason="not sent before restart")])
                report.expired_unsent.append(rec.intent.client_id)

    async def _resolve_in_doubt(self, report: ReconcileReport) -> None:
        for rec in list(self.book.orders.values()):
            if rec.status in (OrderStatus.SUBMITTED, OrderStatus.UNRESOLVED):
                report.resolved[rec.intent.client_id] = (await self.resolve(rec.intent.client_id)).value

    async def _adopt_unknown_open(self, report: ReconcileReport) -> None:
        for vo in await self._call(self.venue.open_orders()):
            if vo.client_id in self.book.orders:
                continue
            now = self.clock.now_ns()
            intent = Intent(vo.client_id, "external", vo.symbol, "", now, 0, vo.side, "limit", vo.quantity,
                            price=vo.avg_price if math.isfinite(vo.avg_price) else 0.0,
                            reason="adopted at reconciliation", verdict="external", created_ns=now)
            with self.ledger.transaction() as conn:
                self.ledger.record_intent(intent, conn)
                self.book.add_intent(intent)
                self._record([OrderEvent(vo.client_id, "submitted", now), OrderEvent(vo.client_id, "ack", now,
                              venue_order_id=vo.venue_order_id, reason="external")], conn)
            report.adopted_external.append(vo.client_id)

    async def _compare_positions(self, report: ReconcileReport) -> None:
        venue_pos = await self._call(self.venue.positions())
        derived = self.derived_positions()
        for sym in sorted(set(venue_pos) | set(derived)):
            a, b = derived.get(sym, 0.0), float(venue_pos.get(sym, 0.0))
            if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
                report.position_mismatches[sym] = (a, b)

    def derived_positions(self) -> dict[str, float]:
        """Return positions implied by the baseline plus every fill in the ledger."""
        pos = {k: float(v) for k, v in (self.ledger.get_state(BASELINE_KEY) or {}).items()}
        for rec in self.book.orders.values():
            sign = 1.0 if rec.intent.side == "buy" else -1.0
            pos[rec.intent.symbol] = pos.get(rec.intent.symbol, 0.0) + sign * rec.filled_qty
        for f in self.external_fills:
            pos[f.symbol] = pos.get(f.symbol, 0.0) + (1.0 if f.side == "buy" else -1.0) * f.quantity
        return {k: v for k, v in pos.items() if v != 0.0}

    # -- orders -------------------------------------------------------------------------------
    async def submit(self, intent: Intent) -> OrderRecord:
        """Send one intent exactly once; a client id the ledger knows is never sent again."""
        if self.kill_state()["active"]:
            raise KillSwitchActive("the kill switch is on; no new orders", hint="alphalab live resume")
        try:
            with self.ledger.transaction() as conn:
                self.ledger.record_intent(intent, conn)
                self.ledger.append([OrderEvent(intent.client_id, "submitted", self.clock.now_ns())], conn)
        except DuplicateIntentError:
            if intent.client_id not in self.book.orders:
                self.book = self.ledger.load_book()
            return self.book.get(intent.client_id)
        self.book.add_intent(intent)
        self.book.apply(OrderEvent(intent.client_id, "submitted", self.clock.now_ns()))
        try:
            vo = await asyncio.wait_for(self.venue.submit(intent), self.timeout_s)
        except DefiniteFailure as exc:
            self._record([OrderEvent(intent.client_id, "reject", self.clock.now_ns(), reason=str(exc))])
        except (AmbiguousFailure, TimeoutError, ConnectionError, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self._record([OrderEvent(intent.client_id, "unresolved", self.clock.now_ns(), reason=reason)])
        else:
            self._apply_venue_status(vo)
        return self.book.get(intent.client_id)

    async def resolve(self, client_id: str) -> OrderStatus:
        """Settle an order in doubt by asking the venue by client id; never re-send it."""
        vo = await self._call(self.venue.query(client_id))
        if vo is None:
            self._record([OrderEvent(client_id, "reject", self.clock.now_ns(), reason="the venue never received it")])
        else:
            self._apply_venue_status(vo)
        return self.book.get(client_id).status

    async def cancel(self, client_id: str) -> OrderStatus:
        rec = self.book.get(client_id)
        if not rec.status.is_open:
            return rec.status
        try:
            vo = await self._call(self.venue.cancel(client_id))
        except DefiniteFailure:
            vo = await self._call(self.venue.query(client_id))  # already filled or gone: take the venue's word
            if vo is None:
                return rec.status
        self._apply_venue_status(vo)
        return self.book.get(client_id).status

    async def sync_fills(self) -> int:
        """Apply every venue fill since the stored cursor, each exactly once; return how many were new."""
        cursor = int(self.ledger.get_state(CURSOR_KEY, 0))
        fills, new_cursor = await self._call(self.venue.fills_since(cursor))
        events = []
        for f in fills:
            if f.client_id in self.book.orders:
                events.append(OrderEvent(f.client_id, "fill", f.t_ns, quantity=f.quantity, price=f.price,
                                         fee=f.fee, trade_id=f.trade_id))
            else:
                self.external_fills.append(f)
        with self.ledger.transaction() as conn:
            written = self._record(events, conn)
            self.ledger.set_state(CURSOR_KEY, int(new_cursor), self.clock.now_ns(), conn)
        return written

    def _apply_venue_status(self, vo: VenueOrder) -> None:
        kind = _STATUS_EVENT.get(vo.status)
        if kind is not None:
            self._record([OrderEvent(vo.client_id, kind, self.clock.now_ns(), venue_order_id=vo.venue_order_id)])

    def _record(self, events: list[OrderEvent], conn: object = None) -> int:
        """Append the events that change something to the ledger (the truth), then fold them into the book."""
        scratch = OrderBook()  # copies of the touched orders, to find which events change them
        for cid in {e.client_id for e in events}:
            rec = self.book.get(cid)
            scratch.orders[cid] = dataclasses.replace(rec, trade_ids=set(rec.trade_ids))
        changed = [e for e in events if scratch.apply(e)]
        self.ledger.append(changed, conn)
        for e in changed:
            self.book.apply(e)
        return sum(1 for e in changed if e.kind == "fill")

    async def _call(self, coro):  # type: ignore[no-untyped-def]
        try:
            return await asyncio.wait_for(coro, self.timeout_s)
        except TimeoutError as exc:
            raise AmbiguousFailure(f"{self.venue.name} did not answer within {self.timeout_s:g} s") from exc

    # -- kill switch --------------------------------------------------------------------------
    def kill_state(self) -> dict:
        return self.ledger.get_state(KILL_KEY, {"active": False})

    async def kill(self, *, reason: str = "manual", flatten: bool = False) -> list[str]:
        """Halt new orders (persisted), cancel every open order, optionally flatten; return touched ids."""
        now = self.clock.now_ns()
        self.ledger.set_state(KILL_KEY, {"active": True, "reason": reason, "at_ns": now, "flatten": flatten}, now)
        touched = []
        for rec in self.book.open_orders():
            await self.cancel(rec.intent.client_id)
            touched.append(rec.intent.client_id)
        if flatten:
            touched += await self._flatten(now)
        return touched

    async def _flatten(self, now: int) -> list[str]:
        from alphalab.live.ids import client_order_id

        ids = []
        for seq, (sym, qty) in enumerate(sorted((await self._call(self.venue.positions())).items())):
            if qty == 0:
                continue
            cid = client_order_id("kill_switch", sym, "", now, seq)
            intent = Intent(cid, "kill_switch", sym, "", now, seq, "sell" if qty > 0 else "buy", "market",
                            abs(float(qty)), reason="flatten on kill", created_ns=now)
            active = self.kill_state()
            self.ledger.set_state(KILL_KEY, {**active, "active": False}, now)  # let this one order through
            try:
                await self.submit(intent)
            finally:
                self.ledger.set_state(KILL_KEY, active, now)
            ids.append(cid)
        return ids

    def resume(self) -> None:
        """Lift the kill switch."""
        self.ledger.set_state(KILL_KEY, {"active": False}, self.clock.now_ns())
