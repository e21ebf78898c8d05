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
    ("arabic_paren", re.compile(r"[（(](\d{1,3})[）)](?!\d(?!\d{3}年))[\s　]*")),
    ("circled", re.compile(rf"([{_CIRCLED}])[\s　]*")),
]
STYLE_RANK = {name: rank for rank, (name, _) in enumerate(HEADING_STYLES)}
# Table rows sit where 1． items would; paragraphs (a text with no numbering) below everything.
STYLE_RANK["table_row"] = STYLE_RANK["arabic_dot"]
STYLE_RANK["paragraph"] = len(HEADING_STYLES)


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


@dataclass(frozen=True)
class Marker:
    """A heading number found anywhere in a text, before deciding whether it opens a heading."""

    start: int
    style: str
    number: int
    strong: bool
    """At a line start, or after a sentence end: taken as a heading unless its chain says otherwise."""
    after_title: bool = False
    """Right after a plan's title word (…实施方案第一章): where a text's first heading may stand inline."""


_ANYWHERE = re.compile(
    rf"(?P<zh_dun>(?<![一二三四五六七八九十百零〇两])(?P<n1>{_ZH})、)"
    rf"|(?P<zh_paren>(?<!第)[（(](?P<n2>{_ZH})[）)])"
    rf"|(?P<chapter>第(?P<n3>{_ZH}|\d+)章)"
    rf"|(?P<article>第(?P<n4>{_ZH}|\d+)条)"
    r"|(?P<arabic_dot>(?<![\d.．A-Za-z])(?P<n5>\d{1,3})[.．、](?![\d.．%％]))"
    r"|(?P<arabic_paren>(?<!第)[（(](?P<n6>\d{1,3})[）)])"
    rf"|(?P<circled>[{_CIRCLED}])"
    r"|(?P<table_row>(?<![\d.])(?P<n7>\d{1,3})\t)"
)
_SENTENCE_END = "。；;！？!?：:"
_TITLE_END = re.compile(r"(方案|计划|意见|措施|细则|要点|通知|办法)[”」）)]?$")
_CJK_NEXT = re.compile(r"[ \u3000]?[\u4e00-\u9fff“\"A-Z]|(?<=[）)])\d{4}年")
_CLOSERS = "”’」』）)〕】"
_CITED_ARTICLE = re.compile(r"[规的所中之款项]")


def find_markers(text: str) -> list[Marker]:
    """Every heading number in ``text`` that a chain could use, line starts and inline alike."""
    markers = []
    for found in _ANYWHERE.finditer(text):
        style = found.lastgroup if found.lastgroup in STYLE_RANK else _style_of(found)
        numeral = next(value for key, value in found.groupdict().items() if key.startswith("n") and value) \
            if style != "circled" else found.group(0)
        if style not in ("table_row", "chapter", "article") and not _heading_text_follows(text, found.end(), style):
            continue
        if style in ("chapter", "article") and _CITED_ARTICLE.match(text, found.end()):
            continue
        strong = _strong(text, found.start())
        if not strong and style != "table_row" and not _CJK_NEXT.match(text, found.end()):
            continue  # inline, a heading's words must follow at once: (1)>, 3.x are not headings
        after_title = bool(_TITLE_END.search(text, max(0, found.start() - 4), found.start()))
        markers.append(Marker(found.start(), style, chinese_to_int(numeral), strong, after_title))
    return markers


def _style_of(found: re.Match[str]) -> str:
    return next(name for name in STYLE_RANK if found.group(name) is not None)


def _heading_text_follows(text: str, end: int, style: str) -> bool:
    """A heading's words follow its number: not a digit after 1、 or 1. (1、2号, 1.5万吨), not punctuation."""
    rest = text[end:end + 2].lstrip(" \u3000")
    no_digit = style in ("arabic_dot", "zh_dun")
    return bool(rest) and not re.match(r"[%％、，。；）)]" if not no_digit else r"[\d%％、，。；）)]", rest)


def _strong(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start].rstrip(" \u3000\t")
    if not before or before.endswith("\n") or start == 0:
        return True
    return before[-1] in _SENTENCE_END or (before[-1] in _CLOSERS and len(before) > 1 and before[-2] in _SENTENCE_END)


def chained(markers: list[Marker]) -> list[Marker]:
    """The markers that open headings: strong ones, and weak (inline) ones that continue a chain.

    A weak marker is kept when its number follows the last kept number of its style (n after n - 1), or
    when it is 1 and a marker of an outer style was kept after the last one of its own style: a list that
    starts under a new heading; or when it skips one number and its first child follows at once
    (二、 … 四、保障措施（一）). A cited article (第三条规定) is not a marker at all.
    """
    kept: list[Marker] = []
    last: dict[str, tuple[int, int]] = {}
    for index, marker in enumerate(markers):
        following = markers[index + 1] if index + 1 < len(markers) else None
        if not marker.strong and not _continues(marker, last, kept) and not _skips_one(marker, last, following):
            continue
        kept.append(marker)
        last[marker.style] = (marker.number, len(kept) - 1)
    return kept


def _skips_one(marker: Marker, last: dict[str, tuple[int, int]], following: Marker | None) -> bool:
    """二、 … 四、保障措施（一）: a number skipped (plans do skip) is still a heading when its first child follows."""
    previous = last.get(marker.style)
    return (previous is not None and previous[0] + 2 == marker.number and following is not None
            and following.number == 1 and STYLE_RANK[following.style] > STYLE_RANK[marker.style]
            and following.start - marker.start <= 30)


def _continues(marker: Marker, last: dict[str, tuple[int, int]], kept: list[Marker]) -> bool:
    previous = last.get(marker.style)
    if previous is not None and previous[0] + 1 == marker.number:
        return True
    if marker.number != 1:
        return False
    since = kept[previous[1] + 1:] if previous is not None else kept
    rank = STYLE_RANK[marker.style]
    return any(STYLE_RANK[other.style] < rank for other in since) or (previous is None and not kept
                                                                      and marker.after_title)
