"""The paper broker: a venue behind the :class:`~alphalab.live.venue.VenuePort` that fills with the engine.

Each sleeve of a bot has its own :class:`~alphalab.live.paper_book.PaperBook` (its own virtual cash
account). A decision at a bar's close leaves a pending market order in the book; the runtime
*claims* it with the intent's client order id, then sends the intent through the order manager,
whose ``submit`` reaches :meth:`PaperVenue.submit` (acknowledged). When the next bar opens, the
book fills it with the engine's rules and the venue reports the fill under that client id.
Exits the engine takes on its own (stop loss, take profit, trailing stop, the end of a
rehearsal) are orders resting at this venue: the venue files them as filled orders under a
deterministic client id, and the runtime books their intents before it syncs the fills, so the
ledger knows every order and every fill exactly once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from alphalab.engine import layout as L
from alphalab.live.ids import client_order_id
from alphalab.live.orders import Intent, OrderStatus
from alphalab.live.paper_book import PaperBook, Pending
from alphalab.live.venue import DefiniteFailure, MarketRules, VenueFill, VenueOrder

_ENTRY, _EXIT = "entry", "exit"
REASONS = {-1: "entry", 0: "signal", 1: "stop_loss", 2: "take_profit", 3: "trailing_stop", 4: "time_stop",
           5: "opposite_signal", 6: "end_of_run", 7: "regime_switch"}


@dataclass
class PaperOrder:
    """One order at the paper venue."""

    client_id: str
    sleeve: str
    symbol: str
    side: str
    quantity: float
    status: str = OrderStatus.ACKED.value
    filled_qty: float = 0.0
    avg_price: float = float("nan")
    received: bool = False  # whether an order manager sent it (a second send is refused)
    engine: bool = False  # an exit the engine took on its own (stop, target, end)
    reason: str = ""
    bar_time_ns: int = 0

    def view(self) -> VenueOrder:
        return VenueOrder(self.client_id, f"paper-{self.client_id}", self.symbol, self.side, self.quantity,
                          OrderStatus(self.status), self.filled_qty, self.avg_price)


class PaperVenue:
    """The paper venue of one bot: the sleeves' books, their orders and fills."""

    name = "paper"

    def __init__(self) -> None:
        self.books: dict[str, PaperBook] = {}
        self.timeframes: dict[str, str] = {}
        self.orders: dict[str, PaperOrder] = {}
        self.claims: dict[str, str] = {}  # "sleeve|column|kind" -> client id of a pending order
        self.fills: list[VenueFill] = []
        self.cursor0 = 0  # number of fills before self.fills[0] (older ones were synced and dropped)
        self.submits_seen: list[str] = []
        self.ended: set[str] = set()  # ended by the engine short of the intent (filled less, or nothing)

    def add_book(self, sleeve: str, book: PaperBook, timeframe: str) -> None:
        self.books[sleeve] = book
        self.timeframes[sleeve] = timeframe

    # -- the runtime's side -----------------------------------------------------------------------
    def claim(self, sleeve: str, p: Pending, intent: Intent) -> None:
        """Attach ``intent``'s client id to the pending order ``p`` of ``sleeve``'s book."""
        self.claims[f"{sleeve}|{p.column}|{_EXIT if p.is_exit else _ENTRY}"] = intent.client_id
        self.orders[intent.client_id] = PaperOrder(intent.client_id, sleeve, intent.symbol, intent.side,
                                                   intent.quantity, reason=intent.reason,
                                                   bar_time_ns=intent.bar_time_ns)

    def unclaim(self, sleeve: str, p: Pending) -> None:
        """Forget the claim of a pending order the runtime withdrew (before any send)."""
        cid = self.claims.pop(f"{sleeve}|{p.column}|{_EXIT if p.is_exit else _ENTRY}", None)
        if cid is not None:
            self.orders.pop(cid, None)

    def book_records(self, sleeve: str, records: range) -> list[Intent]:
        """Turn the book's new order records into fills; return intents for the engine's own exits."""
        book = self.books[sleeve]
        tf = self.timeframes[sleeve]
        engine: list[Intent] = []
        for n in records:
            r = book.orders[n]
            col, reason = int(r[L.O_COL]), int(r[L.O_REASON])
            symbol = book.symbols[col]
            kind = _ENTRY if reason == -1 else _EXIT
            t_ns = book.times[int(r[L.O_BAR])]
            cid = self.claims.pop(f"{sleeve}|{col}|{kind}", None)
            if cid is None:
                cid = client_order_id(f"{sleeve}/engine", symbol, tf, t_ns, n)
                side = "buy" if r[L.O_SIDE] > 0 else "sell"
                qty = float(r[L.O_QTY]) if r[L.O_QTY] > 0 else float(r[L.O_REQ])
                self.orders[cid] = PaperOrder(cid, sleeve, symbol, side, max(qty, 1e-12), engine=True,
                                              reason=REASONS.get(reason, str(reason)), bar_time_ns=t_ns)
                engine.append(Intent(cid, f"{sleeve}/engine", symbol, tf, t_ns, n, side, "market", max(qty, 1e-12),
                                     reason=REASONS.get(reason, str(reason)), verdict="engine", created_ns=t_ns))
            self._fill(self.orders[cid], r, n, sleeve, t_ns)
        self._end_unfilled(sleeve, book)
        return engine

    def _end_unfilled(self, sleeve: str, book: PaperBook) -> None:
        """End the claimed orders whose pending order the engine let go without a fill (no cash, no lot)."""
        for key, cid in list(self.claims.items()):
            name, col, kind = key.split("|")
            if name != sleeve:
                continue
            a = int(col)
            gone = book.pend[a, L.Q_EXIT] < 0.0 if kind == _EXIT else book.pend[a, L.Q_SIDE] == 0.0
            if gone:
                del self.claims[key]
                self.ended.add(cid)

    def _fill(self, o: PaperOrder, r: Any, n: int, sleeve: str, t_ns: int) -> None:
        qty = float(r[L.O_QTY])
        if qty <= 0 or int(r[L.O_STATUS]) == L.STATUS_REJECTED:
            o.status = OrderStatus.REJECTED.value  # the engine's rules refused it (cash, lot, notional)
            self.ended.add(o.client_id)
            return
        o.filled_qty += qty
        o.avg_price = float(r[L.O_PRICE])
        o.status = OrderStatus.FILLED.value
        if o.filled_qty < o.quantity * (1 - 1e-9):
            self.ended.add(o.client_id)  # a market order: the rest is cancelled by the venue
        seq = self.cursor0 + len(self.fills)
        self.fills.append(VenueFill(f"{sleeve}:{n}", o.client_id, o.symbol, o.side, qty, float(r[L.O_PRICE]),
                                    float(r[L.O_FEE]), t_ns, seq))

    # -- the venue port -----------------------------------------------------------------------------
    async def submit(self, intent: Intent) -> VenueOrder:
        self.submits_seen.append(intent.client_id)
        o = self.orders.get(intent.client_id)
        if o is None:
            raise DefiniteFailure(f"the paper venue holds no order for {intent.client_id} (the decision was withdrawn)")
        if o.received:
            raise DefiniteFailure(f"duplicate client order id {intent.client_id}")
        o.received = True
        return o.view()

    async def cancel(self, client_id: str) -> VenueOrder:
        o = self.orders.get(client_id)
        if o is not None and client_id in self.ended:
            self.ended.discard(client_id)
            if o.filled_qty == 0.0:
                o.status = OrderStatus.CANCELLED.value
            return VenueOrder(o.client_id, f"paper-{o.client_id}", o.symbol, o.side, o.quantity,
                              OrderStatus.CANCELLED, o.filled_qty, o.avg_price)
        if o is None or OrderStatus(o.status).is_terminal:
            raise DefiniteFailure(f"no open paper order {client_id}")
        for key, cid in list(self.claims.items()):
            if cid == client_id:
                sleeve, col, kind = key.split("|")
                self.books[sleeve].drop(Pending(int(col), 0, kind == _EXIT, 0))
                del self.claims[key]
        o.status = OrderStatus.CANCELLED.value
        return o.view()

    async def query(self, client_id: str) -> VenueOrder | None:
        o = self.orders.get(client_id)
        return None if o is None or (not o.received and not o.engine) else o.view()

    async def open_orders(self) -> list[VenueOrder]:
        return [o.view() for o in self.orders.values() if o.received and not OrderStatus(o.status).is_terminal]

    async def fills_since(self, cursor: int) -> tuple[list[VenueFill], int]:
        start = max(0, cursor - self.cursor0)
        return self.fills[start:], self.cursor0 + len(self.fills)

    async def balances(self) -> dict[str, float]:
        return {sleeve: book.equity for sleeve, book in self.books.items()}

    async def positions(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for book in self.books.values():
            for sym, q in book.positions().items():
                out[sym] = out.get(sym, 0.0) + q
        return {k: v for k, v in out.items() if v != 0.0}

    async def market_rules(self, symbol: str) -> MarketRules:
        return MarketRules(symbol)

    # -- persistence --------------------------------------------------------------------------------
    def forget_synced(self, cursor: int, keep: set[str]) -> None:
        """Drop the fills before ``cursor`` (the order manager has them) and finished orders not in ``keep``."""
        k = max(0, min(len(self.fills), cursor - self.cursor0))
        self.fills = self.fills[k:]
        self.cursor0 += k
        self.orders = {c: o for c, o in self.orders.items()
                       if c in keep or not OrderStatus(o.status).is_terminal}

    def to_dict(self) -> dict[str, Any]:
        orders = [{**asdict(o), "avg_price": o.avg_price if o.avg_price == o.avg_price else None}
                  for o in self.orders.values()]
        return {"orders": orders, "claims": dict(self.claims), "fills": [asdict(f) for f in self.fills],
                "cursor0": self.cursor0, "ended": sorted(self.ended)}

    def restore(self, data: dict[str, Any]) -> None:
        orders = [{**o, "avg_price": float("nan") if o["avg_price"] is None else o["avg_price"]}
                  for o in data.get("orders", [])]
        self.orders = {o["client_id"]: PaperOrder(**o) for o in orders}
        self.claims = dict(data.get("claims", {}))
        self.fills = [VenueFill(**f) for f in data.get("fills", [])]
        self.cursor0 = int(data.get("cursor0", 0))
        self.ended = set(data.get("ended", []))
