"""Measures: filtered and paged (JSON, or every match as CSV), their facet counts, or one by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.csv_out import MEASURE_HEADER, csv_response, measure_rows
from api.deps import StoreDep
from api.models import MeasureFilter, MeasurePublic, MeasuresPublic
from api.reads.facets import facets
from api.reads.measures import find_measures, get_measure, matching_iris, measure_details, page_is_bounded
from api.reads.names import resolve_filter
from api.routes.ids import MeasureId
from kg.store import Store

router = APIRouter(prefix="/api/measures", tags=["measures"])

#: Measures one CSV holds at most.
MAX_CSV = 20_000


@router.get("", response_model=MeasuresPublic, responses={
    200: {"content": {"text/csv": {}}, "description": "A page as JSON, or every match as CSV (format=csv)"},
    400: {"description": "A malformed value, or a name that matches nothing (with the closest names)"},
})
async def read_measures(wanted: Annotated[MeasureFilter, Query()], store: StoreDep) -> MeasuresPublic | Response:
    """Measures matching every filter given, in document order, one page at a time. Names or codes alike:
    ``region=山东省|山东|Shandong|370000``, ``pollutant=VOCs|挥发性有机物``, ``agency=山东省生态环境厅``."""
    # A page whose filter's matches are held is read node by node from memory (~1 ms for 20 measures): on the
    # event loop, which saves two thread hand-offs. Anything else (a plan's or agency's name to look up, a
    # first read of the matches: seconds at 10,000 plans, a CSV) would hold up every other request: a thread.
    if wanted.format != "csv" and not (wanted.plan or wanted.agency) and wanted.limit <= 100:
        resolved = resolve_filter(store, wanted).filter  # codes and names from tables in memory
        if page_is_bounded(store, resolved):
            return _page(store, resolved)
    return await run_in_threadpool(_read_measures, store, wanted)


def _read_measures(store: Store, wanted: MeasureFilter) -> MeasuresPublic | Response:
    wanted = resolve_filter(store, wanted).filter
    if wanted.format == "csv":
        iris, _ = matching_iris(store, wanted)
        return csv_response("measures", MEASURE_HEADER, measure_rows(measure_details(store, iris[:MAX_CSV])))
    return _page(store, wanted)


def _page(store: Store, wanted: MeasureFilter) -> MeasuresPublic:
    measures, total = find_measures(store, wanted)
    return MeasuresPublic(data=measures, count=total, limit=wanted.limit, offset=wanted.offset)


@router.get("/facets", summary="Facet counts of the matching measures")
def read_facets(wanted: Annotated[MeasureFilter, Query()], store: StoreDep) -> dict:
    """How many matching measures name each pollutant, sector, role, plan, plan region and agency."""
    wanted = resolve_filter(store, wanted).filter
    _, total = matching_iris(store, wanted)
    return {"count": total, "basis": {"pollutant": wanted.pollutant_basis.value, "sector": wanted.sector_basis.value},
            "facets": [{"name": f.name, "heading": f.heading, "more": f.more,
                        "values": [v.__dict__ for v in f.values]} for f in facets(store, wanted)]}


@router.get("/{measure_id}", response_model=MeasurePublic, responses={404: {"description": "Unknown measure"}})
def read_measure(measure_id: MeasureId, store: StoreDep) -> MeasurePublic:
    """One measure by id ({plan}:{path})."""
    return get_measure(store, measure_id)
