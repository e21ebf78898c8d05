"""Agencies: every body named in a plan, with its jurisdiction, type and name variants."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StoreDep
from api.models import AgenciesPublic, AgencyPublic
from api.reads.entities import get_agency, list_agencies
from api.routes.ids import AgencyId

router = APIRouter(prefix="/api/agencies", tags=["agencies"])


@router.get("", response_model=AgenciesPublic)
def read_agencies(store: StoreDep) -> AgenciesPublic:
    """Every agency, the most often assigned first."""
    agencies = list_agencies(store)
    return AgenciesPublic(data=agencies, count=len(agencies))


@router.get("/{agency_id}", response_model=AgencyPublic, responses={404: {"description": "Unknown agency"}})
def read_agency(agency_id: AgencyId, store: StoreDep) -> AgencyPublic:
    """One agency by the hash in its IRI."""
    return get_agency(store, agency_id)
