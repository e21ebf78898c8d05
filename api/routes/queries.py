"""Saved queries: list them with their parameters; run one with parameters from the query string."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.csv_out import with_bom
from api.deps import SettingsDep, UserStoreDep
from api.models import QueryResultPublic, SavedQueriesPublic
from api.negotiation import choose
from api.reads.saved import get_saved, list_saved, result_public, run_saved
from kg.errors import InputError, NotFound
from kg.results import results_csv

router = APIRouter(prefix="/api/queries", tags=["saved queries"])

QueryName = Annotated[str, Path(description="The query's name (its file name without .rq).",
                                pattern=r"^[A-Za-z0-9_.\-]{1,100}$")]
_RESERVED = {"format"}


@router.get("", response_model=SavedQueriesPublic)
def read_queries(settings: SettingsDep) -> SavedQueriesPublic:
    """Every saved query with its parameters, types and defaults."""
    queries = list_saved(settings.queries_dir)
    return SavedQueriesPublic(data=queries, count=len(queries))


@router.get("/{name}", response_model=QueryResultPublic, responses={
    200: {"content": {"text/csv": {}}, "description": "The rows, as JSON or CSV (?format=csv or Accept: text/csv)"},
    404: {"description": "No saved query of that name"},
})
def run_query(
    name: QueryName, request: Request, store: UserStoreDep, settings: SettingsDep,
    format: Annotated[str | None, Query(description="json or csv (else chosen by Accept).",
                                        pattern="^(json|csv)$")] = None,
) -> QueryResultPublic | Response:
    """Run a saved query; every other query-string parameter is one of its parameters."""
    media_type = {"json": "application/json", "csv": "text/csv"}.get(format or "") or choose(
        request.headers.get("accept"), ("application/json", "text/csv"))
    try:
        get_saved(name, settings.queries_dir)
    except InputError as error:
        raise NotFound(error.detail) from None
    params = {key: value for key, value in request.query_params.items() if key not in _RESERVED}
    result = run_saved(store, name, params, settings.query_timeout, settings.queries_dir)
    if media_type == "text/csv":
        return Response(with_bom(results_csv(result)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return result_public(name, result)
