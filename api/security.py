"""What every response of the service carries, and how the service answers what no route handles.

* **Security headers** on every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` and a ``Content-Security-Policy`` suited to the page: the site's pages
  load scripts only from ``/static`` (:data:`PAGE_CSP`; ``<script type="application/json">`` data blocks
  are not scripts; inline styles are allowed); ``/docs`` (Swagger UI) adds the hash of its one inline script; a response
  that sets its own policy (``/graph``) keeps it, with ``frame-ancestors 'none'`` added if missing.
* **Redirects stay on this host**: the trailing-slash redirect (``/api/plans/`` → ``/api/plans``) is sent as
  a relative ``Location``, never built from the request's ``Host`` header.
* **OPTIONS** on any path answers 204 with ``Allow`` listing the methods of every route of that path
  (``/api/plans``: GET, HEAD, OPTIONS, POST); a 405 lists them the same way.
* Errors Starlette raises itself (404 for no route, 405) are ``application/problem+json`` like airkg's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Scripts only from this origin (no inline script, no eval); styles from this origin and inline ones (the
#: timeline's chart and legend, YASGUI and Swagger UI set style attributes; a style cannot run code).
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
            "frame-ancestors 'none'")
EDITOR_CSP = PAGE_CSP
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
}
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", re.S | re.I)


def script_hashes_csp(html: str, base: str = EDITOR_CSP) -> str:
    """``base`` allowing the inline scripts of ``html`` by their SHA-256 (as for Swagger UI's page)."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                      for body in _INLINE_SCRIPT.findall(html))
    return base.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())


class SecurityMiddleware:
    """The headers, relative redirects and OPTIONS of the module docstring, as pure ASGI (streams pass)."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            methods = self.allowed(scope)
            if methods:
                response = Response(status_code=204, headers={"Allow": ", ".join(methods)})
                await response(scope, receive, self._sending(scope, send))
                return
        await self.app(scope, receive, self._sending(scope, send))

    def allowed(self, scope: Scope) -> list[str]:
        """The methods of every route whose path matches the request's (with HEAD and OPTIONS)."""
        methods: set[str] = set()
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            probe = {**scope, "method": method}
            for route in self.fastapi_app.router.routes:
                match, _ = route.matches(probe)
                if match is Match.FULL:
                    methods.add("GET" if isinstance(route, Mount) else method)
                    break
        if methods:
            methods |= {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        return sorted(methods)

    def _sending(self, scope: Scope, send: Send) -> Send:
        path = scope.get("path", "")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in HEADERS]
                names = {k.lower() for k, _ in headers}
                headers += list(HEADERS.items())
                if b"content-security-policy" in names:
                    headers = [(k, _with_frame_ancestors(v) if k.lower() == b"content-security-policy" else v)
                               for k, v in headers]
                else:
                    csp = EDITOR_CSP if path.rstrip("/") in ("/editor", "/docs") else PAGE_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                status = message["status"]
                if status in (301, 302, 303, 307, 308):
                    host = dict(scope.get("headers", [])).get(b"host", b"")
                    headers = [(k, _relative(v, host) if k.lower() == b"location" else v) for k, v in headers]
                if status == 405:
                    methods = ", ".join(self.allowed(scope)).encode()
                    headers = [(k, methods if k.lower() == b"allow" else v) for k, v in headers]
                message = {**message, "headers": headers}
            await send(message)

        return sending


def _with_frame_ancestors(policy: bytes) -> bytes:
    return policy if b"frame-ancestors" in policy else policy.rstrip(b"; ") + b"; frame-ancestors 'none'"


def _relative(location: bytes, host: bytes) -> bytes:
    """``http://<the request's Host>/path?q`` → ``/path?q``: a redirect to this server never names the host
    the client sent (which may be made up); redirects elsewhere are left alone."""
    text = location.decode("latin-1")
    match = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)(.*)$", text)
    if match and match.group(1).encode("latin-1").lower() == host.lower():
        text = match.group(2) or "/"
        if not text.startswith("/"):
            text = "/" + text
        if text.startswith("//"):  # a scheme-relative URL would name a host again
            text = "/" + text.lstrip("/")
    return text.encode("latin-1")


async def _starlette_error(request: Request, error: StarletteHTTPException) -> Response:
    titles = {404: "Not found", 405: "Method not allowed", 400: "Bad input"}
    detail = error.detail if isinstance(error.detail, str) and error.detail not in ("Not Found", "Method Not Allowed") \
        else ("no such resource" if error.status_code == 404 else
              "this method is not allowed here" if error.status_code == 405 else str(error.detail))
    if error.status_code == 404 and "text/html" in request.headers.get("accept", "") \
            and not request.url.path.startswith(("/api/", "/sparql")):
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html", {"status": 404, "title": "Not found",
                                                                 "detail": detail}, status_code=404)
    return JSONResponse({"status": error.status_code, "title": titles.get(error.status_code, "Error"),
                         "detail": detail}, status_code=error.status_code, media_type="application/problem+json",
                        headers=getattr(error, "headers", None))


def install(app: FastAPI) -> None:
    """Add the middleware, the problem+json handler for Starlette's own errors and the OpenAPI rewrite."""
    app.add_middleware(SecurityMiddleware, fastapi_app=app)
    app.add_exception_handler(StarletteHTTPException, _starlette_error)  # type: ignore[arg-type]
    _document_errors(app)


PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEM_SCHEMA = {
    "title": "Problem", "type": "object", "required": ["status", "title", "detail"],
    "properties": {"status": {"type": "integer"}, "title": {"type": "string"}, "detail": {"type": "string"}},
    "description": "An error (RFC 9457): its HTTP status, a short title and what went wrong.",
}


def _document_errors(app: FastAPI) -> None:
    """The schema says what the service answers: a parameter that fails validation is **400** problem+json
    (``api/errors.py``), not FastAPI's 422, a path naming nothing is 404, and any other error is a problem
    (the ``default`` response)."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                _rewrite(operation["responses"], has_path_params="{" in path)
        schemas = schema["components"]["schemas"]
        if not _refers(schema.get("paths", {}), "HTTPValidationError"):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _rewrite(responses: dict, *, has_path_params: bool) -> None:
    validation = responses.get("422")
    if validation is not None and "HTTPValidationError" in str(validation):
        del responses["422"]
        responses.setdefault("400", {"description": "Bad input: a parameter is missing or malformed"})
    if "400" in responses and not responses["400"].get("content"):
        responses["400"]["content"] = PROBLEM
    if has_path_params:
        responses.setdefault("404", {"description": "Nothing of that id", "content": PROBLEM})
    responses.setdefault("default", {"description": "Any other error, as a problem", "content": PROBLEM})


def _refers(node: object, name: str) -> bool:
    if isinstance(node, dict):
        return any(_refers(value, name) for value in node.values())
    if isinstance(node, list):
        return any(_refers(value, name) for value in node)
    return isinstance(node, str) and node.endswith(f"/{name}")
