"""Each plan's status on a day, from the store: its period (``airkg:effectiveStart``/``effectiveEnd`` of its
relations graph) and the plans superseding it (``airkg:supersedes``), with :func:`kg.relations.status.status_on`;
and how many of its measures have a deadline of kind "by" passed on that day (overdue, as the saved query says:
passed, not known to be late)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import XSD, Literal

from kg.relations.features import PlanInfo, plan_id_of, read_plans
from kg.relations.status import STATUSES, Period, status_on
from kg.store import Store


@dataclass(frozen=True)
class PlanStatus:
    plan: PlanInfo
    status: str
    start: int | None
    end: int | None
    superseded_by: tuple[str, ...]
    overdue_measures: int


def plan_statuses(store: Store, as_of: dt.date, plan_ids: list[str] | None = None) -> dict[str, PlanStatus]:
    plans = read_plans(store, plan_ids)
    periods: dict[str, tuple[int | None, int | None]] = {}
    for row in store.query("""
        SELECT ?plan ?start ?end WHERE {
          ?plan a airkg:Plan . OPTIONAL { ?plan airkg:effectiveStart ?start } OPTIONAL { ?plan airkg:effectiveEnd ?end }
        }""").rows:
        periods[plan_id_of(row["plan"])] = (_year(row["start"]), _year(row["end"]))
    successors: dict[str, list[str]] = {}
    for row in store.query("SELECT ?new ?old WHERE { ?new airkg:supersedes ?old }").rows:
        successors.setdefault(plan_id_of(row["old"]), []).append(plan_id_of(row["new"]))
    overdue = {plan_id_of(row["plan"]): int(row["n"]) for row in store.query("""
        SELECT ?plan (COUNT(DISTINCT ?m) AS ?n) WHERE {
          ?m airkg:partOfPlan ?plan ; airkg:hasDeadline ?d .
          ?d airkg:deadlineKind <https://airkg.example.org/id/deadline-kind/by> ; airkg:dueDate ?due .
          FILTER(?due < ?as_of)
        } GROUP BY ?plan""", bindings={"as_of": Literal(as_of.isoformat(), datatype=XSD.date)}).rows}
    everything = plans if plan_ids is None else read_plans(store)
    out = {}
    for plan_id, plan in plans.items():
        start, end = periods.get(plan_id, (None, None))
        if start is None and end is None:  # no relations graph yet: the plan's own header
            start = plan.start_year
            end = plan.period_end or start
        later = [everything[i] for i in successors.get(plan_id, []) if i in everything]
        status = status_on(plan, Period(start, end), later, as_of)
        out[plan_id] = PlanStatus(plan, status, start, end, tuple(sorted(p.id for p in later)),
                                  overdue.get(plan_id, 0))
    return out


def plans_with_status(store: Store, status: str, as_of: dt.date) -> list[str]:
    """The ids of the plans whose status on ``as_of`` is ``status`` (one of :data:`STATUSES`), sorted: the
    ``status=`` filter of the plans, measures and deadlines lists."""
    return sorted(plan_id for plan_id, found in plan_statuses(store, as_of).items() if found.status == status)


def _year(term: object) -> int | None:
    text = None if term is None else str(term)
    return int(text[:4]) if text and text[:4].isdigit() else None


__all__ = ["STATUSES", "PlanStatus", "plan_statuses", "plans_with_status"]
