"""kg.extract.normalising: the matching copy of a text, and its map back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.normalising import fold, normalise


@pytest.mark.parametrize(("written", "folded"), [
    ("牽頭單位：縣生態環境局", "牵头单位：县生态环境局"),
    ("責任單位：海東市、襄陽市", "责任单位：海东市、襄阳市"),
    ("２０２４年１０月底前", "2024年10月底前"),
    ("ＰＭ２．５", "PM2．5"),  # the full-width full stop is punctuation, kept: numbering reads 1．
    ("乾县", "乾县"),  # a standard simplified character OpenCC's table would turn into 干
    ("（一）", "（一）"),  # full-width brackets are the text's own punctuation
])
def test_fold_is_one_character_for_one(written: str, folded: str) -> None:
    assert fold(written) == folded
    assert len(fold(written)) == len(written)


@pytest.mark.parametrize(("original", "normal"), [
    ("2025 年底前", "2025年底前"),
    ("到 2025 年，P M 2 . 5 浓度", "到2025年，PM2.5浓度"),
    ("[bookmark: _GoBack]一、总体要求", "一、总体要求"),
    ("完成整治。\n— 3 —\n二、重点任务", "完成整治。\n\n二、重点任务"),
    ("专项整治。1、组织摸底排查。2、建立清单。", "专项整治。\n1、组织摸底排查。\n2、建立清单。"),
    ("责任领导：刘鲲牵头单位：大气办责任单位：各分局", "责任领导：刘鲲\n牵头单位：大气办\n责任单位：各分局"),
    ("二、重点任务（一）推进钢铁超低排放改造。", "二、重点任务\n（一）推进钢铁超低排放改造。"),
    ("统一、规范管理。", "统一、规范管理。"),  # 一、 inside a word opens no chain
    ("完成3、4号机组改造。", "完成3、4号机组改造。"),
])
def test_normal_text(original: str, normal: str) -> None:
    assert normalise(original).text == normal


def test_spans_map_back_to_the_verbatim_original() -> None:
    original = "二、重點任務（一）推進鋼鐵行業超低排放改造，2025 年底前完成。（市生態環境局牽頭）"
    normal = normalise(original)
    start = normal.text.index("2025年底前")
    begin, end = normal.original_span(start, start + len("2025年底前"))
    assert original[begin:end] == "2025 年底前"
    agency = normal.text.index("市生态环境局")
    begin, end = normal.original_span(agency, agency + 6)
    assert original[begin:end] == "市生態環境局"
    assert normal.written(agency, agency + 6) == "市生態環境局"


def test_an_inserted_break_maps_to_nothing_in_the_original() -> None:
    normal = normalise("甲。1、乙。2、丙。")
    assert normal.text == "甲。\n1、乙。\n2、丙。"
    begin, end = normal.original_span(2, 6)  # "\n1、乙"
    assert normal.original[begin:end] == "1、乙"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一二、（）1.．。；：\n 　牽頭單位年月底前2025PMVOC—-页第共abc")), max_size=80))
def test_every_character_maps_to_a_character_it_was_folded_from(text: str) -> None:
    normal = normalise(text)
    for index, char in enumerate(normal.text):
        begin, end = normal.original_span(index, index + 1)
        if end > begin:
            assert fold(text[begin:end]) == char
        else:
            assert char == "\n"


def test_a_page_number_between_broken_lines_goes_with_the_break() -> None:
    width_line = "推进钢铁、焦化、水泥等重点行业超低排放改造，对照标准逐一排查企业治污设施相关单"
    text = "\n".join([width_line] * 6 + ["第 3 页 共 6 页", "位按职责分工负责。", "完成时间为2020", "- 8 -", "年年底前。"])
    normal = normalise(text).text
    assert "相关单位按职责分工负责。" in normal
    assert "2020年年底前" in normal
