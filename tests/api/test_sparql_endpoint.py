"""/sparql: the SPARQL 1.1 Protocol (GET, POST form, POST body), result formats by Accept, refusals, limits."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api_cases import make_app, problem

SELECT = "SELECT ?plan ?title WHERE { ?plan a airkg:Plan ; dcterms:title ?title } ORDER BY ?plan"
CONSTRUCT = "CONSTRUCT { ?plan dcterms:title ?title } WHERE { ?plan a airkg:Plan ; dcterms:title ?title }"
FORM = "application/x-www-form-urlencoded"


def titles(body: dict) -> list[str]:
    return [row["title"]["value"] for row in body["results"]["bindings"]]


def test_get_post_form_and_post_body_answer_alike(client) -> None:
    by_get = client.get("/sparql", params={"query": SELECT})
    by_form = client.post("/sparql", data={"query": SELECT})
    by_body = client.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "application/sparql-query"})
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert titles(by_get.json()) == titles(by_form.json()) == titles(by_body.json())
    assert len(titles(by_get.json())) == 5 and by_get.json()["head"]["vars"] == ["plan", "title"]


def test_select_as_xml_csv_and_tsv(client) -> None:
    xml = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "application/sparql-results+xml"})
    assert xml.headers["content-type"].startswith("application/sparql-results+xml")
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    assert len(ET.fromstring(xml.content).findall(f".//{namespace}result")) == 5
    as_csv = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["plan", "title"] and len(rows) == 6 and rows[1][0].startswith("https://airkg.example.org/id/plan/")
    tsv = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/tab-separated-values"})
    lines = tsv.text.splitlines()
    assert lines[0] == "?plan\t?title" and lines[1].startswith("<https://airkg.example.org/id/plan/")
    assert lines[1].split("\t")[1].startswith('"')


def test_ask(client) -> None:
    response = client.get("/sparql", params={"query": "ASK { ?p a airkg:Plan }"})
    assert response.json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params={"query": "ASK { ?p a airkg:Nothing }"},
                     headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>false</boolean>" in xml.content
    assert client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"}).status_code == 406


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"), ("*/*", "turtle"),
])
def test_construct_as_rdf(client, accept: str, rdflib_format: str) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 5


def test_describe(client) -> None:
    query = "DESCRIBE <https://airkg.example.org/id/agency/76edf130b6dd>"
    graph = Graph().parse(data=client.get("/sparql", params={"query": query}).content, format="turtle")
    assert any("山东省生态环境厅" == str(o) for o in graph.objects())


def test_unacceptable_accept_is_406(client) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406 and "application/sparql-results+json" in problem(response)["detail"]
    assert client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"}).status_code == 406


@pytest.mark.parametrize(("query", "words"), [
    ("SELEC * WHERE { ?s ?p ?o }", "1:"),
    ("SELECT * WHERE { ?s ?p ", "1:"),
    ("SELECT * WHERE { ?s nope:p ?o }", "nope"),
])
def test_malformed_query_is_400_with_a_position(client, query: str, words: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    body = problem(response)
    assert body["title"] == "Malformed SPARQL" and words in body["detail"]


def test_missing_or_empty_query_is_400(client) -> None:
    assert "no query" in problem(client.get("/sparql"))["detail"]
    assert client.get("/sparql", params={"query": "  "}).status_code == 400
    assert client.post("/sparql", data={}).status_code == 400


def test_a_browser_without_a_query_is_sent_to_the_editor(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/editor"


def test_wrong_body_type_is_415(client) -> None:
    response = client.post("/sparql", content=b"SELECT * {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR DEFAULT",
    "CREATE GRAPH <urn:g>",
    "LOAD <http://example.org/data.ttl>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "ADD DEFAULT TO <urn:g>",
    "MOVE DEFAULT TO <urn:g>",
    "COPY DEFAULT TO <urn:g>",
])
def test_updates_are_refused_in_every_protocol_form_and_nothing_changes(client, update: str) -> None:
    before = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    for response in (
        client.get("/sparql", params={"query": update}),
        client.post("/sparql", data={"query": update}),
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-query"}),
        client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
    ):
        assert 400 <= response.status_code < 500, response.text
    refused = client.post("/sparql", data={"query": update})
    assert refused.status_code == 403 and "not allowed" in problem(refused)["detail"]
    assert client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json() == before


def test_service_and_remote_from_are_refused_with_the_reason(client) -> None:
    service = client.get("/sparql", params={"query": "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"})
    assert service.status_code == 403 and "SERVICE" in problem(service)["detail"]
    remote = client.get("/sparql", params={"query": "SELECT * FROM <http://example.org/g> { ?s ?p ?o }"})
    assert remote.status_code == 403 and "FROM <http://example.org/g>" in problem(remote)["detail"]


def test_from_naming_a_local_graph_is_allowed(client) -> None:
    query = ("SELECT (COUNT(*) AS ?n) FROM <https://airkg.example.org/id/graph/plan/000_aa781de31b5c5cff> "
             "WHERE { ?m a airkg:Measure }")
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200 and int(response.json()["results"]["bindings"][0]["n"]["value"]) > 10


def test_dataset_parameters_are_refused(client) -> None:
    response = client.get("/sparql", params={"query": SELECT, "default-graph-uri": "http://example.org/g"})
    assert response.status_code == 400 and "default-graph-uri" in problem(response)["detail"]


def test_row_cap_and_time_limit_come_from_settings(seed_store) -> None:
    with TestClient(make_app(seed_store, max_rows=10, query_timeout=0.3)) as limited:
        capped = limited.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
        assert capped.status_code == 413 and "more than 10 rows" in problem(capped)["detail"]
        ok = limited.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 10"})
        assert ok.status_code == 200
        graph = limited.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
        assert graph.status_code == 413 and "triples" in problem(graph)["detail"]
    with TestClient(make_app(seed_store, max_rows=10**9, query_timeout=0.3)) as slow:
        response = slow.get("/sparql", params={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"})
        assert response.status_code == 503 and "0.3 s" in problem(response)["detail"]


def test_json_results_keep_language_tags_and_datatypes(client) -> None:
    query = ("SELECT ?label ?code WHERE { <https://airkg.example.org/id/region/370000> rdfs:label ?label ; "
             "airkg:adminCode ?code FILTER(lang(?label) = 'zh') }")
    row = client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]
    assert row["label"] == {"type": "literal", "value": "山东省", "xml:lang": "zh"}
    assert json.dumps(row["code"]).startswith('{"type": "literal"')
