"""Quality flags through the store: REST plans and measures carry them, the plan page lists them and marks the
flagged measures, the quality-flags query finds them. Over a store holding one hand-made plan whose flags
are read off its text: 二、 is followed by 四、 (a gap), and 二、 has a 牵头单位： label but no agency."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api_cases import make_app
from kg.extract.quality import assess_quality
from kg.models import AgencyAssignment, Level, Measure, Plan, RegionRef, Role, Span
from kg.queries import run_saved_query
from kg.rdf_building import (
    REGIONS_GRAPH, VOCABULARY_GRAPH, build_plan_graphs, build_regions_graph, build_vocabulary_graph,
)
from kg.results import plain
from kg.store import OxigraphStore
from kg.validation import validate_graph

PLAN_ID = "flagged"
LINES = ["一、加强组织领导。市生态环境局负责。", "二、强化监管。牵头单位：", "四、保障措施。市生态环境局负责。"]
DOCUMENT = "\n".join(LINES)
SHANDONG = RegionRef(code="370000", name="山东省", level=Level.province)


def _plan() -> Plan:
    measures, position = [], 0
    for number, (label, line) in enumerate(zip(("一、", "二、", "四、"), LINES)):
        span = Span(start=position, end=position + len(line), text=line)
        agencies = []
        if "市生态环境局" in line:
            at = position + line.index("市生态环境局")
            agencies.append(AgencyAssignment(name="市生态环境局", canonical="山东省生态环境厅", role=Role.responsible,
                                             agency_type="ecology_environment",
                                             span=Span(start=at, end=at + 6, text="市生态环境局")))
        path = str((1, 2, 4)[number])
        measures.append(Measure(id=f"{PLAN_ID}:{path}", path=path, number=label, title=line[2:6], section_path=None,
                                text=line, span=span, agencies=agencies))
        position += len(line) + 1
    plan = Plan(id=PLAN_ID, source_file=f"{PLAN_ID}.txt", sha256="0" * 64, title="质量标记测试方案", region=SHANDONG,
                level=Level.province, year=2023, measures=measures)
    return assess_quality(plan)


@pytest.fixture(scope="module")
def flagged_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    store = OxigraphStore(str(tmp_path_factory.mktemp("flags") / "store"))
    store.replace_graphs({
        **build_plan_graphs(_plan(), DOCUMENT),
        str(REGIONS_GRAPH): build_regions_graph(["100000", "370000"]),
        str(VOCABULARY_GRAPH): build_vocabulary_graph(),
    })
    yield store
    store.close()


@pytest.fixture(scope="module")
def flagged_client(flagged_store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(make_app(flagged_store)) as client:
        yield client


def test_the_plan_and_the_measure_carry_their_flags(flagged_client: TestClient) -> None:
    plan = flagged_client.get(f"/api/plans/{PLAN_ID}").json()
    gap = DOCUMENT.index("四、")
    assert plan["quality_flags"] == [{
        "code": "numbering_gaps", "message": "Numbering skips once: 二、 → 四、 at the top level.", "count": 1,
        "span": {"start": gap, "end": gap + 2}, "text": "四、"}]
    measure = flagged_client.get(f"/api/measures/{PLAN_ID}:2").json()
    assert [(f["code"], f["count"], f["text"]) for f in measure["quality_flags"]] == [
        ("role_words_without_agencies", 1, "牵头单位：")]
    listed = flagged_client.get("/api/measures", params={"plan": PLAN_ID}).json()["data"]
    assert [len(m["quality_flags"]) for m in listed] == [0, 1, 0]


def test_the_plan_page_lists_the_flags_and_marks_the_flagged_measure(flagged_client: TestClient) -> None:
    page = flagged_client.get(f"/plans/{PLAN_ID}").text
    review = page[page.index("To review"):page.index("<h2>Measures</h2>")]
    assert "numbering_gaps" in review and "«四、»" in review
    assert 'href="#m-2"' in review and "role_words_without_agencies" in review
    rows = page[page.index("<h2>Measures</h2>"):]
    assert rows.count('class="flag"') == 1
    assert 'title="role_words_without_agencies: Role words in the text (牵头单位：) but no agency found."' in rows


def test_the_saved_query_finds_the_flags(flagged_store: OxigraphStore) -> None:
    every = run_saved_query(flagged_store, "quality-flags", {})
    rows = {tuple(plain(row.get(c)) for c in ("measure", "code", "count", "words")) for row in every.rows}
    assert rows == {("", "numbering_gaps", "1", "四、"), ("2", "role_words_without_agencies", "1", "牵头单位：")}
    one = run_saved_query(flagged_store, "quality-flags", {"flag": "有分工用语而无责任单位", "region": "Shandong"})
    assert [plain(row.get("measure")) for row in one.rows] == ["2"]
    assert run_saved_query(flagged_store, "quality-flags", {"region": "陕西省"}).rows == []


def test_the_flags_conform_to_the_shapes(flagged_store: OxigraphStore) -> None:
    graph = build_regions_graph(["100000", "370000"])
    for plan_graph in build_plan_graphs(_plan(), DOCUMENT).values():
        graph += plan_graph
    report = validate_graph(graph)
    assert report.conforms, report.text[:2000]
