"""Web pages of agencies (with the sentences that assign them), pollutants, sectors and regions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PageOffset, StoreDep, TemplatesDep
from api.models import MeasureFilter
from api.reads.entities import (
    agency_assignments,
    get_agency,
    get_pollutant,
    get_region,
    get_sector,
    list_agencies,
    list_pollutants,
    list_regions,
    list_sectors,
)
from api.reads.measures import find_measures
from api.reads.plans import plan_iri, plan_regions, plans_by_iri
from api.routes.ids import AgencyId, ConceptCode, RegionCode

router = APIRouter(include_in_schema=False)

#: Agencies on one page of /agencies.
AGENCIES_PAGE = 200


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(request: Request, store: StoreDep, templates: TemplatesDep, offset: PageOffset = 0) -> Response:
    agencies, total = list_agencies(store, AGENCIES_PAGE, offset)
    return templates.TemplateResponse(request, "agencies.html", {
        "agencies": agencies, "total": total, "offset": offset, "limit": AGENCIES_PAGE})


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(agency_id: AgencyId, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    agency = get_agency(store, agency_id)
    return templates.TemplateResponse(request, "agency.html", {
        "agency": agency, "assignments": agency_assignments(store, agency_id)})


@router.get("/pollutants", response_class=HTMLResponse)
def pollutants_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "concepts.html", {
        "concepts": list_pollutants(store), "kind": "pollutant", "heading": "Pollutants 污染物"})


@router.get("/pollutants/{code}", response_class=HTMLResponse)
def pollutant_page(code: ConceptCode, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    concept = get_pollutant(store, code)
    measures, total = find_measures(store, MeasureFilter(pollutant=code, limit=500))
    return templates.TemplateResponse(request, "concept.html", {
        "concept": concept, "kind": "pollutant", "measures": measures, "total": total})


@router.get("/sectors", response_class=HTMLResponse)
def sectors_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "concepts.html", {
        "concepts": list_sectors(store), "kind": "sector", "heading": "Sectors 行业"})


@router.get("/sectors/{code}", response_class=HTMLResponse)
def sector_page(code: ConceptCode, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    concept = get_sector(store, code)
    measures, total = find_measures(store, MeasureFilter(sector=code, limit=500))
    return templates.TemplateResponse(request, "concept.html", {
        "concept": concept, "kind": "sector", "measures": measures, "total": total})


@router.get("/regions", response_class=HTMLResponse)
def regions_page(
    request: Request, store: StoreDep, templates: TemplatesDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Regions with plans, and a name search over the whole gazetteer."""
    found = list_regions(store, None, q, 200, 0)[0] if q and q.strip() else []
    return templates.TemplateResponse(request, "regions.html", {
        "found": found, "q": q or "", "with_plans": plan_regions(store)})


@router.get("/regions/{code}", response_class=HTMLResponse)
def region_page(code: RegionCode, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    region = get_region(store, code)
    children, _ = list_regions(store, code, None, 500, 0)
    measures, total = find_measures(store, MeasureFilter(region=code, limit=500))
    plans = plans_by_iri(store, [plan_iri(plan_id) for plan_id in sorted({m.plan_id for m in measures})])
    return templates.TemplateResponse(request, "region.html", {
        "region": region, "children": children, "measures": measures, "total": total, "plans": plans})
