"""The order state machine and client order ids."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.live import Intent, OrderBook, OrderStatus, client_order_id
from alphalab.live.orders import OrderEvent, OrderStateError


def _intent(cid="a", qty=10.0, **kw):
    return Intent(cid, "ema_cross", "BTC/USDT", "1h", 1_700_000_000_000_000_000, 0, kw.pop("side", "buy"),
                  kw.pop("order_type", "market"), qty, **kw)


def test_client_order_id_same_decision_same_id_and_fits_every_venue():
    a = client_order_id("ema_cross", "BTC/USDT", "1h", 1_700_000_000_000_000_000, 0)
    assert a == client_order_id("ema_cross", "BTC/USDT", "1h", 1_700_000_000_000_000_000, 0)
    assert len(a) <= 32 and re.fullmatch(r"[A-Za-z0-9-]+", a)
    others = {client_order_id("ema_cross", "BTC/USDT", "1h", 1_700_000_000_000_000_000, 1),
              client_order_id("ema_cross", "ETH/USDT", "1h", 1_700_000_000_000_000_000, 0),
              client_order_id("ema_cross", "BTC/USDT", "4h", 1_700_000_000_000_000_000, 0),
              client_order_id("rsi", "BTC/USDT", "1h", 1_700_000_000_000_000_000, 0),
              client_order_id("ema_cross", "BTC/USDT", "1h", 1_700_000_003_600_000_000, 0)}
    assert a not in others and len(others) == 5


def test_intent_bad_fields_are_refused():
    with pytest.raises(OrderStateError, match="side"):
        _intent(side="long")
    with pytest.raises(OrderStateError, match="quantity"):
        _intent(qty=0.0)
    with pytest.raises(OrderStateError, match="price"):
        _intent(order_type="limit")


def test_order_life_cycle_fills_once_per_trade_id():
    book = OrderBook()
    book.add_intent(_intent(qty=10.0))
    for kind in ("submitted", "ack"):
        assert book.apply(OrderEvent("a", kind, 1))
    assert book.apply(OrderEvent("a", "fill", 2, quantity=4.0, price=100.0, fee=0.4, trade_id="t1"))
    assert book.get("a").status is OrderStatus.PARTIALLY_FILLED
    assert not book.apply(OrderEvent("a", "fill", 3, quantity=4.0, price=100.0, fee=0.4, trade_id="t1"))
    assert book.duplicate_fills == 1
    book.apply(OrderEvent("a", "fill", 4, quantity=6.0, price=110.0, fee=0.6, trade_id="t2"))
    rec = book.get("a")
    assert rec.status is OrderStatus.FILLED
    assert rec.filled_qty == 10.0 and math.isclose(rec.avg_price, 106.0) and math.isclose(rec.fees, 1.0)


def test_stale_ack_after_fill_is_ignored_but_impossible_moves_raise():
    book = OrderBook()
    book.add_intent(_intent())
    book.apply(OrderEvent("a", "submitted", 1))
    book.apply(OrderEvent("a", "fill", 2, quantity=10.0, price=1.0, trade_id="t"))
    assert not book.apply(OrderEvent("a", "ack", 3))  # reordered stream: the ack came late
    assert book.get("a").status is OrderStatus.FILLED and book.stale_events == 1
    book.add_intent(_intent("b"))
    with pytest.raises(OrderStateError, match="cannot become"):
        book.apply(OrderEvent("b", "ack", 1))  # never submitted
    with pytest.raises(OrderStateError, match="already exists"):
        book.add_intent(_intent("b"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.floats(0.1, 3.0)), min_size=1, max_size=20))
def test_filled_quantity_is_the_sum_of_distinct_trades(fills):
    book = OrderBook()
    book.add_intent(_intent(qty=1e9))
    book.apply(OrderEvent("a", "submitted", 0))
    distinct: dict[int, float] = {}
    for tid, qty in fills:
        book.apply(OrderEvent("a", "fill", 1, quantity=qty, price=10.0, trade_id=str(tid)))
        distinct.setdefault(tid, qty)
    assert math.isclose(book.get("a").filled_qty, sum(distinct.values()))
