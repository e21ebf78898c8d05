"""Agencies: every body named in a plan, with its jurisdiction, type and name variants."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PageLimit, PageOffset, StoreDep
from api.models import AgenciesPublic, AgencyPublic
from api.reads.entities import get_agency, list_agencies
from api.routes.ids import AgencyId

router = APIRouter(prefix="/api/agencies", tags=["agencies"])


@router.get("", response_model=AgenciesPublic)
def read_agencies(store: StoreDep, limit: PageLimit = 100, offset: PageOffset = 0) -> AgenciesPublic:
    """The agencies, the most often assigned first (then by id), one page at a time; count is the number
    of agencies."""
    agencies, total = list_agencies(store, limit, offset)
    return AgenciesPublic(data=agencies, count=total, limit=limit, offset=offset)


@router.get("/{agency_id}", response_model=AgencyPublic, responses={404: {"description": "Unknown agency"}})
def read_agency(agency_id: AgencyId, store: StoreDep) -> AgencyPublic:
    """One agency by the hash in its IRI."""
    return get_agency(store, agency_id)
