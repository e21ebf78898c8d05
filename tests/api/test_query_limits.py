"""Issue 13, the query side, without a real server: the function allow-list (finding 1), bounds before
parsing (findings 2 and 9), worker processes (findings 3 and 4), the byte cap (finding 5) and FROM on the
embedded store (finding 10). The same attacks against a real ``airkg serve`` are in test_hardening.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import ForbiddenQuery, InputError, QuerySyntaxError, QueryTextTooLong, QueryTooComplex, QueryTooLarge
from kg.query_pool import PoolLimits, PooledStore, pool_for
from kg.sparql_guard import MAX_NESTING, check_bounds, check_read_only
from kg.store import QUERY_PREFIXES, OxigraphStore

from api_cases import make_app, problem
from tests.conftest import ROOT

PREFIXES = tuple(QUERY_PREFIXES.items())
BIF = "http://127.0.0.1:9/secret"

#: Virtuoso's functions (and any other function IRI) wherever SPARQL lets a call stand, in every spelling.
FORBIDDEN_CALLS = [
    f'SELECT (<bif:http_get>("{BIF}") AS ?v) WHERE {{}}',
    f'SELECT * WHERE {{ FILTER(<bif:http_get>("{BIF}")) }}',
    f'SELECT * WHERE {{ FILTER(bif:http_get("{BIF}")) }}',  # Virtuoso's implicit prefix
    f'PREFIX b: <bif:> SELECT * WHERE {{ BIND(b:http_client("{BIF}") AS ?v) }}',
    'SELECT (<bif:exec>("SPARQL CLEAR GRAPH <https://airkg.example.org/id/graph/vocabulary>") AS ?v) WHERE {}',
    'SELECT * WHERE { BIND(<sql:exec>("checkpoint") AS ?v) }',
    f'SELECT * WHERE {{ ?s ?p ?o FILTER(<http://www.openlinksw.com/schemas/bif#http_get>("{BIF}")) }}',
    f'SELECT * WHERE {{ ?s ?p ?o FILTER(<bif:http\\u005Fget>("{BIF}")) }}',
    f'SELECT * WHERE {{ ?s ?p ?o FILTER(\\u003Cbif:http_get>("{BIF}")) }}',
    'SELECT * WHERE { ?s ?p ?o } ORDER BY <urn:f>(?s)',
    'SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s HAVING (<urn:f>(?s))',
    'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY (<urn:f>(?s))',
    'SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SELECT * WHERE { BIND(<urn:f>(1) AS ?x) } } }',
    'SELECT * WHERE { { SELECT (<http://example.org/f>(1) AS ?x) WHERE {} } }',
    'PREFIX ex: <http://example.org/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(ex:f(?o)) }',
    'ASK { FILTER NOT EXISTS { ?s ?p ?o FILTER(xsd:int(?o)) } }',  # not one of the casts
    'SELECT * WHERE { ?s <bif:contains> "x" }',  # Virtuoso's magic predicate
]


@pytest.mark.parametrize("query", FORBIDDEN_CALLS)
def test_function_calls_outside_the_allow_list_are_refused(query: str) -> None:
    with pytest.raises(ForbiddenQuery, match="not allowed"):
        check_read_only(query, PREFIXES)


@pytest.mark.parametrize("query", [
    'SELECT (xsd:integer("7") AS ?i) (xsd:string(1) AS ?s) (xsd:decimal("1.5") AS ?d) (xsd:date("2023-10-31") AS ?t) '
    '(xsd:dateTime("2023-10-31T00:00:00") AS ?u) (xsd:boolean("true") AS ?b) (xsd:double(1) AS ?f) WHERE {}',
    'SELECT (STRLEN(?o) AS ?n) (CONCAT(STR(?s), "x") AS ?c) (COALESCE(?o, 1) AS ?k) WHERE { ?s ?p ?o '
    'FILTER(REGEX(STR(?o), "^a", "i") && LANGMATCHES(LANG(?o), "zh") || isIRI(?s)) } ORDER BY DESC(STRLEN(?o))',
    'SELECT (COUNT(DISTINCT ?s) AS ?n) (GROUP_CONCAT(?o; separator=",") AS ?all) WHERE { ?s ?p ?o } GROUP BY ?p '
    'HAVING (COUNT(?s) > 1)',
])
def test_builtins_and_xsd_casts_pass(query: str) -> None:
    check_read_only(query, PREFIXES)


def test_the_functions_are_refused_by_the_api_before_any_backend(client) -> None:
    for query in FORBIDDEN_CALLS[:9]:
        response = client.get("/sparql", params={"query": query})
        assert response.status_code == 403, (query, response.text)
        assert "not allowed" in problem(response)["detail"]


ATTACKS = {
    "10,000 nested {": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "10,000 nested (": "SELECT * WHERE { FILTER(" + "(" * 10_000 + "true" + ")" * 10_000 + ") }",
    "10,000 !": "ASK { FILTER(" + "!" * 10_000 + "true) }",
    "1 and 10,000 +1": "SELECT (1" + "+1" * 10_000 + " AS ?x) WHERE {}",
    "10,000 -1": "SELECT (1" + "-1" * 10_000 + " AS ?x) WHERE {}",
    "5,000 flat patterns": "SELECT * WHERE { " + " . ".join(f"?s{i} ?p ?o" for i in range(5_000)) + " }",
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_deep_or_long_queries_are_a_400_not_a_recursion_error(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(QuerySyntaxError) as refused:
        check_read_only(ATTACKS[name], PREFIXES)
    assert isinstance(refused.value, QueryTooComplex)
    assert time.monotonic() - started < 5


def test_bounds_are_read_outside_strings_iris_and_comments() -> None:
    text = "SELECT * WHERE { ?s ?p '" + "{" * 500 + "' } # " + "(" * 500 + "\n"
    check_bounds(text)
    check_bounds("SELECT * WHERE " + "{" * MAX_NESTING + "}" * MAX_NESTING)
    with pytest.raises(QueryTooComplex):
        check_bounds("SELECT * WHERE " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1))
    with pytest.raises(QueryTextTooLong):
        check_bounds("ASK {}" + " " * 100, max_length=50)


def test_the_api_answers_the_attacks_with_400_or_413(client) -> None:
    for name, query in ATTACKS.items():
        response = client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
        if name == "5,000 flat patterns":
            # a worker's parser has the stack for it: the query then runs, and is stopped at the time limit
            assert response.status_code in (400, 503), (name, response.status_code, response.text[:200])
            continue
        assert response.status_code == 400, (name, response.status_code, response.text[:200])
        assert "nest" in problem(response)["detail"] or "operators" in problem(response)["detail"]
    response = client.post("/sparql", data={"query": "ASK {}" + " " * 100_001})
    assert response.status_code == 413 and "characters long" in problem(response)["detail"]


def test_the_app_runs_user_queries_in_workers(app, client) -> None:
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    pool = app.state.query_pool
    assert pool is not None and pool._workers  # noqa: SLF001
    assert all(worker.process.is_alive() for worker in pool._workers)  # noqa: SLF001


def test_no_server_runs_user_queries_unisolated_unless_told_so(seed_store: OxigraphStore) -> None:
    """With no worker (AIRKG_QUERY_WORKERS=0, or an in-memory store) user queries would run in the server's own
    threads: the app refuses to start unless ``unsafe_in_process_queries`` says so; ``airkg serve`` says so in one
    line, exit 2, before it listens."""
    from fastapi.testclient import TestClient

    for store, settings in ((seed_store, {"query_workers": 0}), (OxigraphStore(None), {})):
        with pytest.raises(InputError, match="unsafe-in-process-queries"):
            with TestClient(make_app(store, unsafe_in_process_queries=False, **settings)):
                pass
    with TestClient(make_app(seed_store, query_workers=0, unsafe_in_process_queries=True)) as unisolated:
        assert unisolated.app.state.query_pool is None
        assert unisolated.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIRKG_")}, "AIRKG_QUERY_WORKERS": "0"}
    refused = subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--port", "0", "--store", str(seed_store.path)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2 and refused.stderr.strip().splitlines()[-1].startswith(
        "airkg: bad input: AIRKG_QUERY_WORKERS is 0: user queries would run in the server's own process"), refused.stderr
    assert "serving" not in refused.stderr


@pytest.fixture
def private_store(tmp_path) -> OxigraphStore:
    store = OxigraphStore(tmp_path / "store")
    yield store
    store.close()


def _graph(n: int) -> Graph:
    graph = Graph()
    for i in range(n):
        graph.add((URIRef(f"https://airkg.example.org/id/test/{i}"), URIRef("urn:p"), Literal("x" * 1000)))
    return graph


def test_workers_see_what_the_server_writes(private_store: OxigraphStore) -> None:
    """A worker reads a snapshot of the store; after each write (Store.generation) it is sent a new one."""
    graph = "https://airkg.example.org/id/graph/test/a"
    private_store.replace_graphs({graph: _graph(3)})
    pool = pool_for(private_store, PoolLimits(timeout=30))
    assert pool is not None
    with pool:
        pooled = PooledStore(private_store, pool)
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert int(pooled.query(count).rows[0]["n"]) == 3
        private_store.replace_graphs({graph: _graph(5)})
        assert int(pooled.query(count).rows[0]["n"]) == 5
        private_store.remove_graph(graph)
        assert int(pooled.query(count).rows[0]["n"]) == 0
        # the workers read snapshots (checkpoints) beside the store, never the live folder; old ones go
        snapshots = private_store.path.parent / f".{private_store.path.name}.airkg-query-snapshots"
        held = [folder for pool_folder in snapshots.iterdir() for folder in pool_folder.iterdir()]
        assert 1 <= len(held) <= pool.size + 1
    assert not snapshots.exists()


def test_a_killed_worker_is_replaced_and_its_query_answers_503(private_store: OxigraphStore) -> None:
    private_store.replace_graphs({"https://airkg.example.org/id/graph/test/a": _graph(60)})
    pool = pool_for(private_store, PoolLimits(timeout=2))
    assert pool is not None
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    with pool:
        started = time.monotonic()
        with pytest.raises(Exception) as stopped:
            pool.query(heavy)
        assert stopped.value.status == 503  # type: ignore[attr-defined]
        assert time.monotonic() - started < 2 + 3
        assert pool.restarts == 1
        assert pool.query("ASK { ?s ?p ?o }").boolean is True


def test_the_byte_cap_stops_a_result_while_it_is_read(private_store: OxigraphStore) -> None:
    private_store.replace_graphs({"https://airkg.example.org/id/graph/test/a": _graph(200)})
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    assert len(private_store.query(query, max_bytes=1_000_000).rows) == 200
    with pytest.raises(QueryTooLarge, match="larger than 50,000 bytes"):
        private_store.query(query, max_bytes=50_000)
    with pytest.raises(QueryTooLarge):
        private_store.query("CONSTRUCT WHERE { ?s ?p ?o }", max_bytes=50_000)


def test_the_api_answers_413_past_the_byte_cap(seed_store) -> None:
    from fastapi.testclient import TestClient

    # 1,000 rows of concatenated full texts: ~40 MB (the 308 MB with longer documents)
    query = "SELECT (CONCAT(?t, ?t) AS ?x) WHERE { ?doc airkg:fullText ?t . ?m airkg:partOfPlan ?plan } LIMIT 1000"
    with TestClient(make_app(seed_store, max_response_bytes=2_000_000)) as small:
        for accept in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml"):
            response = small.get("/sparql", params={"query": query}, headers={"Accept": accept})
            assert response.status_code == 413, (accept, response.status_code)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "2,000,000 bytes" in problem(response)["detail"]


def test_from_restricts_the_embedded_store(client) -> None:
    def count(query: str) -> int:
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    vocabulary = "https://airkg.example.org/id/graph/vocabulary"
    everything = count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    only = count(f"SELECT (COUNT(*) AS ?n) FROM <{vocabulary}> WHERE {{ ?s ?p ?o }}")
    assert 0 < only < everything
    assert only == count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{vocabulary}> {{ ?s ?p ?o }} }}")
    assert count("SELECT (COUNT(*) AS ?n) FROM <https://airkg.example.org/id/graph/none> WHERE { ?s ?p ?o }") == 0
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{vocabulary}> WHERE {{ ?s ?p ?o }}") == 0
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{vocabulary}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == only
    refused = client.get("/sparql", params={"query": f"SELECT * FROM <{vocabulary}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"})
    assert refused.status_code == 400 and "FROM NAMED" in problem(refused)["detail"]
