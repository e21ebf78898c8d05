"""The pre-checks that let extraction skip texts (``hint`` patterns) never skip a text that holds a match.

``kg/extract/deadlines.py`` and ``kg/extract/targets.py`` search a text with an expensive pattern only when a cheap one (its hint)
is found in it: each hint must be in every match of its pattern, or a deadline or target would silently be lost
when someone edits a rule. Random texts made of the rules' own words, digits and punctuation check it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract import deadlines, targets

_PIECES = ["每年", "月", "日", "年", "底", "末", "前", "之前", "以前", "起", "开始", "份", "次年", "至", "到", "—", "-",
           "~", "十四五", "期间", "时期", "采暖季", "第", "一", "二", "季度", "上", "下", "半年", "年底", "年末", "比", "较",
           "要", "将", "力争", "全面", "基本", "达到", "实现", "完成", "建成", "长期坚持", "《", "》", "〔", "〕", "。",
           "；", "\n", "自", "从", "移", "度", "，", "的", " ", "不低于", "不高于", "控制在", "下降", "降低", "提高",
           "以上", "以下", "左右", "%", "微克/立方米", "万吨", "吨", "个百分点", "天", "PM2.5", "浓度", "优良天数比率"]
_NUMBERS = ["1", "2", "3", "5", "9", "10", "11", "12", "30", "31", "35.5", "0.5", "2020", "2023", "2025", "2030"]
texts = st.lists(st.one_of(st.sampled_from(_PIECES), st.sampled_from(_NUMBERS)), min_size=1, max_size=16).map("".join)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_every_deadline_match_holds_its_rules_hint(text: str) -> None:
    for rule in deadlines._RULES:  # noqa: SLF001 - the rules are what is checked
        if rule.hint is None:
            continue
        for match in rule.pattern.finditer(text):  # from the match on: a rule's lookahead is outside its match
            assert rule.hint.search(text, match.start()), (rule.pattern.pattern, text)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_every_target_match_holds_the_hint(text: str) -> None:
    for match in targets._TARGET.finditer(text):  # noqa: SLF001
        assert targets._HINT.search(match.group()), text  # noqa: SLF001


def test_the_hints_are_found_in_the_documents_words() -> None:
    assert deadlines.find_deadlines("2023年10月底前完成", 2023)
    assert targets.find_targets("PM2.5浓度下降到35微克/立方米")
