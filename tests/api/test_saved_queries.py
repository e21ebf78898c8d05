"""/api/queries: the saved queries of queries/*.rq, listed and run, as JSON or CSV."""

from __future__ import annotations

import csv
import io

import pytest

from api_cases import problem


@pytest.fixture(scope="module")
def saved(client) -> dict:
    return {query["name"]: query for query in client.get("/api/queries").json()["data"]}


def test_lists_every_rq_file_with_its_parameters(client, saved: dict) -> None:
    from kg.queries import queries_dir

    assert set(saved) == {path.stem for path in queries_dir().glob("*.rq")}
    lead = saved["lead-agencies"]
    assert lead["title"] and lead["title_zh"] and "SELECT" in lead["sparql"]
    assert {p["name"]: (p["type"], p["default"]) for p in lead["parameters"]}["pollutant"] == ("pollutant", "VOCs")


def test_runs_one_with_defaults_and_with_parameters(client) -> None:
    default = client.get("/api/queries/lead-agencies").json()
    assert default["name"] == "lead-agencies" and default["count"] == len(default["rows"]) > 0
    assert default["vars"] == ["agency", "plan", "measures"]
    other = client.get("/api/queries/lead-agencies", params={"region": "济宁市", "pollutant": "PM2.5", "basis": "any"})
    assert other.status_code == 200 and other.json()["rows"] != default["rows"]


def test_csv_by_parameter_or_accept(client) -> None:
    by_format = client.get("/api/queries/lead-agencies", params={"format": "csv"})
    by_accept = client.get("/api/queries/lead-agencies", headers={"Accept": "text/csv"})
    for response in (by_format, by_accept):
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())  # the BOM: Excel reads it as UTF-8
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["agency", "plan", "measures"] and len(rows) > 1
    assert by_format.text == by_accept.text


def test_every_saved_query_runs_with_its_defaults(client, saved: dict) -> None:
    for name, query in saved.items():
        if all(p["default"] or p["optional"] for p in query["parameters"]):
            assert client.get(f"/api/queries/{name}").status_code == 200, name


def test_errors(client) -> None:
    assert client.get("/api/queries/no-such-query").status_code == 404
    unknown = client.get("/api/queries/lead-agencies", params={"colour": "red"})
    assert unknown.status_code == 400 and "colour" in problem(unknown)["detail"]
    bad = client.get("/api/queries/lead-agencies", params={"pollutant": "unobtainium"})
    assert bad.status_code == 400 and "pollutant" in problem(bad)["detail"]
    assert client.get("/api/queries/lead-agencies", params={"format": "xml"}).status_code == 400
    assert client.get("/api/queries/lead-agencies", headers={"Accept": "image/png"}).status_code == 406
