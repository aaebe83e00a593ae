"""The REST and WebSocket routes under ``/api`` (OpenAPI at ``/openapi.json``, docs at ``/docs``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from alphalab.core.errors import AlphaLabError, NotFoundError
from alphalab.service import readmodel as rm
from alphalab.service.security import require, resolve
from alphalab.service.store import Principal
from alphalab.service.tokens import TokenError

router = APIRouter(prefix="/api")
Viewer = Annotated[Principal, Depends(require("viewer"))]


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class Refresh(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4000)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class KillRequest(BaseModel):
    confirm: Literal["KILL"] = Field(description="must be the word KILL: the kill switch is never flipped by accident")
    reason: str = Field("manual, from the service", max_length=500)


class ResumeRequest(BaseModel):
    confirm: Literal["RESUME"]


class KeyRequest(BaseModel):
    role: Literal["viewer", "trader", "admin"] = "viewer"
    label: str = Field("", max_length=200)


def _svc(request: Request) -> Any:
    return request.app.state.svc


@router.post("/auth/login", response_model=TokenPair, tags=["auth"])
def login(body: Login, request: Request) -> dict[str, Any]:
    """Exchange a user name and password for an access token (short-lived) and a refresh token."""
    svc = _svc(request)
    who = svc.store.authenticate(body.username, body.password)
    if who is None:
        svc.store.audit(body.username, "login", "", "refused")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
    return svc.tokens.pair(who.username, who.role)


@router.post("/auth/refresh", response_model=TokenPair, tags=["auth"])
def refresh(body: Refresh, request: Request) -> dict[str, Any]:
    """Exchange a refresh token for a new pair (the role is read again from the user table)."""
    svc = _svc(request)
    try:
        claims = svc.tokens.check(body.refresh_token, "refresh")
    except TokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"refresh token refused: {exc}") from exc
    role = svc.store.user_role(claims["sub"])
    if role is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the user no longer exists")
    return svc.tokens.pair(claims["sub"], role)


@router.get("/me", tags=["auth"])
def me(who: Viewer) -> dict[str, str]:
    return {"username": who.username, "role": who.role, "via": who.via}


@router.post("/keys", tags=["auth"])
def create_key(body: KeyRequest, request: Request, who: Viewer) -> dict[str, str]:
    """Create a scoped API key (its role at most the caller's); the token is shown only here."""
    svc = _svc(request)
    if who.via != "token":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "API keys are created by a logged-in user, not by a key")
    try:
        token = svc.store.create_key(who.username, body.role, body.label)
    except AlphaLabError as exc:
        svc.store.audit(who, "create_key", body.role, "forbidden")
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    svc.store.audit(who, "create_key", body.role, "ok", label=body.label)
    return {"api_key": token, "role": body.role}


@router.get("/status", tags=["live"])
def get_status(request: Request, _: Viewer) -> dict[str, Any]:
    """Kill switch, order counts, positions, outbox, account and feed state of the bot."""
    return rm.status(_svc(request).ledger)


@router.get("/orders", tags=["live"])
def get_orders(request: Request, _: Viewer,
               state: Annotated[str | None, Query(max_length=32)] = None) -> list[dict[str, Any]]:
    """Every order in the ledger with its derived state (optionally one state)."""
    return rm.orders(_svc(request).ledger, state)


@router.get("/fills", tags=["live"])
def get_fills(request: Request, _: Viewer, after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
              limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> list[dict[str, Any]]:
    return rm.fills(_svc(request).ledger, after_id, limit)


@router.get("/positions", tags=["live"])
def get_positions(request: Request, _: Viewer) -> dict[str, float]:
    return rm.positions(_svc(request).ledger)


@router.get("/risk-events", tags=["live"])
def get_risk_events(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Intents the risk gate resized or denied, with the rule."""
    return rm.risk_events(_svc(request).ledger)


@router.get("/alerts", tags=["live"])
def get_alerts(request: Request, _: Viewer, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    from alphalab.alerts.outbox import Outbox

    box = Outbox(_svc(request).ledger)
    rows = box.rows()[-limit:]
    keep = ("id", "channel", "topic", "severity", "subject", "status", "attempts", "created_ns", "delivered_ns",
            "last_error")
    return {"counts": box.counts(), "rows": [{k: r[k] for k in keep} for r in reversed(rows)]}


@router.get("/audit", tags=["control"])
def get_audit(request: Request, _: Annotated[Principal, Depends(require("admin"))]) -> list[dict[str, Any]]:
    return _svc(request).store.audit_rows()


@router.post("/kill", tags=["control"])
def kill(body: KillRequest, request: Request,
         who: Annotated[Principal, Depends(require("admin", "kill"))]) -> dict[str, Any]:
    """Turn the kill switch on (admin, with ``confirm: "KILL"``); the bot stops new orders at once."""
    svc = _svc(request)
    state = rm.request_kill(svc.ledger, who.username, body.reason)
    svc.store.audit(who, "kill", "", "ok", reason=body.reason)
    return state


@router.post("/resume", tags=["control"])
def resume(body: ResumeRequest, request: Request,
           who: Annotated[Principal, Depends(require("admin", "resume"))]) -> dict[str, Any]:
    """Lift the kill switch (admin, with ``confirm: "RESUME"``)."""
    svc = _svc(request)
    state = rm.request_resume(svc.ledger, who.username)
    svc.store.audit(who, "resume", "", "ok")
    return state


@router.post("/orders/{client_id}/cancel", tags=["control"])
def cancel(client_id: str, request: Request,
           who: Annotated[Principal, Depends(require("trader", "cancel"))]) -> dict[str, Any]:
    """Ask the bot to cancel one open order (trader or admin); the request is stored in the ledger."""
    svc = _svc(request)
    try:
        req = rm.request_cancel(svc.ledger, client_id, who.username)
    except NotFoundError as exc:
        svc.store.audit(who, "cancel", client_id, "not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except AlphaLabError as exc:
        svc.store.audit(who, "cancel", client_id, "refused")
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    svc.store.audit(who, "cancel", client_id, "ok")
    return {"client_id": client_id, **req}


@router.get("/results", tags=["research"])
def get_results(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Backtest and research result folders under the home, newest first, with their report files."""
    return rm.results(_svc(request).settings.results)


@router.get("/results/{result_id}/files/{name:path}", tags=["research"], response_class=FileResponse)
def get_result_file(result_id: str, name: str, request: Request, _: Viewer) -> FileResponse:
    try:
        path = rm.result_file(_svc(request).settings.results, result_id, name)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return FileResponse(path)


@router.get("/mappings", tags=["research"])
def get_mappings(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Best-config mapping files under the home's ``mappings`` folder."""
    return rm.mappings(_svc(request).settings.mappings)


@router.websocket("/ws")
async def live(ws: WebSocket, since: int = 0, epoch: str | None = None) -> None:
    """Live updates; resume with ``?since=<last seq>&epoch=<epoch>`` (token in ``?token=`` or the cookie)."""
    who = resolve(ws)
    if who is None:
        await ws.close(code=4401, reason="a valid token is needed")
        return
    svc = ws.app.state.svc
    await ws.accept()
    sub = svc.hub.subscribe()
    svc.metrics.ws_clients.inc()
    try:
        missed = svc.hub.missed(since, epoch)
        last = since
        if missed is None:
            last = svc.hub.seq  # taken before the snapshot is read: nothing after it is skipped
            snap = await asyncio.to_thread(rm.status, svc.ledger)
            await ws.send_json({"seq": last, "epoch": svc.hub.epoch, "type": "snapshot", "data": snap})
            missed = []
        for msg in missed:
            await ws.send_json(msg)
            last = msg["seq"]
        await _stream(ws, sub, last)
    except WebSocketDisconnect:
        pass
    finally:
        svc.hub.unsubscribe(sub)
        svc.metrics.ws_clients.dec()


async def _stream(ws: WebSocket, sub: Any, last: int) -> None:
    """Send the subscriber's messages until the client leaves, the server shuts down or the hub drops it."""

    async def pump() -> None:
        seq = last
        while not sub.dropped:
            try:
                n, text = await asyncio.wait_for(sub.queue.get(), 1.0)
            except TimeoutError:
                continue
            if n > seq:
                await ws.send_text(text)
                seq = n

    async def watch() -> None:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass  # clients have nothing to say; a message is ignored

    tasks = {asyncio.create_task(pump()), asyncio.create_task(watch())}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    for t in done:
        exc = t.exception()
        if exc is not None and not isinstance(exc, WebSocketDisconnect):
            raise exc
