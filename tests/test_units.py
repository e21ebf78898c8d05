"""Small units: numbering, deadlines, regions, agency clauses, pollutant labels."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.extract.agencies import canonical_agency
from kg.extract.roles import find_assignments
from kg.extract.deadlines import find_deadlines
from kg.models import Role
from kg.extract.numbering import chinese_to_int, match_heading
from kg.regions import english_label, gazetteer
from kg.extract.concepts import pollutants


@pytest.mark.parametrize("numeral, value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("三十九", 39),
                                            ("一百零一", 101), ("7", 7), ("⑤", 5)])
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


@pytest.mark.parametrize("line, style, number", [
    ("一、总体要求", "zh_dun", 1), ("（十二）加强组织", "zh_paren", 12), ("12．强化", "arabic_dot", 12),
    ("1. 严格环境准入。", "arabic_dot", 1), ("（3）开展", "arabic_paren", 3), ("③推进", "circled", 3),
    ("第三章 重点任务", "chapter", 3), ("第十五条 强化", "article", 15), ("　　二、重点任务", "zh_dun", 2),
])
def test_headings(line: str, style: str, number: int) -> None:
    heading = match_heading(line)
    assert heading is not None and (heading.style, heading.number) == (style, number)


@pytest.mark.parametrize("line", ["2.5", "35蒸吨/小时及以上燃煤锅炉", "（2018—2020年）", "2023年3月起", "（此件公开发布）"])
def test_not_headings(line: str) -> None:
    assert match_heading(line) is None


@pytest.mark.parametrize("text, expected", [
    ("2023年10月底前完成", [("2023年10月底前", dt.date(2023, 10, 31), "by")]),
    ("年底前完成", [("年底前", dt.date(2023, 12, 31), "by")]),
    ("2023年4月15日前确定，4月底前召开", [("2023年4月15日前", dt.date(2023, 4, 15), "by"),
                                         ("4月底前", dt.date(2023, 4, 30), "by")]),
    ("5—9月，分行业", [("5—9月", dt.date(2023, 5, 1), "during")]),
    ("每年9月底前报备", [("每年9月底前", dt.date(2023, 9, 30), "recurring")]),
    ("2023年采暖季前完成", [("2023年采暖季前", dt.date(2023, 11, 15), "by")]),
    ("“十四五”期间，增长12%", [("“十四五”期间", dt.date(2021, 1, 1), "during")]),
    ("到2025年，比2020年下降10%", [("到2025年", dt.date(2025, 12, 31), "by")]),
    ("自2019年1月1日起", [("自2019年1月1日起", dt.date(2019, 1, 1), "from")]),
    ("长期坚持", [("长期坚持", None, "ongoing")]),
    ("排名较2022年前移", []),
    ("按照《方案（2023—2027年）》要求", []),
    ("在2022年的基础上力争降10％", []),
])
def test_deadlines(text: str, expected: list) -> None:
    found = [(d.text, d.date, d.kind.value) for d in find_deadlines(text, 2023)]
    assert found == expected


def test_deadline_without_any_year_is_kept_unresolved() -> None:
    [deadline] = find_deadlines("9月底前完成", None)
    assert (deadline.text, deadline.date, deadline.kind.value) == ("9月底前", None, "by")
    assert "no year" in (deadline.note or "")


def test_a_month_after_a_time_limit_label_is_due_by_its_end() -> None:
    found = find_deadlines("（责任单位：市发展改革委，完成时限：2024年12月）", 2024)
    assert [(d.text, str(d.date), d.kind.value) for d in found] == [("2024年12月", "2024-12-31", "by")]


def test_absolute_deadlines_resolve_without_a_plan_year() -> None:
    found = find_deadlines("“十四五”期间完成；2018—2020年持续推进；2025年底前完成", None)
    assert [(d.text, str(d.date)) for d in found] == [
        ("“十四五”期间", "2021-01-01"), ("2018—2020年", "2018-01-01"), ("2025年底前", "2025-12-31")]


def test_region_hierarchy_and_ambiguity() -> None:
    places = gazetteer()
    assert [r.name for r in places.ancestors("370306")] == ["淄博市", "山东省"]
    assert places.resolve("朝阳区") is None  # 北京 or 长春: ambiguous without context
    assert places.resolve("朝阳区", ["北京市"]).code == "110105"
    assert places.resolve("朝阳区", ["吉林省"]).code == "220104"
    assert places.resolve("山东").code == "370000"
    assert english_label(places.by_code("370306")) == "Zhoucun District"
    assert english_label(places.by_code("610000")) == "Shaanxi Province"


def test_agency_clause_roles_and_shared_suffix() -> None:
    found = find_assignments("（市能源局牵头，市发展改革委、市住建局配合）\n牵头单位：长武、乾县、渭城分局")
    assert [(a.name, a.role) for a in found.assignments] == [
        ("市能源局", Role.lead), ("市发展改革委", Role.support), ("市住建局", Role.support),
        ("长武分局", Role.lead), ("乾县分局", Role.lead), ("渭城分局", Role.lead)]


def test_non_agency_parentheses_are_ignored() -> None:
    assert find_assignments("水泥（熟料）制造企业，3000吨（含）以上，各县（市、区）开展").assignments == []


def test_blanket_clause_is_kept_apart() -> None:
    found = find_assignments("（省生态环境厅负责，16市负责落实，以下工作均需各市负责，不再一一列出）")
    assert [(a.name, a.role) for a in found.assignments] == [("省生态环境厅", Role.responsible),
                                                             ("16市", Role.implementing)]
    assert [(a.name, a.role) for a in found.blanket] == [("各市", Role.implementing)]


def test_canonical_agencies() -> None:
    shandong, jining = gazetteer().by_code("370000"), gazetteer().by_code("370800")
    assert canonical_agency("省生态环境厅", shandong).canonical == "山东省生态环境厅"
    assert canonical_agency("市工信局", jining).canonical == "济宁市工业和信息化局"
    assert canonical_agency("市工信局", jining).agency_type == "industry_it"
    assert canonical_agency("济宁海关", jining).canonical == "济宁海关"
    assert canonical_agency("生态环境部", jining).jurisdiction.code == "100000"
    assert canonical_agency("16市", shandong).canonical == canonical_agency("各市", shandong).canonical


@pytest.mark.parametrize("text, codes", [
    ("PM2.5年均浓度", ["PM2.5"]), ("PM\n2.5\n浓度", ["PM2.5"]), ("细颗粒物和颗粒物", ["PM2.5", "PM"]),
    ("消耗臭氧层物质", []), ("简易氨法脱硫", []), ("聚氨酯树脂", []), ("臭氧和氨排放", ["O3", "NH3"]),
    ("VOCS治理与挥发性有机物", ["VOCs", "VOCs"]), ("CO2和COD", []), ("CO年均浓度", ["CO"]),
])
def test_pollutant_labels(text: str, codes: list[str]) -> None:
    assert [code for code, _ in pollutants().find(text)] == codes
