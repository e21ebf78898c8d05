"""Deadlines: by due date, for the measures a filter selects."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import StoreDep
from api.models import DeadlinePublic, DeadlinesPublic, MeasureFilter
from api.reads.deadlines import find_deadlines, get_deadline

router = APIRouter(prefix="/api/deadlines", tags=["deadlines"])

DeadlineId = Annotated[str, Path(
    description="{plan}:{path}:{n}, e.g. 000_aa781de31b5c5cff:2.1:1 (IRI res:plan/{plan}/measure/{path}/deadline/{n}).",
    pattern=r"^[A-Za-z0-9_.\-]+:[0-9A-Za-z.\-]+:[0-9]+$")]


@router.get("", response_model=DeadlinesPublic)
def read_deadlines(wanted: Annotated[MeasureFilter, Query()], store: StoreDep) -> DeadlinesPublic:
    """Deadlines of the measures matching the filter (due_from/due_to bound the deadline itself), by due date."""
    deadlines, total = find_deadlines(store, wanted, dt.date.today())
    return DeadlinesPublic(data=deadlines, count=total)


@router.get("/{deadline_id}", response_model=DeadlinePublic, responses={404: {"description": "Unknown deadline"}})
def read_deadline(deadline_id: DeadlineId, store: StoreDep) -> DeadlinePublic:
    """One deadline by id ({plan}:{path}:{n})."""
    return get_deadline(store, deadline_id, dt.date.today())
