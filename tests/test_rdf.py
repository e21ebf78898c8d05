"""The built graph: SHACL conformance, a faithful round trip through every export format, one graph per plan."""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.rdf_building import AIRKG, REGIONS_GRAPH, VOCABULARY_GRAPH, description_graph_iri, plan_graph_iri
from kg.source_spans import parse_span
from kg.store import OxigraphStore
from kg.validation import validate_graph


def _union(dataset: Dataset) -> Graph:
    union = Graph()
    for graph in dataset.graphs():
        union += graph
    return union


@pytest.mark.slow
def test_built_graph_conforms_to_the_shapes(seed_store: OxigraphStore) -> None:
    report = validate_graph(_union(seed_store.dataset()))
    assert report.conforms, report.text[:3000]


def test_a_broken_graph_does_not_conform(seed_store: OxigraphStore) -> None:
    plan = URIRef("https://airkg.example.org/id/plan/000_aa781de31b5c5cff")
    graph = Graph()
    graph += seed_store.dataset().graph(plan_graph_iri("000_aa781de31b5c5cff"))
    graph.remove((plan, URIRef("http://purl.org/dc/terms/title"), None))
    report = validate_graph(graph)
    assert not report.conforms and report.violations >= 1
    assert "title" in report.text


def test_one_named_graph_per_plan_and_per_agency_or_person_named(seed_store: OxigraphStore) -> None:
    """A graph per plan, the vocabularies, the regions, and one graph describing each agency and person the
    plans name (``res:graph/agency/…``, ``res:graph/person/…``) holding that node's triples alone."""
    iris = set(seed_store.graph_iris())
    plans = {str(plan_graph_iri(stem)) for stem in ("000_aa781de31b5c5cff", "001_2b08b5de9d9ff43a",
                                                    "002_833ca56d4879db5a", "003_922dca89c0e37589",
                                                    "004_686603e2450627ea")}
    named = {str(row["d"]) for row in seed_store.query("""
        SELECT DISTINCT ?d WHERE { GRAPH ?g { ?x <https://airkg.example.org/ontology#agency>
          |<http://purl.org/dc/terms/publisher>|<https://airkg.example.org/ontology#responsibleLeader> ?d } }""").rows}
    assert any("/agency/" in d for d in named) and any("/person/" in d for d in named)
    assert iris == plans | {str(VOCABULARY_GRAPH), str(REGIONS_GRAPH)} | {description_graph_iri(d) for d in named}
    for node in named:
        subjects = seed_store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{description_graph_iri(node)}> {{ ?s ?p ?o }} }}")
        assert [str(row["s"]) for row in subjects.rows] == [node]


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_export_reparse_is_isomorphic_per_graph(seed_store: OxigraphStore, fmt: str) -> None:
    original = seed_store.dataset()
    reparsed = Dataset()
    reparsed.parse(data=seed_store.export(fmt), format=fmt)
    names = {g.identifier for g in original.graphs() if len(g)}
    assert names == {g.identifier for g in reparsed.graphs() if len(g)}
    for name in names:
        left, right = original.graph(name), reparsed.graph(name)
        if not isomorphic(left, right):
            _, only_left, only_right = graph_diff(to_isomorphic(left), to_isomorphic(right))
            pytest.fail(f"{name}: {len(only_left)} triples lost, {len(only_right)} gained, "
                        f"e.g. {next(iter(only_left), None)} / {next(iter(only_right), None)}")


def test_turtle_export_keeps_every_triple(seed_store: OxigraphStore) -> None:
    reparsed = Graph().parse(data=seed_store.export("turtle"), format="turtle")
    assert isomorphic(reparsed, _union(seed_store.dataset()))


def test_jsonld_export_keeps_every_graph(seed_store: OxigraphStore) -> None:
    reparsed = Dataset()
    reparsed.parse(data=seed_store.export("jsonld"), format="json-ld")
    assert isomorphic(_union(reparsed), _union(seed_store.dataset()))


def test_every_source_span_lies_in_its_plans_document(seed_store: OxigraphStore) -> None:
    """Each ``airkg:source`` is ``…/document/PLAN#char=START,END`` of the plan whose graph holds the fact,
    inside the document's text, and the words a fact keeps (a measure's text, a deadline's words) are
    exactly the document's words there."""
    result = seed_store.query("""
        PREFIX airkg: <https://airkg.example.org/ontology#>
        SELECT ?g ?span ?said ?text WHERE { GRAPH ?g { ?fact airkg:source ?span .
          OPTIONAL { ?fact airkg:text|airkg:originalText ?said } }
          ?doc airkg:fullText ?text . FILTER(STRSTARTS(STR(?span), CONCAT(STR(?doc), "#"))) }""")
    assert len(result.rows) > 800
    quoted = 0
    for row in result.rows:
        span = parse_span(row["span"])
        assert span is not None and str(row["g"]).endswith(span.document.rsplit("/", 1)[1])
        assert 0 <= span.start < span.end <= len(str(row["text"]))
        if row["said"] is not None:
            quoted += 1
            assert str(row["text"])[span.start:span.end] == str(row["said"])
    assert quoted > 150


def test_facts_link_to_their_spans(seed_store: OxigraphStore) -> None:
    result = seed_store.query("""
        PREFIX airkg: <https://airkg.example.org/ontology#>
        SELECT ?span ?text WHERE {
          ?m airkg:path "2.1.2" ; airkg:partOfPlan <https://airkg.example.org/id/plan/001_2b08b5de9d9ff43a> ;
             airkg:hasDeadline ?d .
          ?d airkg:source ?span . ?doc airkg:fullText ?text FILTER(STRSTARTS(STR(?span), CONCAT(STR(?doc), "#")))
        }""")
    words = sorted(str(row["text"])[parse_span(row["span"]).start:parse_span(row["span"]).end] for row in result.rows)
    assert words == ["2023年3月底前", "2024年12月底前"]
    assert AIRKG.hasDeadline and Literal  # namespaces in use


def test_the_web_annotation_export_quotes_each_span_from_its_document(seed_store: OxigraphStore) -> None:
    """``export --web-annotation`` describes every span the graph uses with W3C selectors; each
    ``oa:exact`` is the document's text between ``oa:start`` and ``oa:end``."""
    exported = pyoxigraph.Store()
    exported.load(seed_store.export("nquads", web_annotation=True), format=pyoxigraph.RdfFormat.N_QUADS)
    oa = "http://www.w3.org/ns/oa#"
    rows = [tuple(row) for row in exported.query(f"""
        SELECT DISTINCT ?span ?start ?end ?exact ?text WHERE {{ GRAPH ?g {{
          ?span a <{oa}TextPositionSelector>, <{oa}TextQuoteSelector> ; <{oa}start> ?start ; <{oa}end> ?end ;
                <{oa}exact> ?exact ; <http://purl.org/dc/terms/source> ?doc }}
          GRAPH ?h {{ ?doc <{AIRKG.fullText}> ?text }} }}""")]
    used = {str(row["span"]) for row in seed_store.query("SELECT DISTINCT ?span WHERE { ?x airkg:source ?span }").rows}
    assert len(used) > 800
    assert {row[0].value for row in rows} >= used
    for span, start, end, exact, text in rows:
        assert text.value[int(start.value):int(end.value)] == exact.value
        assert span.value.endswith(f"#char={start.value},{end.value}")
