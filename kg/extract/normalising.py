"""A copy of the document's text for matching, with a map back to the original.

Every later stage reads the normalised text; every span it finds is mapped back, so that
``original[start:end]`` is always the verbatim source. What normalising does, in order:

1. **Folding**, one character for one character (:func:`fold`): traditional characters become
   simplified ones (OpenCC's table, character by character, so offsets do not move), full-width
   digits and Latin letters become ASCII.
2. **Deleting noise**: ``[bookmark: …]`` markup, page numbers a PDF or web copy left in the text
   (``— 3 —``, ``- 12 -``, ``第 3 页 共 9 页``), and spaces inside numbers and dates
   (``2025 年底前``, ``P M 2 . 5``).
3. **Recovering line breaks** before heading numbers inside a line that chain with the numbers before
   them (:func:`~kg.extract.numbering.chained`: ``…专项整治。1、组织摸底排查。2、…``), and before
   ``牵头单位：`` style labels.

>>> normal = normalise("一、總體要求。二、重點任務 2025 年底前完成")
>>> normal.text
'一、总体要求。\\n二、重点任务2025年底前完成'
>>> start = normal.text.index("重点"); normal.original_span(start, start + 4)
(9, 13)
>>> normal.written(start, start + 4)
'重點任務'
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

import opencc

from kg.extract.numbering import chained, find_markers

# Standard simplified characters that OpenCC's character table would still turn into another (乾县 → 干县).
_KEEP = frozenset("乾")
_FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                          *range(0xFF41, 0xFF5B)]}
_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))

_MARKUP = r"\[bookmark:[^\]\n]*\]"
_PAGE_NUMBER = (
    r"[—－\-–]{1,2}[ \u3000]*\d{1,4}[ \u3000]*[—－\-–]{1,2}(?=\d{1,3}[、．.]|[^\d年月日]|$)"
    r"|第[ \u3000]*\d{1,4}[ \u3000]*页(?:[ \u3000]*[共/／][ \u3000]*\d{1,4}[ \u3000]*页?)?"
)
_SPACE = r"[ \u00a0\u3000]+"
_CJK = r"\u3400-\u9fff"
_NUMBER_SPACE = (
    rf"(?<=[\d.])({_SPACE})(?=[\d.%％年月日号个])|(?<=[{_CJK}])({_SPACE})(?=[\dA-Za-z])"
    rf"|(?<=[\dA-Za-z%])({_SPACE})(?=[{_CJK}])"
)
_NOISE = re.compile(rf"(?P<markup>{_MARKUP})|(?P<page>(?<![\d年月日]){_PAGE_NUMBER})|{_NUMBER_SPACE}")
_SPACED_CODE = re.compile(r"(?<![A-Za-z])[A-Za-z](?:[ \u3000]+[A-Za-z\d.](?![A-Za-z]))+")

_LABEL_WORDS = (r"(?:责任领导|完成时限|完成时间|时间节点|(?:牵头|责任|配合|主责|协办|协助|参与|落实)(?:单位|部门)"
                r"(?:（[^）\n]{0,6}）)?)[：:]")
_PLAN_WORD = r"(?:方案|计划|意见|措施|细则|办法|要点)"
_ISSUER_END = r"(?:办公室|办公厅|人民政府|委员会|指挥部|领导小组|[局厅部委])"
_DOC_NUMBER = r"[\u4e00-\u9fff]{2,8}〔\d{4}〕\d{1,4}号"
_DATE = r"\d{4}年\d{1,2}月\d{1,2}日"
# Where a document's structure puts a line break that a copy may have lost: before group ``at``.
_STRUCTURE_BREAKS = [re.compile(rule) for rule in (
    rf"[^\n（(](?P<at>)[ \u3000]*{_LABEL_WORDS}",  # 牵头单位：… lines
    r"[^\n](?P<at>)序号\t",  # a table's header row
    rf"[^\n（(《]{_PLAN_WORD}(?P<at>)(?:为(?:深入|进一步|全面|切实|持续|加快|有效|推动|坚决|打好|了)|根据|按照|依据)",
    rf"的通知(?P<at>){_DOC_NUMBER}",  # notice title | 文号
    rf"{_DOC_NUMBER}(?P<at>)[\u4e00-\u9fff《]",  # 文号 | addressees
    rf"{_ISSUER_END}[ \u3000]*(?P<at>){_DATE}[ \u3000]*(?:[\u4e00-\u9fff（(\n]|$)",  # signature | date
    rf"{_ISSUER_END}[ \u3000]*{_DATE}[ \u3000]*(?P<at>)[\u4e00-\u9fff（(]",  # date | what follows
    rf"[。！](?P<at>)[ \u3000]*[^。；，\n]{{2,24}}{_ISSUER_END}[ \u3000]*{_DATE}",  # … | signature
    r"[（(]此件公开发布[）)](?P<at>)[^\n]",
    r"[。；](?P<at>)[^。；\n]{2,40}关于印发",  # … | a notice's title
    r"[\u4e00-\u9fff]：(?P<at>)《",  # addressees | 《…》已经…同意
)]


@dataclass(frozen=True)
class NormalText:
    """The normalised text and where each of its characters came from.

    ``_starts[i]`` is the normalised offset where piece ``i`` begins and ``_origins[i]`` the original offset
    of that piece's first character; inside a piece both advance together. An inserted character (a
    recovered line break) is a piece of its own whose origin is the original character after it.
    """

    text: str
    original: str
    _starts: tuple[int, ...]
    _origins: tuple[int, ...]
    _inserted: frozenset[int]

    def original_offset(self, index: int) -> int:
        """The original offset of normalised offset ``index`` (``len(text)`` maps to ``len(original)``)."""
        if index >= len(self.text):
            return len(self.original)
        piece = bisect_right(self._starts, index) - 1
        return self._origins[piece] + index - self._starts[piece]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``(start, end)`` of the normalised ``text[start:end]``: what it was read from."""
        while start < end and start in self._inserted:
            start += 1
        while end > start and end - 1 in self._inserted:
            end -= 1
        if end <= start:
            position = self.original_offset(start)
            return position, position
        return self.original_offset(start), self.original_offset(end - 1) + 1

    def written(self, start: int, end: int) -> str:
        """The original characters behind ``text[start:end]``, noise and inserted breaks left out."""
        pieces = []
        for index in range(start, end):
            if index not in self._inserted:
                pieces.append(self.original[self.original_offset(index)])
        return "".join(pieces)

    @property
    def changed(self) -> bool:
        return self.text != self.original


def normalise(original: str) -> NormalText:
    """Fold, drop noise and recover line breaks; see the module's docstring."""
    folded = fold(original)
    kept, starts, origins = _delete_noise(folded)
    text, starts, origins, inserted = _insert_breaks(kept, starts, origins)
    return NormalText(text, original, tuple(starts), tuple(origins), frozenset(inserted))


def fold(text: str) -> str:
    """Traditional → simplified and full-width → ASCII, character for character (same length).

    >>> fold("牽頭單位：縣生態環境局，２０２４年，乾縣")
    '牵头单位：县生态环境局，2024年，乾县'
    """
    return text.translate(_fold_table())


@cache
def _fold_table() -> dict[int, str]:
    converter = opencc.OpenCC("t2s")
    table = {ord(wide): narrow for wide, narrow in _FULL_WIDTH.items()}
    for low, high in _CJK_BLOCKS:
        chars = [chr(code) for code in range(low, high)]
        converted = converter.convert("\n".join(chars)).split("\n")
        for char, simple in zip(chars, converted, strict=True):
            if simple != char and len(simple) == 1 and char not in _KEEP:
                table[ord(char)] = simple
    return table


def _delete_noise(folded: str) -> tuple[str, list[int], list[int]]:
    deletions = [match.span() for match in _NOISE.finditer(folded) if match.end() > match.start()]
    deletions += _spaces_in_codes(folded) + _wrapped_line_breaks(folded) + _running_headers(folded)
    deletions.sort()
    pieces, starts, origins, position, length = [], [], [], 0, 0
    for start, end in deletions:
        if start < position:
            start = position
        if start >= end:
            continue
        if start > position:
            starts.append(length)
            origins.append(position)
            pieces.append(folded[position:start])
            length += start - position
        position = end
    if position < len(folded) or not starts:
        starts.append(length)
        origins.append(position)
        pieces.append(folded[position:])
    return "".join(pieces), starts, origins


_SENTENCE_END = "。；;！？!?：:"
_NEW_LINE_START = re.compile(rf"[ \u3000\t]|（?(?:此件|附件)|{_LABEL_WORDS}|序号\t|[一二三四五六七八九十]{{1,3}}、|[（(][一二三四五六七八九十\d]|第[一二三四五六七八九十\d]+[章条]|\d{{1,3}}[、．.][^\d]|[①-⑳]")
_UNIT_START = re.compile(r"[年月日号%]")
_PAGE_ONLY = re.compile(rf"[ \u3000]*(?:{_PAGE_NUMBER})[ \u3000]*")


_PAGE_LINE = re.compile(rf"^(?P<text>[^\n]{{0,40}}?)[ \u3000]*(?:{_PAGE_NUMBER})[ \u3000]*$"
                        rf"|^[ \u3000]*(?:{_PAGE_NUMBER})[ \u3000]*(?P<text2>[^\n]{{0,40}}?)[ \u3000]*$", re.M)


def _running_headers(folded: str) -> list[tuple[int, int]]:
    """Page headers and footers: a short line with a page number whose words recur on other pages
    (``柳州市人民政府办公室文件　　— 5 —``). The whole line goes, not only the number."""
    lines = [(m.start(), m.end(), (m.group("text") or m.group("text2") or "").strip()) for m in _PAGE_LINE.finditer(folded)]
    counts: dict[str, int] = {}
    for _, _, words in lines:
        counts[words] = counts.get(words, 0) + 1
    return [(start, end) for start, end, words in lines if words and counts[words] >= 2]


def _wrapped_line_breaks(folded: str) -> list[tuple[int, int]]:
    """Line breaks a fixed-width copy (PDF, e-mail) put inside sentences: ``…（市\n生态环境局牵头…``.

    Only in a text whose lines mostly share one width: there a full line that does not end a sentence runs
    on into the next one, unless that one opens a paragraph (indented more than the text's lines are), a
    heading or a label. Blank lines (a double-spaced copy) and page-number lines between the two go with
    the break. A number broken from its unit (``2025 年 9\n月底前``) is joined in any text.
    """
    headers = {start for start, _ in _running_headers(folded)}
    text_lines = [(start, line) for start, line in _offset_lines(folded)
                  if line.strip() and start not in headers and not _PAGE_ONLY.fullmatch(line)]
    width = _fixed_width([line for _, line in text_lines])
    indent = _common_indent([line for _, line in text_lines])
    joins = []
    for (start, line), (next_start, following) in zip(text_lines, text_lines[1:]):
        body = line.rstrip(" \u3000")
        opening = len(following) - len(following.lstrip(" \u3000"))
        if body[-1].isdigit() and _UNIT_START.match(following, opening):
            joins.append((start + len(body), next_start + opening))
            continue
        if width is None or _visual_width(body) < width - 3 or body[-1] in _SENTENCE_END or "\t" in line + following:
            continue  # a table's rows are never one sentence
        content = following[len(indent):] if following.startswith(indent) else following
        if _NEW_LINE_START.match(content):
            continue
        joins.append((start + len(line), next_start + len(indent) if following.startswith(indent) else next_start))
    return joins


def _offset_lines(text: str) -> list[tuple[int, str]]:
    lines, start = [], 0
    for line in text.split("\n"):
        lines.append((start, line))
        start += len(line) + 1
    return lines


def _visual_width(line: str) -> int:
    """Width in half-character units: an ideograph or a full-width sign takes two, an ASCII character one."""
    return sum(1 if ord(char) < 0x2E80 else 2 for char in line)


def _common_indent(lines: list[str]) -> str:
    indents = [line[: len(line) - len(line.lstrip(" \u3000\t"))] for line in lines if len(line.strip()) >= 15]
    return max(set(indents), key=indents.count) if indents else ""


def _fixed_width(lines: list[str]) -> int | None:
    """The width most long lines share, if at least a third of them do (a hard-wrapped text)."""
    lengths = [_visual_width(line.rstrip(" \u3000")) for line in lines if len(line.strip()) >= 15]
    if len(lengths) < 6:
        return None
    width = max(set(lengths), key=lambda n: sum(1 for length in lengths if abs(length - n) <= 3))
    share = sum(1 for length in lengths if abs(length - width) <= 3) / len(lengths)
    return width if share >= 1 / 3 else None


def _spaces_in_codes(folded: str) -> list[tuple[int, int]]:
    """The spaces of ``P M 2 . 5`` or ``V O Cs``: letters and digits spaced one by one, as PDF copies have them."""
    spans = []
    for match in _SPACED_CODE.finditer(folded):
        for space in re.finditer(r"[ \u3000]+", match.group(0)):
            spans.append((match.start() + space.start(), match.start() + space.end()))
    return spans


def _insert_breaks(text: str, starts: list[int], origins: list[int]) -> tuple[str, list[int], list[int], list[int]]:
    positions = sorted({marker.start for marker in chained(find_markers(text))}
                       | {found.start("at") for rule in _STRUCTURE_BREAKS for found in rule.finditer(text)
                          if not _inside_brackets(text, found.start("at"))})
    positions = [p for p in positions if 0 < p < len(text) and text[p - 1] != "\n"]
    if not positions:
        return text, starts, origins, []
    at = _Mapper(starts, origins)
    insert_at = set(positions)
    new_starts, new_origins, inserted, shift = [], [], [], 0
    for old in sorted(set(starts) | insert_at):
        if old in insert_at:
            inserted.append(old + shift)
            new_starts.append(old + shift)
            new_origins.append(at(old))
            shift += 1
        new_starts.append(old + shift)
        new_origins.append(at(old))
    pieces, previous = [], 0
    for position in positions:
        pieces += [text[previous:position], "\n"]
        previous = position
    pieces.append(text[previous:])
    return "".join(pieces), new_starts, new_origins, inserted


def _inside_brackets(text: str, position: int) -> bool:
    """Whether ``position`` lies inside an open （…） of its line: （牵头单位：A；配合单位：B） stays one clause."""
    line = text[text.rfind("\n", 0, position) + 1:position]
    return line.count("（") + line.count("(") > line.count("）") + line.count(")")


class _Mapper:
    def __init__(self, starts: list[int], origins: list[int]) -> None:
        self.starts, self.origins = starts, origins

    def __call__(self, index: int) -> int:
        piece = bisect_right(self.starts, index) - 1
        return self.origins[piece] + index - self.starts[piece]
