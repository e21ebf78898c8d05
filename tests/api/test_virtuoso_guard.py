"""Issue 13, finding 1, on Virtuoso: through airkg's read-only ``/sparql`` (and ``airkg sparql --store
http://…``), Virtuoso's built-in functions fetched URLs (``bif:http_get``), and wrote or emptied graphs
(``bif:exec``). Now no function but SPARQL's own reaches Virtuoso, a loopback listener serving a secret
receives no connection, and the graphs are unchanged; and the account a server is given (the anonymous
``/sparql`` of ``scripts/virtuoso.sh``) cannot write even when asked directly.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from fixtures_virtuoso import virtuoso_read_url, virtuoso_url  # noqa: F401 - fixtures
from kg.store import DEFAULT_GRAPH_PREFIX, SparqlEndpointStore
from tests.serving import ROOT, airkg_serve

SECRET = "airkg-secret-7f3c9a"

pytestmark = [pytest.mark.server, pytest.mark.virtuoso]


class SecretServer:
    """An HTTP server on 127.0.0.1 that answers every connection with a secret, and counts them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/secret"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            try:
                connection.sendall(f"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n{SECRET}\n".encode())
            finally:
                connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def secret() -> Iterator[SecretServer]:
    server = SecretServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def loaded(virtuoso_url: str) -> Iterator[tuple[str, str]]:  # noqa: F811
    """A graph of our own in Virtuoso, written by the loading account: (its IRI, its graph prefix)."""
    prefix = f"{DEFAULT_GRAPH_PREFIX}test-guard-{os.getpid()}/"
    graph_iri = prefix + "plan"
    graph = Graph()
    for n in range(5):
        graph.add((URIRef(f"https://airkg.example.org/id/test-guard/{n}"), URIRef("urn:airkg:p"), Literal(n)))
    with SparqlEndpointStore(virtuoso_url, graph_prefix=prefix) as store:
        store.replace_graphs({graph_iri: graph})
        yield graph_iri, prefix
        store.remove_graph(graph_iri)


def graph_hash(url: str, prefix: str) -> str:
    with SparqlEndpointStore(url, graph_prefix=prefix) as store:
        return hashlib.sha256(b"\n".join(sorted(store.export("nquads").splitlines()))).hexdigest()


@pytest.fixture(scope="module")
def served(virtuoso_read_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    settings = dict(AIRKG_BUILD_IF_EMPTY="false", AIRKG_QUERY_TIMEOUT="10")
    with airkg_serve(virtuoso_read_url, tmp_path_factory.mktemp("log"), settings, probe_timeout=5) as (url, _):
        yield url


def bif_queries(target: str, graph: str) -> list[str]:
    return [
        f'SELECT (<bif:http_get>("{target}") AS ?v) WHERE {{}}',
        f'SELECT (bif:http_get("{target}") AS ?v) WHERE {{}}',
        f'SELECT * WHERE {{ FILTER(bif:http_get("{target}") != "") }}',
        f'SELECT * WHERE {{ BIND(<bif:http_client>("{target}") AS ?v) }}',
        f'SELECT ?v WHERE {{ BIND(1 AS ?x) }} ORDER BY <bif:http_get>("{target}")',
        f'SELECT * WHERE {{ {{ SELECT (<bif:http\\u005Fget>("{target}") AS ?v) WHERE {{}} }} }}',
        f'ASK {{ FILTER EXISTS {{ BIND(<http://www.openlinksw.com/schemas/bif#http_get>("{target}") AS ?v) }} }}',
        f'SELECT (<bif:exec>("SPARQL CLEAR GRAPH <{graph}>") AS ?v) WHERE {{}}',
        f'SELECT (bif:exec("SPARQL INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }}") AS ?v) WHERE {{}}',
        'SELECT (bif:exec("checkpoint") AS ?v) WHERE {}',
        'SELECT (<sql:exec>("checkpoint") AS ?v) WHERE {}',
        f"LOAD <{target}>",
        f"LOAD SILENT <{target}> INTO GRAPH <{graph}>",
        f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
    ]


def test_virtuoso_functions_never_reach_virtuoso(served: str, virtuoso_url: str, loaded: tuple[str, str],  # noqa: F811
                                                secret: SecretServer) -> None:
    graph, prefix = loaded
    before = graph_hash(virtuoso_url, prefix)
    with httpx.Client(base_url=served, timeout=30, trust_env=False) as http:
        for query in bif_queries(secret.url, graph):
            for response in (
                http.get("/sparql", params={"query": query}),
                http.post("/sparql", data={"query": query}),
                http.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}),
            ):
                assert response.status_code in (400, 403), (query, response.status_code, response.text[:300])
                assert SECRET not in response.text
        started = time.monotonic()
        assert http.get("/api/plans", params={"limit": 1}).status_code == 200
        print(f"\n[Virtuoso] /api/plans after the bif: attempts: {time.monotonic() - started:.3f} s")
    time.sleep(0.5)
    assert secret.connections == 0
    assert graph_hash(virtuoso_url, prefix) == before


def test_the_cli_refuses_them_too(virtuoso_read_url: str, loaded: tuple[str, str],  # noqa: F811
                                  secret: SecretServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRKG_")}
    for query in bif_queries(secret.url, loaded[0])[:3]:
        done = subprocess.run([sys.executable, "-m", "kg.cli", "sparql", "--store", virtuoso_read_url, query],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2 and "not allowed" in done.stderr, done.stderr
        assert SECRET not in done.stdout + done.stderr
    time.sleep(0.5)
    assert secret.connections == 0


def test_the_serving_account_cannot_write(virtuoso_read_url: str, virtuoso_url: str,  # noqa: F811
                                          loaded: tuple[str, str]) -> None:
    """Defence in depth: even sent straight to Virtuoso, the anonymous /sparql refuses updates and bif:exec."""
    graph, prefix = loaded
    before = graph_hash(virtuoso_url, prefix)
    attempts = [
        {"update": f"CLEAR GRAPH <{graph}>"},
        {"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }}"},
        {"query": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 2 }} }}"},
        {"query": f'SELECT (bif:exec("SPARQL CLEAR GRAPH <{graph}>") AS ?v) WHERE {{}}'},
    ]
    for data in attempts:
        response = httpx.post(virtuoso_read_url, data=data, timeout=30, trust_env=False)
        assert not response.is_success, (data, response.status_code)
    gsp = virtuoso_read_url + "-graph-crud"
    response = httpx.delete(gsp, params={"graph": graph}, timeout=30, trust_env=False)
    assert not response.is_success
    assert graph_hash(virtuoso_url, prefix) == before


def test_from_restricts_virtuoso_as_the_embedded_store(virtuoso_read_url: str, loaded: tuple[str, str]) -> None:  # noqa: F811
    """Finding 10 on this backend: the same answers as test_query_limits.test_from_restricts_the_embedded_store."""
    graph, prefix = loaded
    with SparqlEndpointStore(virtuoso_read_url, graph_prefix=prefix) as store:
        def count(query: str) -> int:
            return int(store.query(query).rows[0]["n"])  # type: ignore[arg-type]

        assert count(f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}") == 5
        assert count(f"SELECT (COUNT(*) AS ?n) FROM <{prefix}none> WHERE {{ ?s ?p ?o }}") == 0
        assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ ?s ?p ?o }}") == 0
        assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == 5


def test_the_listener_is_reached_when_virtuoso_is_asked_directly(virtuoso_read_url: str,  # noqa: F811
                                                                 secret: SecretServer) -> None:
    """The control, and why Virtuoso's port must stay private: its read-only user still runs bif:http_get."""
    query = f'SELECT (bif:http_get("{secret.url}") AS ?v) WHERE {{}}'
    response = httpx.post(virtuoso_read_url, data={"query": query}, timeout=30, trust_env=False,
                          headers={"Accept": "application/sparql-results+json"})
    deadline = time.monotonic() + 5
    while secret.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert secret.connections >= 1 and SECRET in response.text
