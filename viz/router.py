"""The graph view as a FastAPI router: ``/graph`` (page), ``/graph/data`` (JSON), ``/graph/static/…``.

Include it in any app whose ``app.state.store`` holds an open :class:`~kg.store.Store`
(``app.include_router(viz.router.router)``); override :func:`get_store` to supply the store otherwise.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from kg.errors import AirkgError, InputError, NotFound, StoreError
from kg.store import Store
from viz.filters import BASES, HARD_MAX_NODES, ROLES, GraphFilter
from viz.form import FormChoices, form_choices
from viz.render import SERVED_CSP, STATIC, Links, payload, render_page
from viz.view import View, build_view

router = APIRouter(tags=["graph"])

#: Seconds the filter form's choices (plans, concepts, agency and region suggestions) are reused.
CHOICES_TTL = 120.0

#: The files ``/graph/static/`` serves; nothing else is reachable through it.
STATIC_FILES = {
    "vis-network.min.js": "text/javascript",
    "vis-network.min.css": "text/css",
    "vis-network.LICENSE.txt": "text/plain",
    "graph.js": "text/javascript",
    "graph.css": "text/css",
}


def get_store(request: Request) -> Store:
    """The app's open store (``app.state.store``)."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreError("this app has no store (app.state.store)")
    return store


StoreDep = Annotated[Store, Depends(get_store)]

#: ``nodes=a&nodes=b``, or ``nodes=a`` alone: on the wire one value is a string as much as a list of one
#: (so the schema says both, and a value such as ``nodes=false`` is not mistaken for a list's violation).
_ONE_OR_MORE = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
#: A year from 0001 (Python's dates start there).
_YEAR = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
#: What ``due_from`` / ``due_to`` take, for the schema (:func:`viz.filters.parse_date` reads them): a day, a
#: month or a year; empty is not given (the page's form sends its empty fields).
_DAY_MONTH_OR_YEAR = {"anyOf": [{"type": "string", "format": "date", "pattern": f"^{_YEAR}-"},
                                {"type": "string", "pattern": rf"^{_YEAR}(-(0[1-9]|1[0-2]))?$"},
                                {"type": "string", "maxLength": 0}]}


def graph_filter(
    plan: Annotated[str | None, Query(description="Plan id, IRI or part of its title.")] = None,
    region: Annotated[str | None, Query(description="Region name, code or IRI; sub-regions included.")] = None,
    pollutant: Annotated[str | None, Query(description="Pollutant code, label or IRI (stated or inferred).")] = None,
    sector: Annotated[str | None, Query(description="Sector code, label or IRI; narrower sectors included.")] = None,
    agency: Annotated[str | None, Query(description="Agency name (or part of it), id or IRI.")] = None,
    role: Annotated[str | None, Query(description="lead, responsible, support or implementing.",
                                      json_schema_extra={"enum": ["", *ROLES]})] = None,
    due_from: Annotated[str | None, Query(description="A deadline due on or after: YYYY[-MM[-DD]].",
                                          json_schema_extra=_DAY_MONTH_OR_YEAR)] = None,
    due_to: Annotated[str | None, Query(description="A deadline due on or before: YYYY[-MM[-DD]] (a month or year: its last day).",
                                        json_schema_extra=_DAY_MONTH_OR_YEAR)] = None,
    focus: Annotated[str | None, Query(description="Draw this entity's neighbourhood (IRI or id).")] = None,
    depth: Annotated[int, Query(description="Steps out from focus: 1 or 2.",
                                json_schema_extra={"minimum": 1, "maximum": 2})] = 1,
    nodes: Annotated[list[str] | None, Query(description="Draw these entities (IRIs or ids), repeated.",
                                             json_schema_extra=_ONE_OR_MORE)] = None,
    limit: Annotated[int | None, Query(description="Most nodes to draw (10–2000); past it, summarise.",
                                       json_schema_extra={"minimum": 10, "maximum": HARD_MAX_NODES})] = None,
    basis: Annotated[str | None, Query(description="stated (default), inferred or any: which pollutants and "
                                                   "sectors count, as on the lists.",
                                       json_schema_extra={"enum": ["", *BASES]})] = None,
) -> dict[str, Any]:
    return {"plan": plan, "region": region, "pollutant": pollutant, "sector": sector, "agency": agency,
            "role": role, "due_from": due_from, "due_to": due_to, "focus": focus, "depth": depth, "nodes": nodes,
            "limit": limit, "basis": basis}


FilterDep = Annotated[dict[str, Any], Depends(graph_filter)]


def cached_choices(request: Request, store: Store) -> FormChoices:
    """The form's choices, read again when a plan is added or removed, else every :data:`CHOICES_TTL` s."""
    # The store's write count when it keeps one (listing its graphs costs 0.3 s at 10,000 plans).
    key = (id(store), store.generation if store.generation is not None else tuple(store.graph_iris()))
    cached = getattr(request.app.state, "viz_form_choices", None)
    now = time.monotonic()
    if cached is not None and cached[0] == key and now - cached[1] < CHOICES_TTL:
        return cached[2]
    choices = form_choices(store)
    request.app.state.viz_form_choices = (key, now, choices)
    return choices


@router.get("/graph", response_class=HTMLResponse, summary="The interactive graph", responses={
    400: {"description": "A malformed filter (a date, focus and nodes both): the page, with the form and the "
                         "error (a name that names nothing is a notice on a 200 page)",
          "content": {"text/html": {}, "application/problem+json": {}}},
    404: {"description": "focus or nodes name nothing: the page, with the form and the error",
          "content": {"text/html": {}, "application/problem+json": {}}},
})
def graph_page(request: Request, store: StoreDep, raw: FilterDep) -> HTMLResponse:
    """The interactive graph of plans, measures, agencies, pollutants, sectors, deadlines and regions."""
    status = 200
    try:
        view = build_view(store, GraphFilter.parse(**raw))
    except (InputError, NotFound) as error:
        status = error.status
        view = _error_view(raw, error)
    html = render_page(view, Links(), cached_choices(request, store))
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": SERVED_CSP})


@router.get("/graph/data", summary="The graph as vis-network nodes and edges")
def graph_data(store: StoreDep, raw: FilterDep) -> JSONResponse:
    """The nodes and edges ``/graph`` draws for the same parameters, with its notices, as JSON."""
    view = build_view(store, GraphFilter.parse(**raw))
    body = payload(view, Links())
    body.update(notices=view.notices, aggregated=view.aggregated, measure_count=view.measure_count)
    return JSONResponse(body)


@router.get("/graph/file", response_class=HTMLResponse, summary="The graph as one HTML file that opens from disk")
def graph_file(request: Request, store: StoreDep, raw: FilterDep) -> HTMLResponse:
    """What ``airkg viz --out`` writes, for the same parameters as ``/graph``: vis-network, script and styles
    inline, so that ``curl -o graph.html …/graph/file?…`` saves a page that draws offline; its links point
    back at this server."""
    from viz.standalone import standalone_html

    html, _ = standalone_html(store, GraphFilter.parse(**raw), link_base=str(request.base_url).rstrip("/"))
    return HTMLResponse(html, headers={"Content-Disposition": 'attachment; filename="graph.html"'})


@router.get("/graph/static/{name}", include_in_schema=False)
def graph_static(name: str) -> FileResponse:
    """vis-network and the page's own script and style (the page loads nothing from elsewhere)."""
    if name not in STATIC_FILES:
        raise NotFound(f"no static file {name!r}")
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})


def _error_view(raw: dict[str, Any], error: AirkgError) -> View:
    """An empty view that shows the form again with the error, keeping the values that parse."""
    try:
        kept = GraphFilter.parse(**{**raw, "focus": None, "nodes": None, "role": None, "due_from": None,
                                    "due_to": None, "depth": 1, "limit": None, "basis": None})
    except InputError:
        kept = GraphFilter.parse()
    return View(nx.MultiDiGraph(), kept, notices=[f"{error.title}: {error.detail}"])
