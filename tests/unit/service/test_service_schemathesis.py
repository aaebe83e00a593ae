"""Property-based requests over the whole OpenAPI spec (schemathesis): no request gets a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")


def test_no_request_over_the_spec_gets_a_server_error(app, auth, service_db):
    if not service_db.startswith("sqlite"):
        pytest.skip("the spec is fuzzed once, on SQLite (the handlers are the same on PostgreSQL)")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[tuple[str, str, int]] = []
    for op in operations:

        @given(case=op.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for headers in (auth["admin"], auth["viewer"], {}):
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append((case.method, case.path, response.status_code))

        run()
    assert failures == []
