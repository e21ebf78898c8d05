"""Web pages: home, plans with their highlighted source text, measures, the deadline timeline, saved queries
and the SPARQL editor. Server-rendered Jinja2 (autoescaped); nothing is fetched from another host."""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import PageOffset, SettingsDep, StoreDep, TemplatesDep, UserStoreDep
from api.models import MeasureFilter, MeasurePublic
from api.reads.deadlines import find_deadlines
from api.csv_out import MEASURE_HEADER, csv_response, measure_rows
from api.page_helpers import filter_params, timeline_svg
from api.reads.entities import list_agencies, list_pollutants, list_sectors
from api.reads.facets import facets
from api.reads.measures import find_measures, matching_iris, measure_details
from api.reads.names import resolve_filter
from api.reads.plans import get_plan, list_plans, plan_iris, plan_regions, plan_text
from api.reads.result_links import editor_text, link_rows
from api.reads.saved import get_saved, list_saved, result_public, run_saved_paged
from api.routes.entity_pages import router as entity_router
from api.routes.measure_pages import router as measure_page_router
from api.routes.ids import PlanId
from api.sparql_results import GRAPH_TYPES
from kg.errors import AirkgError, InputError, NotFound
from kg.sparql_guard import check_bounds
from kg.store import QUERY_PREFIXES
from kg.models import Role
from kg.query_params import search_terms

router = APIRouter(include_in_schema=False)
router.include_router(entity_router)
router.include_router(measure_page_router)

_FILTER_FIELDS = set(MeasureFilter.model_fields)
#: Plans offered in the filter form's list at most; with more, the plan id is typed.
MAX_PLAN_OPTIONS = 300
#: Agencies offered as suggestions in the filter form (the most often assigned).
MAX_AGENCY_OPTIONS = 400
#: Plans on one page of the home page.
HOME_PAGE_PLANS = 100
#: Rows on one page of a saved query's answer on its form.
QUERY_PAGE = 100


def page_filter(request: Request, **fixed: str) -> MeasureFilter:
    """A MeasureFilter from a page's query string: empty fields dropped, unknown ones ignored.

    Raises:
        InputError: A value is malformed (the field is named).
    """
    raw = {key: value for key, value in request.query_params.items() if key in _FILTER_FIELDS and value.strip()}
    raw.update(fixed)
    try:
        return MeasureFilter(**raw)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InputError(problems) from None


def filter_choices(store) -> dict:
    """The options of the filter form's drop-downs: the plans only up to :data:`MAX_PLAN_OPTIONS` of them
    (``plan_count`` says how many there are)."""
    plan_count = len(plan_iris(store))
    plans = list_plans(store, MAX_PLAN_OPTIONS)[0] if plan_count <= MAX_PLAN_OPTIONS else []
    return {"plans": plans, "plan_count": plan_count, "pollutants": list_pollutants(store),
            "sectors": list_sectors(store), "roles": [role.value for role in Role],
            "agencies": list_agencies(store, MAX_AGENCY_OPTIONS)[0],
            "regions": sorted({r.label for r in plan_regions(store) if r.label})}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, templates: TemplatesDep, offset: PageOffset = 0) -> Response:
    plans, total = list_plans(store, HOME_PAGE_PLANS, offset)
    return templates.TemplateResponse(request, "home.html", {
        "plans": plans, "total": total, "offset": offset, "limit": HOME_PAGE_PLANS})


def resolved_filter(request: Request, store, **fixed: str) -> tuple[MeasureFilter, MeasureFilter, dict, InputError | None]:
    """The page's filter as typed (for the form), as resolved (names to codes, for the reads), what each
    name was read as, and the error when a value is malformed or names nothing (the page then shows the
    form with the message and ``did you mean …``, answering 400)."""
    try:
        typed = page_filter(request, **fixed)
    except InputError as error:
        return MeasureFilter(), MeasureFilter(), {}, error
    try:
        found = resolve_filter(store, typed)
    except InputError as error:
        return typed, typed, {}, error
    return typed, found.filter, found.shown, None


@router.get("/measures", response_class=HTMLResponse)
def measures_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    typed, wanted, shown, error = resolved_filter(request, store)
    if error is None and wanted.format == "csv":
        iris, _ = matching_iris(store, wanted)
        return csv_response("measures", MEASURE_HEADER, measure_rows(measure_details(store, iris[:20_000])))
    measures, total, found_facets = [], 0, []
    if error is None:
        measures, total = find_measures(store, wanted)
        found_facets = facets(store, wanted)
    params = filter_params(wanted) if error is None else {}
    suggestions = _suggestions(request, error)
    return templates.TemplateResponse(request, "measures.html", {
        "measures": measures, "total": total, "wanted": wanted, "typed": typed, "shown": shown, "error": error,
        "choices": filter_choices(store), "facets": found_facets, "params": params,
        "terms": search_terms(wanted.q) if wanted.q else [], "query": _query_without(request, "offset"),
        "headline": _headline_query(wanted), "suggestions": suggestions}, status_code=error.status if error else 200)


def _suggestions(request: Request, error: InputError | None) -> list[tuple[str, str]]:
    """The names a ``did you mean …?`` offers, each as the same page with that value in the field."""
    if error is None:
        return []
    field, _, rest = error.detail.partition(": ")
    found = re.search(r"did you mean (.+?)\?", rest)
    if field not in _FILTER_FIELDS or not found:
        return []
    names = [name.strip() for name in found.group(1).split(" or ") if name.strip()]
    keep = [(k, v) for k, v in request.query_params.multi_items() if k != field and k != "offset"]
    return [(name, f"{request.url.path}?{urlencode(keep + [(field, name)])}") for name in names[:5]]


def _headline_query(wanted: MeasureFilter) -> str | None:
    """The saved query answering "who leads these measures" for a region and a pollutant, with the same basis."""
    if wanted.region and wanted.pollutant and not (wanted.sector or wanted.agency or wanted.plan):
        return "/queries/lead-agencies?" + urlencode({"region": wanted.region, "pollutant": wanted.pollutant,
                                                      "basis": wanted.pollutant_basis.value, "run": "1"})
    return None


@dataclass
class Segment:
    """A stretch of the document text, inside a measure (``measure`` set) or between measures."""

    text: str
    measure: MeasurePublic | None = None


def segments(full_text: str, measures: list[MeasurePublic]) -> list[Segment]:
    """The text cut at the measures' spans, in order; overlapping spans keep the first."""
    out: list[Segment] = []
    position = 0
    for measure in sorted((m for m in measures if m.span), key=lambda m: m.span.start):  # type: ignore[union-attr]
        start, end = measure.span.start, measure.span.end  # type: ignore[union-attr]
        if start < position or end > len(full_text) or end <= start:
            continue
        if start > position:
            out.append(Segment(full_text[position:start]))
        out.append(Segment(full_text[start:end], measure))
        position = end
    if position < len(full_text):
        out.append(Segment(full_text[position:]))
    return out


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: PlanId, request: Request, store: StoreDep, templates: TemplatesDep,
              basis: Annotated[str | None, Query(pattern="^(stated|inferred|any)$")] = None) -> Response:
    plan = get_plan(store, plan_id)
    wanted = MeasureFilter(plan=plan_id, limit=500, basis=basis or "stated")
    measures, _ = find_measures(store, wanted)
    full_text, file_name = plan_text(store, plan_id)
    return templates.TemplateResponse(request, "plan.html", {
        "plan": plan, "measures": measures, "segments": segments(full_text, measures), "file_name": file_name,
        "wanted": wanted, "params": filter_params(wanted), "facets": facets(store, wanted)})


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    typed, wanted, shown, error = resolved_filter(request, store, limit="500")
    today = dt.date.today()
    deadlines, total, counts = [], 0, {}
    if error is None:
        wanted = wanted.model_copy(update={"limit": 500, "offset": wanted.offset})
        deadlines, total = find_deadlines(store, wanted, today)
        # the chart counts every matching deadline, the list below shows a page of them
        everything = deadlines if total <= len(deadlines) else find_deadlines(
            store, wanted.model_copy(update={"limit": 100_000, "offset": 0}), today)[0]
        for deadline in everything:
            if deadline.due_date:
                key = deadline.due_date.strftime("%Y-%m")
                due, late = counts.get(key, (0, 0))
                counts[key] = (due, late + 1) if deadline.overdue else (due + 1, late)
    months: OrderedDict[str, list] = OrderedDict()
    for deadline in deadlines:
        key = deadline.due_date.strftime("%Y-%m") if deadline.due_date else "no date"
        months.setdefault(key, []).append(deadline)
    params = filter_params(wanted) if error is None else {}
    found_facets = facets(store, wanted, with_deadline=True) if error is None else []
    return templates.TemplateResponse(request, "timeline.html", {
        "facets": found_facets,
        "months": months, "total": total, "shown": len(deadlines), "today": today, "wanted": wanted, "typed": typed,
        "overdue": sum(late for _, late in counts.values()), "choices": filter_choices(store), "error": error,
        "chart": timeline_svg(dict(sorted(_fill_months(counts).items()))), "params": params, "shown_names": shown,
        "offset": wanted.offset}, status_code=error.status if error else 200)


def _fill_months(counts: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Every month between the first and the last with a deadline (empty ones at 0), at most 20 years."""
    if not counts:
        return counts
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    out = dict(counts)
    for _ in range(240):
        key = f"{year:04d}-{month:02d}"
        if key > last:
            break
        out.setdefault(key, (0, 0))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@router.get("/queries", response_class=HTMLResponse)
def queries_page(request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    queries = list_saved(settings.queries_dir)
    return templates.TemplateResponse(request, "queries.html", {
        "queries": queries, "editor": {q.name: editor_text(q.name, {}, settings.queries_dir, store) for q in queries}})


@router.get("/queries/{name}", response_class=HTMLResponse)
def query_page(name: str, request: Request, store: UserStoreDep, settings: SettingsDep,
               templates: TemplatesDep) -> Response:
    try:
        query = get_saved(name, settings.queries_dir)
    except InputError as error:
        raise NotFound(error.detail) from None
    params = {key: value for key, value in request.query_params.items()
              if key not in ("run", "limit", "offset") and value.strip()}
    result, error, linked = None, None, None
    limit, offset = _paging(request)
    if "run" in request.query_params:
        try:
            page = run_saved_paged(store, name, params, limit, offset, settings.query_timeout, settings.queries_dir)
            result = result_public(name, page.result, page)
            linked = link_rows(request.app.state.store, result, params, {p.name: p.default for p in query.parameters},
                               name)
        except AirkgError as failure:
            if failure.status >= 500:
                raise
            error = failure
    basis = next((params.get(p.name) or p.default for p in query.parameters if p.type == "basis"), None)
    return templates.TemplateResponse(request, "query.html", {
        "query": query, "params": params, "result": result, "linked": linked, "error": error, "basis": basis,
        "editor_text": editor_text(name, params, settings.queries_dir, request.app.state.store),
        "csv_query": _query_without(request, "run", "limit", "offset"),
        "page_query": {**params, "run": "1", "limit": str(limit)}, "limit": limit, "offset": offset,
        "agencies": list_agencies(request.app.state.store, MAX_AGENCY_OPTIONS)[0]
        if any(p.type == "agency" for p in query.parameters) else []},
        status_code=error.status if error else 200)


def _paging(request: Request) -> tuple[int, int]:
    """A saved query's page on its form: ``limit`` rows (100 unless given, at most 1,000) from ``offset``."""
    def number(name: str, default: int, low: int, high: int) -> int:
        text = request.query_params.get(name, "").strip()
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise InputError(f"{name} must be a whole number from {low} to {high:,}, not {text!r}")
        return int(text)

    return number("limit", QUERY_PAGE, 1, 1000), number("offset", 0, 0, 100_000_000)


@router.get("/editor", response_class=HTMLResponse)
def editor_page(request: Request, store: UserStoreDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    """The SPARQL editor: YASGUI over /sparql, and a plain form that works without JavaScript."""
    text = request.query_params.get("query", "")
    result, graph_text, error = None, None, None
    if text.strip():
        try:
            check_bounds(text, settings.max_query_length)
            answer = store.query(text, timeout=settings.query_timeout, max_rows=settings.max_rows,
                                 max_bytes=settings.max_response_bytes)
        except AirkgError as failure:
            if failure.status >= 500 and failure.status != 503:
                raise
            error = failure
        else:
            if answer.kind in ("construct", "describe") and answer.graph is not None:
                graph_text = answer.graph.serialize(format="turtle")
            else:
                result = result_public("editor", answer)
    names = request.app.state.store  # agencies and plans named by parameters are looked up here
    examples = [{"name": q.name, "title": f"{q.title} ({q.name})",
                 "sparql": editor_text(q.name, {}, settings.queries_dir, names) or q.sparql}
                for q in list_saved(settings.queries_dir)]
    return templates.TemplateResponse(request, "editor.html", {
        "text": text, "result": result, "graph_text": graph_text, "error": error, "graph_types": GRAPH_TYPES,
        "examples": examples, "prefixes": QUERY_PREFIXES},
        status_code=error.status if error else 200)


def _query_without(request: Request, *names: str) -> str:
    """The request's query string without ``names`` (for paging and download links)."""
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in names and v != ""])
