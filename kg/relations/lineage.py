"""Measure lineage: for a measure of a plan, the measures of the higher-level plans of its region that it most
likely carries out.

Which plans are compared: only the plans of the region's ancestors (county or district → city → province) and
the national plans, issued no later than the plan (:meth:`PlanInfo.issued_no_later_than`). Which measures:
only pairs sharing a sector or pollutant code or a domain term (:func:`kg.relations.matching.candidates`).
So the work grows with the plans times the measures of their few ancestors, never with the square of the
store (``BENCHMARKS.md``, "Relations").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kg.regions import CHINA, gazetteer
from kg.relations.features import MeasureInfo, PlanInfo
from kg.relations.matching import (CHOSEN, THRESHOLDS, TOP_K, Match, PairScorer, Prepared, best_matches,
                                  best_tfidf_matches, candidates)


def ancestor_regions(region: str | None) -> list[str]:
    """The codes of the regions above ``region``, nearest first, China last (none for China itself)."""
    if not region or region == CHINA.code:
        return []
    try:
        return [r.code for r in gazetteer().ancestors(region)] + [CHINA.code]
    except KeyError:
        return [CHINA.code]


#: At most this many plans of one region above a plan are compared with it: those in force issued last.
MOST_IN_FORCE = 3


def higher_plans(plan: PlanInfo, plans: Iterable[PlanInfo]) -> list[PlanInfo]:
    """The plans ``plan``'s measures are compared with: for each of its region's ancestors, the plans issued no
    later than it that were in force when it was written (their period, else their year, covers its first year),
    or, when none was, the latest one issued before it; of several in force, the :data:`MOST_IN_FORCE` issued
    last. So a plan meets a handful of plans above it, whatever the number of plans and years the store holds
    (real issuers have one or two plans in force at a time; the generated corpus gives the nation and each
    province dozens, which without the cap made each plan's work grow with the store)."""
    above = set(ancestor_regions(plan.region))
    by_region: dict[str, list[PlanInfo]] = {}
    for other in plans:
        if other.id != plan.id and other.region in above and other.issued_no_later_than(plan):
            by_region.setdefault(other.region, []).append(other)  # type: ignore[arg-type]
    year = plan.start_year
    chosen = []
    for candidates in by_region.values():
        covering = [p for p in candidates if year is not None and p.start_year is not None
                    and p.start_year <= year <= (p.period_end or p.year or p.start_year)]
        if covering:
            chosen += sorted(covering, key=lambda p: (p.issued or _first_day(p), p.id), reverse=True)[:MOST_IN_FORCE]
        else:
            chosen.append(max(candidates, key=lambda p: (p.issued or _first_day(p), p.id)))
    return sorted(chosen, key=lambda p: p.id)


def _first_day(plan: PlanInfo):
    import datetime as dt

    return dt.date(plan.start_year or 1, 1, 1)


@dataclass(frozen=True)
class LineageLink:
    lower: MeasureInfo
    higher: MeasureInfo
    higher_plan: str
    match: Match


class PreparedCache:
    """Each plan's measures prepared once, whatever number of lower plans compare with them."""

    def __init__(self, measures: Mapping[str, Sequence[MeasureInfo]]) -> None:
        self.measures = measures
        self._prepared: dict[str, list[Prepared]] = {}

    def __getitem__(self, plan_id: str) -> list[Prepared]:
        if plan_id not in self._prepared:
            self._prepared[plan_id] = [Prepared.of(m) for m in self.measures.get(plan_id, ())]
        return self._prepared[plan_id]

    def forget(self, plan_id: str) -> None:
        self._prepared.pop(plan_id, None)


def lineage_between(lower: Sequence[Prepared], higher: Sequence[Prepared], method: str = CHOSEN,
                    threshold: float | None = None, top_k: int = TOP_K) -> list[Match]:
    """The links from the measures of one plan to those of one higher plan."""
    if not lower or not higher:
        return []
    scorer = PairScorer(lower, higher)
    threshold = THRESHOLDS[method] if threshold is None else threshold
    if method == "tfidf":
        return best_tfidf_matches(scorer, threshold, top_k)
    return best_matches(scorer, candidates(lower, higher), method, threshold, top_k)


#: At most this many counterparts per measure over all the plans above its plan, the best by score (each plan's
#: own rule first: :data:`~kg.relations.matching.TOP_K`, ``RELATIVE``). A plan has up to nine plans above it (three
#: per ancestor region, :data:`MOST_IN_FORCE`), so a measure had up to 27 links, most of them to the same few
#: words said again by every plan above. Chosen on the annotated links (``airkg evaluate``; BENCHMARKS.md).
MOST_PER_MEASURE = 3


def lineage_over(lower: Sequence[Prepared], highers: Sequence[tuple[str, Sequence[Prepared]]],
                 method: str = CHOSEN, threshold: float | None = None, top_k: int = TOP_K,
                 most: int | None = MOST_PER_MEASURE) -> list[tuple[str, Match]]:
    """The links from the measures of one plan to those of its higher plans ``highers`` (id and measures), each
    with the higher plan's id: :func:`lineage_between` for each plan, then per lower measure its ``most`` best
    over all of them (by score, then plan id and path; all of them when ``most`` is None)."""
    by_lower: dict[int, list[tuple[str, Match]]] = {}
    for plan_id, measures in highers:
        for match in lineage_between(lower, measures, method, threshold, top_k):
            by_lower.setdefault(id(match.lower), []).append((plan_id, match))
    kept = []
    for found in by_lower.values():
        found.sort(key=lambda item: (-item[1].score, item[0], item[1].higher.measure.path_key))
        kept += found[:most]
    return kept


def lineage_of(plan: PlanInfo, plans: Iterable[PlanInfo], prepared: PreparedCache, method: str = CHOSEN,
               threshold: float | None = None) -> list[LineageLink]:
    """Every link of ``plan``'s measures to the measures of its higher plans."""
    highers = [(other.id, prepared[other.id]) for other in higher_plans(plan, plans)]
    return [LineageLink(match.lower.measure, match.higher.measure, plan_id, match)
            for plan_id, match in lineage_over(prepared[plan.id], highers, method, threshold)]
