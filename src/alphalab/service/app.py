"""The FastAPI application: API, WebSocket, metrics, health probes and the dashboard on one ledger."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from alphalab.live.ledger import Ledger
from alphalab.service import readmodel as rm
from alphalab.service.hub import LiveHub
from alphalab.service.metrics import ServiceMetrics
from alphalab.service.security import require
from alphalab.service.settings import ServiceSettings
from alphalab.service.store import Principal, ServiceStore
from alphalab.service.tokens import Tokens

STATIC = Path(__file__).with_name("static")


@dataclass
class Service:
    """Everything the routes share."""

    settings: ServiceSettings
    ledger: Ledger
    store: ServiceStore
    tokens: Tokens
    hub: LiveHub
    metrics: ServiceMetrics


def build_service(settings: ServiceSettings, ledger: Ledger | None = None) -> Service:
    led = ledger if ledger is not None else Ledger(settings.ledger_url)
    store = ServiceStore(led.engine, time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    return Service(settings, led, store,
                   Tokens(settings.secret, settings.access_ttl_s, settings.refresh_ttl_s),
                   LiveHub(settings.replay_buffer), ServiceMetrics(led))


def create_app(settings: ServiceSettings, *, ledger: Ledger | None = None, poll: bool = True) -> FastAPI:
    """Build the app on ``settings`` (the ledger is opened from ``settings.ledger_url`` unless given).

    With ``poll`` the live-update poller runs while the app is served; tests that drive the hub
    by hand pass ``poll=False``.
    """
    from alphalab.service import api, dashboard

    svc = build_service(settings, ledger)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(svc.hub.run(svc.ledger, settings.poll_interval_s)) if poll else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="AlphaLab service", version="1", lifespan=lifespan,
                  description="Operate a bot: status, orders, fills, positions, risk events, kill switch, "
                              "results and mappings; live updates over WebSocket; Prometheus metrics.")
    app.state.svc = svc
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", tags=["probes"])
    def healthz() -> dict[str, str]:
        """Alive: the process answers (no token needed, nothing about the bot is disclosed)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["probes"])
    def readyz() -> JSONResponse:
        """Ready: the ledger answers, the last reconciliation was clean and the feeds are fresh (when known)."""
        checks = readiness(svc)
        ok = all(c["ok"] for c in checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["probes"], response_class=Response)
    def metrics(_: Annotated[Principal, Depends(require("viewer"))]) -> Response:
        """Prometheus text format (scrape with a viewer API key as bearer token)."""
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(svc.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return app


def readiness(svc: Service) -> dict[str, dict[str, Any]]:
    """Each readiness check with ``ok`` and a short ``detail``."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with svc.ledger.engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        checks["ledger"] = {"ok": False, "detail": type(exc).__name__}
        return checks
    checks["ledger"] = {"ok": True, "detail": "reachable"}
    rec = svc.ledger.get_state(rm.RECONCILED_KEY)
    if isinstance(rec, dict):
        checks["reconciled"] = {"ok": bool(rec.get("clean")), "detail": rec}
    feeds = svc.ledger.get_state(rm.FEEDS_KEY)
    if isinstance(feeds, dict):
        now = time.time_ns()
        stale = {k: round((now - v) / 1e9, 1) for k, v in feeds.items()
                 if isinstance(v, int | float) and (now - v) / 1e9 > svc.settings.feed_stale_s}
        checks["feeds"] = {"ok": not stale, "detail": {"stale_s": stale, "limit_s": svc.settings.feed_stale_s}}
    return checks
