"""The web pages: every page renders from this server alone, source text is escaped and highlighted."""

from __future__ import annotations

import re

import pytest

from api_cases import AGENCY_ID, HOSTILE_ID, PLAN_ID

PAGES = [
    "/", "/measures", "/measures?q=钢铁&pollutant=PM&limit=5", f"/plans/{PLAN_ID}", "/timeline",
    f"/timeline?plan={PLAN_ID}&due_from=2023-01-01", "/agencies", f"/agencies/{AGENCY_ID}", "/pollutants",
    "/pollutants/VOCs", "/sectors", "/sectors/steel", "/regions", "/regions?q=济宁", "/regions/370800", "/queries",
    "/queries/lead-agencies", "/queries/lead-agencies?run=1", "/editor", "/docs",
    "/editor?query=SELECT%20%3Fs%20WHERE%20%7B%3Fs%20a%20airkg%3APlan%7D",
]
_ASSET = re.compile(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]+)"', re.IGNORECASE)


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_and_loads_assets_only_from_this_server(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    for asset in _ASSET.findall(response.text):
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset


def test_home_lists_plans_with_counts(client) -> None:
    page = client.get("/").text
    assert page.count('href="/plans/') == 5 and "山东省2023年大气环境质量巩固提升行动方案" in page
    assert 'action="/measures"' in page


def test_home_and_agency_pages_come_in_pages(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.routes import entity_pages, pages

    monkeypatch.setattr(pages, "HOME_PAGE_PLANS", 2)
    monkeypatch.setattr(entity_pages, "AGENCIES_PAGE", 40)
    first, last = client.get("/").text, client.get("/?offset=4").text
    assert first.count('href="/plans/') == 2 and "Plans 1–2 of 5" in first and 'href="/?offset=2"' in first
    assert last.count('href="/plans/') == 1 and "Plans 5–5 of 5" in last and 'href="/?offset=2"' in last
    assert 'href="/agencies?offset=40"' in client.get("/agencies").text


def test_the_filter_form_asks_for_a_plan_id_when_there_are_many_plans(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.routes import pages

    assert '<select name="plan">' in client.get("/measures").text  # 5 plans: a list
    monkeypatch.setattr(pages, "MAX_PLAN_OPTIONS", 4)
    page = client.get("/measures", params={"plan": PLAN_ID}).text
    assert '<select name="plan">' not in page and f'<input name="plan" value="{PLAN_ID}"' in page and "5 plans" in page


def test_plan_page_highlights_each_measure_in_the_source_text(client, seed_plans) -> None:
    page = client.get(f"/plans/{PLAN_ID}").text
    plan = seed_plans[PLAN_ID]
    for measure in plan.measures:
        assert f'id="text-{measure.path}"' in page and f'id="m-{measure.path}"' in page
    assert "山东省生态环境厅" in page and "年底前" in page


def test_agency_page_quotes_the_assigning_sentences(client) -> None:
    page = client.get(f"/agencies/{AGENCY_ID}").text
    assert page.count("<mark>") > 5 and "<mark>省生态环境厅</mark>" in page


def test_timeline_marks_overdue_deadlines(client) -> None:
    page = client.get("/timeline").text
    assert "2023-12" in page and 'class="overdue"' in page


def test_saved_query_page_runs_and_links_csv(client) -> None:
    page = client.get("/queries/lead-agencies", params={"run": "1", "pollutant": "VOCs"}).text
    assert "<table" in page and "format=csv" in page
    bad = client.get("/queries/lead-agencies", params={"run": "1", "pollutant": "unobtainium"})
    assert bad.status_code == 400 and "unobtainium" in bad.text


def test_editor_runs_a_query_and_reports_errors(client) -> None:
    page = client.get("/editor", params={"query": "SELECT ?t WHERE { ?p a airkg:Plan ; dcterms:title ?t }"}).text
    assert "5 rows" in page and "山东省2023年大气环境质量巩固提升行动方案" in page
    refused = client.get("/editor", params={"query": "DROP ALL"})
    assert refused.status_code == 403 and "read-only" in refused.text
    assert "/static/vendor/yasgui/yasgui.min.js" in page and 'data-endpoint="/sparql"' in page


def test_yasgui_is_configured_for_this_endpoint_only(client) -> None:
    script = client.get("/static/editor.js").text
    assert 'autocompleters = ["variables"]' in script and "prefixCcApi = null" in script
    code = "\n".join(line for line in script.splitlines() if "PREFIX" not in line)
    assert "endpointCatalogueOptions" in script and "http" not in code.replace("window.location.href", "")


def test_unknown_pages_are_html_404s(client) -> None:
    for url in ("/plans/nothing", "/agencies/000000000000", "/regions/999999", "/queries/nothing"):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 404 and "<h1>404" in response.text


def test_bad_filter_on_a_page_is_400(client) -> None:
    response = client.get("/measures", params={"due_from": "soon"}, headers={"Accept": "text/html"})
    assert response.status_code == 400 and "due_from" in response.text


@pytest.mark.parametrize("url", ["/", f"/plans/{HOSTILE_ID}", "/measures", "/timeline", "/measures?q=<script>",
                                 "/editor?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D"])
def test_document_text_is_escaped(hostile_client, url: str) -> None:
    page = hostile_client.get(url).text
    for raw in ("<img src=x onerror", "<script>alert", "<svg onload", '"><svg'):
        assert raw not in page, (url, raw)
    if url.startswith("/plans/"):
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
