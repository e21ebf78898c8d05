"""Extraction: spans reproduce the document, and each trap of the seeds is handled."""

from __future__ import annotations

from kg.models import Plan, Role
from kg.extract.reading import SourceDocument


def _measure(plan: Plan, path: str):
    return next(m for m in plan.measures if m.path == path)


def test_every_span_reproduces_its_text(seed_plans: dict[str, Plan], seed_documents: dict[str, SourceDocument]) -> None:
    for stem, plan in seed_plans.items():
        text = seed_documents[stem].text
        if plan.title_span:
            assert text[plan.title_span.start:plan.title_span.end] == plan.title_span.text
        for measure in plan.measures:
            assert text[measure.span.start:measure.span.end] == measure.text
            inside = [d.span for d in measure.deadlines] + [t.span for t in measure.targets]
            inside += [p.span for p in measure.pollutants if p.span] + [s.span for s in measure.sectors if s.span]
            inside += [a.span for a in measure.agencies if not a.blanket]
            for span in inside + [a.span for a in measure.agencies] + [leader.span for leader in measure.leaders]:
                assert text[span.start:span.end] == span.text, (stem, measure.path, span)
            for span in inside:
                # a shared 牵头单位 block stands after the last item it covers (001 items 24-26)
                assert measure.span.start <= span.start, (stem, measure.path, span)
            for agency in measure.agencies:
                if agency.blanket:
                    assert agency.span.end < measure.span.start


def test_measure_counts_per_seed(seed_plans: dict[str, Plan]) -> None:
    counts = [len(plan.measures) for _, plan in sorted(seed_plans.items())]
    assert counts == [17, 41, 44, 30, 27]


def test_004_news_summary_adds_no_duplicate_measure(seed_plans: dict[str, Plan], seed_documents) -> None:
    plan = seed_plans["004_686603e2450627ea"]
    summary_end = seed_documents["004_686603e2450627ea"].text.index("吕梁市人民政府办公室关于印发")
    assert all(m.span.start > summary_end for m in plan.measures)
    titles = [m.title for m in plan.measures]
    assert len(titles) == len(set(titles))
    assert titles.count("持续推进清洁取暖改造") == 1


def test_004_item_9_agency_line_after_three_paragraphs(seed_plans: dict[str, Plan]) -> None:
    item = _measure(seed_plans["004_686603e2450627ea"], "3.3.9")
    roles = {(a.name, a.role) for a in item.agencies if not a.blanket}
    assert roles == {("市冬季清洁取暖领导小组办公室", Role.lead), ("市冬季清洁取暖领导小组成员单位", Role.support)}
    assert item.text.count("\n\n") >= 3


def test_001_block_after_item_26_covers_24_to_26(seed_plans: dict[str, Plan]) -> None:
    plan = seed_plans["001_2b08b5de9d9ff43a"]
    block = {(a.name, a.role) for a in _measure(plan, "2.3.26").agencies}
    assert block == {("市机动车排气检测中心", Role.lead), ("各分局", Role.responsible)}
    for path in ("2.3.24", "2.3.25"):
        measure = _measure(plan, path)
        assert {(a.name, a.role) for a in measure.agencies} == block
        assert [leader.name for leader in measure.leaders] == ["刘鲲"]
    # item 23 has a block of its own and is not covered
    assert {a.name for a in _measure(plan, "2.3.23").agencies} == {"泾阳分局"}


def test_several_parentheses_each_with_its_own_agencies(seed_plans: dict[str, Plan]) -> None:
    first = _measure(seed_plans["000_aa781de31b5c5cff"], "1")
    roles = {(a.name, a.role) for a in first.agencies}
    assert roles == {("省发展改革委", Role.responsible), ("省能源局", Role.responsible),
                     ("16市", Role.implementing), ("省工业和信息化厅", Role.responsible)}
    second_clause = next(a for a in first.agencies if a.name == "省工业和信息化厅")
    first_clause = next(a for a in first.agencies if a.name == "省发展改革委")
    assert first_clause.span.start < first.text.index("依法依规淘汰") + first.span.start < second_clause.span.start


def test_blanket_clause_binds_every_later_measure(seed_plans: dict[str, Plan]) -> None:
    plan = seed_plans["000_aa781de31b5c5cff"]
    assert not any(a.name == "各市" for a in plan.measures[0].agencies)
    for measure in plan.measures[1:]:
        blanket = [a for a in measure.agencies if a.blanket]
        assert [(a.name, a.role) for a in blanket] == [("各市", Role.implementing)]
        assert blanket[0].canonical == "山东省各市"


def test_002_repeated_numbering_gives_unique_paths(seed_plans: dict[str, Plan]) -> None:
    plan = seed_plans["002_833ca56d4879db5a"]
    paths = [m.path for m in plan.measures]
    assert len(paths) == len(set(paths))
    assert {"3.1.1", "3.2.1", "3.3.1", "3.4.1"} <= set(paths)
    item = _measure(plan, "3.2.4")  # 大力推动清洁取暖: three paragraphs, three parentheses
    assert item.text.count("牵头）") == 3
    assert {a.name for a in item.agencies} == {"区发改局", "区公用事业服务中心", "区住建局", "周村供电中心"}


def test_relative_deadlines_resolve_against_plan_year(seed_plans: dict[str, Plan]) -> None:
    deadlines = {(d.text, str(d.date), d.kind.value) for m in seed_plans["000_aa781de31b5c5cff"].measures
                 for d in m.deadlines}
    assert ("9月底前", "2023-09-30", "by") in deadlines
    assert ("年底前", "2023-12-31", "by") in deadlines
    assert ("6—10月份", "2023-06-01", "during") in deadlines
    recurring = {(d.text, str(d.date)) for m in seed_plans["002_833ca56d4879db5a"].measures for d in m.deadlines
                 if d.kind.value == "recurring"}
    assert recurring == {("每年10月至次年3月", "2019-10-01"), ("每年9月底前", "2019-09-30")}


def test_agencies_are_one_per_real_body(seed_plans: dict[str, Plan]) -> None:
    shandong = {a.name: a for m in seed_plans["000_aa781de31b5c5cff"].measures for a in m.agencies}
    assert shandong["省生态环境厅"].canonical == "山东省生态环境厅"
    assert shandong["省生态环境厅"].agency_type == "ecology_environment"
    assert shandong["省发展改革委"].canonical == "山东省发展和改革委员会"
    jining = {a.name: a for m in seed_plans["003_922dca89c0e37589"].measures for a in m.agencies}
    assert jining["市生态环境局"].canonical == "济宁市生态环境局"
    assert jining["市生态环境局"].jurisdiction.name == "济宁市"
    assert jining["济宁海关"].agency_type == "customs"
    zhoucun = {a.name: a for m in seed_plans["002_833ca56d4879db5a"].measures for a in m.agencies}
    assert zhoucun["区工信局"].canonical == "周村区工业和信息化局"


def test_plan_targets_are_typed_quantities(seed_plans: dict[str, Plan]) -> None:
    targets = {(t.pollutant, t.comparator, str(t.value), t.unit_code) for t in seed_plans["000_aa781de31b5c5cff"].targets}
    assert ("PM2.5", "<=", "42.2", "MicroGM-PER-M3") in targets
    assert (None, ">=", "69.3", "PERCENT") in targets
    dust = [t for m in seed_plans["000_aa781de31b5c5cff"].measures for t in m.targets if t.pollutant == "dust"]
    assert [(t.comparator, str(t.value), t.unit) for t in dust] == [("<=", "7", "吨/月·平方公里")]


def test_stated_and_inferred_pollutants_stay_apart(seed_plans: dict[str, Plan]) -> None:
    steel = next(m for m in seed_plans["000_aa781de31b5c5cff"].measures if m.path == "2.1")
    stated = {p.code for p in steel.pollutants if p.basis.value == "stated"}
    inferred = {p.code: p.via for p in steel.pollutants if p.basis.value == "inferred"}
    assert stated == set()
    assert inferred.get("SO2") == "steel" and "steel" in {s.code for s in steel.sectors}


def test_regions_named_in_measures_are_inside_the_plan_region(seed_plans: dict[str, Plan]) -> None:
    lvliang = seed_plans["004_686603e2450627ea"]
    named = {r.region.name for m in lvliang.measures for r in m.regions}
    assert {"孝义市", "汾阳市", "文水县", "交城县"} <= named
