"""The pages in headless Chromium (driven over CDP with the viz tests' driver): they work, YASGUI runs a
query against /sparql, and no page asks for anything from another host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api_cases import AGENCY_ID, PLAN_ID
from browser_pages import BROWSER_MARKS, Page, base_url, browser, foreign, page, shots  # noqa: F401

pytestmark = BROWSER_MARKS

PAGES = ["/", f"/plans/{PLAN_ID}", "/measures?q=VOCs", "/timeline", f"/agencies/{AGENCY_ID}", "/pollutants/PM2.5",
         "/sectors/steel", "/regions/370800", "/queries", "/queries/lead-agencies?run=1", "/docs",
         f"/id/plan/{PLAN_ID}/measure/2.1"]


@pytest.mark.parametrize("path", PAGES)
def test_page_asks_nothing_of_other_hosts(page: Page, base_url: str, path: str) -> None:
    page.navigate(base_url + path)
    page.pump(1.0)
    assert page.evaluate("document.querySelector('h1, .swagger-ui') !== null")
    assert foreign(page, base_url) == []
    assert page.console_errors() == [], page.console_errors()


def test_yasgui_runs_a_query_on_this_server_only(page: Page, base_url: str, shots: Path) -> None:
    page.navigate(base_url + "/editor")
    page.wait_for("window.airkgYasgui && document.querySelector('.yasqe .CodeMirror') !== null")
    query = "PREFIX airkg: <https://airkg.example.org/ontology#> SELECT ?plan WHERE { ?plan a airkg:Plan }"
    page.evaluate(f"window.airkgYasgui.getTab().getYasqe().setValue({json.dumps(query)})")
    page.evaluate("window.airkgYasgui.getTab().getYasqe().query()")
    rows = page.wait_for("document.querySelectorAll('.yasr tbody tr').length", timeout=30)
    assert rows == 5
    page.screenshot(shots / "editor-yasgui.png")
    sparql = [url for url in page.requested_urls() if "/sparql" in url]
    assert sparql and all(url.startswith(base_url + "/sparql") for url in sparql)
    assert foreign(page, base_url) == []
