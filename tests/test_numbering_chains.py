"""kg.extract.numbering: heading numbers found anywhere, kept when they chain."""

from __future__ import annotations

from kg.extract.numbering import chained, find_markers
from kg.extract.segmenting import is_plan_level_title


def _kept(text: str) -> list[str]:
    return [text[m.start:m.start + 4] for m in chained(find_markers(text))]


def test_inline_items_chain_after_a_sentence_or_a_label_value() -> None:
    text = "二、重点任务（一）深入实施治理1.严格项目准入。严禁新建。责任单位：各分局2.加快升级。对接市工信局。"
    assert _kept(text) == ["二、重点", "（一）深", "1.严格", "2.加快"]


def test_numbers_that_do_not_chain_are_text() -> None:
    text = "一、总体要求。完成3、4号机组改造，统一、规范管理，PM2.5下降，详见第（二）项。二、重点任务。"
    assert _kept(text) == ["一、总体", "二、重点"]


def test_a_skipped_number_is_kept_when_its_first_child_follows() -> None:
    text = "一、总体要求。二、重点任务。（一）甲。兴平分局四、保障措施（一）加强组织领导。"
    assert _kept(text)[-2:] == ["四、保障", "（一）加"]


def test_a_cited_article_is_no_heading() -> None:
    text = "第一条 总则。第二条 按照第三条规定执行。第三条 严格准入。"
    assert _kept(text) == ["第一条 ", "第二条 ", "第三条 "]
    assert text[chained(find_markers(text))[2].start:].startswith("第三条 严格")


def test_plan_level_titles_by_what_they_say() -> None:
    assert all(is_plan_level_title(t) for t in ("总体要求", "工作目标", "目标指标", "指导思想", "适用范围", "工作思路"))
    assert not any(is_plan_level_title(t) for t in ("保障措施", "重点任务", "强化目标考核", "推进钢铁行业超低排放改造"))


def test_an_item_may_open_with_a_year() -> None:
    text = "2.淘汰落后产能。（1）2024年6月底前，关停燃煤小锅炉；（2）年底前，完成砖瓦窑整治。"
    assert _kept(text) == ["2.淘汰", "（1）2", "（2）年"]


def test_a_section_of_targets_only_is_plan_level_whatever_its_title() -> None:
    from kg.extract.assembly import extract_plan
    from kg.extract.reading import document_from_bytes

    text = ("某市2024年大气污染防治方案\n一、预期成效\n到2024年底，全市PM2.5平均浓度控制在35微克/立方米以内，"
            "优良天数比率达到85%以上。\n二、重点任务\n（一）推进钢铁超低排放改造，2024年10月底前完成。（市生态环境局负责）\n")
    plan = extract_plan(document_from_bytes("plan.txt", text.encode()))
    assert [m.path for m in plan.measures] == ["2.1"]
    assert {target.pollutant for target in plan.targets} >= {"PM2.5"}
