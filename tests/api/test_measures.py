"""GET /api/measures (filters, paging, count) and /api/measures/{id}."""

from __future__ import annotations

import pytest

from kg.query_params import search_terms

from api_cases import AGENCY_ID, MEASURE_ID, PLAN_ID, problem


def measures(client, **params) -> dict:
    response = client.get("/api/measures", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_one_measure_has_its_agencies_deadlines_concepts_and_span(client, seed_plans) -> None:
    measure = client.get(f"/api/measures/{MEASURE_ID}").json()
    assert measure["id"] == MEASURE_ID and measure["plan_id"] == PLAN_ID and measure["path"] == "2.1"
    assert measure["title"] == "推动全省钢铁企业环保绩效全面创A" and measure["text"].startswith("（一）推动全省钢铁")
    roles = {(a["agency"]["label"], a["role"], a["blanket"]) for a in measure["agencies"]}
    assert ("山东省生态环境厅", "responsible", False) in roles
    assert [(d["due_date"], d["kind"], d["original_text"]) for d in measure["deadlines"]] == [
        ("2023-12-31", "by", "年底前")]
    assert {"id": "steel", "basis": "stated"}.items() <= next(s for s in measure["sectors"] if s["id"] == "steel").items()
    assert {p["id"] for p in measure["pollutants"]} >= {"PM", "SO2", "NOx"}
    extracted = next(m for m in seed_plans[PLAN_ID].measures if m.id == MEASURE_ID)
    assert measure["span"] == {"start": extracted.span.start, "end": extracted.span.end}


def test_unknown_measure_is_404(client) -> None:
    assert client.get(f"/api/measures/{PLAN_ID}:99.99").status_code == 404


def test_the_unfiltered_list_counts_every_measure_and_pages(client) -> None:
    first = measures(client, limit=10)
    assert first["count"] > 100 and len(first["data"]) == 10 and first["limit"] == 10
    second = measures(client, limit=10, offset=10)
    assert not {m["id"] for m in first["data"]} & {m["id"] for m in second["data"]}
    everything = measures(client, limit=500)
    assert len(everything["data"]) == first["count"] == len({m["id"] for m in everything["data"]})


def test_measures_come_in_document_order(client) -> None:
    data = measures(client, plan=PLAN_ID, limit=500)["data"]
    starts = [m["span"]["start"] for m in data]
    assert starts == sorted(starts) and len(data) > 10


def _all(seed_plans) -> list:
    return [m for plan in seed_plans.values() for m in plan.measures]


EXPECTED = {
    "plan": (dict(plan=PLAN_ID), lambda m: m.id.startswith(PLAN_ID + ":")),
    "stated VOCs": (dict(pollutant="VOCs", pollutant_basis="stated"),
                    lambda m: any(p.code == "VOCs" and p.basis.value == "stated" for p in m.pollutants)),
    "steel": (dict(sector="steel"), lambda m: any(s.code == "steel" for s in m.sectors)),
    "lead": (dict(role="lead"), lambda m: any(a.role.value == "lead" for a in m.agencies)),
    "agency responsible": (dict(agency=AGENCY_ID, role="responsible"),
                           lambda m: any(a.canonical == "山东省生态环境厅" and a.role.value == "responsible"
                                         for a in m.agencies)),
    "june": (dict(due_from="2023-06-01", due_to="2023-06-30"),
             lambda m: any(d.date and "2023-06-01" <= d.date.isoformat() <= "2023-06-30" for d in m.deadlines)),
    "text": (dict(q="治理"), lambda m: "治理" in m.title + m.text),
    # a pollutant's or sector's name finds its other names too (VOCs = 挥发性有机物, 钢铁 = 炼钢, 高炉 …)
    "latin text, any case, synonyms": (dict(q="vocs"), lambda m: any(
        term.casefold() in (m.title + m.text).casefold() for term in search_terms("vocs"))),
    "concept synonyms": (dict(q="steel"), lambda m: any(
        term.casefold() in (m.title + m.text).casefold() for term in search_terms("钢铁"))),
    "stated VOCs by Chinese name": (dict(pollutant="挥发性有机物"),
                                   lambda m: any(p.code == "VOCs" and p.basis.value == "stated" for p in m.pollutants)),
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_filters_select_what_the_extraction_holds(client, seed_plans, case: str) -> None:
    params, wanted = EXPECTED[case]
    expected = {m.id for m in _all(seed_plans) if wanted(m)}
    body = measures(client, **params, limit=500)
    assert expected and body["count"] == len(expected)
    assert {m["id"] for m in body["data"]} == expected


def test_unfiltered_count_is_every_measure(client, seed_plans) -> None:
    assert measures(client)["count"] == len(_all(seed_plans))


def test_filters_combine_with_and(client) -> None:
    both = measures(client, plan=PLAN_ID, q="治理", limit=500)
    assert both["count"] and all(m["plan_id"] == PLAN_ID and ("治理" in m["title"] + m["text"]) for m in both["data"])


def test_region_filter_includes_sub_regions_and_named_regions(client, seed_plans) -> None:
    province = {m["id"] for m in measures(client, region="370000", limit=500)["data"]}
    city = {m["id"] for m in measures(client, region="370800", limit=500)["data"]}
    jining_plan = {m.id for p in seed_plans.values() if p.region and p.region.code == "370800" for m in p.measures}
    naming_jining = {m.id for p in seed_plans.values() for m in p.measures
                     if any(r.region.code.startswith("3708") for r in m.regions)}
    assert jining_plan and jining_plan | naming_jining <= city < province


def test_stated_and_inferred_pollutants_differ(client) -> None:
    stated = measures(client, pollutant="SO2", pollutant_basis="stated")["count"]
    inferred = measures(client, pollutant="SO2", pollutant_basis="inferred")["count"]
    either = measures(client, pollutant="SO2", pollutant_basis="any")["count"]
    assert measures(client, pollutant="SO2")["count"] == stated  # stated is the default, as everywhere
    assert max(stated, inferred) <= either <= stated + inferred and inferred > stated


def test_broader_pollutant_includes_narrower(client) -> None:
    assert measures(client, pollutant="PM")["count"] >= measures(client, pollutant="PM2.5")["count"]


def test_free_text_is_a_value_not_sparql(client) -> None:
    for text in ['") } SELECT * { ?s ?p ?o', "' } #", "\\", '"""']:
        assert measures(client, q=text)["count"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"role": "boss"}, "role"),
    ({"due_from": "yesterday"}, "due_from"), ({"region": "Atlantis"}, "region"), ({"agency": "<x>"}, "agency"),
    ({"agency": "生态环境局"}, "agency"), ({"pollutant": "smog"}, "pollutant"), ({"basis": "all"}, "basis"),
    ({"pollutant_basis": "maybe"}, "pollutant_basis"), ({"colour": "red"}, "colour"),
])
def test_bad_parameters_are_400_naming_them(client, params: dict, field: str) -> None:
    response = client.get("/api/measures", params=params)
    assert response.status_code == 400
    assert problem(response)["detail"].startswith(f"{field}:")


# --------------------------------------------------------------------------- the fast list path
# The list reads one pattern per filter and intersects in Python (api/reads/measures.py); these tests
# hold it to answers that do not come from that code: the golden annotations, and plain SPARQL.

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from rdflib import XSD, Graph, Literal, Namespace, URIRef  # noqa: E402

from kg.loading import extract_files, graphs_to_load  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402

GOLD = Namespace("urn:golden:")
ROOT = Path(__file__).resolve().parents[2]
SEEDS, GOLDEN = ROOT / "seeds", ROOT / "tests" / "golden"


def _golden_graph() -> Graph:
    """The golden answers of the five seeds (tests/golden, written by reading the documents) as RDF."""
    graph = Graph()
    for path in sorted(SEEDS.glob("*.txt")):
        golden = json.loads((GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8"))
        for measure in golden["measures"]:
            node = URIRef(f"urn:golden:{path.stem}/{measure['path']}")
            graph.add((node, GOLD.id, Literal(f"{path.stem}:{measure['path']}")))
            for agency in measure["agencies"]:
                graph.add((node, GOLD.role, Literal(agency["role"])))
            for deadline in measure["deadlines"]:
                if deadline.get("date"):
                    graph.add((node, GOLD.due, Literal(deadline["date"], datatype=XSD.date)))
    return graph


_GOLDEN_QUERY = """SELECT DISTINCT ?id WHERE {{ ?m <urn:golden:id> ?id . {where} }}"""
GOLDEN_CASES = {
    "lead": ({"role": "lead"}, "?m <urn:golden:role> 'lead' ."),
    "responsible": ({"role": "responsible"}, "?m <urn:golden:role> 'responsible' ."),
    "support": ({"role": "support"}, "?m <urn:golden:role> 'support' ."),
    "implementing": ({"role": "implementing"}, "?m <urn:golden:role> 'implementing' ."),
    "first half of 2023": ({"due_from": "2023-01-01", "due_to": "2023-06-30"},
                           "?m <urn:golden:due> ?d FILTER(?d >= '2023-01-01'^^xsd:date && ?d <= '2023-06-30'^^xsd:date)"),
    "from 2024": ({"due_from": "2024-01-01"}, "?m <urn:golden:due> ?d FILTER(?d >= '2024-01-01'^^xsd:date)"),
    "until 2022": ({"due_to": "2022-12-31"}, "?m <urn:golden:due> ?d FILTER(?d <= '2022-12-31'^^xsd:date)"),
    "lead, due in 2023": ({"role": "lead", "due_from": "2023-01-01", "due_to": "2023-12-31"},
                          "?m <urn:golden:role> 'lead' ; <urn:golden:due> ?d "
                          "FILTER(?d >= '2023-01-01'^^xsd:date && ?d <= '2023-12-31'^^xsd:date)"),
    "everything": ({}, ""),
}


@pytest.fixture(scope="module")
def golden_graph() -> Graph:
    return _golden_graph()


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_filtered_list_is_what_the_golden_answers_say(client, golden_graph, case: str) -> None:
    params, where = GOLDEN_CASES[case]
    expected = {str(row[0]) for row in golden_graph.query(_GOLDEN_QUERY.format(where=where))}
    pages, offset = [], 0
    while True:  # page through in sevens: the pages must add up to the whole list, in order, once each
        body = measures(client, **params, limit=7, offset=offset)
        pages += [m["id"] for m in body["data"]]
        assert body["count"] == len(expected)
        if len(body["data"]) < 7:
            break
        offset += 7
    assert expected and sorted(pages) == sorted(expected) and len(pages) == len(set(pages))
    assert pages == [m["id"] for m in measures(client, **params, limit=500)["data"]]


#: The filters as the service defined them before it was made fast: one FILTER EXISTS per filter,
#: property paths inside (correct, and seconds per request at 100 plans).
_REFERENCE = """SELECT ?id WHERE {{ ?m a airkg:Measure ; airkg:partOfPlan ?plan ; dcterms:identifier ?id .
  OPTIONAL {{ ?m airkg:source ?span BIND(xsd:integer(STRBEFORE(STRAFTER(STR(?span), "#char="), ",")) AS ?start) }}
  {where} }} ORDER BY ?plan ?start ?m"""
REFERENCE_CASES = {
    "region with sub-regions": ({"region": "370000"}, """FILTER EXISTS { { ?plan airkg:region ?in }
        UNION { ?m airkg:mentionsRegion ?in } ?in airkg:parentRegion* <https://airkg.example.org/id/region/370000> }"""),
    "city": ({"region": "370800"}, """FILTER EXISTS { { ?plan airkg:region ?in }
        UNION { ?m airkg:mentionsRegion ?in } ?in airkg:parentRegion* <https://airkg.example.org/id/region/370800> }"""),
    "PM and narrower": ({"pollutant": "PM", "basis": "any"}, """FILTER EXISTS { ?m airkg:statedPollutant|airkg:inferredPollutant ?c .
        ?c (skos:broader|^skos:narrower)* <https://airkg.example.org/id/pollutant/PM> }"""),
    "industry, inferred": ({"sector": "industry", "sector_basis": "inferred"}, """FILTER EXISTS {
        ?m airkg:inferredSector ?c . ?c (skos:broader|^skos:narrower)* <https://airkg.example.org/id/sector/industry> }"""),
    "VOCs, lead": ({"pollutant": "VOCs", "role": "lead", "basis": "any"}, """
        FILTER EXISTS { ?m airkg:statedPollutant|airkg:inferredPollutant <https://airkg.example.org/id/pollutant/VOCs> }
        FILTER EXISTS { ?m airkg:hasAssignment/airkg:role <https://airkg.example.org/id/role/lead> }"""),
    "agency, responsible": ({"agency": AGENCY_ID, "role": "responsible"}, f"""FILTER EXISTS {{
        ?m airkg:hasAssignment ?a . ?a airkg:agency <https://airkg.example.org/id/agency/{AGENCY_ID}> ;
        airkg:role <https://airkg.example.org/id/role/responsible> }}"""),
    "text": ({"q": "企业"}, """FILTER EXISTS { ?m dcterms:title|airkg:text ?t FILTER(CONTAINS(LCASE(STR(?t)), "企业")) }"""),
    "plan, text, implementing": ({"plan": PLAN_ID, "q": "治理", "role": "implementing"}, f"""
        FILTER(?plan = <https://airkg.example.org/id/plan/{PLAN_ID}>)
        FILTER EXISTS {{ ?m dcterms:title|airkg:text ?t FILTER(CONTAINS(STR(?t), "治理")) }}
        FILTER EXISTS {{ ?m airkg:hasAssignment/airkg:role <https://airkg.example.org/id/role/implementing> }}"""),
    "province, PM, due by 2023": ({"region": "370000", "pollutant": "PM", "due_to": "2023-12-31", "basis": "any"}, """
        FILTER EXISTS { { ?plan airkg:region ?in } UNION { ?m airkg:mentionsRegion ?in }
                        ?in airkg:parentRegion* <https://airkg.example.org/id/region/370000> }
        FILTER EXISTS { ?m airkg:statedPollutant|airkg:inferredPollutant ?c .
                        ?c (skos:broader|^skos:narrower)* <https://airkg.example.org/id/pollutant/PM> }
        FILTER EXISTS { ?m airkg:hasDeadline/airkg:dueDate ?d FILTER(?d <= "2023-12-31"^^xsd:date) }"""),
}


@pytest.mark.parametrize("case", sorted(REFERENCE_CASES))
def test_filtered_list_is_what_plain_sparql_selects(client, seed_store, case: str) -> None:
    params, where = REFERENCE_CASES[case]
    expected = [str(row["id"]) for row in seed_store.query(_REFERENCE.format(where=where)).rows]
    body = measures(client, **params, limit=500)
    assert expected and [m["id"] for m in body["data"]] == expected and body["count"] == len(expected)
    middle = measures(client, **params, limit=3, offset=len(expected) // 2)
    assert [m["id"] for m in middle["data"]] == expected[len(expected) // 2:len(expected) // 2 + 3]


def test_who_does_what_is_said_once_by_assignments(seed_store) -> None:
    """The compact graph has one encoding of roles: assignments, each with one agency and one role; no
    direct measure-to-agency role links beside them."""
    direct = seed_store.query("ASK { VALUES ?p { airkg:leadAgency airkg:responsibleAgency airkg:supportAgency "
                              "airkg:implementingAgency airkg:involvesAgency } ?m ?p ?agency }")
    counts = [(int(r["agencies"]), int(r["roles"])) for r in seed_store.query(
        "SELECT ?a (COUNT(DISTINCT ?agency) AS ?agencies) (COUNT(DISTINCT ?role) AS ?roles) WHERE { "
        "?m airkg:hasAssignment ?a . OPTIONAL { ?a airkg:agency ?agency } OPTIONAL { ?a airkg:role ?role } } GROUP BY ?a"
    ).rows]
    assert direct.boolean is False and len(counts) > 300 and set(counts) == {(1, 1)}


def test_an_agency_named_in_two_plans_is_listed_once_per_assignment(tmp_path) -> None:
    """An agency's triples are written in every plan graph that names it, and pyoxigraph's union of
    the graphs repeats a triple held by two graphs: the lists of a measure must not repeat with it."""
    from fastapi.testclient import TestClient

    from api_cases import make_app
    for name in ("000_aa781de31b5c5cff.txt", "copy_of_000.txt"):
        (tmp_path / name).write_bytes((SEEDS / "000_aa781de31b5c5cff.txt").read_bytes())
    store = OxigraphStore(tmp_path / "store")
    try:
        store.replace_graphs(graphs_to_load(extract_files(sorted(tmp_path.glob("*.txt")))))
        counts = {str(r["id"]): int(r["n"]) for r in store.query(
            "SELECT ?id (COUNT(DISTINCT ?a) AS ?n) WHERE { ?m dcterms:identifier ?id . "
            "OPTIONAL { ?m airkg:hasAssignment ?a } } GROUP BY ?id").rows}
        with TestClient(make_app(store)) as twice:
            body = twice.get("/api/measures", params={"plan": PLAN_ID, "limit": 500}).json()
            one = twice.get(f"/api/measures/{MEASURE_ID}").json()
    finally:
        store.close()
    assert body["data"] and all(len(m["agencies"]) == counts[m["id"]] for m in body["data"])
    assert len(one["agencies"]) == counts[MEASURE_ID] and len(one["pollutants"]) == len(
        {(p["id"], p["basis"]) for p in one["pollutants"]})


def test_a_held_page_read_on_the_event_loop_is_the_page_read_in_a_thread(client, app) -> None:
    from api.reads.measures import page_is_bounded
    from api.reads.names import resolve_filter
    from api.models import MeasureFilter

    params = {"pollutant": "PM", "basis": "any", "limit": 7, "offset": 3}
    first = client.get("/api/measures", params=params)  # the matches are read (in a thread), then held
    store = app.state.store
    assert store.reads_from_memory  # the app keeps a read copy of the seeds
    assert page_is_bounded(store, resolve_filter(store, MeasureFilter(**params)).filter)
    again = client.get("/api/measures", params=params)  # served on the loop
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert client.get("/api/measures", params={**params, "region": "Atlantis"}).status_code == 400
