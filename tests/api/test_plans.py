"""GET /api/plans and /api/plans/{id}."""

from __future__ import annotations

from api_cases import PLAN_ID, problem


def test_lists_every_seed_plan_with_counts(client, seed_plans) -> None:
    body = client.get("/api/plans").json()
    assert body["count"] == len(seed_plans) == len(body["data"])
    plan = next(p for p in body["data"] if p["id"] == PLAN_ID)
    assert plan["title"] == "山东省2023年大气环境质量巩固提升行动方案"
    assert plan["region"] == {"id": "370000", "iri": "https://airkg.example.org/id/region/370000", "label": "山东省"}
    extracted = seed_plans[PLAN_ID]
    assert plan["measure_count"] == len(extracted.measures)
    assert plan["agency_count"] == len({a.canonical for m in extracted.measures for a in m.agencies})
    assert plan["deadline_count"] == sum(len(m.deadlines) for m in extracted.measures)
    assert plan["level"] == "province" and plan["year"] == 2023 and plan["source_file"] == f"{PLAN_ID}.txt"


def test_plans_page_by_page_in_the_order_of_their_ids(client, seed_plans) -> None:
    ids = sorted(seed_plans)
    assert [p["id"] for p in client.get("/api/plans").json()["data"]] == ids
    pages = [client.get("/api/plans", params={"limit": 2, "offset": offset}).json() for offset in (0, 2, 4)]
    assert [[p["id"] for p in page["data"]] for page in pages] == [ids[0:2], ids[2:4], ids[4:]]
    assert {(page["count"], page["limit"]) for page in pages} == {(len(ids), 2)}
    assert client.get("/api/plans", params={"offset": 5}).json() == {"data": [], "count": 5, "limit": 100, "offset": 5}
    assert client.get("/api/plans", params={"offset": -1}).status_code == 400


def test_one_plan_by_id(client) -> None:
    plan = client.get(f"/api/plans/{PLAN_ID}").json()
    assert plan["iri"] == f"https://airkg.example.org/id/plan/{PLAN_ID}" and plan["title"].startswith("山东省")


def test_unknown_plan_is_404(client) -> None:
    response = client.get("/api/plans/no_such_plan")
    assert response.status_code == 404
    assert "no_such_plan" in problem(response)["detail"]


def test_malformed_plan_id_is_400_naming_the_parameter(client) -> None:
    response = client.get("/api/plans/a%20b")
    assert response.status_code == 400
    assert problem(response)["detail"].startswith("plan_id:")
