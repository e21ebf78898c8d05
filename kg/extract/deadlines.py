"""Deadlines: time expressions in a measure, normalised to dates with a kind.

Kinds: ``by`` (…前: last day of the named month or year), ``from`` (…起), ``during`` (a span: its
first day, with its last day as ``end``), ``recurring`` (每年…: the first occurrence in the plan's
year), ``ongoing`` (长期坚持: no date). Words without a year resolve against the year named earlier in
the same sentence, else the plan's year.

>>> [(d.text, str(d.date), d.kind.value) for d in find_deadlines("9月底前完成；2023年3月起实施。", 2023)]
[('9月底前', '2023-09-30', 'by'), ('2023年3月起', '2023-03-01', 'from')]
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from kg.models import Deadline, DeadlineKind, Span

HEATING_SEASON_START = (11, 15)
_DASH = r"[—–\-－~～至到]"
_Y = r"(?P<year>\d{4})年"
_BEFORE = r"(?:前|之前|以前)"
# Spans where a year is a title or a document number, not a deadline.
_MASKED = re.compile(r"《[^《》]*》|〔\d{4}〕|\[\d{4}\]")
_SENTENCE_ENDS = "。；;！？\n"
_YEAR_WORD = re.compile(r"(?<!\d)(\d{4})年(?!前移)")


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str], int], tuple[DeadlineKind, dt.date | None, dt.date | None, str | None]]
    hint: re.Pattern[str] | None = None
    """Something every match contains, opening with a plain character so that ``re`` finds it fast; a text
    without it is not searched. Patterns opening with an optional part are tried at every position."""


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year(match: re.Match[str], default: int) -> int:
    value = match.groupdict().get("year")
    return int(value) if value else default


def _recurring_by(m: re.Match[str], year: int):
    return DeadlineKind.recurring, _last_day(year, int(m["month"])), None, None


def _recurring_span(m: re.Match[str], year: int):
    start, end = int(m["m1"]), int(m["m2"])
    end_year = year + 1 if m["next"] or end < start else year
    return DeadlineKind.recurring, dt.date(year, start, 1), _last_day(end_year, end), None


def _recurring_day_span(m: re.Match[str], year: int):
    start_month, end_month = int(m["m1"]), int(m["m2"] or m["m1"])
    end_year = year + 1 if m["next"] or end_month < start_month else year
    return (DeadlineKind.recurring, dt.date(year, start_month, int(m["d1"])),
            dt.date(end_year, end_month, int(m["d2"])), None)


def _day_span(m: re.Match[str], year: int):
    y = _year(m, year)
    start_month, end_month = int(m["m1"]), int(m["m2"] or m["m1"])
    return DeadlineKind.during, dt.date(y, start_month, int(m["d1"])), dt.date(y, end_month, int(m["d2"])), None


def _month_span(m: re.Match[str], year: int):
    y = _year(m, year)
    return DeadlineKind.during, dt.date(y, int(m["m1"]), 1), _last_day(y, int(m["m2"])), None


def _year_span(m: re.Match[str], _: int):
    return DeadlineKind.during, dt.date(int(m["y1"]), 1, 1), dt.date(int(m["y2"]), 12, 31), None


_FIVE_YEAR_PLANS = {"十三五": 2016, "十四五": 2021, "十五五": 2026, "十六五": 2031}


def _five_year_plan(m: re.Match[str], _: int):
    start = _FIVE_YEAR_PLANS[m["plan"]]
    return DeadlineKind.during, dt.date(start, 1, 1), dt.date(start + 4, 12, 31), None


def _day_by(m: re.Match[str], year: int):
    return DeadlineKind.by, dt.date(_year(m, year), int(m["month"]), int(m["day"])), None, None


def _month_by(m: re.Match[str], year: int):
    return DeadlineKind.by, _last_day(_year(m, year), int(m["month"])), None, None


def _year_by(m: re.Match[str], year: int):
    return DeadlineKind.by, dt.date(_year(m, year), 12, 31), None, None


def _day_from(m: re.Match[str], year: int):
    return DeadlineKind.from_, dt.date(_year(m, year), int(m["month"]), int(m.groupdict().get("day") or 1)), None, None


def _year_from(m: re.Match[str], _: int):
    return DeadlineKind.from_, dt.date(int(m["year"]), 1, 1), None, None


def _quarter_by(m: re.Match[str], year: int):
    quarter = "一二三四".find(m["q"]) + 1 if m["q"] in "一二三四" else int(m["q"])
    return DeadlineKind.by, _last_day(_year(m, year), quarter * 3), None, None


def _half_year(m: re.Match[str], year: int):
    y = _year(m, year)
    if m["half"] == "上":
        return DeadlineKind.by, dt.date(y, 6, 30), None, None
    return DeadlineKind.during, dt.date(y, 7, 1), dt.date(y, 12, 31), None


def _heating_season(m: re.Match[str], year: int):
    month, day = HEATING_SEASON_START
    return DeadlineKind.by, dt.date(_year(m, year), month, day), None, "采暖季 taken to start on 15 November"


def _ongoing(_: re.Match[str], __: int):
    return DeadlineKind.ongoing, None, None, None


# Longest, most specific first; a position taken by one rule is not matched again.
_AFTER_LABEL = r"(?:(?<=完成时限[：:])|(?<=完成时间[：:])|(?<=时间节点[：:])|(?<=完成期限[：:]))[ \u3000]*"
_RULES: list[_Rule] = [
    # 完成时限：2024年12月 — a month after a label that says it is the time limit is due by its end
    _Rule(re.compile(rf"{_AFTER_LABEL}(?:{_Y})?(?P<month>\d{{1,2}})月(?![\d底末份])"), _month_by,
          re.compile("(?:时限|时间|节点|期限)[：:]")),
    _Rule(re.compile(rf"每年(?P<m1>\d{{1,2}})月(?P<d1>\d{{1,2}})日{_DASH}(?P<next>次年)?(?:(?P<m2>\d{{1,2}})月)?"
                     rf"(?P<d2>\d{{1,2}})日"), _recurring_day_span, re.compile(rf"日{_DASH}")),
    _Rule(re.compile(rf"(?:{_Y})?(?P<m1>\d{{1,2}})月(?P<d1>\d{{1,2}})日{_DASH}(?:(?P<m2>\d{{1,2}})月)?(?P<d2>\d{{1,2}})日"),
          _day_span, re.compile(rf"日{_DASH}")),
    _Rule(re.compile(rf"每年(?P<m1>\d{{1,2}})月?{_DASH}(?P<next>次年)?(?P<m2>\d{{1,2}})月(?:份)?"), _recurring_span),
    _Rule(re.compile(rf"每年(?P<month>\d{{1,2}})月(?:底|末)?{_BEFORE}"), _recurring_by),
    _Rule(re.compile(rf"(?P<y1>\d{{4}})\s*{_DASH}\s*(?P<y2>\d{{4}})年"), _year_span,
          re.compile(rf"{_DASH}\s*\d{{4}}年")),
    _Rule(re.compile(r"[“\"]?(?P<plan>十[三四五六]五)[”\"]?(?:期间|时期)"), _five_year_plan, re.compile("十[三四五六]五")),
    _Rule(re.compile(rf"(?:{_Y})?(?P<m1>\d{{1,2}})月?{_DASH}(?P<m2>\d{{1,2}})月(?:份)?"), _month_span,
          re.compile(rf"{_DASH}\d{{1,2}}月")),
    _Rule(re.compile(rf"(?:自|从)?(?:{_Y})?(?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})日(?:起|开始)"), _day_from,
          re.compile("日(?:起|开始)")),
    _Rule(re.compile(rf"(?:{_Y})?(?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})日{_BEFORE}"), _day_by, re.compile(f"日{_BEFORE}")),
    _Rule(re.compile(rf"(?:{_Y})?(?P<month>\d{{1,2}})月(?:底|末)(?:{_BEFORE})?"), _month_by, re.compile("月[底末]")),
    _Rule(re.compile(rf"(?:自|从)?{_Y}(?P<month>\d{{1,2}})月(?:份)?(?:起|开始)"), _day_from,
          re.compile("月(?:份)?(?:起|开始)")),
    _Rule(re.compile(rf"(?:自|从)?(?P<month>\d{{1,2}})月(?:份)?起"), _day_from, re.compile("月(?:份)?起")),
    _Rule(re.compile(rf"(?:{_Y})?采暖季{_BEFORE}"), _heating_season, re.compile(f"采暖季{_BEFORE}")),
    _Rule(re.compile(rf"(?:{_Y})?第(?P<q>[一二三四1-4])季度(?:末|底)?(?:{_BEFORE})?"), _quarter_by,
          re.compile("第[一二三四1-4]季度")),
    _Rule(re.compile(rf"(?:{_Y})?(?P<half>[上下])半年(?:{_BEFORE})?"), _half_year, re.compile("[上下]半年")),
    _Rule(re.compile(rf"{_Y}(?:年底|底|末)(?:{_BEFORE})?"), _year_by, re.compile("年(?:年底|底|末)")),
    _Rule(re.compile(rf"(?<![\d年])(?:年底|年末){_BEFORE}"), _year_by, re.compile(f"年[底末]{_BEFORE}")),
    _Rule(re.compile(rf"(?:到|至)(?P<year>\d{{4}})年(?![\d月度])"), _year_by),
    _Rule(re.compile(rf"{_Y}{_BEFORE}(?!移)"), _year_by, re.compile(f"年{_BEFORE}")),
    _Rule(re.compile(rf"(?:自|从)?{_Y}(?:起|开始)"), _year_from, re.compile("年(?:起|开始)")),
    _Rule(re.compile(r"(?<![较比到至\d])(?P<year>\d{4})年(?=(?:要|将|力争|全面|基本)?(?:达到|实现|完成|建成))"), _year_by,
          re.compile("年(?:要|将|力争|全面|基本)?(?:达到|实现|完成|建成)")),
    _Rule(re.compile(r"长期坚持"), _ongoing),
]


_ABSOLUTE = (_ongoing, _year_span, _five_year_plan)
_ANY_LEAP_YEAR = 2000


def find_deadlines(text: str, plan_year: int | None, offset: int = 0) -> list[Deadline]:
    """Deadlines in ``text`` (a measure), in order; ``offset`` is where ``text`` starts in the document."""
    taken = _masked_positions(text)
    found: list[tuple[int, int, _Rule, re.Match[str]]] = []
    for rule in _RULES:
        if rule.hint is not None and rule.hint.search(text) is None:
            continue
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if taken.find(1, start, end) >= 0:
                continue
            found.append((start, end, rule, match))
            taken[start:end] = b"\x01" * (end - start)
    deadlines = []
    for start, end, rule, match in sorted(found, key=lambda item: item[0]):
        deadline = _build(text, start, end, rule, match, plan_year, offset)
        if deadline is not None:
            deadlines.append(deadline)
    return deadlines


def _masked_positions(text: str) -> bytearray:
    """1 at each position inside a title or document number, 0 elsewhere."""
    taken = bytearray(len(text))
    for mask in _MASKED.finditer(text):
        taken[mask.start():mask.end()] = b"\x01" * (mask.end() - mask.start())
    return taken


def _build(text: str, start: int, end: int, rule: _Rule, match: re.Match[str],
           plan_year: int | None, offset: int) -> Deadline | None:
    year = _year_in_sentence(text, start) or plan_year
    unresolved = year is None and not match.groupdict().get("year") and rule.build not in _ABSOLUTE
    try:
        kind, date, end_date, note = rule.build(match, year or _ANY_LEAP_YEAR)
    except ValueError:  # 2月30日, 13月: not a date
        return None
    if unresolved:  # 9月底前 in a plan that names no year: the words are kept, the date is not guessed
        date, end_date, note = None, None, "no year: the plan names none, so the date is left unresolved"
    span = Span(start=offset + start, end=offset + end, text=text[start:end])
    return Deadline(date=date, end=end_date, kind=kind, text=span.text, note=note, span=span)


def _year_in_sentence(text: str, position: int) -> int | None:
    """The last year named before ``position`` in the same sentence, outside titles."""
    sentence_start = max(text.rfind(end, 0, position) for end in _SENTENCE_ENDS) + 1
    if "年" not in text[sentence_start:position]:
        return None
    clean = _MASKED.sub(lambda m: "#" * len(m.group(0)), text[sentence_start:position])
    years = _YEAR_WORD.findall(clean)
    years = [y for y in years if f"比{y}年" not in clean and f"较{y}年" not in clean]
    return int(years[-1]) if years else None
