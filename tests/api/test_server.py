"""`airkg serve` for real: a subprocess on a free loopback port, an empty store filled from seeds/ on first
start, queried with a real SPARQL client (SPARQLWrapper) and with httpx."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.error import HTTPError

import httpx
import pytest
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from rdflib import Graph

from tests.serving import airkg_serve



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("served") / "store"
    with airkg_serve(str(store), tmp_path_factory.mktemp("log")) as (url, _):
        yield url


@pytest.mark.server
def test_sparqlwrapper_queries_the_served_store(server: str) -> None:
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery("SELECT ?plan ?title WHERE { ?plan a airkg:Plan ; dcterms:title ?title } ORDER BY ?plan")
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert len(rows) == 5 and rows[0]["title"]["value"] == "山东省2023年大气环境质量巩固提升行动方案"

    client.setMethod(POST)
    client.setReturnFormat(CSV)
    assert client.queryAndConvert().decode("utf-8").splitlines()[0] == "plan,title"

    client.setQuery("CONSTRUCT { ?plan dcterms:title ?title } WHERE { ?plan a airkg:Plan ; dcterms:title ?title }")
    client.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=client.queryAndConvert(), format="turtle")) == 5

    client.setQuery("SELEC nothing")
    with pytest.raises(QueryBadFormed):
        client.queryAndConvert()
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")  # SPARQLWrapper sends it as update=
    with pytest.raises(HTTPError) as refused:
        client.queryAndConvert()
    assert refused.value.code == 403


@pytest.mark.server
def test_the_served_app_answers_rest_linked_data_and_pages(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30, trust_env=False) as http:
        assert http.get("/api/measures", params={"limit": 1}).json()["count"] > 100
        turtle = http.get("/id/sector/steel", headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle")
        assert "钢铁" in http.get("/sectors/steel").text
        assert http.get("/docs").status_code == 200
