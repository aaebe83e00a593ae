"""Ledger URLs for the live tests: SQLite always, PostgreSQL when scripts/test.sh started a server."""

from __future__ import annotations

import os
import uuid

import pytest


def _pg_url() -> str | None:
    return os.environ.get("ALPHALAB_TEST_PG_URL") or None


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    base = _pg_url()
    if base is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the ledger tests on PostgreSQL: scripts/test.sh sets ALPHALAB_TEST_PG_URL")
        pytest.skip("no PostgreSQL server (scripts/test.sh starts one and sets ALPHALAB_TEST_PG_URL)")
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
