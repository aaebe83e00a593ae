"""/metrics in Prometheus text format, /healthz and /readyz, and the shipped Grafana dashboard."""

from __future__ import annotations

import json
import re
import time
from importlib import resources

import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from alphalab.alerts.outbox import Alert, Outbox
from alphalab.service.metrics import METRIC_NAMES


def _scrape(client, headers):
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for fam in text_string_to_metric_families(r.text):
        out[(fam.name, ("family",))] = 0.0  # a family with no samples yet still exists (HELP/TYPE)
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_match_the_ledger(client, auth, seeded):
    ledger, om = seeded
    Outbox(ledger).enqueue(Alert(key="k1", topic="fill", subject="s", body="b"), ["log", "webhook"], time.time_ns())
    m = _scrape(client, auth["viewer"])
    by_state = {dict(k[1])["state"]: v for k, v in m.items() if k[0] == "alphalab_orders" and k[1] != ("family",)}
    expected = {}
    for rec in om.book.orders.values():
        expected[str(rec.status)] = expected.get(str(rec.status), 0) + 1
    assert {s: n for s, n in by_state.items() if n} == expected
    assert m[("alphalab_orders_unresolved", ())] == 0 and m[("alphalab_orders_open", ())] == 1
    assert m[("alphalab_outbox_depth", ())] == 2
    assert m[("alphalab_risk_denials_total", (("rule", "max_heat"),))] == 1
    assert m[("alphalab_fills_total", ())] == 2 and m[("alphalab_kill_switch_active", ())] == 0
    assert m[("alphalab_ledger_up", ())] == 1
    # 4 orders reached the venue: 4 decision->submit and 4 submit->ack/reject observations
    assert m[("alphalab_decision_submit_latency_seconds_count", ())] == 4
    assert m[("alphalab_submit_ack_latency_seconds_count", ())] == 4
    again = _scrape(client, auth["viewer"])  # each order is observed once, not on every scrape
    assert again[("alphalab_submit_ack_latency_seconds_count", ())] == 4


def test_equity_drawdown_and_feed_staleness_from_bot_state(client, auth, seeded):
    ledger = seeded[0]
    now = time.time_ns()
    ledger.set_state("account", {"equity": 9000.0, "high_water_mark": 12000.0}, now)
    ledger.set_state("feeds", {"binance:BTC/USDT": now - 30 * 10**9}, now)
    m = _scrape(client, auth["viewer"])
    assert m[("alphalab_equity", ())] == 9000.0
    assert abs(m[("alphalab_drawdown", ())] - 0.25) < 1e-12
    stale = m[("alphalab_feed_staleness_seconds", (("feed", "binance:BTC/USDT"),))]
    assert 29.0 < stale < 120.0


def test_healthz_is_open_and_readyz_follows_reconciliation_and_feeds(client, seeded):
    ledger = seeded[0]
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    now = time.time_ns()
    ledger.set_state("reconciled", {"clean": False, "mismatches": 1}, now)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["reconciled"]["ok"] is False
    ledger.set_state("reconciled", {"clean": True, "mismatches": 0}, now)
    ledger.set_state("feeds", {"f": now - 3600 * 10**9}, now)
    r = client.get("/readyz")
    assert r.status_code == 503 and "f" in r.json()["checks"]["feeds"]["detail"]["stale_s"]
    ledger.set_state("feeds", {"f": now}, now)
    assert client.get("/readyz").status_code == 200


def test_readyz_and_metrics_say_when_the_ledger_is_unreachable(app, client, auth, tmp_path, monkeypatch):
    svc = app.state.svc
    headers = auth["viewer"]
    good = svc.ledger.engine
    dead = sa.create_engine(f"sqlite:///{tmp_path}/no/such/dir/ledger.sqlite")
    monkeypatch.setattr(svc.ledger, "engine", dead)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["ledger"]["ok"] is False
    monkeypatch.setattr(svc.store, "engine", good)  # the token check still works; only the ledger is gone
    m = _scrape(client, headers)
    assert m[("alphalab_ledger_up", ())] == 0


def test_grafana_dashboard_references_only_exported_metrics(client, auth, seeded):
    seeded[0].set_state("account", {"equity": 1.0, "high_water_mark": 2.0}, 1)
    seeded[0].set_state("feeds", {"f": 1}, 1)
    seeded[0].set_state("reconciled", {"clean": True, "mismatches": 0}, 1)
    text = resources.files("alphalab.service").joinpath("grafana/alphalab.json").read_text()
    dash = json.loads(text)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 8
    used = {name for e in exprs for name in re.findall(r"\balphalab_[a-z_]+", e)}
    scraped = {k[0] for k in _scrape(client, auth["viewer"])}
    assert used <= scraped, used - scraped  # each sample name the dashboard queries is really scraped
    for name in used:  # every metric the dashboard plots is one the service documents
        assert any(name == m or name.startswith(m + "_") for m in METRIC_NAMES), name
