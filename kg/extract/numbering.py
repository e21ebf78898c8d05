"""Heading numbers as Chinese plans write them: 第一章, 一、, （一）, 第一条, 1．, （1）, ①, and table rows.

>>> chinese_to_int("十二")
12
>>> match_heading("（三）强化工业炉窑综合整治。").style
'zh_paren'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH = "[一二三四五六七八九十百零〇两]+"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Conventional rank of each style, outermost first. Levels in a document are the ranks it uses.
HEADING_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"第({_ZH}|\d+)章[\s　]*")),
    ("part", re.compile(rf"第({_ZH}|\d+)节[\s　]*")),
    ("zh_dun", re.compile(rf"({_ZH})[、．.][\s　]*")),
    ("zh_paren", re.compile(rf"[（(]({_ZH})[）)][\s　]*")),
    ("article", re.compile(rf"第({_ZH}|\d+)条[\s　]*")),
    ("arabic_dot", re.compile(r"(\d{1,3})[\s　]*[.．、](?![\d.．])[\s　]*")),
    ("table_row", re.compile(r"(\d{1,3})\t")),
    ("arabic_paren", re.compile(r"[（(](\d{1,3})[）)](?![\d])[\s　]*")),
    ("circled", re.compile(rf"([{_CIRCLED}])[\s　]*")),
]
STYLE_RANK = {name: rank for rank, (name, _) in enumerate(HEADING_STYLES)}
# Table rows sit where 1． items would.
STYLE_RANK["table_row"] = STYLE_RANK["arabic_dot"]


@dataclass(frozen=True)
class HeadingMatch:
    style: str
    number: int
    label: str
    """The number as written, with its punctuation: '（三）', '12．'."""
    rest_offset: int
    """Where the heading's text starts, relative to the matched string."""


def chinese_to_int(numeral: str) -> int:
    """Convert 一 … 九十九 (and plain digits) to an int."""
    if numeral.isdecimal():
        return int(numeral)
    if numeral in _CIRCLED:
        return _CIRCLED.index(numeral) + 1
    total, current = 0, 0
    for char in numeral:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[char]
    return total + current


def match_heading(line: str) -> HeadingMatch | None:
    """Return the heading number at the start of ``line`` (leading spaces allowed), if any."""
    stripped = line.lstrip(" \u3000\t")
    indent = len(line) - len(stripped)
    for style, pattern in HEADING_STYLES:
        found = pattern.match(stripped)
        if found is None:
            continue
        rest = stripped[found.end():]
        if style != "table_row" and not rest.strip():
            continue
        if style == "arabic_dot" and _looks_like_quantity(rest):
            continue
        return HeadingMatch(
            style=style,
            number=chinese_to_int(found.group(1)),
            label=found.group(0).strip(),
            rest_offset=indent + found.end(),
        )
    return None


def _looks_like_quantity(rest: str) -> bool:
    """'35蒸吨' or '5万吨' after '1、' are not headings; a heading's text starts with a word."""
    return bool(re.match(r"[\d%％]", rest))
