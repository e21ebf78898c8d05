"""The store layer on both backends: pyoxigraph on disk, and Virtuoso over SPARQL.

Every test that takes ``store`` runs twice. Each test writes under its own graph prefix and
subject namespace, so a shared ``AIRKG_VIRTUOSO_URL`` server is not disturbed.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest
from rdflib import RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from fixtures_virtuoso import virtuoso_url  # noqa: F401 - a fixture
from kg.errors import ForbiddenQuery, InputError, QuerySyntaxError, QueryTimeout, StoreError
from kg.store import (
    DEFAULT_GRAPH_PREFIX,
    OxigraphStore,
    SparqlEndpointStore,
    Store,
    open_store,
    sparql_term,
)

AIRKG = Namespace("https://airkg.example.org/ontology#")


def xsd(name: str) -> URIRef:
    return URIRef(f"http://www.w3.org/2001/XMLSchema#{name}")


BACKENDS = ["oxigraph", pytest.param("virtuoso", marks=[pytest.mark.virtuoso, pytest.mark.server])]

HOSTILE = [
    'he said "hi"',
    "back\\slash and \\u0022 and \\n",
    "'''triple''' \"\"\"quotes\"\"\"",
    "} } ; DROP ALL ; INSERT DATA { <http://evil/s> <http://evil/p> 1 } #",
    "line1\nline2\r\ttab",
    "<http://not/an/iri> ?var $var @en ^^<x>",
    "大气污染防治 # 不是注释",
    "\x01 control \x7f",
]


class Names:
    """Fresh IRIs for one test: graphs under ``prefix``, entities under ``res``."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:12]
        self.prefix = f"{DEFAULT_GRAPH_PREFIX}test-{tag}/"
        self.res = Namespace(f"https://airkg.example.org/id/test-{tag}/")

    def graph(self, name: str) -> str:
        return f"{self.prefix}{name}"


@pytest.fixture
def names() -> Names:
    return Names()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, names: Names, tmp_path) -> Iterator[Store]:
    if request.param == "oxigraph":
        opened: Store = OxigraphStore(tmp_path / "store", graph_prefix=names.prefix)
    else:
        url = request.getfixturevalue("virtuoso_url")
        opened = SparqlEndpointStore(url, graph_prefix=names.prefix)
    with opened:
        yield opened
        for iri in opened.graph_iris():
            opened.remove_graph(iri)


def plan_graph(names: Names, plan: str, measures: int = 2) -> Graph:
    """A small plan: title @zh, issued xsd:date, measures with a lead agency and a target."""
    res = names.res
    graph = Graph()
    graph.add((res[f"plan/{plan}"], AIRKG.title, Literal(f"{plan}空气质量持续改善行动计划", lang="zh")))
    graph.add((res[f"plan/{plan}"], AIRKG.issued, Literal("2023-12-07", datatype=xsd("date"))))
    for n in range(measures):
        measure = res[f"plan/{plan}/measure/{n}"]
        graph.add((measure, AIRKG.partOfPlan, res[f"plan/{plan}"]))
        graph.add((measure, AIRKG.leadAgency, res[f"agency/{n}"]))
        graph.add((measure, AIRKG.numericValue, Literal(f"{30 + n}.5", datatype=xsd("decimal"))))
    return graph


def agencies_graph(names: Names, count: int = 2) -> Graph:
    graph = Graph()
    for n in range(count):
        graph.add((names.res[f"agency/{n}"], RDFS.label, Literal(f"生态环境局{n}", lang="zh")))
    return graph


def content(store: Store, iri: str) -> set[tuple[Node, Node, Node]]:
    """The triples of one named graph, read through dataset()."""
    return set(store.dataset().graph(URIRef(iri)))


def strict(term: Node | None) -> tuple[str, str, str | None, str | None]:
    """A term's exact identity (rdflib compares language tags case-insensitively)."""
    if isinstance(term, Literal):
        return ("literal", str(term), str(term.datatype) if term.datatype else None, term.language)
    return (type(term).__name__, str(term), None, None)


class BrokenGraph(Graph):
    """A graph whose iteration fails after the first triple."""

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:  # type: ignore[override]
        yield from list(super().__iter__())[:1]
        raise RuntimeError("disk on fire")


# --------------------------------------------------------------------------- writes


def test_replace_is_whole_graph(store: Store, names: Names) -> None:
    plan, other = names.graph("plan/a"), names.graph("plan/b")
    store.replace_graphs({plan: plan_graph(names, "a", measures=3), other: plan_graph(names, "b")})
    smaller = plan_graph(names, "a", measures=1)
    store.replace_graphs({plan: smaller})
    assert content(store, plan) == set(smaller)
    assert content(store, other) == set(plan_graph(names, "b"))
    assert store.triple_count() == len(smaller) + len(plan_graph(names, "b"))
    assert store.graph_iris() == sorted([plan, other])


def test_replace_with_empty_graph_removes_it(store: Store, names: Names) -> None:
    plan = names.graph("plan/a")
    store.replace_graphs({plan: plan_graph(names, "a")})
    store.replace_graphs({plan: Graph()})
    assert store.graph_iris() == []
    assert store.triple_count() == 0


@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "fresh"])
@pytest.mark.parametrize("broken", ["iteration", "bad-iri", "bad-datatype"])
def test_replace_is_atomic_when_a_graph_is_bad(store: Store, names: Names, existing: bool, broken: str) -> None:
    plan, agencies, bad = names.graph("plan/a"), names.graph("agencies"), names.graph("plan/bad")
    old = plan_graph(names, "a", measures=1)
    if existing:
        store.replace_graphs({plan: old})
    bad_graph = BrokenGraph() if broken == "iteration" else Graph()
    bad_graph += plan_graph(names, "bad")
    if broken == "bad-iri":
        bad_graph.add((URIRef("https://x.example/a b>"), AIRKG.p, Literal("x")))
    if broken == "bad-datatype":
        bad_graph.add((names.res.x, AIRKG.p, Literal("x", datatype=URIRef("urn:x> } ; DROP ALL"))))
    with pytest.raises(InputError, match="plan/bad|IRI"):
        store.replace_graphs({plan: plan_graph(names, "a", measures=3), agencies: agencies_graph(names), bad: bad_graph})
    assert store.graph_iris() == ([plan] if existing else [])
    assert content(store, plan) == (set(old) if existing else set())


def test_iri_only_pyoxigraph_rejects_leaves_store_unchanged(tmp_path, names: Names) -> None:
    plan, bad = names.graph("plan/a"), names.graph("plan/bad")
    with OxigraphStore(tmp_path / "s", graph_prefix=names.prefix) as store:
        old = plan_graph(names, "a", measures=1)
        store.replace_graphs({plan: old})
        bad_graph = plan_graph(names, "bad")
        bad_graph.add((URIRef("http://x.example/%zz"), AIRKG.p, Literal("x")))
        with pytest.raises(InputError):
            store.replace_graphs({plan: plan_graph(names, "a", measures=4), bad: bad_graph})
        assert content(store, plan) == set(old)
        assert store.graph_iris() == [plan]


def test_failure_inside_the_oxigraph_transaction_rolls_it_back(
    tmp_path, names: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update fails at its last operation, after the deletes and inserts ran: all undone."""
    plan, agencies = names.graph("plan/a"), names.graph("agencies")
    with OxigraphStore(tmp_path / "s", graph_prefix=names.prefix) as store:
        old = plan_graph(names, "a", measures=1)
        store.replace_graphs({plan: old, agencies: agencies_graph(names, 1)})
        changes = OxigraphStore._changes  # noqa: SLF001

        def failing(self: OxigraphStore, iri: str, quads: set) -> list[str]:
            return [*changes(self, iri, quads), f"CREATE GRAPH <{plan}>"]  # plan exists: fails

        monkeypatch.setattr(OxigraphStore, "_changes", failing)
        with pytest.raises(StoreError, match="nothing was written"):
            store.replace_graphs({plan: plan_graph(names, "a", measures=4), agencies: agencies_graph(names, 3)})
        assert content(store, plan) == set(old)
        assert content(store, agencies) == set(agencies_graph(names, 1))


class FailingTransport(httpx.BaseTransport):
    """Passes requests on, but answers 500 to the ``fail_at``-th PUT."""

    def __init__(self, fail_at: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.puts = 0
        self.fail_at = fail_at

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            self.puts += 1
            if self.puts == self.fail_at:
                return httpx.Response(500, text="simulated failure", request=request)
        return self.inner.handle_request(request)


@pytest.mark.virtuoso
@pytest.mark.server
def test_remote_failure_mid_way_rolls_back(virtuoso_url: str, names: Names) -> None:  # noqa: F811
    plan, agencies, fresh = names.graph("plan/a"), names.graph("agencies"), names.graph("plan/new")
    with SparqlEndpointStore(virtuoso_url, graph_prefix=names.prefix) as store:
        old_plan, old_agencies = plan_graph(names, "a", measures=1), agencies_graph(names, 1)
        store.replace_graphs({plan: old_plan, agencies: old_agencies})
        # the loading account's credentials kept: the restore must still be allowed to write
        store._client = httpx.Client(transport=FailingTransport(fail_at=3), auth=store._client.auth)  # noqa: SLF001
        new = {plan: plan_graph(names, "a", 3), fresh: plan_graph(names, "new"), agencies: agencies_graph(names, 5)}
        with pytest.raises(StoreError, match="rolled back"):
            store.replace_graphs(new)
        assert store.graph_iris() == sorted([plan, agencies])
        assert content(store, plan) == set(old_plan)
        assert content(store, agencies) == set(old_agencies)
        for iri in store.graph_iris():
            store.remove_graph(iri)


@pytest.mark.virtuoso
@pytest.mark.server
@pytest.mark.parametrize("mode", ["update", "gsp-digest"])
def test_remote_write_paths(virtuoso_url: str, names: Names, mode: str) -> None:  # noqa: F811
    """Without GSP the store writes with SPARQL UPDATE; with digest auth it uses the -auth GSP."""
    if mode == "update":
        store = SparqlEndpointStore(virtuoso_url, gsp_url="", graph_prefix=names.prefix)
    else:
        store = SparqlEndpointStore(virtuoso_url, auth=httpx.DigestAuth("dba", "dba"), graph_prefix=names.prefix)
        assert store.gsp_url and store.gsp_url.endswith("/sparql-graph-crud-auth")
    plan = names.graph("plan/a")
    with store:
        store.replace_graphs({plan: plan_graph(names, "a", 3)})
        store.replace_graphs({plan: plan_graph(names, "a", 1)})
        assert content(store, plan) == set(plan_graph(names, "a", 1))
        assert store.remove_graph(plan)


def test_remove_graph(store: Store, names: Names) -> None:
    plan, other = names.graph("plan/a"), names.graph("plan/b")
    store.replace_graphs({plan: plan_graph(names, "a"), other: plan_graph(names, "b")})
    assert store.remove_graph(plan) is True
    assert store.remove_graph(plan) is False
    assert store.graph_iris() == [other]
    with pytest.raises(InputError, match="outside"):
        store.remove_graph("http://www.openlinksw.com/schemas/virtrdf#")


def test_graph_outside_prefix_is_refused(store: Store, names: Names) -> None:
    with pytest.raises(InputError, match="outside"):
        store.replace_graphs({"https://elsewhere.example/g": plan_graph(names, "a")})


# --------------------------------------------------------------------------- queries


def test_default_graph_is_the_union(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("plan/a"): plan_graph(names, "a"), names.graph("agencies"): agencies_graph(names)})
    result = store.query(
        "PREFIX airkg: <https://airkg.example.org/ontology#>\n"
        "SELECT ?m ?label WHERE { ?m airkg:partOfPlan ?plan ; airkg:leadAgency ?a . ?a rdfs:label ?label } ORDER BY ?m",
        bindings={"plan": names.res["plan/a"]},
    )
    assert result.kind == "select"
    assert result.vars == ["m", "label"]
    assert [row["label"] for row in result.rows] == [Literal("生态环境局0", lang="zh"), Literal("生态环境局1", lang="zh")]


def test_query_kinds(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("plan/a"): plan_graph(names, "a")})
    plan = names.res["plan/a"]
    assert store.query("ASK { ?plan ?p ?o }", bindings={"plan": plan}).boolean is True
    assert store.query("ASK { ?plan ?p ?o }", bindings={"plan": names.res.nothing}).kind == "ask"
    built = store.query("CONSTRUCT { ?plan ?p ?o } WHERE { ?plan ?p ?o }", bindings={"plan": plan})
    assert built.kind == "construct"
    assert set(built.graph) == {t for t in plan_graph(names, "a") if t[0] == plan}
    described = store.query(f"DESCRIBE {sparql_term(plan)}")
    assert described.kind == "describe"
    assert set(described.graph) == set(built.graph)


def test_unbound_values_are_none(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("plan/a"): plan_graph(names, "a")})
    result = store.query(
        "SELECT ?plan ?missing WHERE { ?plan <https://airkg.example.org/ontology#title> ?t "
        "OPTIONAL { ?plan <urn:nothing> ?missing } }",
        bindings={"?plan": names.res["plan/a"]},
    )
    assert result.rows == [{"plan": names.res["plan/a"], "missing": None}]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_bindings_are_data(store: Store, names: Names, text: str) -> None:
    subject = names.res.hostile
    graph = Graph()
    graph.add((subject, AIRKG.note, Literal(text)))
    graph.add((subject, AIRKG.note, Literal(text, lang="zh")))
    store.replace_graphs({names.graph("hostile"): graph})
    before = store.triple_count()
    found = store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o": Literal(text)})
    assert found.rows == [{"s": subject}]
    back = store.query("SELECT ?o WHERE { ?s ?p ?o FILTER(lang(?o) = '') }", bindings={"s": subject})
    assert [str(row["o"]) for row in back.rows] == [text]
    assert store.triple_count() == before


def test_long_literals_round_trip(store: Store, names: Names) -> None:
    """Measure texts run to thousands of characters (Virtuoso stores long literals apart)."""
    text = "".join(f"第{n}条：加强扬尘污染治理，严格施工工地“六个百分之百”管理。\n" for n in range(1500))
    graph = Graph()
    graph.add((names.res.long, AIRKG.text, Literal(text, lang="zh")))
    store.replace_graphs({names.graph("long"): graph})
    store.replace_graphs({names.graph("long"): graph})
    rows = store.query("SELECT ?t WHERE { ?s ?p ?t }", bindings={"s": names.res.long}).rows
    assert rows == [{"t": Literal(text, lang="zh")}]
    assert store.query("SELECT ?s WHERE { ?s ?p ?t }", bindings={"t": Literal(text, lang="zh")}).rows == [{"s": names.res.long}]


@pytest.mark.parametrize(
    "bindings",
    [
        {"s": URIRef("http://x.example/a> } ; DROP ALL ; #")},
        {"s } DROP ALL {": URIRef("http://x.example/a")},
        {"s": Literal("x", datatype=URIRef("urn:x> } DROP ALL { <urn:y"))},
        {"s": BNode("b1")},
        {"s": "a plain str"},
    ],
)
def test_bad_bindings_are_refused(store: Store, bindings: dict) -> None:
    with pytest.raises(InputError):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings=bindings)


@pytest.mark.parametrize("sparql", ["SELECT ?x WHERE { ?x ?p }", "SELEC ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { ?x ?p ?o "])
def test_malformed_sparql(store: Store, sparql: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        store.query(sparql)
    assert caught.value.detail
    assert "SPARQL query:" not in caught.value.detail


@pytest.mark.parametrize(
    "sparql",
    [
        "INSERT DATA { GRAPH <https://airkg.example.org/id/graph/x> { <urn:a> <urn:b> 1 } }",
        "PREFIX x: <urn:x> DROP ALL",
        "SELECT * WHERE { ?s ?p ?o } ; CLEAR ALL",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    ],
)
def test_updates_through_query_are_forbidden(store: Store, sparql: str) -> None:
    with pytest.raises(ForbiddenQuery):
        store.query(sparql)


def test_keywords_inside_strings_and_iris_are_fine(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("plan/a"): plan_graph(names, "a")})
    result = store.query(
        "SELECT ?s WHERE { ?s ?p ?o FILTER(?o != 'DROP ALL' && ?p != <urn:INSERT>) } # DELETE\nLIMIT 1"
    )
    assert len(result.rows) == 1


def test_timeout(store: Store, names: Names) -> None:
    graph = Graph()
    for n in range(3000):
        graph.add((names.res[f"s{n}"], AIRKG.p, Literal(n)))
    store.replace_graphs({names.graph("big"): graph})
    slow = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a <https://airkg.example.org/ontology#p> ?x . "
        "?b <https://airkg.example.org/ontology#p> ?y . ?c <https://airkg.example.org/ontology#p> ?z "
        "FILTER(STR(?x) < STR(?y) && STR(?y) < STR(?z)) }"
    )
    with pytest.raises(QueryTimeout):
        store.query(slow, timeout=0.5)


# --------------------------------------------------------------------------- values


def typed_graph(names: Names) -> Graph:
    s = names.res.typed
    graph = Graph()
    graph.add((s, AIRKG.date, Literal("2025-12-31", datatype=xsd("date"))))
    graph.add((s, AIRKG.decimal, Literal("35.50", datatype=xsd("decimal"))))
    graph.add((s, AIRKG.whole, Literal("1.0", datatype=xsd("decimal"))))
    graph.add((s, AIRKG.integer, Literal("7", datatype=xsd("integer"))))
    graph.add((s, AIRKG.year, Literal("2025", datatype=xsd("gYear"))))
    graph.add((s, AIRKG.flag, Literal("true", datatype=xsd("boolean"))))
    graph.add((s, AIRKG.offset, Literal("12", datatype=xsd("nonNegativeInteger"))))
    graph.add((s, AIRKG.zh, Literal("京津冀及周边地区", lang="zh")))
    graph.add((s, AIRKG.hans, Literal("简体", lang="zh-Hans")))
    graph.add((s, AIRKG.en, Literal("Beijing", lang="en")))
    graph.add((s, AIRKG.plain, Literal("PM2.5 ≤ 35 μg/m³")))
    graph.add((s, AIRKG.string, Literal("explicit", datatype=xsd("string"))))
    return graph


#: What both backends give back: values, not lexical forms, for decimals; lower-case tags;
#: plain literals without ^^xsd:string; xsd:integer for xsd:nonNegativeInteger (pyoxigraph
#: stores all derived integer types as xsd:integer, and the endpoint path folds them alike);
#: "true" for booleans (Virtuoso answers "1", mapped back).
EXPECTED_TYPED = {
    "date": Literal("2025-12-31", datatype=xsd("date")),
    "decimal": Literal("35.5", datatype=xsd("decimal")),
    "whole": Literal("1", datatype=xsd("decimal")),
    "integer": Literal("7", datatype=xsd("integer")),
    "year": Literal("2025", datatype=xsd("gYear")),
    "flag": Literal("true", datatype=xsd("boolean")),
    "offset": Literal("12", datatype=xsd("integer")),  # pyoxigraph folds derived integer types
    "zh": Literal("京津冀及周边地区", lang="zh"),
    "hans": Literal("简体", lang="zh-hans"),
    "en": Literal("Beijing", lang="en"),
    "plain": Literal("PM2.5 ≤ 35 μg/m³"),
    "string": Literal("explicit"),
}


def test_datatypes_round_trip_identically(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("typed"): typed_graph(names)})
    rows = store.query("SELECT ?p ?o WHERE { ?s ?p ?o }", bindings={"s": names.res.typed}).rows
    got = {str(row["p"]).rsplit("#", 1)[1]: strict(row["o"]) for row in rows}
    assert got == {key: strict(value) for key, value in EXPECTED_TYPED.items()}
    from_dataset = {str(p).rsplit("#", 1)[1]: strict(o) for _, p, o in store.dataset().triples((None, None, None))}
    assert from_dataset == got


def test_date_filter_works_on_typed_values(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("typed"): typed_graph(names)})
    result = store.query(
        "SELECT ?d WHERE { ?s <https://airkg.example.org/ontology#date> ?d "
        "FILTER(?d > '2025-06-30'^^<http://www.w3.org/2001/XMLSchema#date>) }",
        bindings={"s": names.res.typed},
    )
    assert [row["d"] for row in result.rows] == [EXPECTED_TYPED["date"]]


# --------------------------------------------------------------------------- reading out


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("trig", "trig"), ("nquads", "nquads"), ("jsonld", "json-ld")])
def test_export_with_graphs(store: Store, names: Names, fmt: str, rdflib_format: str) -> None:
    graphs = {names.graph("plan/a"): plan_graph(names, "a"), names.graph("agencies"): agencies_graph(names)}
    store.replace_graphs(graphs)
    parsed = Dataset()
    parsed.parse(data=store.export(fmt), format=rdflib_format)
    for iri, graph in graphs.items():
        assert set(parsed.graph(URIRef(iri))) == set(graph)


def test_export_turtle_is_the_union(store: Store, names: Names) -> None:
    graphs = {names.graph("plan/a"): plan_graph(names, "a"), names.graph("agencies"): agencies_graph(names)}
    store.replace_graphs(graphs)
    parsed = Graph().parse(data=store.export("turtle"), format="turtle")
    assert set(parsed) == set(graphs[names.graph("plan/a")]) | set(graphs[names.graph("agencies")])
    with pytest.raises(InputError, match="unknown export format"):
        store.export("rdfxml")


def test_dataset_is_a_copy(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("plan/a"): plan_graph(names, "a")})
    dataset = store.dataset()
    assert len(dataset) == len(plan_graph(names, "a"))
    dataset.graph(URIRef(names.graph("plan/a"))).add((names.res.x, AIRKG.p, Literal("x")))
    assert store.triple_count() == len(plan_graph(names, "a"))


# --------------------------------------------------------------------------- opening


def test_oxigraph_persists_across_reopen(tmp_path, names: Names) -> None:
    folder = tmp_path / "store"
    with OxigraphStore(folder, graph_prefix=names.prefix) as store:
        store.replace_graphs({names.graph("typed"): typed_graph(names)})
    with OxigraphStore(folder, graph_prefix=names.prefix) as store:
        assert store.graph_iris() == [names.graph("typed")]
        assert store.triple_count() == len(typed_graph(names))


def test_closed_store_says_so(tmp_path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.graph_iris()


def test_open_store_selection(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIRKG_STORE", raising=False)
    with open_store(None) as store:
        assert isinstance(store, OxigraphStore)
        assert store.path is not None and store.path.resolve() == (tmp_path / "airkg-store").resolve()
    monkeypatch.setenv("AIRKG_STORE", str(tmp_path / "from-env"))
    with open_store(None) as store:
        assert isinstance(store, OxigraphStore) and store.path == tmp_path / "from-env"
    with open_store("http://127.0.0.1:8890/sparql") as store:
        assert isinstance(store, SparqlEndpointStore)
        assert store.gsp_url == "http://127.0.0.1:8890/sparql-graph-crud"
    with open_store("https://dba:dba@127.0.0.1:8890/sparql") as store:
        assert isinstance(store, SparqlEndpointStore)
        assert store.url == "https://127.0.0.1:8890/sparql"
        assert store.gsp_url == "https://127.0.0.1:8890/sparql-graph-crud-auth"
    with open_store(str(tmp_path / "http-like-folder")) as store:
        assert isinstance(store, OxigraphStore)


def test_a_held_folder_is_a_store_error(tmp_path) -> None:
    with OxigraphStore(tmp_path / "store"):
        with pytest.raises(StoreError, match="cannot open"):
            OxigraphStore(tmp_path / "store")


def test_unreachable_endpoint(names: Names) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    with SparqlEndpointStore(url, graph_prefix=names.prefix) as store:
        with pytest.raises(StoreError, match=f"SPARQL endpoint {url} is unreachable"):
            store.graph_iris()
        with pytest.raises(StoreError, match="127.0.0.1"):
            store.replace_graphs({names.graph("a"): plan_graph(names, "a")})


def test_generation_changes_with_every_write_and_only_then(tmp_path, names: Names) -> None:
    plan = names.prefix + "plan/a"
    with OxigraphStore(tmp_path / "store", graph_prefix=names.prefix) as store:
        seen = [store.generation]
        store.query("SELECT * WHERE { ?s ?p ?o }")
        seen.append(store.generation)
        store.replace_graphs({plan: plan_graph(names, "a")})
        seen.append(store.generation)
        store.remove_graph(plan)
        seen.append(store.generation)
    assert seen[0] == seen[1] and len(set(seen[1:])) == 3


def _node_values_of(store: Store, names: Names) -> list:
    res = names.res
    subjects = [str(res["plan/p/measure/0"]), str(res["agency/1"]), str(res["nothing"])]
    return store.node_values(subjects, [str(AIRKG.partOfPlan), str(AIRKG.numericValue), str(RDFS.label)],
                             languages={str(RDFS.label): "zh"})


def test_node_values_are_plain_strings_read_node_by_node(store: Store, names: Names) -> None:
    store.replace_graphs({names.graph("p"): plan_graph(names, "p"), names.graph("a"): agencies_graph(names)})
    store.replace_graphs({names.graph("b"): agencies_graph(names)})  # the same label in two graphs: listed once
    assert _node_values_of(store, names) == [
        {str(AIRKG.partOfPlan): [str(names.res["plan/p"])], str(AIRKG.numericValue): ["30.5"]},
        {str(RDFS.label): ["生态环境局1"]},
        {},
    ]
    # the embedded store's direct reads give what the query every other backend uses gives
    assert _node_values_of(store, names) == Store.node_values(
        store, *[[str(names.res["plan/p/measure/0"]), str(names.res["agency/1"]), str(names.res["nothing"])],
                 [str(AIRKG.partOfPlan), str(AIRKG.numericValue), str(RDFS.label)]],
        languages={str(RDFS.label): "zh"})


def _wait_for(condition, seconds: float = 30) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the copy was not made in time"
        time.sleep(0.05)


def test_the_read_copy_follows_every_write(tmp_path, names: Names) -> None:
    with OxigraphStore(tmp_path / "store", graph_prefix=names.prefix) as store:
        store.replace_graphs({names.graph("p"): plan_graph(names, "p", measures=1)})
        assert store.keep_read_copy(1_000) and store.reads_from_memory
        store.replace_graphs({names.graph("p"): plan_graph(names, "p", measures=3)})
        assert not store.reads_from_memory  # out of date: the next read goes to RocksDB and copies again
        assert len(store.query("SELECT ?m WHERE { ?m airkg:partOfPlan ?p }").rows) == 3
        _wait_for(lambda: store.reads_from_memory)
        assert len(store.query("SELECT ?m WHERE { ?m airkg:partOfPlan ?p }").rows) == 3
        store.remove_graph(names.graph("p"))
        assert store.query("SELECT ?m WHERE { ?m airkg:partOfPlan ?p }").rows == []


def test_no_read_copy_past_its_limit(tmp_path, names: Names) -> None:
    with OxigraphStore(tmp_path / "store", graph_prefix=names.prefix) as store:
        store.replace_graphs({names.graph("p"): plan_graph(names, "p", measures=5)})
        assert not store.keep_read_copy(3)
        assert not store.reads_from_memory
        assert len(store.query("SELECT ?m WHERE { ?m airkg:partOfPlan ?p }").rows) == 5
