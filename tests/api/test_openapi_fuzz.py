"""Schemathesis against the OpenAPI schema: no generated request may produce a 500 (a bounded, fast run).

The strategies are driven directly (``operation.as_strategy()`` under Hypothesis' ``@given``) so that
the app can come from a module-scoped fixture; schemathesis' pytest fixture loader does not run on
pytest 9.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api_cases import make_app

EXAMPLES = 10


@pytest.fixture(scope="module")
def app(seed_store) -> FastAPI:
    """The app with a short time limit, so that a generated query /sparql runs long cannot stall the run."""
    return make_app(seed_store, query_timeout=2.0)


def test_no_request_yields_a_server_error(app) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case) -> None:
                case.call_and_validate(checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to break in it


def test_the_schema_documents_every_resource(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for resource in ("plans", "measures", "agencies", "pollutants", "sectors", "regions", "deadlines", "queries"):
        assert f"/api/{resource}" in paths and any(p.startswith(f"/api/{resource}/{{") for p in paths)
    assert {"/sparql", "/id/{path}"} <= set(paths)
    for path, operations in paths.items():
        for operation in operations.values():
            assert operation.get("description") or operation.get("summary"), path
