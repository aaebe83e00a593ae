"""The intent ledger on SQLite and PostgreSQL: persistence, exactly-once fills, bot state."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from alphalab.live import Intent, OrderStatus
from alphalab.live.ledger import DuplicateIntentError, Ledger
from alphalab.live.orders import OrderEvent


def _intent(cid: str, t: int = 0) -> Intent:
    return Intent(cid, "ema_cross", "AAPL", "1d", t, 0, "buy", "limit", 5.0, price=100.0, created_ns=t)


def test_ledger_survives_reopen_and_rebuilds_state(ledger_url):
    led = Ledger(ledger_url)
    assert led.revision() == "0002"
    led.record_intents([_intent("a", 1), _intent("b", 2)])
    led.append([OrderEvent("a", "submitted", 3), OrderEvent("a", "ack", 4, venue_order_id="V1"),
                OrderEvent("a", "fill", 5, quantity=2.0, price=99.5, fee=0.1, trade_id="T1"),
                OrderEvent("b", "submitted", 6), OrderEvent("b", "unresolved", 7, reason="timeout")])
    led.close()
    again = Ledger(ledger_url)  # migrations are idempotent
    book = again.load_book()
    assert book.get("a").status is OrderStatus.PARTIALLY_FILLED
    assert book.get("a").venue_order_id == "V1" and math.isclose(book.get("a").avg_price, 99.5)
    assert book.get("b").status is OrderStatus.UNRESOLVED and book.get("b").reason == "timeout"
    assert [e.kind for e in again.events("a")] == ["submitted", "ack", "fill"]
    again.close()


def test_same_client_id_is_refused(ledger_url):
    led = Ledger(ledger_url)
    led.record_intent(_intent("a"))
    with pytest.raises(DuplicateIntentError, match="never sent twice"):
        led.record_intent(_intent("a"))
    assert len(led.intents()) == 1
    led.close()


def test_a_fill_is_stored_once_even_if_reported_twice(ledger_url):
    led = Ledger(ledger_url)
    led.record_intent(_intent("a"))
    fill = OrderEvent("a", "fill", 5, quantity=1.0, price=100.0, trade_id="T9")
    led.append([OrderEvent("a", "submitted", 1), fill, fill])
    assert led.append([fill]) == 0
    assert sum(e.kind == "fill" for e in led.events("a")) == 1
    led.close()


def test_a_failed_transaction_writes_nothing(ledger_url):
    led = Ledger(ledger_url)
    with pytest.raises(RuntimeError), led.transaction() as conn:
        led.record_intent(_intent("a"), conn)
        led.append([OrderEvent("a", "submitted", 1)], conn)
        raise RuntimeError("crash between intent and venue call")
    assert led.intents() == [] and led.events() == []
    led.close()


def test_bot_state_round_trips_and_rejects_non_json(ledger_url):
    led = Ledger(ledger_url)
    led.set_state("kill_switch", {"active": True, "reason": "manual"}, 1)
    led.set_state("kill_switch", {"active": False}, 2)
    assert led.get_state("kill_switch") == {"active": False}
    assert led.get_state("missing", 7) == 7
    from alphalab.core.errors import ConfigError

    with pytest.raises(ConfigError, match="not plain JSON"):
        led.set_state("bad", {"x": float("nan")}, 3)
    led.close()


def test_sqlite_ledger_runs_in_wal_mode_with_full_sync(tmp_path):
    led = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    with led.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
    led.close()
