"""The SPARQL 1.1 Protocol endpoint: GET ?query=, POST form, POST application/sparql-query. Read-only.

Before anything parses a query, its raw text is bounded here (length, nesting, operators:
:func:`kg.sparql_guard.check_bounds`). Then the query goes to a worker process of the app's
:class:`~kg.query_pool.QueryPool`, which runs the guard of :meth:`kg.store.Store.query` (no update,
no SERVICE, no FROM naming graphs elsewhere, no function but SPARQL's built-ins and XSD casts),
evaluates the query and serializes the answer, within the time limit (then the worker is killed:
503), the row cap and the byte cap (413) and its memory limit (503). The server's own threads never
parse or evaluate a user's query (unless the app was told to, ``unsafe_in_process_queries``: then
it runs in the request's thread, with the guard and the limits but not the isolation).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep
from api.errors import UnsupportedMediaType
from api.sparql_results import BOOLEAN_TYPES, GRAPH_TYPES, SOLUTION_TYPES, render
from kg.errors import ForbiddenQuery, InputError, QueryTooLarge
from kg.sparql_guard import check_bounds

router = APIRouter(tags=["sparql"])

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_RESPONSES = {
    303: {"description": "A browser (Accept: text/html) without a query is sent to the editor"},
    200: {"description": "Query results", "content": {media: {} for media in
                                                     dict.fromkeys(SOLUTION_TYPES + BOOLEAN_TYPES + GRAPH_TYPES)}},
    400: {"description": "Malformed query or parameters, or a query nested too deeply"},
    403: {"description": "Update, SERVICE, a remote FROM or a function other than SPARQL's built-ins and XSD casts: "
                         "refused before running"},
    406: {"description": "No acceptable result format"},
    413: {"description": "A query text, or an answer (rows or bytes), larger than the configured limits"},
    415: {"description": "Unsupported request body type"},
    503: {"description": "Past the configured time or memory limit, or too many queries at once"},
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            _FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string", "minLength": 1}},
                               "required": ["query"]}},
            _QUERY: {"schema": {"type": "string", "minLength": 1}},
        },
    }
}


def answer(query: str | None, request: Request, store, settings) -> Response:
    """Run ``query`` and serialize it as the request's Accept header asks."""
    if query is None or not query.strip():
        raise InputError("no query: give it as ?query=, as the form field query, or as an application/sparql-query body")
    check_bounds(query, settings.max_query_length)
    accept = request.headers.get("accept")
    pool = getattr(request.app.state, "query_pool", None)
    if pool is not None:
        body, media_type = pool.render(query, accept)
    else:  # an in-memory store: no other process can open it
        result = store.query(query, timeout=settings.query_timeout, max_rows=settings.max_rows,
                             max_bytes=settings.max_response_bytes)
        body, media_type = render(result, accept)
        if len(body) > settings.max_response_bytes:
            raise QueryTooLarge(f"the answer is {len(body):,} bytes, more than the {settings.max_response_bytes:,} "
                                "this server returns; select fewer or shorter values, or add a LIMIT")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _refuse_dataset_and_update(params: dict[str, list[str]]) -> None:
    if "update" in params:
        raise ForbiddenQuery("SPARQL Update is not allowed: this endpoint is read-only")
    for name in ("default-graph-uri", "named-graph-uri"):
        if name in params:
            raise InputError(f"{name} is not supported: the default graph is the union of all graphs")


#: ``query`` is required by the protocol; the function reads it itself, so that a browser opening the
#: endpoint without one is sent to the editor (303) rather than refused.
_QUERY_PARAMETER = {
    "parameters": [{"name": "query", "in": "query", "required": True, "description": "A SPARQL 1.1 query "
                    "(SELECT, ASK, CONSTRUCT or DESCRIBE); a malformed one answers 400.",
                    "schema": {"type": "string", "minLength": 1}}],
}


@router.get("/sparql", response_model=None, responses=_RESPONSES, openapi_extra=_QUERY_PARAMETER)
def sparql_get(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 query via GET (?query=); results by Accept."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    _refuse_dataset_and_update(params)
    query = params["query"][-1] if "query" in params else None
    if query is None and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/editor", status_code=303)  # a browser opening the endpoint gets the editor
    return answer(query, request, store, settings)


@router.post("/sparql", response_model=None, responses=_RESPONSES, openapi_extra=_BODY)
async def sparql_post(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 query via POST (form field query, or an application/sparql-query body)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the request body is not UTF-8") from None
    params = parse_qs(request.url.query, keep_blank_values=True)
    if content_type == _FORM:
        params = {**params, **parse_qs(text, keep_blank_values=True)}
        _refuse_dataset_and_update(params)
        query = params.get("query", [None])[-1]
    elif content_type == _QUERY:
        _refuse_dataset_and_update(params)
        query = text
    elif not raw:
        _refuse_dataset_and_update(params)
        query = params.get("query", [None])[-1]
    else:
        raise UnsupportedMediaType(f"send the query as {_FORM} (field query) or as {_QUERY}, not {content_type!r}")
    return await run_in_threadpool(answer, query, request, store, settings)
