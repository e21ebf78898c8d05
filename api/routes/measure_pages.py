"""The page of one measure (``/measures/{plan}:{path}``), where ``/id/plan/…/measure/…`` sends a browser."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import StoreDep, TemplatesDep
from api.reads.measure_page import measure_page
from api.routes.ids import MeasureId
from viz.links import neighbourhood_url

router = APIRouter(include_in_schema=False)


@router.get("/measures/{measure_id}", response_class=HTMLResponse)
def measure_view(measure_id: MeasureId, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    page = measure_page(store, measure_id)
    iri = page.measure.iri
    return templates.TemplateResponse(request, "measure.html", {
        "page": page, "m": page.measure, "plan": page.plan,
        "graph": {depth: neighbourhood_url(iri, depth=depth) for depth in (1, 2)},
        "id_path": iri.split("/id/", 1)[-1]})
