"""Forward in time: clock, order state machine, intent ledger and order manager.

What exists today: the persistent order manager that paper and live trading are built on (an
intent ledger written before any venue call, deterministic client order ids, an order state
machine whose current state is derived from appended events, UNRESOLVED orders resolved by
querying the venue, fills applied exactly once, startup reconciliation and a kill switch that
survives restarts). Feeds, the paper broker and the runtime come next.
"""

from alphalab.live.clock import Clock, SimulatedClock, WallClock
from alphalab.live.ids import client_order_id
from alphalab.live.orders import Intent, OrderBook, OrderRecord, OrderStatus

__all__ = [
    "Clock",
    "Intent",
    "OrderBook",
    "OrderRecord",
    "OrderStatus",
    "SimulatedClock",
    "WallClock",
    "client_order_id",
]
