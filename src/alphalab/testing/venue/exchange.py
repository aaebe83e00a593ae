"""The matching core of the venue simulator: accounts, orders and a bar-driven book per symbol.

Nothing here knows about HTTP. Prices come from replayed bars: the current bar's close is the
market price; market orders fill at it (taker fee), resting limit orders fill when a later bar
crosses them (at the limit, or at the bar's open when it gaps through; maker fee). Fees are
charged in the quote asset, so a base balance moves by exactly the filled quantity.
Every client order id that reached :meth:`Exchange.submit` is kept in ``submits_seen``
(refused duplicates included): the count of duplicates is what the crash tests assert on.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class SimError(Exception):
    """A request the venue refuses, with Binance's error code and HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


@dataclass
class Market:
    """One tradable symbol and the bars that drive its price."""

    symbol: str
    base: str
    quote: str
    times_ms: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    tick: float = 0.01
    step: float = 0.001
    min_notional: float = 1.0


@dataclass
class SimOrder:
    order_id: int
    client_id: str
    symbol: str
    side: str  # BUY / SELL
    type: str  # MARKET / LIMIT
    qty: float
    price: float
    time_ms: int
    status: str = "NEW"
    executed: float = 0.0
    quote: float = 0.0
    update_ms: int = 0
    parts: int = 1  # partial-fill fault: the order fills in this many pieces
    delayed: bool = False  # delayed-fill fault: no fill before the next bar
    locked: float = 0.0
    pieces: int = 0  # fills so far

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass
class SimTrade:
    id: int
    order_id: int
    symbol: str
    price: float
    qty: float
    commission: float
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool


def _on_grid(x: float, step: float) -> bool:
    n = round(x / step)
    return n > 0 and abs(n * step - x) <= 1e-9 * max(1.0, abs(x))


def _snap(x: float, step: float) -> float:
    return round(round(x / step) * step, 12)


@dataclass
class Exchange:
    """Accounts, orders and trades of one simulated spot venue (one account per API key)."""

    markets: dict[str, Market]
    balances: dict[str, float]
    taker_fee: float = 0.001
    maker_fee: float = 0.001
    clock_ms: Callable[[], int] = field(default=lambda: time.time_ns() // 1_000_000)
    bar: int = 0
    orders: dict[int, SimOrder] = field(default_factory=dict)
    trades: list[SimTrade] = field(default_factory=list)
    locked: dict[str, float] = field(default_factory=dict)
    submits_seen: list[str] = field(default_factory=list)
    # called with (order, trade or None) on every change of an order: the user-data stream's source
    on_change: Callable[[SimOrder, SimTrade | None], None] | None = None

    def __post_init__(self) -> None:
        self._order_ids = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._by_client: dict[tuple[str, str], int] = {}

    # -- prices -------------------------------------------------------------------------------
    def market(self, symbol: str) -> Market:
        m = self.markets.get(symbol)
        if m is None:
            raise SimError(-1121, "Invalid symbol.")
        return m

    def price(self, symbol: str) -> float:
        return float(self.market(symbol).close[self.bar])

    @property
    def n_bars(self) -> int:
        return min(len(m.close) for m in self.markets.values())

    def set_bar(self, index: int) -> int:
        """Move to bar ``index`` (never back); resting orders get a chance on every bar passed."""
        index = min(int(index), self.n_bars - 1)
        while self.bar < index:
            self.bar += 1
            for o in [o for o in self.orders.values() if o.is_open]:
                self._on_bar(o)
        return self.bar

    # -- orders -------------------------------------------------------------------------------
    def submit(self, symbol: str, side: str, type_: str, qty: float, price: float | None, client_id: str,
               *, parts: int = 1, delayed: bool = False) -> SimOrder:
        self.submits_seen.append(client_id)
        m = self.market(symbol)
        if (symbol, client_id) in self._by_client:
            raise SimError(-2010, "Duplicate order sent.")
        if side not in ("BUY", "SELL"):
            raise SimError(-1117, "Invalid side.")
        if type_ not in ("MARKET", "LIMIT"):
            raise SimError(-1116, "Invalid orderType.")
        if not _on_grid(qty, m.step):
            raise SimError(-1013, "Filter failure: LOT_SIZE")
        if type_ == "LIMIT" and (price is None or not _on_grid(price, m.tick)):
            raise SimError(-1013, "Filter failure: PRICE_FILTER")
        ref = price if type_ == "LIMIT" else self.price(symbol)
        if qty * float(ref) < m.min_notional:  # type: ignore[arg-type]
            raise SimError(-1013, "Filter failure: NOTIONAL")
        lock_asset, lock = (m.quote, qty * float(ref) * (1 + self.taker_fee)) if side == "BUY" else (m.base, qty)  # type: ignore[arg-type]
        if self.free(lock_asset) < lock - 1e-9:
            raise SimError(-2010, "Account has insufficient balance for requested action.")
        now = self.clock_ms()
        o = SimOrder(next(self._order_ids), client_id, symbol, side, type_, qty, float(price or 0.0), now,
                     update_ms=now, parts=max(1, int(parts)), delayed=delayed, locked=lock)
        self.locked[lock_asset] = self.locked.get(lock_asset, 0.0) + lock
        self.orders[o.order_id] = o
        self._by_client[(symbol, client_id)] = o.order_id
        self._notify(o, None)
        if not delayed and (type_ == "MARKET" or self._crosses(o, self.price(symbol))):
            self._fill_part(o, self.price(symbol), maker=False)
        return o

    def _notify(self, o: SimOrder, t: SimTrade | None) -> None:
        if self.on_change is not None:
            self.on_change(o, t)

    def _crosses(self, o: SimOrder, px: float) -> bool:
        return px <= o.price if o.side == "BUY" else px >= o.price

    def _on_bar(self, o: SimOrder) -> None:
        m = self.markets[o.symbol]
        if o.type == "MARKET":
            self._fill_part(o, float(m.close[self.bar]), maker=False)
            return
        lo, hi, op = float(m.low[self.bar]), float(m.high[self.bar]), float(m.open[self.bar])
        if o.side == "BUY" and lo <= o.price:
            self._fill_part(o, min(op, o.price), maker=True)
        elif o.side == "SELL" and hi >= o.price:
            self._fill_part(o, max(op, o.price), maker=True)

    def _fill_part(self, o: SimOrder, px: float, *, maker: bool) -> None:
        m = self.markets[o.symbol]
        remaining = _snap(o.qty - o.executed, m.step)
        piece = _snap(max(m.step, math.floor(o.qty / o.parts / m.step) * m.step), m.step)
        qty = remaining if (piece >= remaining or o.pieces >= o.parts - 1) else piece
        px = _snap(px, m.tick)
        fee = qty * px * (self.maker_fee if maker else self.taker_fee)
        sign = 1.0 if o.side == "BUY" else -1.0
        self._release(o, qty)
        self.balances[m.base] = self.balances.get(m.base, 0.0) + sign * qty
        self.balances[m.quote] = self.balances.get(m.quote, 0.0) - sign * qty * px - fee
        now = self.clock_ms()
        t = SimTrade(next(self._trade_ids), o.order_id, o.symbol, px, qty, fee, m.quote, now, o.side == "BUY", maker)
        self.trades.append(t)
        o.executed = _snap(o.executed + qty, m.step)
        o.pieces += 1
        o.quote += qty * px
        o.update_ms = now
        o.status = "FILLED" if o.executed >= o.qty - 1e-12 else "PARTIALLY_FILLED"
        if o.status == "FILLED":
            self._release(o, None)
        self._notify(o, t)

    def _release(self, o: SimOrder, qty: float | None) -> None:
        """Unlock the part of the order's reserve that ``qty`` (None: all the rest) no longer needs."""
        m = self.markets[o.symbol]
        asset = m.quote if o.side == "BUY" else m.base
        amount = o.locked if qty is None else min(o.locked, o.locked * qty / max(o.qty - o.executed, 1e-18))
        o.locked -= amount
        self.locked[asset] = max(0.0, self.locked.get(asset, 0.0) - amount)

    def free(self, asset: str) -> float:
        return self.balances.get(asset, 0.0) - self.locked.get(asset, 0.0)

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> SimOrder:
        self.market(symbol)
        oid = order_id if order_id is not None else self._by_client.get((symbol, client_id or ""))
        o = self.orders.get(oid) if oid is not None else None
        if o is None or o.symbol != symbol:
            raise SimError(-2013, "Order does not exist.")
        return o

    def cancel(self, symbol: str, order_id: int | None, client_id: str | None) -> SimOrder:
        try:
            o = self.find(symbol, order_id, client_id)
        except SimError:
            raise SimError(-2011, "Unknown order sent.") from None
        if not o.is_open:
            raise SimError(-2011, "Unknown order sent.")
        self._release(o, None)
        o.status, o.update_ms = "CANCELED", self.clock_ms()
        self._notify(o, None)
        return o

    def open_orders(self, symbol: str | None) -> list[SimOrder]:
        return [o for o in self.orders.values() if o.is_open and (symbol is None or o.symbol == symbol)]

    def my_trades(self, symbol: str, from_id: int | None, start_ms: int | None, end_ms: int | None,
                  limit: int) -> list[SimTrade]:
        self.market(symbol)
        out = [t for t in self.trades if t.symbol == symbol
               and (from_id is None or t.id >= from_id)
               and (start_ms is None or t.time_ms >= start_ms) and (end_ms is None or t.time_ms <= end_ms)]
        return out[: max(1, min(int(limit), 1000))]

    @property
    def duplicate_client_ids(self) -> int:
        return len(self.submits_seen) - len(set(self.submits_seen))
