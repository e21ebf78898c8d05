"""Rewrites of a plan's text that must give the same facts: the metamorphic robustness suite's text variants.

Real copies of a plan differ from the clean text of its golden annotation in ways that do not change a single
fact: a mirror site reposts it in traditional characters, a web page or a PDF copy loses its line breaks, a page
number is left between two items, digits are full-width or spaced apart. Each function here makes one such
rewrite of a text and says where every character of the text went (:class:`TextVariant`), so that a test or
``airkg evaluate --variants`` can extract the variant and score it against the golden annotation of its base.

=================== =============================================================================================
``traditional``     simplified → traditional, one character for one (OpenCC ``s2t`` per character); a character
                    whose conversion would not fold back to itself (``着`` → ``著``) is kept, so that names still
                    compare equal after :func:`kg.extract.normalising.fold`
``simplified``      traditional → simplified, one character for one (for a base written in traditional characters)
``flattened``       every line break removed (a space where two ASCII letters or digits would meet)
``inline_numbering`` the line breaks before numbered headings removed: ``…专项整治。1、组织摸底排查。``
``page_noise``      a page number (``— 3 —``, ``- 4 -``, ``第 5 页 共 9 页``) after a line end every ~1,500
                    characters (half the text for a shorter one); glued to the next line when that one opens with a heading (``— 3 —21、…``) on odd
                    pages, on a line of its own otherwise
``indented``        every paragraph not indented yet opened by two ideographic spaces (``\u3000\u3000一、``); a paragraph
                    starts after a blank line, a heading, a short line or a sentence end, so the continuation lines
                    of a hard-wrapped base are not indented
``double_spaced``   a blank line before every paragraph (as ``indented`` finds them)
``hard_wrapped``    every line of text broken every 70 columns (35 ideographs), inside words and numbers too
                    (``…（市交通运输局牵`` / ``头，…）``), as the text layer of a PDF has it
``fullwidth``       ASCII digits and letters → full-width (``２０２５``, ``ＰＭ２.５``)
``halfwidth``       full-width forms → ASCII (``（一）`` → ``(一)``, ``1．`` → ``1.``, ideographic space → space),
                    except the sentence punctuation ``，：；！？`` that a Chinese text keeps full-width
``ascii_punctuation`` every full-width form → ASCII, ``，：；！？`` included (``牵头单位:``, ``A牵头,B配合``)
``spaced_digits``   a space between a number and a Chinese character beside it, as PDF copies have them
                    (``2025 年底前``, ``较 2020 年下降``, ``10 月底前``)
``arabic_comma``    heading numbers ``1．`` / ``1.`` written ``1、`` (when the text has no ``1、`` headings)
``label_synonyms``  role labels swapped for their synonyms: 牵头单位 ↔ 牵头部门, 责任单位 ↔ 责任部门,
                    配合单位 ↔ 协办单位 (the golden conventions read each pair the same)
``wrapped_table``   in a TAB-separated table, every cell longer than 20 characters wrapped onto continuation lines
                    (``\\t…rest of the cell``: empty leading cells, then the rest), cut after ``、，。；`` where one
                    falls in the second half of the line, else at 20 characters
``combined``        ``traditional``, ``page_noise``, ``spaced_digits`` and ``flattened``, in this order (page numbers
                    end up inside the text: ``…。— 3 —21、…``), as a repost of a PDF copy has them
``pdf_text_copy``   ``hard_wrapped``, ``page_noise`` and ``spaced_digits``: page numbers between the broken lines
                    of a paragraph, as the text layer of a PDF has them
=================== =============================================================================================

A variant that would not change a text does not apply to it (:func:`text_variants` leaves it out).

>>> variant = make_variant("spaced_digits", "一、2025年底前完成。")
>>> variant.text
'一、2025 年底前完成。'
>>> start, end = variant.span(2, 9); variant.text[start:end]
'2025 年底前'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

#: Character → where it came from in the base text (None for an inserted character).
Pairs = list[tuple[str, int | None]]

PAGE_EVERY = 1500
WRAP_WIDTH = 20
WRAP_COLUMNS = 70

_ZH_NUMERAL = "[一二三四五六七八九十百]{1,4}"
#: A numbered heading at the start of a line (after an indent): 一、 （一） (一) 1. 1． 1、 （1） ① 第X章 第X条.
HEADING = re.compile(
    rf"[ \u3000]*(?:{_ZH_NUMERAL}、|[（(]{_ZH_NUMERAL}[）)]|\d{{1,3}}[、．.](?![\d.．])|[（(]\d{{1,3}}[）)]"
    rf"|[①-⑳]|第{_ZH_NUMERAL}[章条])"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SENTENCE_PUNCTUATION = frozenset("，：；！？")
_WRAP_AFTER = frozenset("、，。；")
_SENTENCE_END = frozenset("。！？；：）)」』”〕】")
#: Punctuation a typesetter never puts at the start of a line (it stays at the end of the line before).
_NO_LINE_START = frozenset("，。、；：？！）〕】」』”’%％")


@dataclass(frozen=True)
class TextVariant:
    """A rewrite of a base text, with the variant offset of every base character.

    ``offsets[i]`` is where base character ``i`` went (for a deleted character: where it would stand);
    ``offsets[len(base)]`` is ``len(text)``. ``kept[i]`` says whether base character ``i`` is still there
    (possibly converted, as 发 → 發).
    """

    name: str
    base: str
    text: str
    offsets: tuple[int, ...]
    kept: tuple[bool, ...]

    def offset(self, index: int) -> int:
        """The variant offset of base offset ``index``."""
        return self.offsets[index]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The variant ``(start, end)`` covering what base ``text[start:end]`` became (inserted noise inside
        it included; for ``wrapped_table`` a cell's wrapped rest lies further on, and the span covers it)."""
        places = [self.offsets[index] for index in range(start, end) if self.kept[index]]
        if not places:
            return self.offsets[start], self.offsets[start]
        return min(places), max(places) + 1

    @classmethod
    def from_pairs(cls, name: str, base: str, pairs: Pairs) -> TextVariant:
        text = "".join(char for char, _ in pairs)
        placed: list[int | None] = [None] * (len(base) + 1)
        for position, (_, origin) in enumerate(pairs):
            if origin is not None:
                placed[origin] = position
        placed[len(base)] = len(text)
        kept = tuple(position is not None for position in placed[:-1])
        offsets = [0] * (len(base) + 1)
        following = len(text)
        for index in range(len(base), -1, -1):  # a deleted character stands where the next kept one is
            if placed[index] is not None:
                following = placed[index]
            offsets[index] = following
        return cls(name=name, base=base, text=text, offsets=tuple(offsets), kept=kept)


def _identity(base: str) -> Pairs:
    return [(char, index) for index, char in enumerate(base)]


def _lines(base: str) -> Iterable[tuple[int, str]]:
    """(offset, line) of every line, without its line break."""
    offset = 0
    for line in base.split("\n"):
        yield offset, line
        offset += len(line) + 1


# --------------------------------------------------------------------------- character for character


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


@cache
def _fold():
    try:
        from kg.extract.normalising import fold
    except ImportError:  # the normalising stage is not there (yet): every conversion is taken
        return None
    return fold


@cache
def traditional_char(char: str) -> str:
    """``char`` in traditional characters, when that is one character that folds back to ``char``."""
    if not ("\u3400" <= char <= "\u9fff"):
        return char
    converted = _s2t().convert(char)
    fold = _fold()
    if len(converted) != 1 or (fold is not None and fold(converted) != char):
        return char
    return converted


def traditional(base: str) -> Pairs:
    return [(traditional_char(char), index) for index, char in enumerate(base)]


def fullwidth(base: str) -> Pairs:
    return [(chr(ord(char) + 0xFEE0) if char.isascii() and char.isalnum() else char, index)
            for index, char in enumerate(base)]


def _half(char: str) -> str:
    if char == "\u3000":
        return " "
    if "\uff01" <= char <= "\uff5e" and char not in _SENTENCE_PUNCTUATION:
        return chr(ord(char) - 0xFEE0)
    return char


def halfwidth(base: str) -> Pairs:
    return [(_half(char), index) for index, char in enumerate(base)]


# --------------------------------------------------------------------------- line breaks


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def flattened(base: str) -> Pairs:
    pairs: Pairs = []
    index = 0
    while index < len(base):
        if base[index] != "\n":
            pairs.append((base[index], index))
            index += 1
            continue
        run_end = index
        while run_end < len(base) and base[run_end] == "\n":
            run_end += 1
        if pairs and run_end < len(base) and _ascii_word(pairs[-1][0]) and _ascii_word(base[run_end]):
            pairs.append((" ", index))
        index = run_end
    return pairs


def inline_numbering(base: str) -> Pairs:
    """The line breaks (and blank lines) before a numbered heading removed, when the text before it is no
    table row; the heading then follows the previous sentence on its line."""
    joined: set[int] = set()  # offsets of line breaks to delete
    previous_break: list[int] = []  # breaks since the last non-blank line
    previous_line: str | None = None
    for offset, line in _lines(base):
        if not line.strip():
            if offset > 0:
                previous_break.append(offset - 1)
            # a blank line's characters (spaces) go with the breaks
            continue
        if (previous_line is not None and "\t" not in line and "\t" not in previous_line
                and HEADING.match(line)):
            joined.update(previous_break)
            joined.add(offset - 1)
        previous_break = []
        previous_line = line
    blank_spaces = _blank_line_spaces(base, joined)
    return [(char, index) for index, char in enumerate(base) if index not in joined and index not in blank_spaces]


def _blank_line_spaces(base: str, breaks: set[int]) -> set[int]:
    """The spaces of whitespace-only lines lying between two deleted line breaks."""
    spaces: set[int] = set()
    for offset, line in _lines(base):
        if line and not line.strip() and offset - 1 in breaks and offset + len(line) in breaks:
            spaces.update(range(offset, offset + len(line)))
    return spaces


def page_noise(base: str) -> Pairs:
    lines = list(_lines(base))
    insert_before: dict[int, str] = {}  # base offset of a line's first character → noise inserted there
    since, page = 0, 0
    every = max(200, min(PAGE_EVERY, len(base) // 2))  # a short plan gets a page number too
    pages_total = max(2, len(base) // every + 1)
    for number, (offset, line) in enumerate(lines):
        since += len(line) + 1
        if since < every or number + 1 >= len(lines) or not lines[number + 1][1].strip():
            continue
        page += 1
        next_offset, next_line = lines[number + 1]
        noise = _page_number(page, pages_total)
        glued = page % 2 == 1 and "\t" not in next_line and HEADING.match(next_line) is not None
        insert_before[next_offset] = noise if glued else noise + "\n"
        since = 0
    pairs: Pairs = []
    for index, char in enumerate(base):
        if index in insert_before:
            pairs.extend((noise_char, None) for noise_char in insert_before[index])
        pairs.append((char, index))
    return pairs


def _page_number(page: int, total: int) -> str:
    forms = ("— {page} —", "- {page} -", "第 {page} 页 共 {total} 页")
    return forms[(page - 1) % len(forms)].format(page=page, total=max(total, page))


def _paragraph_starts(base: str) -> set[int]:
    """Offsets of the lines of text (not table rows) that open a paragraph: the first, a heading, a line after a
    blank line, a sentence end or a short line (a title, a label line); not the continuation lines of a paragraph
    a PDF copy broke."""
    starts, before = set(), ""
    for offset, line in _lines(base):
        if line.strip() and "\t" not in line and (
                not before.strip() or HEADING.match(line) or before.rstrip()[-1] in _SENTENCE_END
                or (len(before.strip()) < 20 and not before[-1].isdigit() and not before[-1].isspace())):
            starts.add(offset)
        before = line
    return starts


def indented(base: str) -> Pairs:
    """Every paragraph not indented yet opened by two ideographic spaces, as Word and web copies indent them."""
    starts = {offset for offset in _paragraph_starts(base) if not base[offset].isspace()}
    pairs: Pairs = []
    for index, char in enumerate(base):
        if index in starts:
            pairs += [("\u3000", None), ("\u3000", None)]
        pairs.append((char, index))
    return pairs


def double_spaced(base: str) -> Pairs:
    """A blank line before every paragraph, as web pages have them (not between table rows)."""
    doubled = {offset - 1 for offset in _paragraph_starts(base) if offset >= 2 and base[offset - 2] != "\n"}
    pairs: Pairs = []
    for index, char in enumerate(base):
        pairs.append((char, index))
        if index in doubled:
            pairs.append(("\n", None))
    return pairs


def hard_wrapped(base: str) -> Pairs:
    """Every line of text (not a table row) broken every ``WRAP_COLUMNS`` columns (an ideograph is two, an ASCII
    character one), wherever that falls, inside words and numbers too, as a PDF's text layer has them; closing
    punctuation stays at the end of a line, as a typesetter keeps it."""
    pairs: Pairs = []
    for offset, line in _lines(base):
        if offset > 0:
            pairs.append(("\n", offset - 1))
        column = 0
        for position, char in enumerate(line):
            width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if "\t" not in line and column + width > WRAP_COLUMNS and char not in _NO_LINE_START:
                pairs.append(("\n", None))
                column = 0
            pairs.append((char, offset + position))
            column += width
    return pairs


# --------------------------------------------------------------------------- words and marks that say the same


def ascii_punctuation(base: str) -> Pairs:
    """Every full-width form → ASCII, sentence punctuation included (``牵头单位:``, ``A牵头,B配合``), as a text
    typed with a Western keyboard layout has it."""
    return [(" " if char == "\u3000" else chr(ord(char) - 0xFEE0) if "\uff01" <= char <= "\uff5e" else char, index)
            for index, char in enumerate(base)]


def arabic_comma(base: str) -> Pairs:
    """Heading numbers ``1．`` / ``1.`` written ``1、`` (when the text has no ``1、`` headings of its own)."""
    marks = [match for match in _ARABIC_HEADING.finditer(base)]
    if any(match.group(2) == "、" for match in marks):
        return _identity(base)
    dots = {match.start(2) for match in marks}
    return [("、" if index in dots else char, index) for index, char in enumerate(base)]


def label_synonyms(base: str) -> Pairs:
    """Role labels (at a line's or a cell's start, before a colon or the cell's end) swapped for the synonyms the
    golden conventions read the same: 牵头单位 ↔ 牵头部门, 责任单位 ↔ 责任部门, 配合单位 ↔ 协办单位 (one character
    for one). A name holding such a word (各牵头单位) is left alone."""
    pairs = _identity(base)
    for match in _LABEL.finditer(base):
        for position, char in enumerate(_LABEL_SWAP[match.group()]):
            pairs[match.start() + position] = (char, match.start() + position)
    return pairs


_ARABIC_HEADING = re.compile(r"(?m)^([ \u3000]*\d{1,3})([、．.])(?![\d.．])")
_LABEL_SWAP = {"牵头单位": "牵头部门", "牵头部门": "牵头单位", "责任单位": "责任部门", "责任部门": "责任单位",
               "配合单位": "协办单位", "协办单位": "配合单位"}
#: A label opening a line or a table cell and followed by a colon or the cell's end, not inside a name (各牵头单位).
_LABEL = re.compile(rf"(?<![^\n\t \u3000])(?:{'|'.join(_LABEL_SWAP)})(?=[：:\t\n]|$)")


# --------------------------------------------------------------------------- digits


def _cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def spaced_digits(base: str) -> Pairs:
    space_before: set[int] = set()
    for match in _NUMBER.finditer(base):
        start, end = match.span()
        if start > 0 and _cjk(base[start - 1]):
            space_before.add(start)
        if end < len(base) and _cjk(base[end]):
            space_before.add(end)
    pairs: Pairs = []
    for index, char in enumerate(base):
        if index in space_before:
            pairs.append((" ", None))
        pairs.append((char, index))
    return pairs


# --------------------------------------------------------------------------- tables


def wrapped_table(base: str) -> Pairs:
    pairs: Pairs = []
    for offset, line in _lines(base):
        if offset > 0:
            pairs.append(("\n", offset - 1))
        cells, start = [], offset
        for cell in line.split("\t"):
            cells.append([(char, start + position) for position, char in enumerate(cell)])
            start += len(cell) + 1
        if "\t" not in line or not any(len(cell) > WRAP_WIDTH for cell in cells):
            pairs.extend((char, offset + position) for position, char in enumerate(line))
            continue
        wrapped = [_wrap(cell) for cell in cells]
        tabs = [offset + position for position, char in enumerate(line) if char == "\t"]
        for row in range(max(len(chunks) for chunks in wrapped)):
            row_cells = [chunks[row] if row < len(chunks) else [] for chunks in wrapped]
            while row and len(row_cells) > 1 and not row_cells[-1]:
                row_cells.pop()
            if row:
                pairs.append(("\n", None))
            for column, cell in enumerate(row_cells):
                if column:
                    pairs.append(("\t", tabs[column - 1] if row == 0 else None))
                pairs.extend(cell)
    return pairs


def _wrap(cell: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    chunks = []
    while len(cell) > WRAP_WIDTH:
        cut = WRAP_WIDTH
        for position in range(WRAP_WIDTH, WRAP_WIDTH // 2, -1):
            if cell[position - 1][0] in _WRAP_AFTER:
                cut = position
                break
        chunks.append(cell[:cut])
        cell = cell[cut:]
    chunks.append(cell)
    return chunks


# --------------------------------------------------------------------------- several at once


def simplified(base: str) -> Pairs:
    """Traditional → simplified, one character for one (:func:`kg.extract.normalising.fold` on ideographs)."""
    fold = _fold()
    if fold is None:
        return _identity(base)
    return [(fold(char) if _cjk(char) else char, index) for index, char in enumerate(base)]


def _composed(*steps: Callable[[str], Pairs]) -> Callable[[str], Pairs]:
    """The rewrites ``steps`` one after the other, each on the text the one before made."""

    def rewrite(base: str) -> Pairs:
        text, origin = base, list(range(len(base)))  # origin[i]: the base offset of text[i] (or None)
        for step in steps:
            pairs = step(text)
            origin = [origin[at] if at is not None else None for _, at in pairs]
            text = "".join(char for char, _ in pairs)
        return list(zip(text, origin))

    rewrite.__doc__ = " then ".join(step.__name__ for step in steps)
    return rewrite


# --------------------------------------------------------------------------- all of them

TEXT_VARIANTS: dict[str, Callable[[str], Pairs]] = {
    "traditional": traditional,
    "simplified": simplified,
    "flattened": flattened,
    "inline_numbering": inline_numbering,
    "page_noise": page_noise,
    "indented": indented,
    "double_spaced": double_spaced,
    "hard_wrapped": hard_wrapped,
    "fullwidth": fullwidth,
    "halfwidth": halfwidth,
    "ascii_punctuation": ascii_punctuation,
    "spaced_digits": spaced_digits,
    "arabic_comma": arabic_comma,
    "label_synonyms": label_synonyms,
    "wrapped_table": wrapped_table,
    # a repost of a PDF copy on a mirror site: all of these at once, page numbers ending up inside the text
    "combined": _composed(traditional, page_noise, spaced_digits, flattened),
    # the text layer of a PDF: lines broken at the page width, page numbers between them (inside paragraphs)
    "pdf_text_copy": _composed(hard_wrapped, page_noise, spaced_digits),
}


def make_variant(name: str, base: str) -> TextVariant:
    """The variant ``name`` of ``base`` (one of :data:`TEXT_VARIANTS`)."""
    return TextVariant.from_pairs(name, base, TEXT_VARIANTS[name](base))


def text_variants(base: str) -> list[TextVariant]:
    """Every variant of :data:`TEXT_VARIANTS` that changes ``base``, in that order."""
    made = (make_variant(name, base) for name in TEXT_VARIANTS)
    return [variant for variant in made if variant.text != base]
