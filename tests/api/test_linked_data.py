"""Every entity IRI dereferences under /id/…: HTML for browsers, Turtle / JSON-LD / N-Triples by Accept."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from api_cases import AGENCY_ID, PLAN_ID, problem

RES = "https://airkg.example.org/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", [
    f"plan/{PLAN_ID}", f"plan/{PLAN_ID}/measure/2.1", f"plan/{PLAN_ID}/measure/2.1/deadline/1",
    f"plan/{PLAN_ID}/measure/2.1/assignment/1", f"document/{PLAN_ID}", f"agency/{AGENCY_ID}", "region/370800",
    "pollutant/PM2.5", "sector/steel", "role/lead", "deadline-kind/by", f"plan/{PLAN_ID}/section/2",
])
def test_every_kind_of_entity_dereferences_as_turtle(client, path: str) -> None:
    response = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert "Accept" in response.headers["vary"]
    graph = Graph().parse(data=response.content, format="turtle")
    assert len(list(graph.predicate_objects(URIRef(RES + path)))) > 1


def test_linked_nodes_come_with_their_labels(client) -> None:
    graph = Graph().parse(data=client.get(f"/id/plan/{PLAN_ID}/measure/2.1").content, format="turtle")
    agency = URIRef(RES + f"agency/{AGENCY_ID}")
    assert "山东省生态环境厅" in {str(label) for label in graph.objects(agency, RDFS.label)}
    plan = URIRef(RES + f"plan/{PLAN_ID}")
    assert str(graph.value(plan, DCTERMS.title)).startswith("山东省")


def test_json_ld_and_n_triples(client) -> None:
    path = f"/id/agency/{AGENCY_ID}"
    as_json = client.get(path, headers={"Accept": "application/ld+json"})
    assert as_json.headers["content-type"].startswith("application/ld+json")
    assert any(node.get("@id") == RES + f"agency/{AGENCY_ID}" for node in json.loads(as_json.content))
    nt = client.get(path, headers={"Accept": "application/n-triples"})
    assert nt.text.startswith("<") and len(Graph().parse(data=nt.content, format="nt")) > 3


def test_browsers_are_sent_to_the_entity_page(client) -> None:
    for path, page in [(f"plan/{PLAN_ID}", f"/plans/{PLAN_ID}"), (f"agency/{AGENCY_ID}", f"/agencies/{AGENCY_ID}"),
                       ("pollutant/VOCs", "/pollutants/VOCs"), ("sector/steel", "/sectors/steel"),
                       ("region/370800", "/regions/370800")]:
        response = client.get(f"/id/{path}", headers={"Accept": BROWSER}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == page


def test_a_measure_sends_a_browser_to_its_page(client) -> None:
    response = client.get(f"/id/plan/{PLAN_ID}/measure/2.1", headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/measures/{PLAN_ID}:2.1"
    page = client.get(response.headers["location"], headers={"Accept": BROWSER})
    assert "推动全省钢铁企业环保绩效全面创A" in page.text and f'href="/agencies/{AGENCY_ID}"' in page.text
    turtle = client.get(f"/id/plan/{PLAN_ID}/measure/2.1?format=ttl", headers={"Accept": BROWSER})
    assert turtle.headers["content-type"].startswith("text/turtle")


def test_entities_without_a_page_get_a_generic_html_page(client) -> None:
    response = client.get(f"/id/plan/{PLAN_ID}/measure/2.1/assignment/1", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert f'href="/id/agency/' in response.text


@pytest.mark.parametrize("path", ["plan/nothing", "agency/000000000000", "nothing", "plan/a b", "region/"])
def test_unknown_ids_are_404_in_every_format(client, path: str) -> None:
    for accept in ("text/turtle", "application/ld+json", BROWSER):
        response = client.get(f"/id/{path}", headers={"Accept": accept})
        assert response.status_code == 404


def test_unsupported_accept_is_406(client) -> None:
    response = client.get(f"/id/plan/{PLAN_ID}", headers={"Accept": "application/pdf"})
    assert response.status_code == 406 and "text/turtle" in problem(response)["detail"]
