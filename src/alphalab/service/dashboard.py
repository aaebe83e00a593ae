"""The server-rendered dashboard: login, live status, orders, backtests and reports, mappings, alerts.

Pages are Jinja2 templates rendered from the same read model as the API; the only script is the
package's own ``static/live.js`` (no CDN), which follows the WebSocket and refreshes the counters.
The session is a pair of HttpOnly, SameSite=Strict cookies holding the access and refresh tokens.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from alphalab.core.errors import NotFoundError
from alphalab.service import readmodel as rm
from alphalab.service.security import ACCESS_COOKIE, REFRESH_COOKIE, resolve
from alphalab.service.store import Principal
from alphalab.service.tokens import TokenError

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def _page(request: Request, name: str, who: Principal, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"who": who, "page": name.removesuffix(".html"), **ctx})


def _session(request: Request) -> tuple[Principal | None, dict[str, Any] | None]:
    """The page's principal; an expired access cookie is renewed from the refresh cookie."""
    who = resolve(request)
    if who is not None:
        return who, None
    svc = request.app.state.svc
    raw = request.cookies.get(REFRESH_COOKIE)
    if not raw:
        return None, None
    try:
        claims = svc.tokens.check(raw, "refresh")
    except TokenError:
        return None, None
    role = svc.store.user_role(claims["sub"])
    if role is None:
        return None, None
    return Principal(claims["sub"], role, "token"), svc.tokens.pair(claims["sub"], role)


def _set_cookies(resp: Response, pair: dict[str, Any], svc: Any) -> None:
    opts = {"httponly": True, "samesite": "strict", "path": "/"}
    resp.set_cookie(ACCESS_COOKIE, pair["access_token"], max_age=svc.settings.access_ttl_s, **opts)  # type: ignore[arg-type]
    resp.set_cookie(REFRESH_COOKIE, pair["refresh_token"], max_age=svc.settings.refresh_ttl_s, **opts)  # type: ignore[arg-type]


def _view(request: Request, name: str, build: Any) -> Response:
    who, renewed = _session(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    resp = _page(request, name, who, **build(request.app.state.svc))
    if renewed is not None:
        _set_cookies(resp, renewed, request.app.state.svc)
    return resp


@router.get("/login")
def login_page(request: Request, error: str = "") -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": error, "who": None, "page": "login"})


@router.post("/login")
def login_submit(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    svc = request.app.state.svc
    who = svc.store.authenticate(username, password)
    if who is None:
        svc.store.audit(username, "login", "dashboard", "refused")
        return RedirectResponse("/login?error=1", status_code=303)
    resp = RedirectResponse("/", status_code=303)
    _set_cookies(resp, svc.tokens.pair(who.username, who.role), svc)
    return resp


@router.post("/logout")
def logout() -> Response:
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(ACCESS_COOKIE, path="/")
    resp.delete_cookie(REFRESH_COOKIE, path="/")
    return resp


@router.get("/")
def status_page(request: Request) -> Response:
    def build(svc: Any) -> dict[str, Any]:
        st = rm.status(svc.ledger)
        now = time.time_ns()
        feeds = st["feeds"] if isinstance(st["feeds"], dict) else {}
        ages = {k: (now - v) / 1e9 for k, v in sorted(feeds.items()) if isinstance(v, int | float)}
        return {"st": st, "feed_ages": ages, "orders": rm.orders(svc.ledger)[-50:][::-1],
                "risk": rm.risk_events(svc.ledger)[-20:][::-1]}

    return _view(request, "status.html", build)


@router.get("/orders")
def orders_page(request: Request) -> Response:
    return _view(request, "orders.html", lambda svc: {"orders": rm.orders(svc.ledger)[::-1],
                                                       "fills": rm.fills(svc.ledger)[::-1]})


@router.get("/backtests")
def backtests_page(request: Request) -> Response:
    return _view(request, "backtests.html", lambda svc: {"results": rm.results(svc.settings.results)})


@router.get("/backtests/{result_id}")
def backtest_page(request: Request, result_id: str) -> Response:
    def build(svc: Any) -> dict[str, Any]:
        found = [r for r in rm.results(svc.settings.results) if r["id"] == result_id]
        if not found:
            raise NotFoundError(f"no result {result_id!r}")
        return {"r": found[0]}

    try:
        return _view(request, "backtest.html", build)
    except NotFoundError:
        return RedirectResponse("/backtests", status_code=303)


@router.get("/mappings")
def mappings_page(request: Request) -> Response:
    return _view(request, "mappings.html", lambda svc: {"mappings": rm.mappings(svc.settings.mappings)})


@router.get("/alerts")
def alerts_page(request: Request) -> Response:
    from alphalab.alerts.outbox import Outbox

    def build(svc: Any) -> dict[str, Any]:
        box = Outbox(svc.ledger)
        return {"counts": box.counts(), "rows": box.rows()[-200:][::-1]}

    return _view(request, "alerts.html", build)


@router.post("/ui/kill")
def ui_kill(request: Request, confirm: Annotated[str, Form()] = "",
            reason: Annotated[str, Form(max_length=500)] = "from the dashboard") -> Response:
    """The dashboard's kill switch: admin only, and the word KILL typed in the form."""
    svc = request.app.state.svc
    who, _ = _session(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.allows("admin") or confirm != "KILL":
        svc.store.audit(who, "kill", "dashboard", "forbidden" if not who.allows("admin") else "unconfirmed")
        return RedirectResponse("/?kill=refused", status_code=303)
    rm.request_kill(svc.ledger, who.username, reason)
    svc.store.audit(who, "kill", "dashboard", "ok", reason=reason)
    return RedirectResponse("/?kill=on", status_code=303)
