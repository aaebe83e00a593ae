"""Auth of the service: no token no answer, roles, bad and expired tokens, API keys, secrets, audit."""

from __future__ import annotations

import time

import jwt
import pytest

from alphalab.core.errors import ConfigError
from alphalab.service.settings import ServiceSettings
from alphalab.testing.service import SECRET

_OPEN = {"/healthz", "/readyz", "/api/auth/login", "/api/auth/refresh", "/login"}


def _routes(app):
    from alphalab.service import api, dashboard

    for route in [*app.routes, *api.router.routes, *dashboard.router.routes]:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        if path.startswith(("/static", "/docs", "/redoc", "/openapi")) or path in _OPEN:
            continue
        for m in sorted(methods - {"HEAD", "OPTIONS"}):
            yield m, path.replace("{client_id}", "x").replace("{result_id}", "r").replace("{name:path}", "f")


def test_every_endpoint_without_a_token_is_refused(app, client):
    seen = 0
    for method, path in _routes(app):
        r = client.request(method, path, follow_redirects=False)
        seen += 1
        if path.startswith("/api") or path == "/metrics":
            assert r.status_code in (401, 422), (method, path, r.status_code)
            assert r.status_code == 401 or method == "POST", (method, path)
        else:  # dashboard pages send the browser to the login page
            assert r.status_code == 303 and r.headers["location"] == "/login", (method, path)
    assert seen >= 20
    # a POST with a valid body but no token is refused too (not just failing validation)
    assert client.post("/api/kill", json={"confirm": "KILL"}).status_code == 401


def test_websocket_without_a_token_is_closed(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect("/api/ws") as ws:
        ws.receive_json()
    assert exc.value.code == 4401


def test_bad_forged_and_expired_tokens_are_refused(app, client, auth):
    tokens = app.state.svc.tokens
    expired = tokens.issue("admin", "admin", now=time.time() - 10 * tokens.access_ttl_s)
    forged = jwt.encode({"sub": "admin", "role": "admin", "typ": "access", "iss": "alphalab-service",
                         "exp": int(time.time()) + 600}, "another-secret-" + "z" * 40, algorithm="HS256")
    refresh = tokens.issue("admin", "admin", "refresh")  # a refresh token is not an access token
    for bad in ("garbage", expired, forged, refresh, "alk_nope_nope"):
        assert client.get("/api/status", headers={"Authorization": f"Bearer {bad}"}).status_code == 401
    assert client.get("/api/status", headers=auth["viewer"]).status_code == 200


def test_wrong_password_is_refused_and_audited(app, client):
    r = client.post("/api/auth/login", json={"username": "admin", "password": "wrong-password"})
    assert r.status_code == 401
    assert client.post("/api/auth/login", json={"username": "nobody", "password": "x"}).status_code == 401
    rows = app.state.svc.store.audit_rows()
    assert [(a["actor"], a["action"], a["outcome"]) for a in rows[:2]] == [("nobody", "login", "refused"),
                                                                            ("admin", "login", "refused")]


def test_passwords_are_stored_as_argon2_hashes(app):
    import sqlalchemy as sa

    from alphalab.service.store import users

    with app.state.svc.store.engine.connect() as c:
        hashes = [h for (h,) in c.execute(sa.select(users.c.password_hash))]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(pw in h for h in hashes for pw in ("viewer-pass-1", "admin-pass-1"))


def test_refresh_gives_a_new_pair_and_reads_the_role_again(app, client):
    pair = client.post("/api/auth/login", json={"username": "trader", "password": "trader-pass-1"}).json()
    app.state.svc.store.add_user("trader", "trader-pass-1", "viewer")  # demoted
    new = client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert new.status_code == 200
    me = client.get("/api/me", headers={"Authorization": f"Bearer {new.json()['access_token']}"}).json()
    assert me["role"] == "viewer"
    assert client.post("/api/auth/refresh", json={"refresh_token": pair["access_token"]}).status_code == 401


def test_viewer_cannot_cancel_kill_or_resume_and_each_try_is_audited(app, client, auth, seeded):
    open_id = next(r.intent.client_id for r in seeded[1].book.open_orders())
    assert client.post(f"/api/orders/{open_id}/cancel", headers=auth["viewer"]).status_code == 403
    assert client.post("/api/kill", json={"confirm": "KILL"}, headers=auth["viewer"]).status_code == 403
    assert client.post("/api/kill", json={"confirm": "KILL"}, headers=auth["trader"]).status_code == 403
    assert client.post("/api/resume", json={"confirm": "RESUME"}, headers=auth["viewer"]).status_code == 403
    assert seeded[0].get_state("kill_switch", {"active": False})["active"] is False
    assert seeded[0].get_state("cancel_requests") is None
    rows = app.state.svc.store.audit_rows()
    assert [(r["action"], r["outcome"]) for r in rows][:4][::-1] == [
        ("cancel", "forbidden"), ("kill", "forbidden"), ("kill", "forbidden"), ("resume", "forbidden")]


def test_api_key_scopes_are_capped_by_the_owner_and_revocable(app, client, auth):
    r = client.post("/api/keys", json={"role": "admin"}, headers=auth["trader"])
    assert r.status_code == 403
    key = client.post("/api/keys", json={"role": "viewer", "label": "grafana"}, headers=auth["trader"]).json()
    h = {"Authorization": f"Bearer {key['api_key']}"}
    assert client.get("/metrics", headers=h).status_code == 200
    assert client.post("/api/kill", json={"confirm": "KILL"}, headers=h).status_code == 403
    assert client.post("/api/keys", json={"role": "viewer"}, headers=h).status_code == 403  # keys don't mint keys
    app.state.svc.store.revoke_key(key["api_key"].split("_")[1])
    assert client.get("/metrics", headers=h).status_code == 401


@pytest.mark.parametrize("secret", ["", "changeme", "secret", "short-but-not-default"])
def test_service_refuses_default_empty_or_short_secrets(secret, tmp_path):
    with pytest.raises(ConfigError):
        ServiceSettings(secret=secret, ledger_url="sqlite://", home=tmp_path)


def test_service_binds_to_loopback_by_default(tmp_path):
    assert ServiceSettings(secret=SECRET, ledger_url="sqlite://", home=tmp_path).host == "127.0.0.1"
