"""Builds the FastAPI app: REST under /api, the SPARQL endpoint, linked data under /id, and the web pages."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.bootstrap import build_if_empty
from api.errors import install_error_handlers
from api.security import install as install_security, script_hashes_csp
from api.page_helpers import install as install_page_helpers
from api.routes import (
    agencies,
    deadlines,
    linked_data,
    measures,
    pages,
    plans,
    pollutants,
    queries,
    regions,
    sectors,
    sparql,
)
from api.settings import Settings
from kg.errors import InputError
from kg.query_pool import PoolLimits, PooledStore, pool_for
from kg.store import Store, open_store

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


@contextmanager
def _user_queries(app: FastAPI, store: Store, settings: Settings) -> Iterator[None]:
    """The worker processes that run the queries users write (``kg.query_pool``), for the app's lifetime."""
    limits = PoolLimits(timeout=settings.query_timeout, max_rows=settings.max_rows,
                        max_bytes=settings.max_response_bytes,
                        memory_bytes=settings.query_memory_mb * 1024**2 or None)
    pool = pool_for(store, limits, size=settings.query_workers, waiting=settings.query_queue)
    if pool is None:
        refuse_unisolated(settings, "no process but the server's can open an in-memory store"
                          if settings.query_workers else "AIRKG_QUERY_WORKERS is 0")
        log.warning("user queries run in the server's own threads, unisolated (unsafe_in_process_queries)")
    app.state.query_pool = pool
    app.state.user_store = PooledStore(store, pool) if pool is not None else store
    try:
        yield
    finally:
        app.state.query_pool = app.state.user_store = None
        if pool is not None:
            pool.close()


def _freeze_start_up() -> None:
    """Move what start-up made (modules, the app, templates, the query grammar) out of the garbage
    collector's reach: a request's collections then walk only what requests made. Under load the
    collector took 20% of the server's time walking the start-up heap again and again (bench/notes-api.md)."""
    gc.collect()
    gc.freeze()


def refuse_unisolated(settings: Settings, why: str) -> None:
    """Refuse to serve with user queries in the server's own threads unless the settings say so knowingly.

    Raises:
        InputError: ``settings.unsafe_in_process_queries`` is off.
    """
    if not settings.unsafe_in_process_queries:
        raise InputError(f"{why}: user queries would run in the server's own process, where one that crashes the "
                         "engine takes the server down and one past the time limit cannot be stopped; give "
                         "AIRKG_QUERY_WORKERS 1 or more, or, knowingly, --unsafe-in-process-queries "
                         "(AIRKG_UNSAFE_IN_PROCESS_QUERIES=true)")


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The app over ``store`` (left open when given), else over the store ``settings.store`` names.

    A store the app opens itself is filled from ``settings.seeds`` when empty
    (``settings.build_if_empty``) and closed at shutdown.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is not None:
            app.state.store = store
            with _user_queries(app, store, settings):
                store.keep_read_copy(settings.read_copy_max_quads)
                _freeze_start_up()
                yield
            return
        with open_store(settings.store) as opened:
            if settings.build_if_empty:
                build_if_empty(opened, settings.seeds)
            app.state.store = opened
            with _user_queries(app, opened, settings):
                opened.keep_read_copy(settings.read_copy_max_quads)
                _freeze_start_up()
                yield

    app = FastAPI(
        title="airkg",
        summary="Chinese air-quality action plans as a knowledge graph: REST, SPARQL and linked data.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    # Templates are read once: Jinja's default checks every template file's mtime (a stat per template
    # and per page rendered); a changed template takes a restart, as a changed module does.
    app.state.templates.env.auto_reload = False
    install_page_helpers(app)  # filters and globals of the pages (api/page_helpers.py)
    install_error_handlers(app)
    install_security(app)  # security headers, relative redirects, OPTIONS, problem+json 404/405, 400 in the schema
    for module in (plans, measures, agencies, pollutants, sectors, regions, deadlines, queries):
        app.include_router(module.router)
    app.include_router(sparql.router)
    app.include_router(linked_data.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        """Swagger UI from /static/vendor (FastAPI's default page loads it from a CDN)."""
        page = get_swagger_ui_html(
            openapi_url="/openapi.json", title="airkg API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = script_hashes_csp(page.body.decode("utf-8"))  # its inline script
        return page

    # --- uploads: POST /api/plans (the ingest work, api/routes/uploads.py; off unless configured) -----
    try:
        from api.routes import uploads
    except ModuleNotFoundError as missing:
        if missing.name != "api.routes.uploads":
            raise
    else:
        app.include_router(uploads.router)

    # --- across plans (issue 16): /api/compare, /compare, /api/plans/{plan}/relations, the plan page's block
    from api.routes import compare as relations_routes

    relations_routes.install(app)

    # --- interactive graph (viz/) -----------------------------------------------------------
    # viz.router:router serves /graph once viz/router.py lands; until then the app runs without it.
    app.state.has_graph = False
    try:
        from viz.router import router as viz_router
    except ModuleNotFoundError as missing:
        if missing.name != "viz.router":
            raise
    else:
        app.include_router(viz_router)
        app.state.has_graph = True
    # -----------------------------------------------------------------------------------------
    return app
