"""Constants and checks the API tests share (imported by name: tests/api is on sys.path)."""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app
from api.settings import Settings

HOSTILE_PLAN = """山东省恶意标记测试行动方案
为测试页面安全，制定本方案。
一、强化VOCs治理
（一）加强<img src=x onerror=alert(1)>挥发性有机物治理。<script>alert(2)</script>年底前完成涂装企业VOCs整治。（省生态环境厅负责）
（二）推进"><svg onload=alert(4)>柴油货车治理。2023年10月底前完成排查。（省公安厅牵头，省交通运输厅配合）
"""
HOSTILE_ID = "hostile_plan"
MEASURE_ID = "000_aa781de31b5c5cff:2.1"
PLAN_ID = "000_aa781de31b5c5cff"
AGENCY_ID = "76edf130b6dd"  # 山东省生态环境厅


def problem(response) -> dict:
    """The problem body of an error response, checked for its shape."""
    body = response.json()
    assert set(body) == {"status", "title", "detail"} and body["status"] == response.status_code, body
    return body


def make_app(store, **settings) -> FastAPI:
    """The app over ``store`` (never built from seeds), with any Settings field overridden; an in-memory
    store (no worker process can open it) runs user queries in the test's process, as it says so."""
    settings.setdefault("unsafe_in_process_queries", getattr(store, "path", "") is None)
    return create_app(Settings(build_if_empty=False, **settings), store=store)
