"""Measures: filtered and paged, or one by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import StoreDep
from api.models import MeasureFilter, MeasurePublic, MeasuresPublic
from api.reads.measures import find_measures, get_measure
from api.routes.ids import MeasureId

router = APIRouter(prefix="/api/measures", tags=["measures"])


@router.get("", response_model=MeasuresPublic)
def read_measures(wanted: Annotated[MeasureFilter, Query()], store: StoreDep) -> MeasuresPublic:
    """Measures matching every filter given, in document order, one page at a time."""
    measures, total = find_measures(store, wanted)
    return MeasuresPublic(data=measures, count=total, limit=wanted.limit, offset=wanted.offset)


@router.get("/{measure_id}", response_model=MeasurePublic, responses={404: {"description": "Unknown measure"}})
def read_measure(measure_id: MeasureId, store: StoreDep) -> MeasurePublic:
    """One measure by id ({plan}:{path})."""
    return get_measure(store, measure_id)
