"""Saved queries: list them with their parameters; run one with parameters from the query string."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.csv_out import with_bom
from api.deps import SettingsDep, UserStoreDep
from api.models import QueryResultPublic, SavedQueriesPublic
from api.negotiation import choose
from api.reads.saved import get_saved, list_saved, result_public, run_saved, run_saved_paged
from kg.errors import InputError, NotFound
from kg.queries import DEFAULT_PAGE, MAX_PAGE
from kg.results import results_csv

router = APIRouter(prefix="/api/queries", tags=["saved queries"])

QueryName = Annotated[str, Path(description="The query's name (its file name without .rq).",
                                pattern=r"^[A-Za-z0-9_.\-]{1,100}$")]
_RESERVED = {"format", "limit", "offset"}


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
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description=(
        f"Rows per page (JSON: {DEFAULT_PAGE} unless given; CSV: every row unless given)."))] = None,
    offset: Annotated[int, Query(ge=0, le=100_000_000, description="Rows skipped before the page.")] = 0,
) -> QueryResultPublic | Response:
    """Run a saved query, a page of rows at a time with the total; every other query-string parameter is one of
    its parameters (names of agencies, regions, pollutants … as the lists take them)."""
    media_type = {"json": "application/json", "csv": "text/csv"}.get(format or "") or choose(
        request.headers.get("accept"), ("application/json", "text/csv"))
    try:
        get_saved(name, settings.queries_dir)
    except InputError as error:
        raise NotFound(error.detail) from None
    params = {key: value for key, value in request.query_params.items() if key not in _RESERVED}
    if media_type == "text/csv":
        if limit is None and offset == 0:
            result = run_saved(store, name, params, settings.query_timeout, settings.queries_dir)
        else:
            result = run_saved_paged(store, name, params, limit or MAX_PAGE, offset, settings.query_timeout,
                                     settings.queries_dir).result
        return Response(with_bom(results_csv(result)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    page = run_saved_paged(store, name, params, limit or DEFAULT_PAGE, offset, settings.query_timeout,
                           settings.queries_dir)
    public = result_public(name, page.result, page)
    if offset + public.count < page.total:
        public.next = str(request.url.include_query_params(limit=page.limit, offset=offset + public.count))
    return public
