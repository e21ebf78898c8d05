"""Deadlines: those of the measures a filter selects (in its due-date range), and one by id."""

from __future__ import annotations

import datetime as dt


from api.errors import not_found
from api.models import DeadlinePublic, MeasureFilter, Ref
from api.reads.common import Row, date, deadline_id, deadline_iri, local_id, select, text
from api.reads.measures import filter_clauses, plans_in_status

_FIELDS = """
  ?m airkg:hasDeadline ?d .
  OPTIONAL {{ ?m dcterms:identifier ?id }} OPTIONAL {{ ?m dcterms:title ?title }}
  OPTIONAL {{ ?d airkg:dueDate ?due }} OPTIONAL {{ ?d airkg:endDate ?endDate }}
  OPTIONAL {{ ?d airkg:deadlineKind ?kind }} OPTIONAL {{ ?d airkg:originalText ?original }}
  OPTIONAL {{ ?d airkg:note ?note }}
  {range}
"""
_SELECT = "SELECT DISTINCT ?d ?m ?plan ?id ?title ?due ?endDate ?kind ?original ?note WHERE {{ {where} {fields} }}"


def overdue(kind: str | None, due: dt.date | None, end: dt.date | None, today: dt.date) -> bool:
    """A 'by' deadline whose day has passed, or a 'during' span that has ended."""
    last = end or due
    return kind in ("by", "during") and last is not None and last < today


def _deadline(row: Row, today: dt.date) -> DeadlinePublic:
    kind = local_id(row["kind"], "deadline-kind") if row["kind"] else None
    due, end = date(row["due"]), date(row["endDate"])
    return DeadlinePublic(
        id=deadline_id(str(row["d"])), iri=str(row["d"]),
        measure=Ref(id=text(row["id"]) or local_id(row["m"], "plan"), iri=str(row["m"]), label=text(row["title"])),
        plan_id=local_id(row["plan"], "plan"), due_date=due, end_date=end, kind=kind,
        original_text=text(row["original"]), note=text(row["note"]), overdue=overdue(kind, due, end, today),
    )


def find_deadlines(store, wanted: MeasureFilter, today: dt.date) -> tuple[list[DeadlinePublic], int]:
    """Deadlines of the matching measures (due within the filter's range, if it has one), by due date."""
    where, bindings = filter_clauses(wanted)
    checks = []
    if wanted.due_from:
        checks.append("FILTER(?due >= ?dueFrom)")
    if wanted.due_to:
        checks.append("FILTER(?due <= ?dueTo)")
    fields = _FIELDS.format(range=" ".join(checks))
    rows = select(store, _SELECT.format(where=where, fields=fields) + " ORDER BY ?due ?plan ?m ?d", bindings)
    plans = plans_in_status(store, wanted)
    if plans is not None:
        rows = [row for row in rows if row["plan"] in plans]
    undated = [row for row in rows if row["due"] is None]
    ordered = [row for row in rows if row["due"] is not None] + undated
    page = ordered[wanted.offset:wanted.offset + wanted.limit]
    return [_deadline(row, today) for row in page], len(ordered)


def get_deadline(store, key: str, today: dt.date) -> DeadlinePublic:
    """A deadline by its id ``{plan}:{path}:{n}``; raises NotFound."""
    iri = deadline_iri(key)
    fields = _FIELDS.format(range="")
    rows = select(store, _SELECT.format(where="?m airkg:partOfPlan ?plan .", fields=fields),
                  {"d": iri})
    if not rows:
        raise not_found("deadline", key)
    return _deadline(rows[0], today)



