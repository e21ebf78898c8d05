"""Issue 13, finding 12: security headers on every response, a Content-Security-Policy suited to each page,
OPTIONS listing every method of a path, a trailing-slash redirect that never echoes the Host header,
Starlette's own errors as problem+json, and a schema that documents the 400 the API answers (not 422)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PAGES = ["/", "/api/plans", "/api/plans/000_aa781de31b5c5cff", "/sparql?query=ASK%7B%7D", "/docs", "/openapi.json",
         "/editor", "/graph", "/static/style.css", "/nothing", "/id/plan/000_aa781de31b5c5cff", "/queries"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_pages_load_scripts_only_from_static(client: TestClient) -> None:
    import re

    for path in ("/", "/editor", "/queries", "/plans/000_aa781de31b5c5cff"):
        html = client.get(path).text
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in attributes or "application/json" in attributes, (path, body[:80])
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers


def test_swagger_ui_is_allowed_its_inline_script_by_hash(client: TestClient) -> None:
    policy = client.get("/docs").headers["content-security-policy"]
    assert "'sha256-" in policy and "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_options_lists_every_method_of_a_path(client: TestClient) -> None:
    response = client.options("/api/plans")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/sparql").headers["allow"] == "GET, HEAD, OPTIONS, POST"
    refused = client.delete("/api/plans")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_trailing_slash_redirect_never_echoes_the_host(client: TestClient) -> None:
    response = client.get("/api/plans/?limit=1", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/api/plans?limit=1"


def test_no_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_the_schema_documents_400_not_422(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "HTTPValidationError" not in str(responses), (method, path)
            if operation.get("parameters"):
                assert "400" in responses, (method, path)
            assert "default" in responses
    assert "422" in schema["paths"]["/api/plans"]["post"]["responses"]  # an unreadable upload
    assert client.get("/api/plans", params={"limit": "x"}).status_code == 400
