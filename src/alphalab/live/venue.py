"""The venue port: what the order manager needs from any venue (paper broker, CCXT, Alpaca).

Every call has three outcomes and only three: it worked, it definitely failed
(:class:`DefiniteFailure`: the venue said no, nothing happened), or nobody knows
(:class:`AmbiguousFailure`: timeout, reset, 5xx after the request left). An ambiguous outcome is
resolved by asking the venue (``query`` by client id), never by repeating the side effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from alphalab.live.orders import Intent, OrderStatus


class VenueError(Exception):
    """Base of the failures a venue call can end in."""


class DefiniteFailure(VenueError):
    """The venue refused the request; nothing changed there."""


class AmbiguousFailure(VenueError):
    """The request may or may not have taken effect; query before doing anything else."""


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """An order as the venue reports it."""

    client_id: str
    venue_order_id: str
    symbol: str
    side: str
    quantity: float
    status: OrderStatus
    filled_qty: float = 0.0
    avg_price: float = float("nan")


@dataclass(frozen=True, slots=True)
class VenueFill:
    """One execution reported by the venue; ``trade_id`` is unique per venue."""

    trade_id: str
    client_id: str
    symbol: str
    side: str
    quantity: float
    price: float
    fee: float
    t_ns: int
    seq: int = 0


@dataclass(frozen=True, slots=True)
class MarketRules:
    """Trading rules of one market: price tick, quantity lot, minimum notional, leverage cap."""

    symbol: str
    tick_size: float = 0.0
    lot_size: float = 0.0
    min_notional: float = 0.0
    max_leverage: float = 1.0


class VenuePort(Protocol):
    """Submit, cancel, query by client id, open orders, fills since a cursor, balances, positions, rules."""

    name: str

    async def submit(self, intent: Intent) -> VenueOrder: ...

    async def cancel(self, client_id: str) -> VenueOrder: ...

    async def query(self, client_id: str) -> VenueOrder | None: ...

    async def open_orders(self) -> list[VenueOrder]: ...

    async def fills_since(self, cursor: int) -> tuple[list[VenueFill], int]: ...

    async def balances(self) -> dict[str, float]: ...

    async def positions(self) -> dict[str, float]: ...

    async def market_rules(self, symbol: str) -> MarketRules: ...
