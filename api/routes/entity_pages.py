"""Web pages of agencies (with the sentences that assign them), pollutants, sectors and regions: each with
its measures a page at a time, the basis they are counted on, CSV and JSON, and a message when empty."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PageOffset, StoreDep, TemplatesDep
from api.models import MeasureFilter
from api.page_helpers import filter_params
from api.reads.agency_list import find_agencies
from api.reads.entities import (
    agency_assignments,
    get_agency,
    get_pollutant,
    get_region,
    get_sector,
    list_pollutants,
    list_regions,
    list_sectors,
)
from api.reads.facets import facets
from api.reads.measures import find_measures
from api.reads.plans import plan_iri, plan_regions, plans_by_iri
from api.routes.ids import AgencyId, ConceptCode, RegionCode
from kg.errors import InputError

router = APIRouter(include_in_schema=False)

#: Agencies on one page of /agencies.
AGENCIES_PAGE = 200
#: Measures (or an agency's assignments) on one page of an entity page.
ENTITY_PAGE = 100
Basis = Annotated[str | None, Query(pattern="^(stated|inferred|any)$")]


def _measures(store, offset: int, basis: str | None, **fixed: str) -> dict:
    """The entity page's measures: one page, the total, the facets of them all (on the page's basis) and the
    links' parameters."""
    wanted = MeasureFilter(**fixed, basis=basis or "stated", limit=ENTITY_PAGE, offset=offset)
    measures, total = find_measures(store, wanted)
    return {"measures": measures, "total": total, "wanted": wanted, "params": filter_params(wanted),
            "offset": offset, "limit": ENTITY_PAGE, "facets": facets(store, wanted)}


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(
    request: Request, store: StoreDep, templates: TemplatesDep, offset: PageOffset = 0,
    q: Annotated[str | None, Query(max_length=100)] = None, region: Annotated[str | None, Query(max_length=100)] = None,
    type: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    error, agencies, total, shown = None, [], 0, {}
    try:
        agencies, total, shown = find_agencies(store, AGENCIES_PAGE, offset, q, region, type)
    except InputError as failure:
        error = failure
    params = {k: v for k, v in (("q", q), ("region", region), ("type", type)) if v}
    return templates.TemplateResponse(request, "agencies.html", {
        "agencies": agencies, "total": total, "offset": offset, "limit": AGENCIES_PAGE, "error": error,
        "params": params, "shown": shown}, status_code=error.status if error else 200)


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(agency_id: AgencyId, request: Request, store: StoreDep, templates: TemplatesDep,
                offset: PageOffset = 0, basis: Basis = None) -> Response:
    agency = get_agency(store, agency_id)
    assignments = agency_assignments(store, agency_id)
    wanted = MeasureFilter(agency=agency_id, basis=basis or "stated")
    return templates.TemplateResponse(request, "agency.html", {
        "agency": agency, "assignments": assignments[offset:offset + ENTITY_PAGE], "total": len(assignments),
        "offset": offset, "limit": ENTITY_PAGE, "wanted": wanted, "params": filter_params(wanted),
        "facets": facets(store, wanted)})


@router.get("/pollutants", response_class=HTMLResponse)
def pollutants_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "concepts.html", {
        "concepts": list_pollutants(store), "kind": "pollutant", "heading": "Pollutants 污染物"})


@router.get("/pollutants/{code}", response_class=HTMLResponse)
def pollutant_page(code: ConceptCode, request: Request, store: StoreDep, templates: TemplatesDep,
                   offset: PageOffset = 0, basis: Basis = None) -> Response:
    concept = get_pollutant(store, code)
    return templates.TemplateResponse(request, "concept.html", {
        "concept": concept, "kind": "pollutant", **_measures(store, offset, basis, pollutant=concept.id)})


@router.get("/sectors", response_class=HTMLResponse)
def sectors_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "concepts.html", {
        "concepts": list_sectors(store), "kind": "sector", "heading": "Sectors 行业"})


@router.get("/sectors/{code}", response_class=HTMLResponse)
def sector_page(code: ConceptCode, request: Request, store: StoreDep, templates: TemplatesDep,
                offset: PageOffset = 0, basis: Basis = None) -> Response:
    concept = get_sector(store, code)
    return templates.TemplateResponse(request, "concept.html", {
        "concept": concept, "kind": "sector", **_measures(store, offset, basis, sector=concept.id)})


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
def region_page(code: RegionCode, request: Request, store: StoreDep, templates: TemplatesDep,
                offset: PageOffset = 0, basis: Basis = None) -> Response:
    region = get_region(store, code)
    children, _ = list_regions(store, code, None, 500, 0)
    section = _measures(store, offset, basis, region=region.id)
    every = find_measures(store, section["wanted"].model_copy(update={"limit": 500, "offset": 0}))[0]
    plans = plans_by_iri(store, [plan_iri(plan_id) for plan_id in sorted({m.plan_id for m in every})])
    return templates.TemplateResponse(request, "region.html", {
        "region": region, "children": children, "plans": plans, **section})
