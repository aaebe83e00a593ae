"""Live updates over WebSocket with sequence numbers and resume; the hub's replay rules."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.testclient import TestClient

from alphalab.service.app import create_app
from alphalab.service.hub import LiveHub
from alphalab.service.settings import ServiceSettings
from alphalab.testing.service import PASSWORDS, SECRET, intent


@pytest.fixture
def live_app(seeded, tmp_path):
    settings = ServiceSettings(secret=SECRET, ledger_url=seeded[0].url, home=tmp_path, poll_interval_s=0.05,
                               argon2_time_cost=1, argon2_memory_kib=1024)
    app = create_app(settings, ledger=seeded[0], poll=True)
    app.state.svc.store.add_user("viewer", PASSWORDS["viewer"], "viewer")
    return app


def _token(c: TestClient) -> str:
    return c.post("/api/auth/login", json={"username": "viewer", "password": PASSWORDS["viewer"]}).json()["access_token"]


def _wait(pred, timeout=10.0):
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_updates_arrive_numbered_and_a_reconnect_resumes_exactly(live_app, seeded):
    hub = live_app.state.svc.hub
    om = seeded[1]
    with TestClient(live_app) as c:
        tok = _token(c)
        _wait(lambda: "kill_switch" in hub._last)  # the poller has taken its first look
        with c.websocket_connect(f"/api/ws?token={tok}") as ws:
            snap = ws.receive_json()
            assert snap["type"] == "snapshot" and snap["data"]["positions"] == {"BTC/USDT": 2.0, "ETH/USDT": -3.0}
            asyncio.run(om.submit(intent(20, qty=1.5)))  # submitted + ack rows appear in the ledger
            first = [ws.receive_json() for _ in range(2)]
        assert [m["type"] for m in first] == ["order_event", "order_event"]
        assert [m["data"]["kind"] for m in first] == ["submitted", "ack"]
        assert [m["seq"] for m in first] == [snap["seq"] + 1, snap["seq"] + 2]
        seen = first[-1]["seq"]
        # while disconnected: the kill switch goes on
        seeded[0].set_state("kill_switch", {"active": True, "reason": "test"}, 1)
        _wait(lambda: any(m["type"] == "kill_switch" for m, _ in hub.buffer))
        with c.websocket_connect(f"/api/ws?token={tok}&since={seen}&epoch={hub.epoch}") as ws:
            missed = [ws.receive_json() for _ in range(hub.seq - seen)]
        assert [m["seq"] for m in missed] == list(range(seen + 1, seen + 1 + len(missed)))
        assert missed[-1]["type"] == "kill_switch" and missed[-1]["data"]["active"] is True
        # another epoch (a restarted service) gets a snapshot instead
        with c.websocket_connect(f"/api/ws?token={tok}&since={seen}&epoch=other") as ws:
            assert ws.receive_json()["type"] == "snapshot"


def test_hub_replays_only_what_its_buffer_still_holds():
    hub = LiveHub(buffer=3)
    for i in range(5):
        hub.publish("x", i)
    assert [m["data"] for m in hub.missed(2, hub.epoch)] == [2, 3, 4]
    assert hub.missed(1, hub.epoch) is None  # message 2 is gone: snapshot
    assert hub.missed(5, hub.epoch) == []
    assert hub.missed(6, hub.epoch) is None  # from the future: another run
    assert hub.missed(4, "other") is None


def test_a_slow_subscriber_is_dropped_without_blocking_the_others(monkeypatch):
    import alphalab.service.hub as hub_mod

    monkeypatch.setattr(hub_mod, "QUEUE_SIZE", 2)
    hub = LiveHub()
    slow, fast = hub.subscribe(), hub.subscribe()
    for i in range(3):
        hub.publish("x", i)
        fast.queue.get_nowait()
    assert slow.dropped and slow not in hub.subscribers
    assert not fast.dropped and fast in hub.subscribers
