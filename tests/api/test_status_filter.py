"""``status=`` (with ``as_of``) on the measures, the deadlines and the plans: the measures of the plans in force,
superseded, expired or not yet issued on a day, the status read as the plans list reads it
(kg/relations/plan_status.py) and named as every filter is (kg/query_params.py: ``in_force``, ``in force``, 现行 …).

Expected values from reading the documents: the two Zibo plans (tests/documents/compare_zibo_2023.txt, 淄政办字
〔2023〕8号 of 20 February 2023, and compare_zibo_2024.txt of 15 March 2024, the same issuer and scope) and the
national plan of 30 November 2023 (guofa_2023_24_air_quality_plan.txt, to 2025). On 1 June 2024 the 2023 Zibo
plan is superseded and the 2024 one and the national plan are in force (as tests/test_relations.py holds); on
1 June 2023 the 2023 plan is in force and the 2024 plan not yet issued. The 2024 plan has 12 measures and the 2023
plan 11 (tests/golden/relations/compare_zibo.json, read from the two texts: 6 kept, 4 changed, 2 new in 2024,
1 dropped from 2023).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.loading import ingest_files
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "tests" / "documents"
CORPUS = [ROOT / "seeds" / "000_aa781de31b5c5cff.txt", DOCUMENTS / "guofa_2023_24_air_quality_plan.txt",
          DOCUMENTS / "compare_zibo_2023.txt", DOCUMENTS / "compare_zibo_2024.txt"]
JUNE_2024 = "2024-06-01"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = OxigraphStore(str(tmp_path_factory.mktemp("status-store")))
    ingest_files(store, CORPUS)
    with TestClient(create_app(store=store)) as client:
        yield client
    store.close()


def _count(client: TestClient, path: str = "/api/measures", **params: str) -> int:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["count"]


@pytest.mark.parametrize(("plan", "status", "as_of", "count"), [
    ("compare_zibo_2024", "in_force", JUNE_2024, 12),
    ("compare_zibo_2023", "in_force", JUNE_2024, 0),
    ("compare_zibo_2023", "superseded", JUNE_2024, 11),
    ("compare_zibo_2023", "in_force", "2023-06-01", 11),
    ("compare_zibo_2024", "not_yet_issued", "2023-06-01", 12),
    ("compare_zibo_2024", "in_force", "2023-06-01", 0),
])
def test_measures_of_the_plans_with_a_status_on_a_day(client: TestClient, plan: str, status: str, as_of: str,
                                                      count: int) -> None:
    assert _count(client, plan=plan, status=status, as_of=as_of, limit="500") == count


def test_the_measures_in_force_are_those_of_the_plans_in_force(client: TestClient) -> None:
    plans = client.get("/api/plans", params={"status": "in_force", "as_of": JUNE_2024}).json()["data"]
    assert {p["id"] for p in plans} == {"compare_zibo_2024", "guofa_2023_24_air_quality_plan"}
    measures = client.get("/api/measures", params={"status": "in_force", "as_of": JUNE_2024, "limit": 500}).json()
    assert {m["plan_id"] for m in measures["data"]} == {p["id"] for p in plans}
    assert measures["count"] == sum(_count(client, plan=p["id"]) for p in plans)


def test_a_status_is_named_as_every_filter_is(client: TestClient) -> None:
    by_code = _count(client, status="in_force", as_of=JUNE_2024)
    assert _count(client, status="in force", as_of=JUNE_2024) == _count(client, status="现行", as_of=JUNE_2024) \
        == by_code > 0
    assert _count(client, "/api/plans", status="已被替代", as_of=JUNE_2024) == 1
    wrong = client.get("/api/measures", params={"status": "expird"})
    assert wrong.status_code == 400 and "did you mean expired" in wrong.text
    assert client.get("/api/plans", params={"status": "expird"}).status_code == 400


def test_deadlines_and_facets_follow_the_status(client: TestClient) -> None:
    deadlines = client.get("/api/deadlines", params={"status": "superseded", "as_of": JUNE_2024,
                                                     "limit": 500}).json()
    assert deadlines["count"] > 0 and {d["plan_id"] for d in deadlines["data"]} == {"compare_zibo_2023"}
    facets = client.get("/api/measures/facets", params={"status": "superseded", "as_of": JUNE_2024}).json()
    assert facets["count"] == 11


def test_the_measures_page_filters_by_status(client: TestClient) -> None:
    page = client.get("/measures", params={"status": "superseded", "as_of": JUNE_2024})
    assert page.status_code == 200
    assert '<option value="superseded" selected>' in page.text
    assert '<strong id="count">11</strong>' in page.text  # the 2023 Zibo plan's measures
    assert "status=superseded" in page.text and f"as_of={JUNE_2024}" in page.text  # kept in the download links
