"""kg.extract.roles: one grammar for every place a plan writes who does what."""

from __future__ import annotations

import pytest

from kg.extract.roles import blanket_statements, find_assignments, heading_assignments, list_convention
from kg.models import Span


def _roles(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(a.name, a.role.value) for a in find_assignments(text, **kwargs).assignments]


@pytest.mark.parametrize(("text", "expected"), [
    ("责任单位：市生态环境局牵头，市公安局、市交通运输局配合，各县（市、区）人民政府负责落实",
     [("市生态环境局", "lead"), ("市公安局", "support"), ("市交通运输局", "support"),
      ("各县（市、区）人民政府", "implementing")]),
    ("责任单位：市发展改革委、市经济和信息化局、市生态环境局，市自然资源和规划局配合",
     [("市发展改革委", "responsible"), ("市经济和信息化局", "responsible"), ("市生态环境局", "responsible"),
      ("市自然资源和规划局", "support")]),
    ("责任单位：市发展改革委、市生态环境局（按职责分工负责）",
     [("市发展改革委", "responsible"), ("市生态环境局", "responsible")]),
    ("责任单位：市交通运输局（牵头），市发展改革委",
     [("市交通运输局", "lead"), ("市发展改革委", "responsible")]),
    ("责任部门：市农业农村局、各县、区人民政府（管委会）",
     [("市农业农村局", "responsible"), ("各县、区人民政府（管委会）", "responsible")]),
    ("协助单位：市生态环境局、市公安局", [("市生态环境局", "support"), ("市公安局", "support")]),
    ("协办单位：市住建局", [("市住建局", "support")]),
    ("主责单位：濉溪县、烈山区人民政府", [("濉溪县人民政府", "responsible"), ("烈山区人民政府", "responsible")]),
    ("牵头部门：市公安局", [("市公安局", "lead")]),
    ("推进治理。（省工业和信息化厅、省生态环境厅，各市政府配合）",
     [("省工业和信息化厅", "responsible"), ("省生态环境厅", "responsible"), ("各市政府", "support")]),
    ("完成改造。（县生态环境分局牵头，县公安局参与，各乡镇人民政府负责落实）",
     [("县生态环境分局", "lead"), ("县公安局", "support"), ("各乡镇人民政府", "implementing")]),
])
def test_roles_where_they_are_written(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize("text", [
    "（熟料）", "（含）", "（市、区）", "10蒸吨/小时（含）以下", "（不含压力储罐）",
])
def test_parentheses_that_name_no_agency_with_a_role_are_not_clauses(text: str) -> None:
    assert _roles(text) == []


def test_no_role_word_ends_up_inside_a_name() -> None:
    text = ("责任单位：市生态环境局牵头，市发展改革委、市经济和信息化局配合，各县、区人民政府（管委会）负责落实\n"
            "责任单位：市城市管理局、市市场监管局负责，市生态环境局配合")
    for name, _ in _roles(text):
        assert not any(word in name for word in ("牵头", "配合", "负责", "落实")), name


def test_a_stated_convention_makes_the_first_listed_lead() -> None:
    convention = list_convention("各项任务的责任单位中，列第一位者为牵头单位，其他为配合单位。")
    roles = _roles("责任单位：县发展和改革局、县工业和信息化局、县行政审批服务管理局", convention=convention)
    assert roles == [("县发展和改革局", "lead"), ("县工业和信息化局", "support"), ("县行政审批服务管理局", "support")]


def test_explicit_roles_win_over_the_convention() -> None:
    convention = list_convention("排在第一位的为牵头单位")
    assert _roles("责任单位：市公安局负责，市交通运输局配合", convention=convention) == [
        ("市公安局", "responsible"), ("市交通运输局", "support")]


@pytest.mark.parametrize(("title", "expected"), [
    ("县交通运输局牵头的任务", [("县交通运输局", "lead")]),
    ("县经济局主要工作任务", [("县经济局", "responsible")]),
    ("省交通运输厅牵头的任务", [("省交通运输厅", "lead")]),
    ("重点任务", []),
    ("面源污染综合治理", []),
])
def test_agencies_named_by_a_heading(title: str, expected: list[tuple[str, str]]) -> None:
    found = heading_assignments(Span(start=100, end=100 + len(title), text=title))
    assert [(a.name, a.role.value) for a in found] == expected
    assert all(a.span.start >= 100 for a in found)


def test_blanket_statements_with_where_they_stand() -> None:
    text = "（四）面源污染综合治理\n以下任务均需各乡镇人民政府负责落实，不再列出。\n9．加强道路扬尘治理。"
    [(position, named)] = blanket_statements(text)
    assert position == text.index("以下")
    assert [(a.name, a.role.value) for a in named] == [("各乡镇人民政府", "implementing")]
    assert text[named[0].span.start:named[0].span.end] == "各乡镇人民政府"


def test_labels_inside_parentheses_stay_one_clause() -> None:
    from kg.extract.normalising import normalise

    text = normalise("推进改造。（牵头单位：省生态环境厅；配合单位：省发展改革委、省工业和信息化厅）").text
    assert _roles(text) == [("省生态环境厅", "lead"), ("省发展改革委", "support"), ("省工业和信息化厅", "support")]


def test_a_subject_that_carries_out() -> None:
    assert _roles("完成整治。由省工业和信息化厅牵头，各省辖市人民政府负责落实。") == [
        ("省工业和信息化厅", "lead"), ("各省辖市人民政府", "implementing")]


def test_a_name_broken_over_two_lines_is_one_name_spanning_both() -> None:
    found = find_assignments("（市生态环境局、区商务\n局、济\n南铁路物流中心营业部配合）").assignments
    assert [(a.name, a.span.text) for a in found] == [
        ("市生态环境局", "市生态环境局"), ("区商务局", "区商务\n局"), ("济南铁路物流中心营业部", "济\n南铁路物流中心营业部")]


def test_a_subject_with_an_adverb() -> None:
    assert _roles("重型柴油货车绕行主城区，市公安局交警支队具体负责。") == [("市公安局交警支队", "responsible")]
