"""Quality flags (kg/extract/quality.py) on small hand-made plans: each expected flag is read off the input."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.extract.quality import assess_quality, flag_summary, has_known_head, measure_flags, role_cues
from kg.models import (
    AgencyAssignment, Deadline, DeadlineKind, FlagCode, Level, Measure, Plan, RegionRef, Role, Section, Span,
)

SHANDONG = RegionRef(code="370000", name="山东省", level=Level.province)


def _span(document: str, words: str, after: int = 0) -> Span:
    start = document.index(words, after)
    return Span(start=start, end=start + len(words), text=words)


def outline_plan(rows: list[tuple[str, str, str, bool]], **fields) -> tuple[Plan, str]:
    """A plan whose document is one line per row ``(path, label, rest, is_section)``; a row's span is its line."""
    document = "\n".join(label + rest for _, label, rest, _ in rows)
    sections, measures, position = [], [], 0
    for path, label, rest, is_section in rows:
        line = label + rest
        span = Span(start=position, end=position + len(line), text=line)
        position += len(line) + 1
        if is_section:
            sections.append(Section(path=path, number=label, title=rest, plan_level=False, span=span))
        else:
            parent = path.rsplit(".", 1)[0] if "." in path else None
            measures.append(Measure(id=f"p:{path}", path=path, number=label, title=rest, section_path=parent,
                                    text=line, span=span, agencies=[_agency(line, "市生态环境局", offset=span.start)]
                                    if "市生态环境局" in line else []))
    defaults = {"year": 2023, "region": SHANDONG}
    return Plan(id="p", source_file="p.txt", sha256="0" * 64, title="测试方案", sections=sections,
                measures=measures, **(defaults | fields)), document


def _agency(text: str, name: str, role: Role = Role.responsible, blanket: bool = False, offset: int = 0) -> AgencyAssignment:
    start = text.index(name)
    return AgencyAssignment(name=name, canonical=name, role=role, agency_type="other", blanket=blanket,
                            span=Span(start=offset + start, end=offset + start + len(name), text=name))


def one_measure(text: str, agencies: list[str] = (), deadlines: list[Deadline] = (), blanket: list[str] = ()) -> Measure:
    return Measure(id="p:1", path="1", number="一、", title="任务", section_path=None, text=text,
                   span=Span(start=0, end=len(text), text=text),
                   agencies=[_agency(text, name) for name in agencies]
                   + [_agency(text, name, Role.implementing, blanket=True) for name in blanket],
                   deadlines=list(deadlines))


def codes(flags) -> list[str]:
    return [flag.code.value for flag in flags]


def faithful(plan: Plan, document: str) -> bool:
    flags = plan.quality_flags + [flag for m in plan.measures for flag in m.quality_flags]
    return all(document[f.span.start:f.span.end] == f.span.text for f in flags if f.span)


# --------------------------------------------------------------------------- numbering


def test_a_missing_top_level_number_is_a_gap_at_the_next_heading() -> None:
    plan, document = outline_plan([
        ("1", "一、", "总体要求。市生态环境局负责。", False),
        ("2", "二、", "重点任务。市生态环境局负责。", False),
        ("4", "四、", "保障措施。市生态环境局负责。", False),
    ])
    flagged = assess_quality(plan)
    assert codes(flagged.quality_flags) == ["numbering_gaps"]
    gap = flagged.quality_flags[0]
    assert gap.count == 1 and gap.span == Span(start=document.index("四、"), end=document.index("四、") + 2, text="四、")
    assert "二、 → 四、" in gap.message
    assert faithful(flagged, document)


def test_items_numbered_on_across_sections_are_no_gap() -> None:
    plan, _ = outline_plan([
        ("1", "一、", "重点任务", True),
        ("1.1", "（一）", "产业结构", True),
        ("1.1.1", "1．", "淘汰落后产能。市生态环境局负责。", False),
        ("1.1.2", "2．", "严控新增产能。市生态环境局负责。", False),
        ("1.2", "（二）", "能源结构", True),
        ("1.2.3", "3．", "控制煤炭消费。市生态环境局负责。", False),
        ("2", "二、", "保障措施", True),
        ("2.4", "4．", "加强组织领导。市生态环境局负责。", False),
    ])
    assert assess_quality(plan).quality_flags == []


def test_a_number_written_twice_is_a_repeat_and_a_restart_too() -> None:
    plan, document = outline_plan([
        ("1", "1．", "甲。市生态环境局负责。", False),
        ("2", "2．", "乙。市生态环境局负责。", False),
        ("2~2", "2．", "丙。市生态环境局负责。", False),
        ("3", "3．", "丁。市生态环境局负责。", False),
        ("1~2", "1．", "戊。市生态环境局负责。", False),
    ])
    flagged = assess_quality(plan)
    assert codes(flagged.quality_flags) == ["numbering_repeats"]
    repeats = flagged.quality_flags[0]
    assert repeats.count == 2
    second_two = document.index("2．丙")
    assert repeats.span == Span(start=second_two, end=second_two + 2, text="2．")
    assert "2． → 2．" in repeats.message and "3． → 1．" in repeats.message


def test_a_repeated_section_does_not_make_its_children_repeat() -> None:
    plan, _ = outline_plan([
        ("1", "一、", "任务", True),
        ("1.1", "1．", "甲。市生态环境局负责。", False),
        ("1", "一、", "任务（续）", True),
        ("1.1~2", "1．", "乙。市生态环境局负责。", False),
    ])
    flagged = assess_quality(plan)
    assert codes(flagged.quality_flags) == ["numbering_repeats"]
    assert flagged.quality_flags[0].count == 1


def test_a_first_child_that_starts_past_one_is_a_gap() -> None:
    plan, _ = outline_plan([
        ("1", "一、", "任务", True),
        ("1.2", "（二）", "乙。市生态环境局负责。", False),
        ("1.3", "（三）", "丙。市生态环境局负责。", False),
    ])
    flagged = assess_quality(plan)
    assert codes(flagged.quality_flags) == ["numbering_gaps"] and "starts at （二）" in flagged.quality_flags[0].message


def test_unnumbered_plans_are_flagged_and_their_paths_not_checked() -> None:
    plan, _ = outline_plan([("1", "", "第一段。市生态环境局负责。", False), ("3", "", "第三段。市生态环境局负责。", False)])
    flagged = assess_quality(plan, numbered=False)
    assert codes(flagged.quality_flags) == ["no_numbering"] and flagged.quality_flags[0].count == 2


# --------------------------------------------------------------------------- plan facts


def test_a_bare_plan_lacks_agencies_year_and_region() -> None:
    plan, _ = outline_plan([("1", "一、", "加强管理。", False)], year=None, region=None)
    assert codes(assess_quality(plan).quality_flags) == ["no_agencies", "no_year", "no_region"]


def test_relative_deadlines_without_a_year_are_flagged_on_the_plan_and_the_measure() -> None:
    text = "一、加强管理。年底前完成整治，9月底前完成排查，长期坚持。市生态环境局负责。"
    deadlines = [Deadline(date=None, kind=DeadlineKind.by, text="年底前", span=_span(text, "年底前")),
                 Deadline(date=None, kind=DeadlineKind.by, text="9月底前", span=_span(text, "9月底前")),
                 Deadline(date=None, kind=DeadlineKind.ongoing, text="长期坚持", span=_span(text, "长期坚持")),
                 Deadline(date=dt.date(2024, 6, 30), kind=DeadlineKind.by, text="年底前", span=_span(text, "年底前"))]
    measure = one_measure(text, ["市生态环境局"], deadlines)
    plan = Plan(id="p", source_file="p.txt", sha256="0" * 64, title="测试", measures=[measure], region=SHANDONG)
    flagged = assess_quality(plan)
    assert codes(flagged.quality_flags) == ["unresolved_deadlines", "no_year"]
    assert flagged.quality_flags[0].count == 2 and flagged.quality_flags[0].span.text == "年底前"
    assert codes(flagged.measures[0].quality_flags) == ["unresolved_deadline"]
    assert flagged.measures[0].quality_flags[0].count == 2
    assert "年底前, 9月底前" in flagged.measures[0].quality_flags[0].message


# --------------------------------------------------------------------------- role words and agency names


@pytest.mark.parametrize(("text", "cue"), [
    ("一、加强监管。牵头单位：市生态环境局；配合单位：市公安局", "牵头单位："),
    ("一、加强监管，开展专项检查（市住建局负责）。", "（市住建局负责）"),
    ("一、加强监管。由市交通运输局牵头，各县区落实。", "局牵头"),
    ("一、加強監管。牽頭單位：縣環保局", "牽頭單位："),
    ("一、加强监管。责任部门：各镇街", "责任部门："),
])
def test_role_words_with_no_agency_are_flagged_at_the_first_cue(text: str, cue: str) -> None:
    flags = measure_flags(one_measure(text))
    assert codes(flags) == ["role_words_without_agencies"]
    assert flags[0].span == _span(text, cue)


@pytest.mark.parametrize("text", [
    "一、加强组织领导。主要负责同志亲自抓，分管负责同志靠上抓，严格落实“党政同责”。",
    "一、落实责任。各职能部门落实环境保护责任，细化各项任务到责任单位，完善公众参与机制。",
    "一、资金保障。区相关部门（单位）和各镇（街道）要按照本方案的要求制定落实方案。",
])
def test_role_words_that_assign_nobody_are_not_flagged(text: str) -> None:
    assert role_cues(text) == [] and measure_flags(one_measure(text)) == []


def test_a_measure_with_agencies_is_not_flagged_for_its_role_words() -> None:
    text = "一、加强监管。牵头单位：市生态环境局"
    assert measure_flags(one_measure(text, ["市生态环境局"])) == []


def test_role_words_inside_agency_names_are_flagged_once_per_measure() -> None:
    text = "一、加强监管。责任单位：市生态环境局牵头，市公安局配合，各牵头单位"
    flags = measure_flags(one_measure(text, ["市生态环境局牵头", "市公安局配合", "各牵头单位"]))
    assert codes(flags) == ["agency_name_has_role_word"]
    assert flags[0].count == 2 and flags[0].span == _span(text, "市生态环境局牵头")
    assert "市生态环境局牵头, 市公安局配合" in flags[0].message


@pytest.mark.parametrize(("name", "known"), [
    ("市生态环境局", True), ("省发展改革委", True), ("市大气污染防治领导小组办公室", True), ("市人民政府", True),
    ("各县区管委会", True), ("周村交警大队", True), ("济宁海关", True), ("某某热力有限公司", True),
    ("各市", True), ("16市", True), ("各县（市、区）", True), ("各县、区人民政府（管委会）", True), ("各镇街", True),
    ("“十条工作线”各责任部门", True), ("縣環境保護局", True),
    ("市大气污染防治", False), ("秦都", False), ("重点企业", False), ("", False),
])
def test_known_heads(name: str, known: bool) -> None:
    assert has_known_head(name) is known


def test_a_traditional_head_noun_is_known() -> None:
    pytest.importorskip("kg.extract.normalising")
    assert has_known_head("市生態環境廳") and has_known_head("縣政府辦公室")


def test_agencies_without_a_head_noun_are_flagged_but_not_inherited_ones() -> None:
    text = "一、加强监管。市大气污染防治、重点企业负责，各市抓好落实。"
    flags = measure_flags(one_measure(text, ["市大气污染防治", "重点企业"], blanket=["各市"]))
    assert codes(flags) == ["agency_unknown_head"]
    assert flags[0].count == 2 and flags[0].span == _span(text, "市大气污染防治")
    inherited = measure_flags(one_measure(text, blanket=["市大气污染防治"]))
    assert inherited == []


# --------------------------------------------------------------------------- long measures


def test_a_measure_far_longer_than_the_others_is_flagged() -> None:
    rows = [(str(n), f"{n}．", "甲" * 99 + "。市生态环境局负责。", False) for n in range(1, 4)]
    rows.append(("4", "4．", "乙" * 1600 + "。市生态环境局负责。", False))
    plan, _ = outline_plan(rows)
    flagged = assess_quality(plan)
    assert [codes(m.quality_flags) for m in flagged.measures] == [[], [], [], ["long_measure"]]
    assert flagged.measures[3].quality_flags[0].span is None


def test_long_but_ordinary_measures_are_not_flagged() -> None:
    rows = [(str(n), f"{n}．", "甲" * 1600 + "。市生态环境局负责。", False) for n in range(1, 4)]
    plan, _ = outline_plan(rows)
    assert all(m.quality_flags == [] for m in assess_quality(plan).measures)


# --------------------------------------------------------------------------- the whole plan


def test_assess_quality_copies_replaces_and_summarises() -> None:
    plan, document = outline_plan([
        ("1", "一、", "总体要求。市生态环境局负责。", False),
        ("2", "二、", "重点任务。牵头单位：", False),
        ("4", "四、", "保障措施。市生态环境局负责。", False),
    ])
    flagged = assess_quality(plan)
    assert plan.quality_flags == [] and all(m.quality_flags == [] for m in plan.measures)
    assert assess_quality(flagged) == flagged
    assert flag_summary(flagged) == "2 flags: numbering_gaps, role_words_without_agencies×1"
    assert flag_summary(plan) == "no flags"
    assert codes(flagged.measures[1].quality_flags) == ["role_words_without_agencies"]
    assert faithful(flagged, document)
    assert {flag.code for flag in flagged.quality_flags} <= set(FlagCode)


def test_the_seeds_flags(seed_plans: dict[str, Plan]) -> None:
    """By reading: 001 has no 三、 (二、总体要求… 二、重点任务, then 四、保障措施); every other seed numbers on
    without a gap (004 numbers its items 1.–22. across sections), names its year, region and agencies, and
    has no measure over 1,500 characters."""
    flagged = {stem: assess_quality(plan) for stem, plan in seed_plans.items()}
    summary = {stem: flag_summary(plan) for stem, plan in flagged.items()}
    assert summary == {
        "000_aa781de31b5c5cff": "no flags", "001_2b08b5de9d9ff43a": "1 flag: numbering_gaps",
        "002_833ca56d4879db5a": "no flags", "003_922dca89c0e37589": "no flags", "004_686603e2450627ea": "no flags"}
    gap = flagged["001_2b08b5de9d9ff43a"].quality_flags[0]
    assert gap.span.text == "四、" and "二、 → 四、" in gap.message
