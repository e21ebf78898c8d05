"""Plans: the read-only routes. Uploads (POST /api/plans) are the ingest work's, in api/routes/uploads.py."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PageLimit, PageOffset, StoreDep
from api.models import PlanPublic, PlansPublic
from api.reads.plans import get_plan, list_plans
from api.routes.ids import PlanId

router = APIRouter(prefix="/api/plans", tags=["plans"])


@router.get("", response_model=PlansPublic)
def read_plans(store: StoreDep, limit: PageLimit = 100, offset: PageOffset = 0) -> PlansPublic:
    """The plans in the store by id, one page at a time, with their counts of measures, agencies and
    deadlines; count is the number of plans."""
    plans, total = list_plans(store, limit, offset)
    return PlansPublic(data=plans, count=total, limit=limit, offset=offset)


@router.get("/{plan_id}", response_model=PlanPublic, responses={404: {"description": "Unknown plan"}})
def read_plan(plan_id: PlanId, store: StoreDep) -> PlanPublic:
    """One plan by id."""
    return get_plan(store, plan_id)
