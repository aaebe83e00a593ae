"""Service fixtures: a seeded ledger (SQLite always, PostgreSQL when ALPHALAB_TEST_PG_URL is set), the app, a user per role."""

from __future__ import annotations

import os
import shutil

import pytest
from fastapi.testclient import TestClient

from alphalab.live.clock import SimulatedClock
from alphalab.live.ledger import Ledger
from alphalab.live.manager import OrderManager
from alphalab.service.app import create_app
from alphalab.service.settings import ServiceSettings
from alphalab.testing.memory_venue import MemoryVenue
from alphalab.testing.service import PASSWORDS, SECRET, scratch_postgres, seed_ledger


@pytest.fixture(scope="session")
def _seeded_sqlite(tmp_path_factory):
    """One seeded SQLite ledger per session; each test gets a copy (migrations and history once)."""
    path = tmp_path_factory.mktemp("seed") / "ledger.sqlite"
    seed_ledger(f"sqlite:///{path}")[0].close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def service_db(request, tmp_path, _seeded_sqlite):
    if request.param == "sqlite":
        shutil.copy(_seeded_sqlite, tmp_path / "ledger.sqlite")
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    base = os.environ.get("ALPHALAB_TEST_PG_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("CI must run the service tests on PostgreSQL: scripts/test.sh sets ALPHALAB_TEST_PG_URL")
        pytest.skip("no PostgreSQL server (scripts/test.sh starts one and sets ALPHALAB_TEST_PG_URL)")
    with scratch_postgres(base) as url:
        seed_ledger(url)[0].close()
        yield url


@pytest.fixture
def seeded(service_db):
    """The seeded ledger and an order manager that has replayed it (for independent expectations)."""
    ledger = Ledger(service_db)
    om = OrderManager(ledger, MemoryVenue({"BTC/USDT": 100.0, "ETH/USDT": 10.0}), SimulatedClock(1_000))
    om.book = ledger.load_book()
    yield ledger, om
    ledger.close()


@pytest.fixture
def app(seeded, tmp_path):
    ledger = seeded[0]
    settings = ServiceSettings(secret=SECRET, ledger_url=ledger.url, home=tmp_path / "home",
                               argon2_time_cost=1, argon2_memory_kib=1024)  # cheap hashes: tests only
    application = create_app(settings, ledger=ledger, poll=False)
    for role, pw in PASSWORDS.items():
        application.state.svc.store.add_user(role, pw, role)
    return application


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def auth(client):
    """Bearer headers per role."""
    out = {}
    for role, pw in PASSWORDS.items():
        r = client.post("/api/auth/login", json={"username": role, "password": pw})
        assert r.status_code == 200, r.text
        out[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return out
