"""The pages as an analyst uses them, in headless Chromium (issue 15): from the home page to the answer of
the headline question and on to the source sentence of one row in at most four clicks; the measure page;
names in every filter; the same count on the list, the graph and a saved query for the same filters and
basis; CSV with a BOM; the editor's result links staying on this host; the graph with classes hidden.
Screenshots of each page go to ``AIRKG_SCREENSHOT_DIR`` when set (else the test's temporary folder)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from api_cases import AGENCY_ID, PLAN_ID
from browser_pages import BROWSER_MARKS, Page, base_url, browser, click, foreign, go, page, shots, text  # noqa: F401

pytestmark = BROWSER_MARKS

SHANDONG = quote("山东省")
VOCS_ZH = quote("挥发性有机物")
READY = "window.airkgGraph && window.airkgGraph.ready"


def test_home_to_answer_to_source_sentence_in_four_clicks(page: Page, base_url: str, shots: Path) -> None:
    go(page, base_url + "/")
    page.screenshot(shots / "home.png")
    click(page, "#q-lead-vocs-shandong")                                   # 1: the headline question
    assert page.evaluate("location.pathname") == "/queries/lead-agencies"
    rows = page.evaluate("document.querySelectorAll('table.results tbody tr').length")
    assert rows > 0
    agencies = page.evaluate("[...document.querySelectorAll('table.results tbody td:first-child a')]"
                             ".map(a => a.textContent)")
    assert "山东省生态环境厅" in agencies                                   # the answer names the agencies, linked
    page.screenshot(shots / "answer.png")
    promised = int(page.evaluate("document.querySelector('table.results tbody tr td:nth-child(3)').textContent"))
    click(page, "table.results tbody tr a.measures-link")                  # 2: the measures behind one row
    assert page.evaluate("location.pathname") == "/measures"
    assert int(text(page, "#count")) == promised                          # exactly the row's measures
    page.screenshot(shots / "row-measures.png")
    click(page, "table.measures a.source-link")                            # 3: the sentence in the plan
    target = page.evaluate("location.hash").removeprefix("#")
    assert target.startswith("text-") and page.evaluate("location.pathname").startswith("/plans/")
    marked = page.evaluate(f"document.getElementById({json.dumps(target)}).textContent")
    assert len(marked) > 20 and page.evaluate(f"document.getElementById({json.dumps(target)}).matches(':target')")
    page.screenshot(shots / "source-sentence.png")
    assert page.console_errors() == [] and foreign(page, base_url) == []


def test_measure_page(page: Page, base_url: str, shots: Path) -> None:
    go(page, f"{base_url}/id/plan/{PLAN_ID}/measure/2.1")                 # a browser is sent to the page
    assert page.evaluate("location.pathname") == f"/measures/{PLAN_ID}:2.1"
    assert "推动全省钢铁企业环保绩效全面创A" in text(page, "h1")
    assert page.evaluate(f"!!document.querySelector('.hl.agency[href=\"/agencies/{AGENCY_ID}\"]')")
    assert page.evaluate("!!document.querySelector('.hl.deadline') && !!document.querySelector('.hl.sector')")
    assert page.evaluate("!!document.querySelector('.measure-text .context')")  # the surrounding paragraph
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert any(href.startswith("/graph?focus=") for href in links)
    assert any(href.endswith("?format=ttl") for href in links) and any(href.startswith(f"/plans/{PLAN_ID}#text-")
                                                                        for href in links)
    assert "stated" in text(page, "dl.facts") and "inferred" in text(page, "dl.facts")
    assert "[bookmark" not in page.evaluate("document.body.innerText")
    page.screenshot(shots / "measure.png")
    assert page.console_errors() == [] and foreign(page, base_url) == []
    turtle = httpx.get(f"{base_url}/id/plan/{PLAN_ID}/measure/2.1", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")  # clients still get RDF


@pytest.mark.parametrize(("path", "check"), [
    (f"/measures?region=Shandong&pollutant={VOCS_ZH}&agency={quote('山东省生态环境厅')}", "#count"),
    (f"/measures?region={quote('山东')}&sector={quote('钢铁')}&basis=any", "#count"),
    (f"/measures?plan={quote('济宁市空气质量')}&agency={quote('Jining City Bureau of Ecology and Environment')}",
     "#count"),
    (f"/timeline?region=Shandong&pollutant={VOCS_ZH}", "#count"),
    (f"/agencies?region={quote('济宁')}&type={quote('生态环境')}", "#count"),
    (f"/queries/lead-agencies?region=Shandong&pollutant={VOCS_ZH}&run=1", "#count"),
])
def test_names_in_every_filter(page: Page, base_url: str, path: str, check: str, shots: Path) -> None:
    go(page, base_url + path)
    assert int(text(page, check)) > 0, path
    assert page.console_errors() == []


def test_names_in_the_graph_filter(page: Page, base_url: str) -> None:
    go(page, f"{base_url}/graph?region=Shandong&pollutant={VOCS_ZH}&agency={quote('山东省生态环境厅')}")
    page.wait_for(READY, 60)
    assert page.evaluate("window.airkgGraph.nodes.get({filter: n => n.kind === 'measure'}).length") > 0


def test_a_name_that_matches_nothing_suggests_one(page: Page, base_url: str, shots: Path) -> None:
    go(page, f"{base_url}/measures?agency={quote('山东省生态环境厅厅')}")
    message = text(page, ".error")
    assert "did you mean" in message and "山东省生态环境厅" in message
    page.screenshot(shots / "did-you-mean.png")
    click(page, ".suggestions a")                                          # the suggestion, one click away
    assert int(text(page, "#count")) > 0
    response = httpx.get(f"{base_url}/api/measures", params={"region": "Atlantis"})
    assert response.status_code == 400 and response.json()["detail"].startswith("region:")


@pytest.mark.parametrize("basis", ["stated", "any"])
def test_same_count_on_list_graph_and_query(page: Page, base_url: str, basis: str) -> None:
    go(page, f"{base_url}/measures?region={SHANDONG}&pollutant=VOCs&basis={basis}")
    listed = int(text(page, "#count"))
    assert "Counting" in text(page, ".basis-control") and text(page, ".basis-control strong")
    go(page, f"{base_url}/graph?region={SHANDONG}&pollutant=VOCs&basis={basis}")
    page.wait_for(READY, 60)
    drawn = page.evaluate("window.airkgGraph.nodes.get({filter: n => n.kind === 'measure'}).length")
    assert text(page, "#as-list").startswith(f"{listed} measures")
    rows = httpx.get(f"{base_url}/api/queries/stated-vs-inferred",
                     params={"region": "山东省", "pollutant": "VOCs"}, timeout=60).json()["rows"]
    queried = len({(r["plan"], r["path"]) for r in rows if basis == "any" or r["basis"] == basis})
    assert listed == drawn == queried > 0


@pytest.mark.parametrize("path", [f"/measures?region={SHANDONG}&pollutant=VOCs", "/timeline", "/agencies",
                                  "/queries/lead-agencies?run=1", f"/sectors/steel"])
def test_csv_opens_with_the_right_characters(page: Page, base_url: str, path: str) -> None:
    go(page, base_url + path)
    href = page.evaluate("[...document.querySelectorAll('a')].find(a => a.textContent.trim() === 'CSV').href")
    assert href.startswith(base_url)
    body = httpx.get(href, timeout=60).content
    assert body.startswith("\ufeff".encode())
    decoded = body.decode("utf-8-sig")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in decoded) and "\ufffd" not in decoded


def test_editor_links_stay_on_this_host(page: Page, base_url: str, shots: Path) -> None:
    query = ("SELECT ?agency ?plan WHERE { ?m airkg:hasAssignment ?a ; airkg:partOfPlan ?plan . ?a airkg:agency ?agency ; "
             "airkg:role <https://airkg.example.org/id/role/lead> } LIMIT 5")
    go(page, f"{base_url}/editor?query={quote(query)}")
    page.wait_for("window.airkgYasgui && document.querySelector('.yasqe .CodeMirror') !== null")
    assert page.evaluate("document.querySelectorAll('#examples option').length") >= 18
    page.evaluate("window.airkgYasgui.getTab().getYasqe().query()")
    page.wait_for("document.querySelectorAll('.yasr tbody tr').length", timeout=30)
    page.wait_for("document.querySelectorAll('.yasr a.local-link').length > 0", timeout=10)
    hrefs = page.evaluate("[...document.querySelectorAll('.yasr tbody a')].map(a => a.href)")
    assert hrefs and all(h.startswith(base_url + "/id/") for h in hrefs), hrefs
    page.screenshot(shots / "editor.png")
    click(page, ".yasr tbody a.local-link")
    assert page.evaluate("location.origin") == base_url and page.evaluate("document.title") != ""
    go(page, f"{base_url}/queries/lead-agencies?run=1")
    click(page, "a[href^='/editor?query=']")                               # a saved query, opened in the editor
    page.wait_for("window.airkgYasgui && document.querySelector('.yasqe .CodeMirror') !== null")
    assert "VALUES" in page.evaluate("window.airkgYasgui.getTab().getYasqe().getValue()")
    assert foreign(page, base_url) == []


def test_graph_with_classes_hidden(page: Page, base_url: str, shots: Path) -> None:
    go(page, f"{base_url}/graph?region={SHANDONG}&pollutant=VOCs&basis=any")
    page.wait_for(READY, 60)
    assert page.evaluate("document.getElementById('loading').hidden")
    assert page.evaluate("document.getElementById('network').dataset.collapsed") == "2"  # sectors, pollutants
    page.screenshot(shots / "graph-collapsed.png")
    every = page.evaluate("window.airkgGraph.nodes.length")
    for kind in ("sector", "deadline", "region"):
        page.evaluate(f"document.querySelector('.class-toggle input[data-kind=\"{kind}\"]').click()")
    hidden = page.evaluate("window.airkgGraph.nodes.get({filter: n => ['sector', 'deadline', 'region']"
                           ".includes(n.kind)}).length")
    assert hidden and page.evaluate("window.airkgGraph.visibleCount()") == every - hidden
    page.evaluate("document.getElementById('cluster-plan').click()")
    assert int(page.evaluate("document.getElementById('network').dataset.clusters")) >= 2
    page.pump(0.5)
    page.screenshot(shots / "graph-hidden-clustered.png")
    go(page, f"{base_url}/graph?region={SHANDONG}&pollutant=VOCs&hide=sector,deadline,region")
    page.wait_for(READY, 60)
    assert not page.evaluate("document.querySelector('.class-toggle input[data-kind=\"sector\"]').checked")
    page.screenshot(shots / "graph-hidden.png")
    assert page.console_errors() == [] and foreign(page, base_url) == []


@pytest.mark.parametrize(("path", "name"), [
    ("/", "p-home"), (f"/plans/{PLAN_ID}", "p-plan"), ("/timeline", "p-timeline"), ("/agencies", "p-agencies"),
    (f"/agencies/{AGENCY_ID}", "p-agency"), ("/pollutants/VOCs", "p-pollutant"), ("/regions/110000", "p-region-empty"),
    ("/measures?q=steel", "p-search"), ("/agencies/nope", "p-404"), ("/queries", "p-queries"),
])
def test_pages_render_cleanly(page: Page, base_url: str, path: str, name: str, shots: Path) -> None:
    go(page, base_url + path)
    assert page.evaluate("document.querySelector('h1') !== null")
    assert "[bookmark" not in page.evaluate("document.body.innerText")
    page.screenshot(shots / f"{name}.png")
    errors = [e for e in page.console_errors() if "404" not in e]
    assert errors == [] and foreign(page, base_url) == []


ZHOUCUN = quote("周村区")


def test_a_deadline_range_gives_the_same_count_on_list_graph_and_query(page: Page, base_url: str) -> None:
    """Due in 2019 in Zhoucun's plan: nine measures (ten deadlines) by the golden answer of deadlines-in-range."""
    dates = "due_from=2019-01-01&due_to=2019-12-31"
    go(page, f"{base_url}/measures?region={ZHOUCUN}&{dates}")
    listed = int(text(page, "#count"))
    go(page, f"{base_url}/graph?region={ZHOUCUN}&{dates}")
    page.wait_for(READY, 60)
    assert text(page, "#as-list").startswith(f"{listed} measures")
    go(page, f"{base_url}/queries/deadlines-in-range?region={ZHOUCUN}&start=2019-01-01&end=2019-12-31&kind=any&run=1")
    measures = page.evaluate("new Set([...document.querySelectorAll('table.results tbody tr')]"
                             ".map(tr => tr.cells[0].textContent + '|' + tr.cells[1].textContent)).size")
    assert listed == measures == 9 and int(text(page, "#count")) == 10


@pytest.mark.parametrize("path, shot", [(f"/timeline?region=Shandong&pollutant={VOCS_ZH}", "timeline-facets.png"),
                                        (f"/agencies/{AGENCY_ID}", "agency-facets.png"),
                                        (f"/plans/{PLAN_ID}", "plan-facets.png"),
                                        ("/pollutants/VOCs", "pollutant-facets.png")])
def test_facets_beside_the_timeline_and_the_entity_pages(page: Page, base_url: str, shots: Path, path: str,
                                                         shot: str) -> None:
    go(page, base_url + path)
    assert page.evaluate("document.querySelectorAll('aside.facets li a').length") > 0
    assert page.evaluate("document.querySelector('.basis-control strong').textContent.trim()") == "stated"
    page.screenshot(shots / shot)
    before = page.evaluate("location.pathname")
    promised = int(page.evaluate("document.querySelector('aside.facets li .count').textContent"))
    click(page, "aside.facets li a")                                       # one value narrows the selection
    counted = int(text(page, "#count"))
    if before == "/timeline":
        assert page.evaluate("location.pathname") == "/timeline" and counted >= promised  # deadlines of them
    else:
        assert page.evaluate("location.pathname") == "/measures" and counted == promised
    assert page.console_errors() == [] and foreign(page, base_url) == []


def test_a_large_saved_answer_pages(page: Page, base_url: str, shots: Path) -> None:
    go(page, f"{base_url}/queries/deadlines-in-range?start=2000-01-01&end=2035-12-31&kind=any&run=1&limit=40")
    assert int(text(page, "#count")) == 104                                # every dated deadline of the seeds
    assert page.evaluate("document.querySelectorAll('table.results tbody tr').length") == 40
    page.screenshot(shots / "query-paged.png")
    click(page, "nav.pages a:last-child")                                  # next →
    assert text(page, "#page-rows") == "41–80"
    click(page, "nav.pages a:last-child")
    assert text(page, "#page-rows") == "81–104"
    assert page.evaluate("document.querySelectorAll('table.results tbody tr').length") == 24


def test_supporting_agencies_rows_open_exactly_their_measures(page: Page, base_url: str, shots: Path) -> None:
    go(page, f"{base_url}/queries/supporting-agencies?lead={quote('Jining City Bureau of Ecology and Environment')}"
             "&run=1")
    promised = int(page.evaluate("document.querySelector('table.results tbody tr td:nth-child(2)').textContent"))
    click(page, "table.results tbody tr a.measures-link")
    assert page.evaluate("location.pathname") == "/queries/supported-measures"
    assert int(text(page, "#count")) == promised == 3
    page.screenshot(shots / "supported-measures.png")
    click(page, "table.results tbody tr a.source-link")                    # and on to the sentence
    assert page.evaluate("location.pathname") == "/plans/003_922dca89c0e37589"
    assert page.console_errors() == [] and foreign(page, base_url) == []
