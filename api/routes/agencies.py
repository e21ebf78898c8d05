"""Agencies: every body named in a plan, with its jurisdiction, type and name variants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.csv_out import AGENCY_HEADER, agency_rows, csv_response
from api.reads.agency_list import find_agencies

from api.deps import PageLimit, PageOffset, StoreDep
from api.models import AgenciesPublic, AgencyPublic
from api.reads.entities import get_agency
from api.routes.ids import AgencyId

router = APIRouter(prefix="/api/agencies", tags=["agencies"])


@router.get("", response_model=AgenciesPublic, responses={200: {"content": {"text/csv": {}}}})
def read_agencies(
    store: StoreDep, limit: PageLimit = 100, offset: PageOffset = 0,
    q: Annotated[str | None, Query(description="Text in a name: Chinese, English or as written.", max_length=100)] = None,
    region: Annotated[str | None, Query(description="Jurisdiction: a region's name or code; sub-regions count.",
                                        max_length=100)] = None,
    type: Annotated[str | None, Query(description="Functional type: code (ecology_environment) or label.",
                                      max_length=100)] = None,
    format: Annotated[str | None, Query(description="json or csv (every match).", pattern="^(json|csv)$")] = None,
) -> AgenciesPublic | Response:
    """The agencies, the most often assigned first (then by id), one page at a time; count is the number
    of agencies matching the filters."""
    if format == "csv":
        agencies, total, _ = find_agencies(store, 100_000, 0, q, region, type)
        return csv_response("agencies", AGENCY_HEADER, agency_rows(agencies))
    agencies, total, _ = find_agencies(store, limit, offset, q, region, type)
    return AgenciesPublic(data=agencies, count=total, limit=limit, offset=offset)


@router.get("/{agency_id}", response_model=AgencyPublic, responses={404: {"description": "Unknown agency"}})
def read_agency(agency_id: AgencyId, store: StoreDep) -> AgencyPublic:
    """One agency by the hash in its IRI."""
    return get_agency(store, agency_id)
