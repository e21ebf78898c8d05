"""Plans: the read-only routes. Uploads (POST /api/plans) are the ingest work's, in api/routes/uploads.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.csv_out import PLAN_HEADER, csv_response, plan_rows

from api.deps import Day, PageLimit, PageOffset, StoreDep
from api.models import PlanPublic, PlansPublic
from api.reads.plans import get_plan, list_plans, plan_iri, plans_by_iri
from api.routes.ids import PlanId
from kg.query_params import resolve_status

router = APIRouter(prefix="/api/plans", tags=["plans"])


@router.get("", response_model=PlansPublic, responses={200: {"content": {"text/csv": {}}}})
def read_plans(store: StoreDep, limit: PageLimit = 100, offset: PageOffset = 0,
               status: Annotated[str | None, Query(
                   description="Only plans with this status on as_of (kg/relations/status.py): in_force (现行), "
                               "superseded (已被替代), expired (已过期) or not_yet_issued (尚未发布).",
                   min_length=1, max_length=40)] = None,
               as_of: Annotated[Day | None, Query(description="The day of status (default today).")] = None,
               format: Annotated[str | None, Query(description="json, or csv (every plan, UTF-8 with BOM).",
                                                   pattern="^(json|csv)$")] = None,
               ) -> PlansPublic | Response:
    """The plans in the store by id, one page at a time, with their counts of measures, agencies and
    deadlines; count is the number of plans. status= keeps the plans in force, superseded, expired or not yet
    issued on as_of."""
    if format == "csv":
        plans = list_plans(store, 1_000_000, 0)[0] if status is None else read_plans(
            store, 1_000_000, 0, status, as_of).data
        return csv_response("plans", PLAN_HEADER, plan_rows(plans))
    if status is not None:
        from kg.relations.plan_status import plans_with_status

        ids = plans_with_status(store, resolve_status(status), as_of or dt.date.today())
        iris = sorted((plan_iri(i) for i in ids), key=str)
        return PlansPublic(data=plans_by_iri(store, iris[offset:offset + limit]), count=len(iris), limit=limit,
                           offset=offset)
    plans, total = list_plans(store, limit, offset)
    return PlansPublic(data=plans, count=total, limit=limit, offset=offset)


@router.get("/{plan_id}", response_model=PlanPublic, responses={404: {"description": "Unknown plan"}})
def read_plan(plan_id: PlanId, store: StoreDep) -> PlanPublic:
    """One plan by id."""
    return get_plan(store, plan_id)
