"""A plan's period and its status on a date.

The period: its first year is the title's period (``2018—2020年``), else the plan's year, else its issue year; its
last year is the title's period end, else the latest year the plan's targets are set for (``到2025年`` before the
first measure: the preamble and the target sections), else its first year. Each end carries the words it was
read from.

Status on ``as_of``: ``not_yet_issued`` (issued after it), ``superseded`` (a later plan of the same issuer and
scope, see :func:`successor_of`, was issued by then), ``expired`` (its last year is over), else ``in_force``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg.relations.features import MeasureInfo, PlanInfo

STATUSES = ("in_force", "superseded", "expired", "not_yet_issued")
_TARGET_YEAR = re.compile(r"(?:到|至|力争到|确保到)\s*(20\d\d)\s*年")
_YEAR_WORDS = re.compile(r"20\d\d|19\d\d|[一二三四五六七八九十〇零]{4}|\d+|年度?|[（）()—\-–~至]|“|”|\s")


@dataclass(frozen=True)
class Period:
    start: int | None
    end: int | None
    end_words: str | None = None
    """The words the end was read from when it is not the title's period (``到2025年``)."""
    end_offset: int | None = None


def period_of(plan: PlanInfo, text: str | None, measures: Sequence[MeasureInfo]) -> Period:
    start = plan.period_start or plan.year or (plan.issued.year if plan.issued else None)
    if plan.period_end:
        return Period(start, plan.period_end)
    if text:
        first = min((m.start for m in measures if m.start is not None), default=len(text))
        years = [(int(m.group(1)), m) for m in _TARGET_YEAR.finditer(text, 0, first)]
        years = [(year, m) for year, m in years if start is None or year >= start]
        if years:
            year, match = max(years, key=lambda item: (item[0], -item[1].start()))
            return Period(start, year, match.group(), match.start())
    return Period(start, start)


def scope_key(title: str) -> str:
    """A title without its places, years and punctuation: what a plan is about, to tell a successor."""
    from kg.regions import gazetteer

    found = sorted(gazetteer().find(title), key=lambda m: m.start, reverse=True)
    text = title
    for match in found:
        text = text[:match.start] + text[match.end:]
    return _YEAR_WORDS.sub("", text)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def scope_similarity(a: str, b: str) -> float:
    x, y = _bigrams(scope_key(a)), _bigrams(scope_key(b))
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


SAME_SCOPE = 0.5


def later(a: PlanInfo, b: PlanInfo) -> bool:
    """Was ``a`` issued after ``b``? By issue dates when both are known, else by years (the same year: unknown,
    so not later)."""
    if a.issued and b.issued:
        return a.issued > b.issued
    ya, yb = a.year or a.start_year, b.year or b.start_year
    return ya is not None and yb is not None and ya > yb


def same_issuer(a: PlanInfo, b: PlanInfo) -> bool:
    return a.region is not None and a.region == b.region and a.level == b.level


def predecessors(plan: PlanInfo, plans: Iterable[PlanInfo]) -> list[PlanInfo]:
    """The earlier plans of the same issuer (region and level), latest first."""
    earlier = [p for p in plans if p.id != plan.id and same_issuer(p, plan) and later(plan, p)]
    return sorted(earlier, key=lambda p: (p.issued or dt.date(p.start_year or 1, 1, 1), p.id), reverse=True)


def superseded_plans(plan: PlanInfo, plans: Iterable[PlanInfo]) -> list[tuple[PlanInfo, float]]:
    """The earlier plans of the same issuer and scope that ``plan`` replaces, with the scope similarity."""
    out = []
    for earlier in predecessors(plan, plans):
        similarity = scope_similarity(plan.title, earlier.title)
        if similarity >= SAME_SCOPE:
            out.append((earlier, similarity))
    return out


def status_on(plan: PlanInfo, period: Period, successors: Iterable[PlanInfo], as_of: dt.date) -> str:
    """``plan``'s status on ``as_of``: see the module's text."""
    if plan.issued and plan.issued > as_of or (not plan.issued and period.start and period.start > as_of.year):
        return "not_yet_issued"
    for successor in successors:
        issued = successor.issued or (dt.date(successor.start_year, 1, 1) if successor.start_year else None)
        if issued and issued <= as_of:
            return "superseded"
    if period.end is not None and period.end < as_of.year:
        return "expired"
    return "in_force"
