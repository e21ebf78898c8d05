"""The pages in headless Chromium (driven over CDP with the viz tests' driver): they work, YASGUI runs a
query against /sparql, and no page asks for anything from another host."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api_cases import AGENCY_ID, PLAN_ID, make_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viz"))  # cdp_browser: headless Chromium over CDP
from cdp_browser import Chromium, chromium_available  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server,
              pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium")]

PAGES = ["/", f"/plans/{PLAN_ID}", "/measures?q=VOCs", "/timeline", f"/agencies/{AGENCY_ID}", "/pollutants/PM2.5",
         "/sectors/steel", "/regions/370800", "/queries", "/queries/lead-agencies?run=1", "/docs",
         f"/id/plan/{PLAN_ID}/measure/2.1"]


@pytest.fixture(scope="module")
def base_url(seed_store) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(make_app(seed_store), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(15)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


def foreign(urls: list[str], base_url: str) -> list[str]:
    return [url for url in urls if not url.startswith((base_url, "data:", "blob:", "about:"))]


@pytest.mark.parametrize("path", PAGES)
def test_page_asks_nothing_of_other_hosts(browser: Chromium, base_url: str, path: str, tmp_path: Path) -> None:
    page = browser.new_page()
    try:
        page.navigate(base_url + path)
        page.pump(1.0)
        assert page.evaluate("document.querySelector('h1, .swagger-ui') !== null")
        assert foreign(page.requested_urls(), base_url) == []
        assert page.console_errors() == [], page.console_errors()
    finally:
        browser.close_page(page)


def test_yasgui_runs_a_query_on_this_server_only(browser: Chromium, base_url: str, tmp_path: Path) -> None:
    page = browser.new_page()
    try:
        page.navigate(base_url + "/editor")
        page.wait_for("window.airkgYasgui && document.querySelector('.yasqe .CodeMirror') !== null")
        query = "PREFIX airkg: <https://airkg.example.org/ontology#> SELECT ?plan WHERE { ?plan a airkg:Plan }"
        page.evaluate(f"window.airkgYasgui.getTab().getYasqe().setValue({json.dumps(query)})")
        page.evaluate("window.airkgYasgui.getTab().getYasqe().query()")
        rows = page.wait_for("document.querySelectorAll('.yasr tbody tr').length", timeout=30)
        assert rows == 5
        page.screenshot(tmp_path / "editor.png")
        sparql = [url for url in page.requested_urls() if "/sparql" in url]
        assert sparql and all(url.startswith(base_url + "/sparql") for url in sparql)
        assert foreign(page.requested_urls(), base_url) == []
    finally:
        browser.close_page(page)
