"""An in-process venue behind the venue port, with fault injection, for tests and rehearsals.

It keeps orders per client id, fills market orders at the current price of their symbol and
limit orders when the price crosses them, and refuses a client id it has seen before (as real
venues do). Faults are queued with :meth:`MemoryVenue.inject`:

- ``"reject"``: the next submit is refused (a definite failure);
- ``"timeout_after_accept"``: the next submit is accepted, then the answer is lost (ambiguous);
- ``"error_before_accept"``: the next submit fails with a 5xx before anything happened (ambiguous
  to the caller, but the venue holds no order);
- ``"duplicate_fills"``: the next ``fills_since`` reports every fill twice.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass, replace

from alphalab.live.orders import Intent, OrderStatus
from alphalab.live.venue import AmbiguousFailure, DefiniteFailure, MarketRules, VenueFill, VenueOrder


@dataclass
class _Resting:
    intent: Intent
    order: VenueOrder


class MemoryVenue:
    """A venue in memory: the counterpart of the order manager in tests."""

    name = "memory"

    def __init__(self, prices: dict[str, float] | None = None, *, fee_rate: float = 0.001,
                 positions: dict[str, float] | None = None, cash: float = 1_000_000.0) -> None:
        self.prices = dict(prices or {})
        self.fee_rate = fee_rate
        self.orders: dict[str, _Resting] = {}
        self.fills: list[VenueFill] = []
        self.pos = dict(positions or {})
        self.cash = cash
        self.faults: deque[str] = deque()
        self.submits_seen: list[str] = []  # every client id that reached the venue, duplicates included
        self._ids = itertools.count(1)
        self._trades = itertools.count(1)
        self.now_ns = 0

    # -- test controls ------------------------------------------------------------------------
    def inject(self, *faults: str) -> None:
        self.faults.extend(faults)

    @property
    def duplicate_client_ids(self) -> int:
        return len(self.submits_seen) - len(set(self.submits_seen))

    def set_price(self, symbol: str, price: float, t_ns: int | None = None) -> None:
        """Move a market; resting limit orders that it crosses fill at their limit."""
        self.prices[symbol] = price
        if t_ns is not None:
            self.now_ns = t_ns
        for rest in list(self.orders.values()):
            o, i = rest.order, rest.intent
            if o.symbol != symbol or o.status not in (OrderStatus.ACKED, OrderStatus.PARTIALLY_FILLED):
                continue
            if i.order_type == "limit" and ((i.side == "buy" and price <= i.price) or  # type: ignore[operator]
                                            (i.side == "sell" and price >= i.price)):  # type: ignore[operator]
                self._fill(rest, i.quantity - o.filled_qty, float(i.price))  # type: ignore[arg-type]

    # -- the port -----------------------------------------------------------------------------
    async def submit(self, intent: Intent) -> VenueOrder:
        fault = self.faults.popleft() if self.faults else None
        if fault == "error_before_accept":
            raise AmbiguousFailure("503 service unavailable")
        self.submits_seen.append(intent.client_id)
        if intent.client_id in self.orders:
            raise DefiniteFailure(f"duplicate client order id {intent.client_id}")
        if fault == "reject":
            raise DefiniteFailure("insufficient balance")
        order = VenueOrder(intent.client_id, f"V{next(self._ids)}", intent.symbol, intent.side,
                           intent.quantity, OrderStatus.ACKED)
        rest = _Resting(intent, order)
        self.orders[intent.client_id] = rest
        if intent.order_type == "market":
            self._fill(rest, intent.quantity, self.prices[intent.symbol])
        else:
            self.set_price(intent.symbol, self.prices.get(intent.symbol, math.nan))
        if fault == "timeout_after_accept":
            raise AmbiguousFailure("read timed out")
        return self.orders[intent.client_id].order

    def _fill(self, rest: _Resting, qty: float, price: float) -> None:
        o = rest.order
        total = o.filled_qty + qty
        avg = price if o.filled_qty == 0 else (o.avg_price * o.filled_qty + price * qty) / total
        status = OrderStatus.FILLED if total >= o.quantity - 1e-12 else OrderStatus.PARTIALLY_FILLED
        rest.order = replace(o, filled_qty=total, avg_price=avg, status=status)
        sign = 1.0 if o.side == "buy" else -1.0
        self.pos[o.symbol] = self.pos.get(o.symbol, 0.0) + sign * qty
        fee = abs(qty * price) * self.fee_rate
        self.cash -= sign * qty * price + fee
        n = next(self._trades)
        self.fills.append(VenueFill(f"T{n}", o.client_id, o.symbol, o.side, qty, price, fee, self.now_ns, n))

    async def cancel(self, client_id: str) -> VenueOrder:
        rest = self.orders.get(client_id)
        if rest is None or rest.order.status not in (OrderStatus.ACKED, OrderStatus.PARTIALLY_FILLED):
            raise DefiniteFailure(f"unknown or closed order {client_id}")
        rest.order = replace(rest.order, status=OrderStatus.CANCELLED)
        return rest.order

    async def query(self, client_id: str) -> VenueOrder | None:
        rest = self.orders.get(client_id)
        return None if rest is None else rest.order

    async def open_orders(self) -> list[VenueOrder]:
        return [r.order for r in self.orders.values()
                if r.order.status in (OrderStatus.ACKED, OrderStatus.PARTIALLY_FILLED)]

    async def fills_since(self, cursor: int) -> tuple[list[VenueFill], int]:
        new = [f for f in self.fills if f.seq > cursor]
        if self.faults and self.faults[0] == "duplicate_fills":
            self.faults.popleft()
            new = new + new
        return new, (new[-1].seq if new else cursor)

    async def balances(self) -> dict[str, float]:
        return {"cash": self.cash}

    async def positions(self) -> dict[str, float]:
        return {k: v for k, v in self.pos.items() if v != 0.0}

    async def market_rules(self, symbol: str) -> MarketRules:
        return MarketRules(symbol)
