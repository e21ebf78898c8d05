"""Sectors: the SKOS scheme, with the pollutants each mainly emits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.csv_out import CONCEPT_HEADER, concept_rows, csv_response

from api.deps import StoreDep
from api.models import SectorPublic, SectorsPublic
from api.reads.entities import get_sector, list_sectors
from api.routes.ids import ConceptCode

router = APIRouter(prefix="/api/sectors", tags=["sectors"])


@router.get("", response_model=SectorsPublic, responses={200: {"content": {"text/csv": {}}}})
def read_sectors(store: StoreDep, format: Annotated[str | None, Query(description="json or csv.",
                                                                  pattern="^(json|csv)$")] = None,
                 ) -> SectorsPublic | Response:
    """Every sector concept."""
    sectors = list_sectors(store)
    if format == "csv":
        return csv_response("sectors", CONCEPT_HEADER, concept_rows(sectors, "sector"))
    return SectorsPublic(data=sectors, count=len(sectors))


@router.get("/{code}", response_model=SectorPublic, responses={404: {"description": "Unknown sector"}})
def read_sector(code: ConceptCode, store: StoreDep) -> SectorPublic:
    """One sector by code (e.g. steel)."""
    return get_sector(store, code)
