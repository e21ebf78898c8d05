"""What the graph view's tests share: a hostile plan, a minimal app around the viz router, and a
uvicorn server for it on a free loopback port."""

from __future__ import annotations

import html
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from kg.errors import AirkgError
from kg.store import Store
from viz.router import router

HOSTILE_PLAN = """山东省恶意标记测试行动方案
为测试页面安全，制定本方案。
一、强化VOCs治理
（一）加强<img src=x onerror=alert(1)>挥发性有机物治理。<script>alert(2)</script>年底前完成涂装企业VOCs整治，见 <a href="javascript:alert(3)">href</a> 链接。（省生态环境厅负责）
（二）推进"><svg onload=alert(4)>柴油货车治理。2023年10月底前完成排查。（省公安厅牵头，省交通运输厅配合）
"""
HOSTILE_ID = "hostile_plan"


def make_app(store: Store) -> FastAPI:
    """The smallest app around the router: the store, one error handler, and a stand-in entity page."""
    app = FastAPI()
    app.state.store = store
    app.include_router(router)

    async def airkg_error(request: Request, error: AirkgError) -> JSONResponse:
        return JSONResponse({"title": error.title, "detail": error.detail}, status_code=error.status)

    app.add_exception_handler(AirkgError, airkg_error)  # type: ignore[arg-type]

    @app.get("/id/{rest:path}", response_class=HTMLResponse)
    def entity_page(rest: str) -> str:
        return ("<!DOCTYPE html><title>entity</title><link rel='icon' href='data:,'>"
                f"<h1 id='entity'>{html.escape(rest)}</h1>")

    return app


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free 127.0.0.1 port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
