"""Plans: the read-only routes. Uploads (POST /api/plans) are the ingest work's, in api/routes/uploads.py."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StoreDep
from api.models import PlanPublic, PlansPublic
from api.reads.plans import get_plan, list_plans
from api.routes.ids import PlanId

router = APIRouter(prefix="/api/plans", tags=["plans"])


@router.get("", response_model=PlansPublic)
def read_plans(store: StoreDep) -> PlansPublic:
    """Every plan in the store, with its counts of measures, agencies and deadlines."""
    plans = list_plans(store)
    return PlansPublic(data=plans, count=len(plans))


@router.get("/{plan_id}", response_model=PlanPublic, responses={404: {"description": "Unknown plan"}})
def read_plan(plan_id: PlanId, store: StoreDep) -> PlanPublic:
    """One plan by id."""
    return get_plan(store, plan_id)
