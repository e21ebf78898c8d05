"""Across plans (issue 16): ``/api/compare`` and the ``/compare`` page (two plans side by side, changes
highlighted), ``/api/plans/{plan}/relations`` (status, citations, lineage), and the plan page's relations block
(``_plan_relations.html``, through the ``plan_relations`` template global installed by :func:`install`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Day, StoreDep, TemplatesDep
from api.errors import not_found
from api.reads.common import entity_iri
from api.routes.ids import PlanId
from kg.errors import InputError
from kg.relations.comparison import diff_as_dict
from kg.relations.reads import plan_relations

router = APIRouter(tags=["relations"])

PlanParam = Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                                 description="A plan id.")]
AsOf = Annotated[Day | None, Query(description="The day the status is for (default today).")]


def _diff(store: Any, a: str, b: str) -> dict:
    from kg.relations.cli import plan_diff

    try:
        return diff_as_dict(plan_diff(store, a, b))
    except InputError as error:
        plan = a if f"'{a}'" in error.detail else b
        raise not_found("plan", plan) from None


@router.get("/api/compare", responses={404: {"description": "Unknown plan"}})
def compare_api(store: StoreDep, a: PlanParam, b: PlanParam) -> dict:
    """Plan a (the earlier) against plan b, measure by measure: kept, changed (deadline moved, agency changed,
    target tightened or loosened, with before and after), new and dropped, with the words paired measures share."""
    return _diff(store, a, b)


@router.get("/api/plans/{plan_id}/relations", responses={404: {"description": "Unknown plan"}})
def relations_api(plan_id: PlanId, store: StoreDep, as_of: AsOf = None) -> dict:
    """A plan's status on as_of, its period, the plans it cites and that cite it, its previous and next plans,
    and per measure its counterparts above (up) and below (down), each with score and shared words."""
    from kg.relations.features import read_plans

    entity_iri("plan", plan_id)  # 404 for an id no IRI can hold
    if not read_plans(store, [plan_id]):
        raise not_found("plan", plan_id)
    return plan_relations(store, plan_id, as_of)


@router.get("/compare", response_class=HTMLResponse, include_in_schema=False)
def compare_page(request: Request, store: StoreDep, templates: TemplatesDep, a: PlanParam, b: PlanParam) -> Response:
    from kg.relations.features import read_texts

    diff = _diff(store, a, b)
    texts = read_texts(store, [a, b])
    sides = {}
    for side in ("a", "b"):
        plan_id = diff[side]["id"]
        spans = sorted(((m[side]["span"][0], m[side]["span"][1], m["status"], m[side]["path"])
                        for m in diff["measures"] if m[side] and m[side]["span"][0] is not None), key=lambda s: s[0])
        sides[side] = _segments(texts.get(plan_id, ""), spans)
    return templates.TemplateResponse(request, "compare.html", {"diff": diff, "sides": sides})


def _segments(text: str, spans: list[tuple[int, int, str, str]]) -> list[dict]:
    out, at = [], 0
    for start, end, status, path in spans:
        if start < at:
            continue
        if start > at:
            out.append({"text": text[at:start]})
        out.append({"text": text[start:end], "status": status, "path": path})
        at = end
    if at < len(text):
        out.append({"text": text[at:]})
    return out


def install(app: FastAPI) -> None:
    """The router, and the plan page's ``plan_relations(plan_id)`` (empty when it fails: a page still shows)."""
    app.include_router(router)

    def relations_for(plan_id: str) -> dict:
        try:
            return plan_relations(app.state.store, plan_id)
        except Exception:  # noqa: BLE001 - the plan page must not fail for its relations block
            return {}

    app.state.templates.env.globals["plan_relations"] = relations_for
