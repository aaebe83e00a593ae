"""The order manager against an in-memory venue: exactly once through faults, restarts and kills."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.live import Intent, OrderStatus, SimulatedClock, client_order_id
from alphalab.live.ledger import Ledger
from alphalab.live.manager import KillSwitchActive, OrderManager, ReconciliationError
from alphalab.testing.memory_venue import MemoryVenue


def _intent(bar: int, seq: int = 0, side: str = "buy", qty: float = 1.0, **kw) -> Intent:
    cid = client_order_id("ema_cross", "BTC/USDT", "1h", bar, seq)
    return Intent(cid, "ema_cross", "BTC/USDT", "1h", bar, seq, side, kw.pop("order_type", "market"), qty,
                  created_ns=bar, **kw)


def _manager(url: str, venue: MemoryVenue) -> OrderManager:
    return OrderManager(Ledger(url), venue, SimulatedClock(1), timeout_s=1.0)


def run(coro):
    return asyncio.run(coro)


def test_market_order_is_acked_then_filled_once(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    rec = run(om.submit(_intent(10)))
    assert rec.status is OrderStatus.ACKED
    assert run(om.sync_fills()) == 1 and run(om.sync_fills()) == 0
    assert om.book.get(rec.intent.client_id).status is OrderStatus.FILLED
    assert om.derived_positions() == {"BTC/USDT": 1.0}


def test_the_same_decision_never_reaches_the_venue_twice(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    run(om.submit(_intent(10)))
    run(om.submit(_intent(10)))  # the strategy repeats itself after, e.g., a reconnect
    assert venue.submits_seen == [_intent(10).client_id]


def test_accepted_then_timed_out_order_is_resolved_by_query_not_resent(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    venue.inject("timeout_after_accept")
    rec = run(om.submit(_intent(10)))
    assert rec.status is OrderStatus.UNRESOLVED and "timed out" in rec.reason
    assert run(om.resolve(rec.intent.client_id)) is OrderStatus.ACKED
    run(om.sync_fills())
    assert om.book.get(rec.intent.client_id).status is OrderStatus.FILLED
    assert len(venue.orders) == 1 and venue.duplicate_client_ids == 0


def test_error_before_accept_resolves_to_rejected(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    venue.inject("error_before_accept")
    rec = run(om.submit(_intent(10)))
    assert rec.status is OrderStatus.UNRESOLVED
    assert run(om.resolve(rec.intent.client_id)) is OrderStatus.REJECTED
    assert venue.orders == {}


def test_definite_rejection_and_duplicate_fill_reports(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    venue.inject("reject")
    assert run(om.submit(_intent(10))).status is OrderStatus.REJECTED
    run(om.submit(_intent(11)))
    venue.inject("duplicate_fills")
    assert run(om.sync_fills()) == 1
    assert om.book.get(_intent(11).client_id).filled_qty == 1.0


def test_restart_resolves_in_doubt_orders_and_expires_unsent_ones(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    venue.inject("timeout_after_accept")
    run(om.submit(_intent(10)))
    om.ledger.record_intent(_intent(11))  # crash after writing the intent, before any venue call
    om.ledger.close()
    om2 = _manager(ledger_url, venue)
    report = run(om2.start())
    assert report.resolved == {_intent(10).client_id: "acked"}
    assert report.expired_unsent == [_intent(11).client_id]
    assert report.fills_applied == 1 and report.clean
    assert venue.duplicate_client_ids == 0


def test_kill_switch_cancels_open_orders_and_survives_restart(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    rec = run(om.submit(_intent(10, order_type="limit", price=90.0)))
    assert rec.status is OrderStatus.ACKED
    run(om.kill(reason="test"))
    assert om.book.get(rec.intent.client_id).status is OrderStatus.CANCELLED
    om2 = _manager(ledger_url, venue)
    run(om2.start())
    with pytest.raises(KillSwitchActive):
        run(om2.submit(_intent(11)))
    om2.resume()
    assert run(om2.submit(_intent(11))).status is OrderStatus.ACKED


def test_kill_with_flatten_closes_positions(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    run(om.submit(_intent(10, qty=2.0)))
    run(om.kill(flatten=True))
    run(om.sync_fills())
    assert venue.pos["BTC/USDT"] == 0.0 and om.derived_positions() == {}
    assert om.kill_state()["active"]


def test_reconciliation_adopts_unknown_orders_and_stops_on_position_mismatch(ledger_url):
    venue = MemoryVenue({"BTC/USDT": 100.0})
    om = _manager(ledger_url, venue)
    run(om.start())
    other = Intent("manual-1", "human", "BTC/USDT", "", 0, 0, "buy", "limit", 1.0, price=50.0)
    run(venue.submit(other))  # someone placed an order by hand
    venue.pos["ETH/USDT"] = 3.0  # and moved a position outside the bot
    om2 = _manager(ledger_url, venue)
    with pytest.raises(ReconciliationError, match="ETH/USDT"):
        run(om2.start())
    om3 = _manager(ledger_url, venue)
    report = run(om3.start(allow_mismatch=True))
    assert not report.clean and set(report.position_mismatches) == {"ETH/USDT"}
    adopted = om3.book.get("manual-1")  # adopted once, by the first reconciliation, and flagged
    assert adopted.intent.verdict == "external" and adopted.status is OrderStatus.ACKED
    assert report.adopted_external == []


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs in the crashed process."""


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 11), st.sampled_from(["before_send", "after_accept", "after_fill_sync"]))
def test_crash_at_any_step_ends_in_the_uninterrupted_state(tmp_path_factory, crash_at, where):
    decisions = [_intent(100 + i, side="buy" if i % 3 else "sell", qty=1.0 + i % 2) for i in range(12)]

    def session(url, venue, crash_step=None):
        om = _manager(url, venue)
        run(om.start(allow_mismatch=False))
        for i, d in enumerate(decisions):
            if d.client_id in om.book.orders:
                continue
            if i == crash_step and where == "before_send":
                om.ledger.record_intent(d)
                raise Crash
            if i == crash_step and where == "after_accept":
                venue.inject("timeout_after_accept")
                run(om.submit(d))
                raise Crash
            run(om.submit(d))
            run(om.sync_fills())
            if i == crash_step:
                raise Crash
        return om

    base = tmp_path_factory.mktemp("ref")
    ref_venue = MemoryVenue({"BTC/USDT": 100.0})
    ref = session(f"sqlite:///{base / 'l.sqlite'}", ref_venue)
    tmp = tmp_path_factory.mktemp("crash")
    url, venue = f"sqlite:///{tmp / 'l.sqlite'}", MemoryVenue({"BTC/USDT": 100.0})
    with pytest.raises(Crash):
        session(url, venue, crash_at)
    final = session(url, venue)
    assert venue.duplicate_client_ids == 0
    assert final.derived_positions() == venue.pos or final.derived_positions() == {
        k: v for k, v in venue.pos.items() if v}
    filled = {cid: r.filled_qty for cid, r in final.book.orders.items() if r.status is OrderStatus.FILLED}
    ref_filled = {cid: r.filled_qty for cid, r in ref.book.orders.items() if r.status is OrderStatus.FILLED}
    # an intent written but never sent at the crash expires, every other decision fills exactly once
    lost = {decisions[crash_at].client_id} if where == "before_send" else set()
    assert filled == {k: v for k, v in ref_filled.items() if k not in lost}
    assert sum(len(r.trade_ids) for r in final.book.orders.values()) == len(venue.fills)
