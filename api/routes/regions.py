"""Regions: China's administrative divisions, as the gazetteer gives them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import StoreDep
from api.models import RegionPublic, RegionsPublic
from api.reads.entities import get_region, list_regions
from api.routes.ids import RegionCode

router = APIRouter(prefix="/api/regions", tags=["regions"])


@router.get("", response_model=RegionsPublic)
def read_regions(
    store: StoreDep,
    parent: Annotated[str | None, Query(description="Only the direct sub-regions of this code.",
                                        pattern=r"^[0-9]{1,12}$")] = None,
    q: Annotated[str | None, Query(description="Text in the Chinese or English name.", max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RegionsPublic:
    """Regions by code, one page at a time; count is the total."""
    regions, total = list_regions(store, parent, q, limit, offset)
    return RegionsPublic(data=regions, count=total)


@router.get("/{code}", response_model=RegionPublic, responses={404: {"description": "Unknown region"}})
def read_region(code: RegionCode, store: StoreDep) -> RegionPublic:
    """One region by code, with the plans and measures in it (sub-regions included)."""
    return get_region(store, code)
