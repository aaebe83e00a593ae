"""Who is calling and what they may do: bearer JWTs, API keys or the dashboard's cookie; role checks."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request, WebSocket, status

from alphalab.service.store import Principal
from alphalab.service.tokens import TokenError

ACCESS_COOKIE = "alphalab_access"
REFRESH_COOKIE = "alphalab_refresh"


def _raw_token(conn: Request | WebSocket) -> str | None:
    auth = conn.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if isinstance(conn, WebSocket) and conn.query_params.get("token"):
        return conn.query_params["token"]
    return conn.cookies.get(ACCESS_COOKIE)


def resolve(conn: Request | WebSocket) -> Principal | None:
    """The principal behind a request's token, or None (no token, bad token, expired, revoked)."""
    svc = conn.app.state.svc
    token = _raw_token(conn)
    if not token:
        return None
    if token.startswith("alk_"):
        return svc.store.check_key(token)
    try:
        claims = svc.tokens.check(token, "access")
    except TokenError:
        return None
    role = svc.store.user_role(claims["sub"])  # a deleted user's tokens die with the user
    return None if role is None else Principal(claims["sub"], role, "token")


def principal(request: Request) -> Principal:
    who = resolve(request)
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid bearer token or API key is needed",
                            headers={"WWW-Authenticate": "Bearer"})
    return who


def require(role: str, action: str | None = None) -> Callable[[Request], Principal]:
    """A dependency that lets ``role`` or stronger through; a refused control action is audited."""

    def dep(request: Request) -> Principal:
        who = principal(request)
        if not who.allows(role):
            if action is not None:
                target = request.path_params.get("client_id", "")
                request.app.state.svc.store.audit(who, action, target, "forbidden", needs=role)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role; you are {who.role}")
        return who

    return dep

