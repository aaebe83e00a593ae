"""Helpers for the service tests: a ledger with real order history, users of each role, a scratch PostgreSQL database.

The history is made by the real order manager against the in-memory venue (submitted → ack →
fill, a resting limit order, a reject and a risk denial), so the service reads what a bot writes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from alphalab.live.clock import SimulatedClock
from alphalab.live.ids import client_order_id
from alphalab.live.ledger import Ledger
from alphalab.live.manager import OrderManager
from alphalab.live.orders import Intent
from alphalab.testing.memory_venue import MemoryVenue

PASSWORDS = {"viewer": "viewer-pass-1", "trader": "trader-pass-1", "admin": "admin-pass-1"}
SECRET = "test-secret-" + "k" * 40


def intent(bar: int, seq: int = 0, side: str = "buy", qty: float = 1.0, symbol: str = "BTC/USDT",
           **kw: object) -> Intent:
    cid = client_order_id("ema_cross", symbol, "1h", bar, seq)
    return Intent(cid, "ema_cross", symbol, "1h", bar, seq, side, str(kw.pop("order_type", "market")), qty,
                  created_ns=bar, **kw)  # type: ignore[arg-type]


def seed_ledger(url: str) -> tuple[Ledger, OrderManager, MemoryVenue]:
    """Open ``url`` and write a small real history; return the ledger, its manager and the venue."""
    venue = MemoryVenue({"BTC/USDT": 100.0, "ETH/USDT": 10.0})
    ledger = Ledger(url)
    om = OrderManager(ledger, venue, SimulatedClock(1_000), timeout_s=1.0)

    async def history() -> None:
        await om.start()
        await om.submit(intent(10, qty=2.0))                         # filled: +2 BTC
        await om.submit(intent(11, symbol="ETH/USDT", side="sell", qty=3.0))  # filled: -3 ETH
        await om.submit(intent(12, order_type="limit", price=50.0))  # rests (open)
        venue.inject("reject")
        await om.submit(intent(13))                                  # rejected
        await om.sync_fills()

    asyncio.run(history())
    denied = intent(14, qty=5.0, verdict="deny:max_heat", reason="denied by the max_heat rule")
    ledger.record_intent(denied)
    return ledger, om, venue


@contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """Create a fresh database on the server of ``base_url``, yield its URL, drop it afterwards."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
