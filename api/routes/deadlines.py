"""Deadlines: by due date, for the measures a filter selects."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from fastapi.responses import Response

from api.csv_out import DEADLINE_HEADER, csv_response, deadline_rows
from api.deps import StoreDep
from api.models import DeadlinePublic, DeadlinesPublic, MeasureFilter
from api.reads.deadlines import find_deadlines, get_deadline
from api.reads.names import resolve_filter

router = APIRouter(prefix="/api/deadlines", tags=["deadlines"])

DeadlineId = Annotated[str, Path(
    description="{plan}:{path}:{n}, e.g. 000_aa781de31b5c5cff:2.1:1 (IRI res:plan/{plan}/measure/{path}/deadline/{n}).",
    pattern=r"^[A-Za-z0-9_.\-]+:[0-9A-Za-z.\-]+:[0-9]+$")]


@router.get("", response_model=DeadlinesPublic, responses={200: {"content": {"text/csv": {}}}})
def read_deadlines(wanted: Annotated[MeasureFilter, Query()], store: StoreDep) -> DeadlinesPublic | Response:
    """Deadlines of the measures matching the filter (due_from/due_to bound the deadline itself), by due date;
    names or codes alike, as /api/measures. ``format=csv``: every matching deadline as CSV."""
    wanted = resolve_filter(store, wanted).filter
    if wanted.format == "csv":
        everything, _ = find_deadlines(store, wanted.model_copy(update={"limit": 100_000, "offset": 0}), dt.date.today())
        return csv_response("deadlines", DEADLINE_HEADER, deadline_rows(everything))
    deadlines, total = find_deadlines(store, wanted, dt.date.today())
    return DeadlinesPublic(data=deadlines, count=total)


@router.get("/{deadline_id}", response_model=DeadlinePublic, responses={404: {"description": "Unknown deadline"}})
def read_deadline(deadline_id: DeadlineId, store: StoreDep) -> DeadlinePublic:
    """One deadline by id ({plan}:{path}:{n})."""
    return get_deadline(store, deadline_id, dt.date.today())
