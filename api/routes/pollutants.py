"""Pollutants: the SKOS scheme, with how many measures name or imply each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.csv_out import CONCEPT_HEADER, concept_rows, csv_response

from api.deps import StoreDep
from api.models import PollutantPublic, PollutantsPublic
from api.reads.entities import get_pollutant, list_pollutants
from api.routes.ids import ConceptCode

router = APIRouter(prefix="/api/pollutants", tags=["pollutants"])


@router.get("", response_model=PollutantsPublic, responses={200: {"content": {"text/csv": {}}}})
def read_pollutants(store: StoreDep, format: Annotated[str | None, Query(description="json or csv.",
                                                                  pattern="^(json|csv)$")] = None,
                 ) -> PollutantsPublic | Response:
    """Every pollutant concept."""
    pollutants = list_pollutants(store)
    if format == "csv":
        return csv_response("pollutants", CONCEPT_HEADER, concept_rows(pollutants, "pollutant"))
    return PollutantsPublic(data=pollutants, count=len(pollutants))


@router.get("/{code}", response_model=PollutantPublic, responses={404: {"description": "Unknown pollutant"}})
def read_pollutant(code: ConceptCode, store: StoreDep) -> PollutantPublic:
    """One pollutant by code (e.g. PM2.5)."""
    return get_pollutant(store, code)
