"""The one handler that turns airkg's own errors into responses, plus the API's own error kinds.

Every domain error carries its status and title (:mod:`kg.errors`); anything else is a bug and
becomes a logged 500. Request parameters that fail validation are the user's input too, so
they answer 400 with the failing parameter named, not FastAPI's 422.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import JSONResponse, Response

from kg.errors import AirkgError, InputError, NotFound


class NotAcceptable(AirkgError):
    """No representation the client accepts can be offered."""

    status = 406
    title = "Not acceptable"


class UnsupportedMediaType(AirkgError):
    """A request body in a media type the endpoint does not read."""

    status = 415
    title = "Unsupported media type"


def not_found(what: str, key: str) -> NotFound:
    return NotFound(f"no {what} {key!r} in the graph")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AirkgError, _airkg_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    """Starlette's own errors (no route: 404, 405): an HTML page for a browser, else FastAPI's JSON."""
    if _wants_html(request) and error.status_code in (404, 405):
        title = "Not found" if error.status_code == 404 else "Method not allowed"
        detail = f"nothing at {request.url.path}" if error.status_code == 404 else str(error.detail)
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html", {
            "status": error.status_code, "title": title, "detail": detail}, status_code=error.status_code,
            headers=getattr(error, "headers", None))
    return await http_exception_handler(request, error)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith(("/api/", "/sparql"))


def _airkg_error(request: Request, error: AirkgError) -> Response:
    if _wants_html(request):
        templates = request.app.state.templates
        return templates.TemplateResponse(
            request, "error.html", {"status": error.status, "title": error.title, "detail": error.detail},
            status_code=error.status,
        )
    body = {"status": error.status, "title": error.title, "detail": error.detail}
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json")


def _validation_error(request: Request, error: RequestValidationError) -> Response:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "path", "body"))
        problems.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return _airkg_error(request, InputError("; ".join(problems)))

