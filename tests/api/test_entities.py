"""Agencies, pollutants, sectors, regions and deadlines: lists and one by id."""

from __future__ import annotations

import datetime as dt

import pytest

from api_cases import AGENCY_ID, PLAN_ID


def test_agencies(client) -> None:
    body = client.get("/api/agencies", params={"limit": 1000}).json()
    assert body["count"] == len(body["data"]) > 50
    counts = [a["measure_count"] for a in body["data"]]
    assert counts == sorted(counts, reverse=True)
    for agency in body["data"][:3] + body["data"][-3:]:  # counted apart from the measure filter's path
        assert agency["measure_count"] == client.get("/api/measures", params={"agency": agency["id"]}).json()["count"]
    agency = client.get(f"/api/agencies/{AGENCY_ID}").json()
    assert agency["label"] == "山东省生态环境厅" and agency["label_en"] == "Shandong Province Department of Ecology and Environment"
    assert agency["jurisdiction"]["id"] == "370000" and agency["functional_type"] == "ecology_environment"
    assert "省生态环境厅" in agency["name_variants"]
    assert agency["measure_count"] == client.get("/api/measures", params={"agency": AGENCY_ID}).json()["count"] > 0


def test_agencies_page_by_page(client) -> None:
    whole = client.get("/api/agencies", params={"limit": 1000}).json()
    first = client.get("/api/agencies", params={"limit": 40}).json()
    assert (first["count"], first["limit"], first["offset"], len(first["data"])) == (whole["count"], 40, 0, 40)
    pages = [a for offset in range(0, whole["count"], 40)
             for a in client.get("/api/agencies", params={"limit": 40, "offset": offset}).json()["data"]]
    assert pages == whole["data"]
    assert client.get("/api/agencies", params={"offset": whole["count"]}).json()["data"] == []
    assert client.get("/api/agencies", params={"limit": 0}).status_code == 400
    assert client.get("/api/agencies", params={"limit": 1001}).status_code == 400


def test_pollutants(client) -> None:
    body = client.get("/api/pollutants").json()
    assert {"PM2.5", "VOCs", "NOx", "SO2", "O3"} <= {p["id"] for p in body["data"]}
    pm = client.get("/api/pollutants/PM").json()
    assert pm["label"] == "颗粒物" and {n["id"] for n in pm["narrower"]} == {"PM2.5", "PM10"} and "烟尘" in pm["alt_labels"]


def test_sectors(client) -> None:
    body = client.get("/api/sectors").json()
    assert body["count"] == len(body["data"]) > 10
    steel = client.get("/api/sectors/steel").json()
    assert steel["label"] == "钢铁" and [b["id"] for b in steel["broader"]] == ["industry"]
    assert {p["id"] for p in steel["mainly_emits"]} == {"PM", "SO2", "NOx"}


def test_regions_page_through_the_gazetteer(client) -> None:
    body = client.get("/api/regions", params={"limit": 5}).json()
    assert body["count"] > 3000 and len(body["data"]) == 5
    children = client.get("/api/regions", params={"parent": "370000", "limit": 500}).json()
    assert "370800" in {r["id"] for r in children["data"]} and all(r["parent"]["id"] == "370000" for r in children["data"])
    named = client.get("/api/regions", params={"q": "jining"}).json()
    assert "370800" in {r["id"] for r in named["data"]}


def test_one_region_counts_its_plans_and_measures(client) -> None:
    shandong = client.get("/api/regions/370000").json()
    assert shandong["label"] == "山东省" and shandong["level"] == "province" and shandong["parent"]["id"] == "100000"
    in_shandong = client.get("/api/measures", params={"region": "370000", "limit": 500}).json()
    assert shandong["plan_count"] == 3 and shandong["measure_count"] == in_shandong["count"]


def test_deadlines_filter_and_mark_overdue(client, seed_plans) -> None:
    body = client.get("/api/deadlines", params={"plan": PLAN_ID, "limit": 500}).json()
    assert body["count"] == sum(len(m.deadlines) for m in seed_plans[PLAN_ID].measures) == len(body["data"])
    dates = [d["due_date"] for d in body["data"] if d["due_date"]]
    assert dates == sorted(dates)
    today = dt.date.today().isoformat()
    assert all(d["overdue"] == (d["kind"] in ("by", "during") and (d["end_date"] or d["due_date"]) < today)
               for d in body["data"])
    june = client.get("/api/deadlines", params={"due_from": "2023-06-01", "due_to": "2023-06-30"}).json()
    assert june["count"] and all("2023-06-01" <= d["due_date"] <= "2023-06-30" for d in june["data"])


def test_one_deadline_by_its_iri_path(client) -> None:
    deadline_id = f"{PLAN_ID}:2.1:1"
    deadline = client.get(f"/api/deadlines/{deadline_id}").json()
    assert deadline["id"] == deadline_id and deadline["measure"]["id"] == f"{PLAN_ID}:2.1"
    assert deadline["iri"] == f"https://airkg.example.org/id/plan/{PLAN_ID}/measure/2.1/deadline/1"
    assert (deadline["due_date"], deadline["kind"], deadline["original_text"]) == ("2023-12-31", "by", "年底前")


@pytest.mark.parametrize("url", [
    "/api/agencies/000000000000", "/api/agencies/XYZ", "/api/regions/abc", "/api/pollutants/XYZ", "/api/sectors/nothing", "/api/regions/999999",
    f"/api/deadlines/{PLAN_ID}:2.1:9", f"/api/deadlines/nothing:1:1",
])
def test_unknown_ids_are_404(client, url: str) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/api/pollutants/a%20b",
                                 "/api/deadlines/x:y", "/api/regions?limit=0"])
def test_malformed_ids_are_400(client, url: str) -> None:
    assert client.get(url).status_code == 400
