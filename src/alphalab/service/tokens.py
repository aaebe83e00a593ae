"""Short-lived JWT access tokens and longer refresh tokens (HS256, PyJWT)."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt

_ALG = "HS256"
_ISSUER = "alphalab-service"


class TokenError(Exception):
    """A token that is malformed, badly signed, expired or of the wrong kind."""


class Tokens:
    """Issue and check access / refresh tokens with one signing secret."""

    def __init__(self, secret: str, access_ttl_s: int, refresh_ttl_s: int) -> None:
        self._secret = secret
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s

    def issue(self, username: str, role: str, kind: str = "access", *, now: float | None = None) -> str:
        t = time.time() if now is None else now
        ttl = self.access_ttl_s if kind == "access" else self.refresh_ttl_s
        claims = {"sub": username, "role": role, "typ": kind, "iss": _ISSUER, "iat": int(t), "exp": int(t) + ttl,
                  "jti": secrets.token_hex(8)}
        return jwt.encode(claims, self._secret, algorithm=_ALG)

    def pair(self, username: str, role: str) -> dict[str, Any]:
        return {"access_token": self.issue(username, role), "refresh_token": self.issue(username, role, "refresh"),
                "token_type": "bearer", "expires_in": self.access_ttl_s}

    def check(self, token: str, kind: str = "access") -> dict[str, Any]:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[_ALG], issuer=_ISSUER,
                                options={"require": ["exp", "sub", "typ", "iss"]})
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        if claims.get("typ") != kind:
            raise TokenError(f"a {claims.get('typ')} token where a {kind} token is needed")
        return claims
