"""GET /api/measures (filters, paging, count) and /api/measures/{id}."""

from __future__ import annotations

import pytest

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
    "text": (dict(q="钢铁"), lambda m: "钢铁" in m.title + m.text),
    "latin text, any case": (dict(q="vocs"), lambda m: "vocs" in (m.title + m.text).lower()),
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
    both = measures(client, plan=PLAN_ID, q="钢铁", limit=500)
    assert both["count"] and all(m["plan_id"] == PLAN_ID and ("钢铁" in m["title"] + m["text"]) for m in both["data"])


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
    either = measures(client, pollutant="SO2")["count"]
    assert max(stated, inferred) <= either <= stated + inferred and inferred > stated


def test_broader_pollutant_includes_narrower(client) -> None:
    assert measures(client, pollutant="PM")["count"] >= measures(client, pollutant="PM2.5")["count"]


def test_free_text_is_a_value_not_sparql(client) -> None:
    for text in ['") } SELECT * { ?s ?p ?o', "' } #", "\\", '"""']:
        assert measures(client, q=text)["count"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"role": "boss"}, "role"),
    ({"due_from": "yesterday"}, "due_from"), ({"region": "shandong"}, "region"), ({"agency": "<x>"}, "agency"),
    ({"pollutant_basis": "maybe"}, "pollutant_basis"), ({"colour": "red"}, "colour"),
])
def test_bad_parameters_are_400_naming_them(client, params: dict, field: str) -> None:
    response = client.get("/api/measures", params=params)
    assert response.status_code == 400
    assert problem(response)["detail"].startswith(f"{field}:")
