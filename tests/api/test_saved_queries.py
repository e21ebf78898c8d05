"""/api/queries: the saved queries of queries/*.rq, listed and run, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import re

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


# --------------------------------------------------------------------------- large answers, a page at a time

#: Every dated deadline of the seeds: 104 (tests/test_queries.py counts them from the hand-made annotations).
WIDE = {"start": "2000-01-01", "end": "2035-12-31", "kind": "any"}
DATED_DEADLINES = 104


def test_a_large_answer_is_paged_with_its_total(client) -> None:
    first = client.get("/api/queries/deadlines-in-range", params=WIDE).json()
    assert (first["count"], first["total"], first["limit"], first["offset"]) == (100, DATED_DEADLINES, 100, 0)
    rest = client.get(first["next"].removeprefix("http://testserver")).json()
    assert (rest["count"], rest["offset"], rest["next"]) == (4, 100, None)
    pages = [client.get("/api/queries/deadlines-in-range", params={**WIDE, "limit": 30, "offset": offset}).json()
             for offset in (0, 30, 60, 90)]
    assert [row for page in pages for row in page["rows"]] == first["rows"] + rest["rows"]
    every = client.get("/api/queries/deadlines-in-range", params={**WIDE, "format": "csv"}).text
    assert len(every.strip().splitlines()) == 1 + DATED_DEADLINES  # CSV: every row unless a limit is given
    assert client.get("/api/queries/deadlines-in-range", params={**WIDE, "limit": 0}).status_code == 400


def test_the_form_pages_with_next_previous_and_the_total(client) -> None:
    page = client.get("/queries/deadlines-in-range", params={**WIDE, "run": "1", "limit": 40, "offset": 40}).text
    assert re.search(r'id="count">104<', page) and "41–80" in page
    links = dict((label, href) for href, label in re.findall(r'<a href="([^"]+)">(← previous|next →)</a>', page))
    assert "offset=0" in links["← previous"] and "offset=80" in links["next →"] and "limit=40" in links["next →"]
    rows = re.findall(r"<tr><td>", page)
    assert len(rows) == 40


def test_agency_parameters_take_names_and_ids_and_suggest_on_a_miss(client) -> None:
    by_name = client.get("/api/queries/supporting-agencies", params={"lead": "济宁市能源局"}).json()
    default = client.get("/api/queries/supporting-agencies").json()["rows"]  # lead: 济宁市生态环境局
    english = client.get("/api/queries/supporting-agencies",
                         params={"lead": "Jining City Bureau of Ecology and Environment"}).json()["rows"]
    agency_id = client.get("/api/agencies", params={"q": "济宁市生态环境局"}).json()["data"][0]["id"]
    assert english == default == client.get("/api/queries/supporting-agencies", params={"lead": agency_id}).json()["rows"]
    miss = client.get("/api/queries/supporting-agencies", params={"lead": "济宁市能源局局"})
    assert miss.status_code == 400 and "did you mean 济宁市能源局" in miss.json()["detail"]
    form = client.get("/queries/supporting-agencies", params={"lead": "济宁市能源局局", "run": "1"})
    assert form.status_code == 400 and "did you mean" in form.text
    assert {row["supporter"] for row in by_name["rows"]} >= {"济宁市统计局", "济宁市发展和改革委员会"}


def test_supporting_agencies_rows_open_exactly_their_measures(client) -> None:
    """Each row's measures link lists exactly the measures the row counts (supported-measures), as many as it says."""
    page = client.get("/queries/supporting-agencies", params={"run": "1"}).text
    rows = re.findall(r'<tr><td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td><td>(\d+)</td>'
                      r'\s*<td class="row-links"><a class="measures-link" href="([^"]+)"', page)
    assert len(rows) == 6
    for supporter, count, href in rows:
        assert href.startswith("/queries/supported-measures?")
        listed = client.get(href.replace("&amp;", "&"))
        assert listed.status_code == 200
        assert re.search(rf'id="count">{count}<', listed.text), (supporter, count)
        assert len(re.findall(r'class="measures-link" href="/measures/003_922dca89c0e37589:', listed.text)) == int(count)
