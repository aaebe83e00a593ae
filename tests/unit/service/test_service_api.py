"""The read API against a ledger written by the real order manager; control actions; OpenAPI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alphalab.research.mapping import (
    BestConfigMapping,
    DataRange,
    ExpectedPerformance,
    MappingEntry,
    RiskModel,
)
from alphalab.sdl.models import ExitsSpec, SizingSpec


def test_orders_and_states_match_the_ledger_replay(client, auth, seeded):
    _, om = seeded
    rows = client.get("/api/orders", headers=auth["viewer"]).json()
    assert {r["client_id"]: r["status"] for r in rows} == {c: str(r.status) for c, r in om.book.orders.items()}
    assert sorted(r["status"] for r in rows) == ["acked", "filled", "filled", "new", "rejected"]
    only = client.get("/api/orders", params={"state": "filled"}, headers=auth["viewer"]).json()
    assert [r["symbol"] for r in only] == ["BTC/USDT", "ETH/USDT"]


def test_positions_equal_the_order_managers_derivation(client, auth, seeded):
    assert client.get("/api/positions", headers=auth["viewer"]).json() == seeded[1].derived_positions()
    assert seeded[1].derived_positions() == {"BTC/USDT": 2.0, "ETH/USDT": -3.0}


def test_fills_carry_price_fee_and_trade_id(client, auth):
    fills = client.get("/api/fills", headers=auth["viewer"]).json()
    assert [(f["symbol"], f["side"], f["quantity"], f["price"]) for f in fills] == [
        ("BTC/USDT", "buy", 2.0, 100.0), ("ETH/USDT", "sell", 3.0, 10.0)]
    assert [f["fee"] for f in fills] == [2.0 * 100.0 * 0.001, 3.0 * 10.0 * 0.001]
    after = client.get("/api/fills", params={"after_id": fills[0]["id"]}, headers=auth["viewer"]).json()
    assert [f["trade_id"] for f in after] == [fills[1]["trade_id"]]


def test_risk_events_list_the_denied_intent_with_its_rule(client, auth):
    ev = client.get("/api/risk-events", headers=auth["viewer"]).json()
    assert [(e["outcome"], e["rule"], e["quantity"]) for e in ev] == [("deny", "max_heat", 5.0)]


def test_status_counts(client, auth):
    st = client.get("/api/status", headers=auth["viewer"]).json()
    assert st["orders"]["filled"] == 2 and st["open_orders"] == 1 and st["unresolved"] == 0
    assert st["kill_switch"] == {"active": False}


def test_admin_kill_needs_confirmation_stops_the_manager_and_is_audited(app, client, auth, seeded):
    import asyncio

    import pytest

    from alphalab.live.manager import KillSwitchActive
    from alphalab.testing.service import intent

    assert client.post("/api/kill", json={"confirm": "yes"}, headers=auth["admin"]).status_code == 422
    assert client.post("/api/kill", json={}, headers=auth["admin"]).status_code == 422
    r = client.post("/api/kill", json={"confirm": "KILL", "reason": "drill"}, headers=auth["admin"])
    assert r.status_code == 200 and r.json()["active"] is True
    with pytest.raises(KillSwitchActive):  # the bot's own manager reads the switch from the ledger
        asyncio.run(seeded[1].submit(intent(99)))
    assert client.get("/api/status", headers=auth["viewer"]).json()["kill_switch"]["by"] == "admin"
    assert client.post("/api/resume", json={"confirm": "RESUME"}, headers=auth["admin"]).status_code == 200
    assert seeded[1].kill_state()["active"] is False
    audit = client.get("/api/audit", headers=auth["admin"]).json()
    assert [(a["action"], a["outcome"]) for a in audit[:2]] == [("resume", "ok"), ("kill", "ok")]
    assert audit[1]["detail"] == {"reason": "drill"} and audit[1]["actor"] == "admin (token)"


def test_trader_cancel_queues_a_request_only_for_open_orders(app, client, auth, seeded):
    open_id = next(r.intent.client_id for r in seeded[1].book.open_orders())
    filled_id = next(c for c, r in seeded[1].book.orders.items() if str(r.status) == "filled")
    assert client.post(f"/api/orders/{open_id}/cancel", headers=auth["trader"]).status_code == 200
    assert set(seeded[0].get_state("cancel_requests")) == {open_id}
    assert client.post(f"/api/orders/{filled_id}/cancel", headers=auth["trader"]).status_code == 409
    assert client.post("/api/orders/nope/cancel", headers=auth["trader"]).status_code == 404
    outcomes = [(a["target"], a["outcome"]) for a in app.state.svc.store.audit_rows()[:3]]
    assert outcomes == [("nope", "not_found"), (filled_id, "refused"), (open_id, "ok")]


def test_results_list_and_report_files_without_path_escape(app, client, auth):
    root = app.state.svc.settings.results
    run = root / "20261201T000000-ema"
    run.mkdir(parents=True)
    (run / "report.html").write_text("<html><body>ema report</body></html>")
    (run / "summary.json").write_text(json.dumps({"name": "EMA cross", "metrics": {"sharpe": 1.25}}))
    (root.parent / "secret.txt").write_text("no")
    res = client.get("/api/results", headers=auth["viewer"]).json()
    assert [(r["name"], r["strategy"], r["metrics"]) for r in res] == [("20261201T000000-ema", "EMA cross",
                                                                        {"sharpe": 1.25})]
    assert sorted(res[0]["files"]) == ["report.html", "summary.json"]
    body = client.get(f"/api/results/{res[0]['id']}/files/report.html", headers=auth["viewer"])
    assert body.status_code == 200 and "ema report" in body.text
    for bad in ("../../secret.txt", "..%2F..%2Fsecret.txt", "nothing.html"):
        assert client.get(f"/api/results/{res[0]['id']}/files/{bad}", headers=auth["viewer"]).status_code == 404


def test_mappings_are_parsed_and_a_broken_file_is_reported(app, client, auth):
    root = app.state.svc.settings.mappings
    root.mkdir(parents=True)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    entry = MappingEntry(asset="AAPL", timeframe="1d", strategy_id="ema_cross", strategy_name="EMA cross",
                         parameters={"fast": 10}, risk_model=RiskModel(sizing=SizingSpec(), exits=ExitsSpec()),
                         expected_performance=ExpectedPerformance(sharpe=1.0, trades=20),
                         data_range=DataRange(start=now, end=now, bars=252), created_at=now)
    BestConfigMapping(created_at=now, entries=[entry]).save(root / "good.json")
    (root / "bad.json").write_text("{not json")
    maps = {m["file"]: m for m in client.get("/api/mappings", headers=auth["viewer"]).json()}
    assert maps["good.json"]["error"] is None
    assert [(e["asset"], e["strategy"], e["parameters"]) for e in maps["good.json"]["entries"]] == [
        ("AAPL", "EMA cross", {"fast": 10})]
    assert maps["bad.json"]["error"] and maps["bad.json"]["entries"] == []


def test_openapi_lists_the_api(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/status", "/api/orders", "/api/fills", "/api/positions", "/api/risk-events", "/api/kill",
                 "/api/results", "/api/mappings", "/api/auth/login", "/metrics", "/healthz", "/readyz"):
        assert path in spec["paths"], path
    assert spec["paths"]["/api/kill"]["post"]["requestBody"]["required"] is True


def test_cancel_requests_accumulate_one_per_order(client, auth, seeded):
    import asyncio

    from alphalab.service import readmodel as rm
    from alphalab.testing.service import intent

    ledger, om = seeded
    rec = asyncio.run(om.submit(intent(40, order_type="limit", price=1.0)))  # a second resting order
    ids = sorted(r.intent.client_id for r in om.book.open_orders())
    assert rec.intent.client_id in ids and len(ids) == 2
    for cid in ids:
        rm.request_cancel(ledger, cid, "trader")
    assert sorted(ledger.get_state("cancel_requests")) == ids


def test_serve_user_cli_saves_a_user_that_can_log_in(app, client, seeded, monkeypatch, capsys):
    import io

    from alphalab.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO("long-password-1\n"))
    assert main(["serve-user", "ops", "--role", "trader", "--ledger", seeded[0].url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"user": "ops", "role": "trader"}
    r = client.post("/api/auth/login", json={"username": "ops", "password": "long-password-1"})
    assert r.status_code == 200
    me = client.get("/api/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me == {"username": "ops", "role": "trader", "via": "token"}


def test_status_page_shows_feed_ages_and_reconciliation(client, auth, seeded):
    import time

    login = client.post("/login", data={"username": "viewer", "password": "viewer-pass-1"}, follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/"
    ledger = seeded[0]
    now = time.time_ns()
    ledger.set_state("feeds", {"binance:BTC/USDT": now - 42 * 10**9}, now)
    ledger.set_state("reconciled", {"clean": False, "mismatches": 1}, now)
    page = client.get("/").text
    assert "binance:BTC/USDT" in page and "MISMATCH" in page
    assert "<td>42</td>" in page or "<td>43</td>" in page  # seconds since the last bar
    assert "kill-form" not in page  # a viewer is not offered the kill switch
