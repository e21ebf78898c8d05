"""Schemathesis over the whole OpenAPI schema with every check on (issue 13, finding 12): no 5xx; status
codes, content types, headers and bodies as the schema says; a schema-valid request accepted, an invalid
one refused; 405 listing the allowed methods.

The schema cannot say everything: which names exist (a filter naming nothing is refused with 400 and the
closest names) and what SPARQL's grammar is. ``schemathesis.toml`` beside this file allows those 400s on
the operations concerned, with its reasons, and :func:`_refused_for_a_reason_the_schema_cannot_state`
checks that every 400 to a schema-valid request is one of them and nothing else.

``/sparql`` runs each query in a worker process (a second or more each, and a hung query waits for the
time limit): it gets fewer examples, over an app whose time limit is short, so the run stays bounded.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from api_cases import make_app

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 5
#: Examples of each /sparql operation (each runs in a worker process), and its time limit in seconds.
SPARQL_EXAMPLES = 3
SPARQL_TIMEOUT = 2.0
#: Why a schema-valid request may be refused (400): a name that names nothing (kg/query_params.py), or
#: two values the schema allows each but not together (the graph's due_from after due_to, focus and nodes)...
NAME_REFUSAL = re.compile(r"unknown [\w ]+ (?:'|\\?\")|no region has the code|is ambiguous|is part of several names|"
                          r"names several|is after due_to|not both")
#: ... or, on /sparql, a query that is not SPARQL or is past the bounds checked before parsing.
SPARQL_REFUSAL = re.compile(r'"title":\s*"(Malformed SPARQL|Query too complex)"')
#: The error of the graph page's 400 (shown above its form).
PAGE_ERROR = re.compile(r'class="notice[^"]*"[^>]*>\s*Bad input: ([^<]*)<')

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(seed_store) -> FastAPI:
    return make_app(seed_store, query_timeout=SPARQL_TIMEOUT)


def _refused_for_a_reason_the_schema_cannot_state(label: str, response) -> None:
    """A 400 to a schema-valid request names a name that names nothing (or, on /sparql, malformed SPARQL)."""
    if response.status_code != 400:
        return
    text = response.text
    if "text/html" in str(response.headers.get("content-type")):
        errors = PAGE_ERROR.findall(text)
        assert errors, f"{label}: a 400 page without its error: {text[:400]}"
        text = html.unescape(errors[0])
    reason = SPARQL_REFUSAL if label.endswith(" /sparql") else NAME_REFUSAL
    assert reason.search(text), f"{label}: a schema-valid request refused for another reason: {text[:400]}"


def test_every_check_holds(app: FastAPI) -> None:
    load_all_checks()
    checks = list(CHECKS.get_all())
    assert {"positive_data_acceptance", "negative_data_rejection", "not_a_server_error"} <= {
        check.__name__ for check in checks} and len(checks) >= 14
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_path(CONFIG))
    failures: list[str] = []
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        examples = SPARQL_EXAMPLES if operation.path == "/sparql" else EXAMPLES
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case) -> None:
                try:
                    response = case.call_and_validate(checks=checks)
                    if mode is GenerationMode.POSITIVE:
                        _refused_for_a_reason_the_schema_cannot_state(operation.label, response)
                except BaseException as failure:  # noqa: BLE001 - schemathesis raises a FailureGroup
                    if isinstance(failure, KeyboardInterrupt):
                        raise
                    failures.append(f"{operation.label} ({mode.name}): {str(failure)[:600]}")

            try:
                check()
            except Unsatisfiable:
                pass
    assert {"GET /sparql", "POST /sparql", "GET /graph", "GET /graph/file"} <= set(labels)  # nothing left out
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:8])
