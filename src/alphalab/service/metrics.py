"""Prometheus metrics of the bot, read from its ledger at scrape time (text exposition format).

Gauges are computed from the ledger on each scrape (orders by state, unresolved orders, outbox
depth, risk denials by rule, kill switch, equity and drawdown when the bot stores its account,
feed staleness, reconciliation). The latency histograms are fed from the ledger's own
timestamps: intent written → ``submitted`` (decision to submit) and ``submitted`` → ``ack`` /
``reject`` (submit to acknowledgement), each order observed once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from alphalab.live.ledger import Ledger
from alphalab.service import readmodel as rm

_LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# Every metric name the service exports (the Grafana dashboard test checks against this list).
METRIC_NAMES = (
    "alphalab_orders", "alphalab_orders_unresolved", "alphalab_orders_open", "alphalab_outbox_depth",
    "alphalab_outbox_rows", "alphalab_risk_denials_total", "alphalab_risk_resizes_total",
    "alphalab_kill_switch_active", "alphalab_equity", "alphalab_drawdown", "alphalab_reconciled",
    "alphalab_reconciliation_mismatches", "alphalab_feed_staleness_seconds", "alphalab_fills_total",
    "alphalab_decision_submit_latency_seconds", "alphalab_submit_ack_latency_seconds",
    "alphalab_ws_clients", "alphalab_ledger_up",
)


class LedgerCollector(Collector):
    """Gauges and counters computed from the ledger when Prometheus scrapes."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("alphalab_ledger_up", "1 when the ledger database answered this scrape")
        try:
            families = list(self._families())
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        yield from families

    def _families(self) -> Iterator[Any]:
        st = rm.status(self.ledger)
        orders = GaugeMetricFamily("alphalab_orders", "Orders in the ledger by state", labels=["state"])
        for state, n in st["orders"].items():
            orders.add_metric([state], n)
        yield orders
        yield _gauge("alphalab_orders_unresolved", "Orders whose venue state is unknown", st["unresolved"])
        yield _gauge("alphalab_orders_open", "Orders the venue may still hold", st["open_orders"])
        yield _gauge("alphalab_outbox_depth", "Alerts waiting for delivery (pending + delivering)", st["outbox_depth"])
        rows = GaugeMetricFamily("alphalab_outbox_rows", "Alert outbox rows by status", labels=["status"])
        for s, n in sorted(st["outbox"].items()):
            rows.add_metric([s], n)
        yield rows
        yield from self._risk()
        yield _gauge("alphalab_kill_switch_active", "1 while the kill switch is on", float(bool(st["kill_switch"].get("active"))))
        yield from _account(st)
        yield from _feeds(st)
        fills = CounterMetricFamily("alphalab_fills", "Fills recorded in the ledger")
        fills.add_metric([], len(rm.fills(self.ledger, limit=10**9)))
        yield fills

    def _risk(self) -> Iterator[Any]:
        denials = CounterMetricFamily("alphalab_risk_denials", "Intents denied by the risk gate, by rule", labels=["rule"])
        resizes = CounterMetricFamily("alphalab_risk_resizes", "Intents resized by the risk gate, by rule", labels=["rule"])
        by: dict[tuple[str, str], int] = {}
        for e in rm.risk_events(self.ledger):
            by[(e["outcome"], e["rule"])] = by.get((e["outcome"], e["rule"]), 0) + 1
        for (outcome, rule), n in sorted(by.items()):
            (denials if outcome == "deny" else resizes).add_metric([rule], n)
        yield denials
        yield resizes


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc)
    g.add_metric([], float(value))
    return g


def _account(st: dict[str, Any]) -> Iterator[Any]:
    acct = st.get("account") or {}
    if isinstance(acct, dict) and isinstance(acct.get("equity"), int | float):
        eq = float(acct["equity"])
        yield _gauge("alphalab_equity", "Account equity the bot last stored", eq)
        hwm = acct.get("high_water_mark")
        if isinstance(hwm, int | float) and hwm > 0:
            yield _gauge("alphalab_drawdown", "Drawdown from the high-water mark (fraction)", max(0.0, 1.0 - eq / float(hwm)))


def _feeds(st: dict[str, Any]) -> Iterator[Any]:
    rec = st.get("reconciled")
    if isinstance(rec, dict):
        yield _gauge("alphalab_reconciled", "1 when the last reconciliation was clean", float(bool(rec.get("clean"))))
        yield _gauge("alphalab_reconciliation_mismatches", "Position mismatches found by the last reconciliation",
                     float(rec.get("mismatches", 0)))
    feeds = st.get("feeds")
    if isinstance(feeds, dict) and feeds:
        g = GaugeMetricFamily("alphalab_feed_staleness_seconds", "Seconds since each feed's last bar", labels=["feed"])
        now = time.time_ns()
        for name, last_ns in sorted(feeds.items()):
            if isinstance(last_ns, int | float):
                g.add_metric([name], max(0.0, (now - float(last_ns)) / 1e9))
        yield g


class ServiceMetrics:
    """The registry one app exports: the ledger collector plus latency histograms and live gauges."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(LedgerCollector(ledger))
        self.decision_submit = Histogram("alphalab_decision_submit_latency_seconds",
                                         "Intent written to venue call started", buckets=_LATENCY_BUCKETS,
                                         registry=self.registry)
        self.submit_ack = Histogram("alphalab_submit_ack_latency_seconds", "Venue call started to ack or reject",
                                    buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.ws_clients = Gauge("alphalab_ws_clients", "Connected WebSocket clients", registry=self.registry)
        self._cursor = 0
        self._submitted: dict[str, int] = {}

    def feed_latencies(self) -> int:
        """Observe the latencies of order events appended since the last call; return how many."""
        from alphalab.live.schema import intents
        from alphalab.live.schema import order_events as ev

        q = (sa.select(ev.c.id, ev.c.client_id, ev.c.kind, ev.c.t_ns, intents.c.created_ns)
             .join(intents, intents.c.client_id == ev.c.client_id)
             .where(ev.c.id > self._cursor, ev.c.kind.in_(("submitted", "ack", "reject"))).order_by(ev.c.id))
        n = 0
        with self.ledger.engine.connect() as c:
            for row in c.execute(q).mappings():
                self._cursor = row["id"]
                if row["kind"] == "submitted":
                    self._submitted[row["client_id"]] = row["t_ns"]
                    self.decision_submit.observe(max(0, row["t_ns"] - row["created_ns"]) / 1e9)
                elif row["client_id"] in self._submitted:
                    self.submit_ack.observe(max(0, row["t_ns"] - self._submitted.pop(row["client_id"])) / 1e9)
                n += 1
        return n

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        with suppress(sa.exc.SQLAlchemyError):  # alphalab_ledger_up says the ledger is down
            self.feed_latencies()
        return generate_latest(self.registry)
