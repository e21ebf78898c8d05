"""Across plans (issue 16): citations, lineage against the links annotated by reading, the diff of the two Zibo
plans, status on fixed dates, rebuilding on removal (no dangling link), and the saved queries written for the
relations corpus (the seeds, the national plan and the two Zibo plans) on both backends."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from fixtures_virtuoso import virtuoso_url  # noqa: F401 - a fixture
from kg.loading import ingest_files, remove_plan
from kg.queries import run_saved_query
from kg.relations.evaluation import chosen, load_lineage_golden
from kg.relations.features import PlanInfo, read_measures, read_plans
from kg.relations.comparison import compare_plans
from kg.relations.graph import RELATIONS_PREFIX, rebuild
from kg.relations.neighbours import PlanTable
from kg.relations.plan_status import plan_statuses
from kg.results import plain
from kg.store import DEFAULT_GRAPH_PREFIX, OxigraphStore, SparqlEndpointStore, Store
from test_queries import _as_tuples, _cases, _expected, _rows

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "tests" / "documents"
GOLDEN = ROOT / "tests" / "golden" / "relations"
CORPUS = [*sorted((ROOT / "seeds").glob("*.txt")), DOCUMENTS / "guofa_2023_24_air_quality_plan.txt",
          DOCUMENTS / "compare_zibo_2023.txt", DOCUMENTS / "compare_zibo_2024.txt"]
BACKENDS = ["oxigraph", pytest.param("virtuoso", marks=[pytest.mark.virtuoso, pytest.mark.server])]


@pytest.fixture(scope="session")
def relations_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    store = OxigraphStore(str(tmp_path_factory.mktemp("relations-store")))
    ingest_files(store, CORPUS)
    yield store
    store.close()


@pytest.fixture(scope="session")
def virtuoso_relations_store(virtuoso_url: str, relations_store: OxigraphStore  # noqa: F811
                             ) -> Iterator[SparqlEndpointStore]:
    graphs = {}
    for graph in relations_store.dataset().graphs():
        if str(graph.identifier).startswith(DEFAULT_GRAPH_PREFIX):
            copy = Graph()
            copy += graph
            graphs[str(graph.identifier)] = copy
    with SparqlEndpointStore(virtuoso_url) as store:
        for iri in set(store.graph_iris()) & set(graphs):
            store.remove_graph(iri)
        store.replace_graphs(graphs)
        yield store
        for iri in graphs:
            store.remove_graph(iri)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue("relations_store" if request.param == "oxigraph" else "virtuoso_relations_store")


@pytest.mark.parametrize(("name", "index"), _cases("relations"))
def test_relations_query_gives_its_golden_answer(store: Store, name: str, index: int) -> None:
    case = _expected(name)["cases"][index]
    result = run_saved_query(store, name, case["params"])
    columns = case.get("columns") or result.vars
    expected = set(_as_tuples(case["rows"], columns))
    deviations = case.get("known_deviations", {})
    missing = set(_as_tuples(deviations.get("missing", []), columns))
    extra = set(_as_tuples(deviations.get("extra", []), columns))
    assert missing <= expected and not extra & expected
    want = (expected - missing) | extra
    actual = set(_rows(result, columns))
    assert actual == want, f"missing {sorted(want - actual)}; unexpected {sorted(actual - want)}"


def test_lineage_precision_and_recall_on_the_annotated_links(relations_store: OxigraphStore) -> None:
    score = chosen(relations_store, load_lineage_golden(GOLDEN / "lineage.json"))
    assert score.precision >= 0.9 and score.recall >= 0.85, (score.precision, score.recall, score.spurious)


def test_the_annotated_higher_plans_of_a_plan_are_its_higher_plans_in_the_store(relations_store: OxigraphStore
                                                                                ) -> None:
    """So the evaluation, which keeps a measure's best links over a lower plan's annotated higher plans, scores
    what the relations graph holds."""
    pairs = load_lineage_golden(GOLDEN / "lineage.json")
    plans = read_plans(relations_store)
    table = PlanTable(plans.values())
    for lower in {pair["lower"] for pair in pairs}:
        assert {p.id for p in table.higher(plans[lower])} == {pair["higher"] for pair in pairs
                                                              if pair["lower"] == lower}


def test_a_measure_keeps_its_best_links_over_all_its_higher_plans(relations_store: OxigraphStore) -> None:
    from kg.relations.lineage import MOST_PER_MEASURE

    most = relations_store.query("""SELECT (MAX(?n) AS ?most) WHERE {
        { SELECT ?m (COUNT(?h) AS ?n) WHERE { ?m airkg:carriesOut ?h } GROUP BY ?m } }""").rows[0]["most"]
    assert int(str(most)) <= MOST_PER_MEASURE


def test_the_zibo_diff_is_the_golden_one(relations_store: OxigraphStore) -> None:
    golden = json.loads((GOLDEN / "compare_zibo.json").read_text(encoding="utf-8"))
    plans = read_plans(relations_store, [golden["a"], golden["b"]])
    measures = read_measures(relations_store, [golden["a"], golden["b"]])
    diff = compare_plans(plans[golden["a"]], plans[golden["b"]], measures[golden["a"]], measures[golden["b"]])
    assert sorted([d.a.path, d.b.path] for d in diff.of_status("kept")) == sorted(golden["kept"])
    assert sorted((d.a.path, d.b.path, sorted({c.kind for c in d.changes})) for d in diff.of_status("changed")) == \
        sorted((c["a"], c["b"], sorted(c["kinds"])) for c in golden["changed"])
    assert sorted(d.b.path for d in diff.of_status("new")) == sorted(golden["new"])
    assert sorted(d.a.path for d in diff.of_status("dropped")) == sorted(golden["dropped"])


def test_citations_resolve_to_the_plans_in_the_store(relations_store: OxigraphStore) -> None:
    rows = relations_store.query("""
        SELECT ?plan ?title ?number ?cited ?how WHERE {
          ?plan airkg:hasCitation ?c . ?c airkg:citedTitle ?title .
          OPTIONAL { ?c airkg:citedIdentifier ?number }
          OPTIONAL { ?c airkg:citedPlan ?cited ; airkg:resolvedBy ?how } }""").rows
    found = {(plain(r["plan"]).rsplit("/", 1)[-1], plain(r["title"]), plain(r["number"]),
              plain(r["cited"]).rsplit("/", 1)[-1], plain(r["how"])) for r in rows}
    assert ("compare_zibo_2024", "空气质量持续改善行动计划", "国发〔2023〕24号", "guofa_2023_24_air_quality_plan",
            "identifier") in found
    assert ("compare_zibo_2024", "山东省2023年大气环境质量巩固提升行动方案", "", "000_aa781de31b5c5cff", "title") in found
    assert ("compare_zibo_2024", "淄博市2023年大气污染防治攻坚行动方案", "淄政办字〔2023〕8号", "compare_zibo_2023",
            "identifier") in found
    # cited but not in the store: kept with its words
    assert ("002_833ca56d4879db5a", "淄博市打赢蓝天保卫战三年实施方案（2018—2020年）", "淄政发〔2018〕23号", "", "") in found
    assert ("001_2b08b5de9d9ff43a", "咸阳市2023年空气质量改善进位行动方案", "", "", "") in found
    # the plan's own title (notice header) is no citation
    assert not any(plan == "002_833ca56d4879db5a" and title.startswith("周村区打赢蓝天保卫战") for plan, title, *_ in found)


@pytest.mark.parametrize(("day", "expected"), [
    ("2023-06-01", {"000_aa781de31b5c5cff": "in_force", "compare_zibo_2023": "in_force",
                    "compare_zibo_2024": "not_yet_issued", "002_833ca56d4879db5a": "expired",
                    "guofa_2023_24_air_quality_plan": "not_yet_issued"}),
    ("2024-06-01", {"compare_zibo_2023": "superseded", "compare_zibo_2024": "in_force",
                    "003_922dca89c0e37589": "not_yet_issued", "guofa_2023_24_air_quality_plan": "in_force",
                    "000_aa781de31b5c5cff": "expired"}),
    ("2026-01-01", {"guofa_2023_24_air_quality_plan": "expired", "003_922dca89c0e37589": "expired"}),
])
def test_status_on_fixed_dates(relations_store: OxigraphStore, day: str, expected: dict[str, str]) -> None:
    statuses = plan_statuses(relations_store, dt.date.fromisoformat(day))
    assert {plan: statuses[plan].status for plan in expected} == expected


def test_removing_a_plan_leaves_no_dangling_link(tmp_path: Path) -> None:
    with OxigraphStore(str(tmp_path / "store")) as store:
        ingest_files(store, [DOCUMENTS / "compare_zibo_2023.txt", DOCUMENTS / "compare_zibo_2024.txt",
                             ROOT / "seeds" / "000_aa781de31b5c5cff.txt"])
        assert f"{RELATIONS_PREFIX}compare_zibo_2023" in store.graph_iris()
        assert store.query("ASK { ?a airkg:supersedes ?b }").boolean
        remove_plan(store, "compare_zibo_2023")
        assert f"{RELATIONS_PREFIX}compare_zibo_2023" not in store.graph_iris()
        gone = "https://airkg.example.org/id/plan/compare_zibo_2023"
        assert not store.query(f"""ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{RELATIONS_PREFIX}")
                                       && STRSTARTS(STR(?o), "{gone}")) }}""").boolean
        # the 2024 plan's citation of the 2023 plan is kept, unresolved
        assert store.query("""ASK { ?c airkg:citedIdentifier "淄政办字〔2023〕8号" FILTER NOT EXISTS {
                                    ?c airkg:citedPlan ?p } }""").boolean
        # the lineage of the Zibo plan to Shandong's is there, with its score
        assert store.query("""ASK { ?m airkg:carriesOut ?h ; airkg:hasLineage ?l .
                                      ?l airkg:higherMeasure ?h ; airkg:score ?s }""").boolean
        assert b"graph/relations/compare_zibo_2024" in store.export("nquads")


def test_a_lineage_link_stores_only_what_cannot_be_derived(relations_store: OxigraphStore) -> None:
    """A link is carriesOut plus a node with the higher measure and the score; its lower measure, method, spans
    and evidence are derived (ontology/airkg.ttl), and no relations node is typed."""
    in_relations = f'FILTER(STRSTARTS(STR(?g), "{RELATIONS_PREFIX}"))'
    link_properties = {str(r["p"]).rsplit("#", 1)[-1] for r in relations_store.query(
        "SELECT DISTINCT ?p WHERE { ?m airkg:hasLineage ?l . ?l ?p ?o }").rows}
    assert link_properties == {"higherMeasure", "score"}
    assert not relations_store.query(f"ASK {{ GRAPH ?g {{ ?s a ?type }} {in_relations} }}").boolean
    for gone in ("lowerMeasure", "lowerSource", "higherSource", "method", "sharedText", "sharedConcept",
                 "sharedNumber", "comparedPlan"):
        assert not relations_store.query(f"ASK {{ ?s airkg:{gone} ?o }}").boolean, gone
    # each link's lower measure carries out its higher one; the method is stated once, on plans with higher plans
    assert not relations_store.query("""ASK { ?m airkg:hasLineage ?l . ?l airkg:higherMeasure ?h
                                               FILTER NOT EXISTS { ?m airkg:carriesOut ?h } }""").boolean
    methods = relations_store.query("""SELECT ?plan ?method WHERE { ?plan airkg:lineageMethod ?method }""").rows
    with_higher = {str(r["plan"]) for r in relations_store.query(
        "SELECT DISTINCT ?plan WHERE { ?plan airkg:higherPlan ?h }").rows}
    assert {str(r["plan"]) for r in methods} == with_higher and {str(r["method"]) for r in methods} == {"tfidf"}


def test_the_words_a_link_shares_are_computed_from_the_two_texts(relations_store: OxigraphStore) -> None:
    """compare_zibo_2024 2.11 and the national plan's 6.24 (tests/documents) both say 稳步推进大气氨污染防控,
    推广氮肥机械深施和低蛋白日粮技术 and 强化工业源烟气脱硫脱硝氨逃逸防控 (2.11's words after its heading, without its
    agency clause); longest first, then in 2.11's order."""
    from kg.relations.evidence import link_evidence

    lower = "https://airkg.example.org/id/plan/compare_zibo_2024/measure/2.11"
    higher = "https://airkg.example.org/id/plan/guofa_2023_24_air_quality_plan/measure/6.24"
    found = link_evidence(relations_store, [(lower, higher), (lower, higher + "9")])
    assert list(found) == [(lower, higher)]  # no measure 6.249: no evidence
    assert found[(lower, higher)].phrases == ("推广氮肥机械深施和低蛋白日粮技术", "强化工业源烟气脱硫脱硝氨逃逸防控",
                                              "稳步推进大气氨污染防控")


def test_the_graph_view_draws_a_link_with_the_words_its_measures_share(relations_store: OxigraphStore) -> None:
    from viz.links import compact_id
    from viz.view import detail

    lower = "https://airkg.example.org/id/plan/compare_zibo_2024/measure/2.11"
    higher = "https://airkg.example.org/id/plan/guofa_2023_24_air_quality_plan/measure/6.24"
    graph = detail(relations_store, [lower, higher])
    tip = graph.edges[compact_id(lower), compact_id(higher), "carries_out"]["tip"]
    # the words as read in tests/documents (see the test above), the score as scored
    assert tip.startswith("carries out (score 0.") and tip.split(": ", 1)[1] == (
        "推广氮肥机械深施和低蛋白日粮技术、强化工业源烟气脱硫脱硝氨逃逸防控、稳步推进大气氨污染防控")


def test_compare_and_relations_in_the_api_and_pages(relations_store: OxigraphStore) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(store=relations_store)) as client:
        answer = client.get("/api/compare", params={"a": "compare_zibo_2023", "b": "compare_zibo_2024"})
        assert answer.status_code == 200
        assert answer.json()["counts"] == {"kept": 6, "changed": 4, "new": 2, "dropped": 1}
        assert client.get("/api/compare", params={"a": "nope", "b": "compare_zibo_2024"}).status_code == 404
        page = client.get("/compare", params={"a": "compare_zibo_2023", "b": "compare_zibo_2024"})
        assert page.status_code == 200 and "deadline_moved" in page.text and 'class="st-dropped"' in page.text
        relations = client.get("/api/plans/compare_zibo_2024/relations", params={"as_of": "2024-06-01"}).json()
        assert relations["status"] == "in_force" and relations["previous"][0]["id"] == "compare_zibo_2023"
        assert {c["plan"] for c in relations["cites"]} == {"guofa_2023_24_air_quality_plan", "000_aa781de31b5c5cff",
                                                          "compare_zibo_2023"}
        assert relations["up"]["2.11"][0]["path"] == "6.24"
        assert relations["up"]["2.11"][0]["shared"][0] == "推广氮肥机械深施和低蛋白日粮技术"
        national = client.get("/api/plans/guofa_2023_24_air_quality_plan/relations").json()
        below = [link for link in national["down"]["6.24"] if link["plan"] == "compare_zibo_2024"]
        assert below and below[0]["path"] == "2.11" and "稳步推进大气氨污染防控" in below[0]["shared"]
        in_force = client.get("/api/plans", params={"status": "in_force", "as_of": "2024-06-01"}).json()
        assert {p["id"] for p in in_force["data"]} == {"compare_zibo_2024", "guofa_2023_24_air_quality_plan"}
        plan_page = client.get("/plans/000_aa781de31b5c5cff")
        assert "Relations 关联" in plan_page.text and "淄博市2024年大气污染防治攻坚行动方案" in plan_page.text


def _relations_quads(store: Store) -> set[tuple[str, str, str, str]]:
    rows = store.query(f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                                                     FILTER(STRSTARTS(STR(?g), "{RELATIONS_PREFIX}")) }}""").rows
    return {(str(r["g"]), str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}


def test_relations_written_plan_by_plan_are_those_of_a_full_rebuild(tmp_path: Path) -> None:
    """Adding the national plan rebuilds only the relations it changes (affected_by); removing it too. Either
    way the relations are those a rebuild of every plan gives."""
    national = DOCUMENTS / "guofa_2023_24_air_quality_plan.txt"
    with OxigraphStore(str(tmp_path / "store")) as store:
        ingest_files(store, [path for path in CORPUS if path != national])
        ingest_files(store, [national])
        added = _relations_quads(store)
        rebuild(store)
        assert _relations_quads(store) == added
        remove_plan(store, "guofa_2023_24_air_quality_plan")
        removed = _relations_quads(store)
        rebuild(store)
        assert _relations_quads(store) == removed != added


def test_a_new_national_plan_changes_only_the_plans_that_choose_it() -> None:
    """Expected from the rules of higher_plans and predecessors (kg/relations/lineage.py, status.py): a plan
    compares with the national plan in force when it was written, else the latest before it."""
    def plan(plan_id: str, region: str, level: str, year: int, issued: str, end: int | None = None) -> PlanInfo:
        return PlanInfo(plan_id, plan_id, issued=dt.date.fromisoformat(issued), year=year, period_start=year,
                        period_end=end, region=region, level=level)

    plans = [plan("n2018", "100000", "national", 2018, "2018-06-27", 2020),
             plan("n2023", "100000", "national", 2023, "2023-11-30", 2025),
             plan("n2026", "100000", "national", 2026, "2026-01-10", 2027),
             plan("shandong2023", "370000", "province", 2023, "2023-03-01"),
             plan("jining2022", "370800", "city", 2022, "2022-04-01"),   # before n2023: n2018, the latest then
             plan("jining2024", "370800", "city", 2024, "2024-03-01"),   # n2023 in force
             plan("zibo2023", "370300", "city", 2023, "2023-12-15"),     # n2023 issued two weeks before, in force
             plan("jining2027", "370800", "city", 2027, "2027-03-01")]   # n2026 in force, not n2023
    table = PlanTable(plans)
    assert [p.id for p in table.higher(plans[-1]) if p.level == "national"] == ["n2026"]
    # n2026 has n2023 as its previous plan; shandong2023 was issued before n2023
    assert table.depending_on(["n2023"]) == {"jining2024", "zibo2023", "n2026"}
    # shandong2023 was written before n2023: n2018 was the latest national plan then
    assert table.depending_on(["n2018"]) == {"jining2022", "shandong2023", "n2023", "n2026"}
    assert table.depending_on(["shandong2023"]) == {"jining2024", "zibo2023", "jining2027"}
