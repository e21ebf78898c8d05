"""Sectors: the SKOS scheme, with the pollutants each mainly emits."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StoreDep
from api.models import SectorPublic, SectorsPublic
from api.reads.entities import get_sector, list_sectors
from api.routes.ids import ConceptCode

router = APIRouter(prefix="/api/sectors", tags=["sectors"])


@router.get("", response_model=SectorsPublic)
def read_sectors(store: StoreDep) -> SectorsPublic:
    """Every sector concept."""
    sectors = list_sectors(store)
    return SectorsPublic(data=sectors, count=len(sectors))


@router.get("/{code}", response_model=SectorPublic, responses={404: {"description": "Unknown sector"}})
def read_sector(code: ConceptCode, store: StoreDep) -> SectorPublic:
    """One sector by code (e.g. steel)."""
    return get_sector(store, code)
