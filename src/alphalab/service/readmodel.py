"""What the service shows, read from the ledger and the home: orders, fills, positions, risk events, results.

Nothing here writes to the bot's tables except :func:`request_kill`, :func:`request_resume` and
:func:`request_cancel`, which store control requests in ``bot_state`` exactly as the order manager
reads them (the kill switch) or as the runtime consumes them (``cancel_requests``).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alphalab.core.errors import NotFoundError
from alphalab.live.ledger import Ledger
from alphalab.live.orders import OrderRecord, OrderStatus

KILL_KEY = "kill_switch"  # alphalab.live.manager.KILL_KEY (not imported: the manager pulls in the venue layer)
BASELINE_KEY = "position_baseline"
CANCEL_KEY = "cancel_requests"
RECONCILED_KEY = "reconciled"
FEEDS_KEY = "feeds"
ACCOUNT_KEY = "account"
REPORT_SUFFIXES = {".html", ".json", ".csv", ".png", ".svg", ".txt", ".md"}


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def order_dict(rec: OrderRecord) -> dict[str, Any]:
    i = rec.intent
    return {"client_id": i.client_id, "strategy": i.strategy, "symbol": i.symbol, "timeframe": i.timeframe,
            "side": i.side, "order_type": i.order_type, "quantity": i.quantity, "price": _num(i.price),
            "status": str(rec.status), "filled_qty": rec.filled_qty, "avg_price": _num(rec.avg_price),
            "fees": rec.fees, "verdict": i.verdict, "reason": rec.reason or i.reason, "created_ns": i.created_ns,
            "updated_ns": rec.updated_ns}


def orders(ledger: Ledger, status: str | None = None) -> list[dict[str, Any]]:
    book = ledger.load_book()
    rows = [order_dict(r) for r in book.orders.values()]
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    return sorted(rows, key=lambda r: (r["created_ns"], r["client_id"]))


def order_counts(ledger: Ledger) -> dict[str, int]:
    counts = {str(s): 0 for s in OrderStatus}
    for rec in ledger.load_book().orders.values():
        counts[str(rec.status)] += 1
    return counts


def fills(ledger: Ledger, after_id: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    from alphalab.live.schema import intents
    from alphalab.live.schema import order_events as ev

    q = (sa.select(ev.c.id, ev.c.client_id, ev.c.t_ns, ev.c.quantity, ev.c.price, ev.c.fee, ev.c.trade_id,
                   intents.c.symbol, intents.c.side, intents.c.strategy)
         .join(intents, intents.c.client_id == ev.c.client_id)
         .where(ev.c.kind == "fill", ev.c.id > after_id).order_by(ev.c.id).limit(limit))
    with ledger.engine.connect() as c:
        return [dict(r) for r in c.execute(q).mappings()]


def positions(ledger: Ledger) -> dict[str, float]:
    """Positions implied by the stored baseline plus every fill in the ledger (as the order manager derives them)."""
    pos = {k: float(v) for k, v in (ledger.get_state(BASELINE_KEY) or {}).items()}
    for f in fills(ledger, limit=10**9):
        pos[f["symbol"]] = pos.get(f["symbol"], 0.0) + (1.0 if f["side"] == "buy" else -1.0) * f["quantity"]
    return {k: v for k, v in sorted(pos.items()) if abs(v) > 1e-12}


def risk_events(ledger: Ledger) -> list[dict[str, Any]]:
    """Intents the risk gate resized or denied (their ``verdict``), newest last."""
    out = []
    for i in ledger.intents():
        if i.verdict == "approve":
            continue
        outcome, _, rule = i.verdict.partition(":")
        out.append({"client_id": i.client_id, "strategy": i.strategy, "symbol": i.symbol, "outcome": outcome,
                    "rule": rule or "none", "quantity": i.quantity, "reason": i.reason, "created_ns": i.created_ns})
    return out


def denials_by_rule(ledger: Ledger) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in risk_events(ledger):
        if e["outcome"] == "deny":
            out[e["rule"]] = out.get(e["rule"], 0) + 1
    return out


def kill_state(ledger: Ledger) -> dict[str, Any]:
    return ledger.get_state(KILL_KEY, {"active": False})


def status(ledger: Ledger) -> dict[str, Any]:
    from alphalab.alerts.outbox import Outbox

    counts = order_counts(ledger)
    outbox = Outbox(ledger).counts()
    return {"kill_switch": kill_state(ledger), "orders": counts,
            "open_orders": sum(n for s, n in counts.items() if OrderStatus(s).is_open),
            "unresolved": counts[str(OrderStatus.UNRESOLVED)], "positions": positions(ledger),
            "outbox": outbox, "outbox_depth": outbox.get("pending", 0) + outbox.get("delivering", 0),
            "account": ledger.get_state(ACCOUNT_KEY), "reconciled": ledger.get_state(RECONCILED_KEY),
            "feeds": ledger.get_state(FEEDS_KEY), "cancel_requests": ledger.get_state(CANCEL_KEY, {})}


# -- control requests ---------------------------------------------------------------------------
def request_kill(ledger: Ledger, actor: str, reason: str) -> dict[str, Any]:
    now = time.time_ns()
    state = {"active": True, "reason": reason, "at_ns": now, "flatten": False, "by": actor}
    ledger.set_state(KILL_KEY, state, now)
    return state


def request_resume(ledger: Ledger, actor: str) -> dict[str, Any]:
    now = time.time_ns()
    state = {"active": False, "at_ns": now, "by": actor}
    ledger.set_state(KILL_KEY, state, now)
    return state


def request_cancel(ledger: Ledger, client_id: str, actor: str) -> dict[str, Any]:
    """Queue a cancel of an open order for the bot (it cancels at the venue and clears the request)."""
    from alphalab.core.errors import ConfigError

    book = ledger.load_book()
    if client_id not in book.orders:
        raise NotFoundError(f"no order with client id {client_id!r} in the ledger", hint="GET /api/orders lists them")
    rec = book.orders[client_id]
    if not rec.status.is_open and rec.status is not OrderStatus.NEW:
        raise ConfigError(f"order {client_id} is {rec.status}; only open orders can be cancelled")
    from alphalab.live.schema import bot_state

    now = time.time_ns()
    with ledger.transaction() as c:  # read and write in one transaction: two cancels never lose one
        q = sa.select(bot_state.c.value).where(bot_state.c.key == CANCEL_KEY)
        if c.dialect.name == "postgresql":
            q = q.with_for_update()
        raw = c.execute(q).scalar()
        pending = dict(json.loads(raw)) if raw else {}
        pending[client_id] = {"by": actor, "at_ns": now}
        ledger.set_state(CANCEL_KEY, pending, now, conn=c)
    return pending[client_id]


# -- results under the home ---------------------------------------------------------------------
def _meta(d: Path) -> dict[str, Any]:
    for name in ("summary.json", "metrics.json", "meta.json"):
        p = d / name
        if p.is_file():
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            return data if isinstance(data, dict) else {}
    return {}


def results(root: Path) -> list[dict[str, Any]]:
    """Result folders under ``root`` (one level, and ``research/<name>``), newest first."""
    if not root.is_dir():
        return []
    dirs = [d for d in root.iterdir() if d.is_dir() and d.name != "research"]
    if (root / "research").is_dir():
        dirs += [d for d in (root / "research").iterdir() if d.is_dir()]
    out = []
    for d in dirs:
        files = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file() and p.suffix in REPORT_SUFFIXES)
        meta = _meta(d)
        out.append({"id": d.relative_to(root).as_posix().replace("/", "~"), "name": d.name,
                    "kind": "research" if d.parent.name == "research" else "backtest",
                    "modified_ns": d.stat().st_mtime_ns, "files": files,
                    "metrics": meta.get("metrics") if isinstance(meta.get("metrics"), dict) else {},
                    "strategy": meta.get("name") or meta.get("strategy") or meta.get("meta", {}).get("strategy", "")})
    return sorted(out, key=lambda r: -r["modified_ns"])


def result_file(root: Path, result_id: str, name: str) -> Path:
    """The file ``name`` of result ``result_id``; nothing outside the results folder is ever served."""
    base = root.resolve()
    target = (base / result_id.replace("~", "/") / name).resolve()
    if not target.is_relative_to(base) or not target.is_file() or target.suffix not in REPORT_SUFFIXES:
        raise NotFoundError(f"result file {result_id}/{name} does not exist", hint="GET /api/results lists them")
    return target


def mappings(root: Path) -> list[dict[str, Any]]:
    """Best-config mapping files under ``root``, parsed (a broken file is listed with its error)."""
    from alphalab.core.errors import AlphaLabError
    from alphalab.research.mapping import load_mapping

    out: list[dict[str, Any]] = []
    for p in sorted(root.glob("*.json")) if root.is_dir() else []:
        try:
            m = load_mapping(p)
        except AlphaLabError as exc:
            out.append({"file": p.name, "error": str(exc), "entries": []})
            continue
        entries = [{"asset": e.asset, "timeframe": e.timeframe, "regime": e.regime, "strategy": e.strategy_name
                    or e.strategy_id, "strategy_id": e.strategy_id, "parameters": e.parameters, "rank": e.rank}
                   for e in m.entries]
        out.append({"file": p.name, "created_at": m.created_at.isoformat(), "source": m.source, "entries": entries,
                    "error": None})
    return out
