"""One meaning of the deadline filter everywhere: ``due_from`` / ``due_to`` select a deadline *due* in the range
(its date between the two days), on the measures list, the deadline list, the graph and the saved query
``deadlines-in-range``, so that the same filters give the same count on each.

Expected counts are read from Zhoucun's plan (seeds/002_833ca56d4879db5a.txt), as its golden answer in
``queries/deadlines-in-range.expected.json`` lists them: ten dated deadlines fall in 2019 (two of them in
measure 3.2.3: 2019年10月底前 and 2019年年底前), on nine measures. Spans that began before 2019 and run through
it (三年 plans' 2018—2020 periods, 每年10月至次年3月 of 2018) are not due in 2019 and do not count; the graph
once counted them (it read the range as "overlaps")."""

from __future__ import annotations

import pytest

ZHOUCUN_2019 = {"region": "周村区", "due_from": "2019-01-01", "due_to": "2019-12-31"}


def test_same_count_on_list_deadlines_graph_and_query(client) -> None:
    listed = client.get("/api/measures", params=ZHOUCUN_2019).json()["count"]
    deadlines = client.get("/api/deadlines", params=ZHOUCUN_2019).json()["count"]
    drawn = client.get("/graph/data", params={**ZHOUCUN_2019, "limit": 2000}).json()["measure_count"]
    rows = client.get("/api/queries/deadlines-in-range", params={
        "region": "周村区", "start": "2019-01-01", "end": "2019-12-31", "kind": "any", "limit": 1000}).json()["rows"]
    queried = {(row["plan"], row["path"]) for row in rows}
    assert (listed, drawn, len(queried)) == (9, 9, 9)
    assert deadlines == len(rows) == 10


@pytest.mark.parametrize("month, measures", [("2023-06", 5), ("2023-04", None)])
def test_a_month_on_the_graph_is_the_list_month(client, month: str, measures: int | None) -> None:
    """June 2023: five by-deadlines, five measures in every plan (the golden answer's first case)."""
    year, number = month.split("-")
    last = {"06": "30", "04": "30"}[number]
    listed = client.get("/api/measures", params={"due_from": f"{month}-01", "due_to": f"{month}-{last}"}).json()
    drawn = client.get("/graph/data", params={"due_from": month, "due_to": month, "limit": 2000}).json()
    assert listed["count"] == drawn["measure_count"]
    if measures is not None:
        by = client.get("/api/queries/deadlines-in-range", params={"start": f"{month}-01", "end": f"{month}-{last}",
                                                                   "limit": 1000}).json()["rows"]
        assert len({(row["plan"], row["path"]) for row in by}) == measures <= listed["count"]
