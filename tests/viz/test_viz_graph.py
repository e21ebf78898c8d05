"""The graph view without a browser: filters, neighbourhoods, the node cap, the page's markup, the CLI."""

from __future__ import annotations

import base64
import doctest
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from viz_testing import HOSTILE_ID, HOSTILE_PLAN, make_app

import viz.facts
import viz.filters
import viz.links
from kg.cli import app as cli_app
from kg.errors import InputError, NotFound
from kg.loading import extract_files, graphs_to_load
from kg.store import OxigraphStore
from viz.filters import GraphFilter
from viz.links import subgraph_url
from viz.render import Links, render_page
from viz.standalone import standalone_html
from viz.view import build_view

RES = "https://airkg.example.org/id/"
SHANDONG_PLAN = "000_aa781de31b5c5cff"

VOCS_IN_SHANDONG = """
SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {
  ?m a airkg:Measure ; airkg:partOfPlan ?plan .
  { ?m airkg:statedPollutant res:pollutant\\/VOCs } UNION { ?m airkg:inferredPollutant res:pollutant\\/VOCs }
  { ?plan airkg:region/airkg:parentRegion* res:region\\/370000 }
  UNION { ?m airkg:mentionsRegion/airkg:parentRegion* res:region\\/370000 }
}"""


def kinds(view) -> dict[str, int]:
    found: dict[str, int] = {}
    for _, data in view.graph.nodes(data=True):
        found[data["kind"]] = found.get(data["kind"], 0) + 1
    return found


def measure_nodes(view) -> set[str]:
    return {node for node, data in view.graph.nodes(data=True) if data["kind"] == "measure"}


@pytest.mark.parametrize("module", [viz.links, viz.filters, viz.facts])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("raw, message", [
    ({"role": "boss"}, "role must be"),
    ({"depth": 3}, "depth must be"),
    ({"due_from": "June"}, "not a date"),
    ({"due_from": "2023-13"}, "not a date"),
    ({"due_from": "2024", "due_to": "2023"}, "is after"),
    ({"limit": 5}, "node limit"),
    ({"focus": "agency/x", "nodes": ["agency/y"]}, "either focus or nodes"),
])
def test_bad_filters_are_input_errors(raw: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        GraphFilter.parse(**raw)


def test_dates_cover_whole_periods() -> None:
    f = GraphFilter.parse(due_from="2023-02", due_to="2023-02")
    assert (str(f.due_from), str(f.due_to)) == ("2023-02-01", "2023-02-28")


def test_vocs_measures_in_shandong_match_an_independent_query(seed_store: OxigraphStore) -> None:
    expected = int(str(seed_store.query(VOCS_IN_SHANDONG).rows[0]["n"]))
    assert expected > 10
    views = [build_view(seed_store, GraphFilter.parse(region=name, pollutant=pollutant, basis="any"))
             for name, pollutant in (("山东省", "VOCs"), ("Shandong", "vocs"), ("370000", "挥发性有机物"),
                                     ("山东", f"{RES}pollutant/VOCs"))]
    for view in views:
        assert not view.aggregated and view.measure_count == expected
        assert len(measure_nodes(view)) == expected
    assert {tuple(sorted(measure_nodes(v))) for v in views} == {tuple(sorted(measure_nodes(views[0])))}
    drawn = kinds(views[0])
    assert set(drawn) == {"measure", "plan", "agency", "pollutant", "sector", "deadline", "region"}
    assert not any(node.startswith("plan/004_") for node in measure_nodes(views[0]))  # Lüliang is in Shanxi


def test_every_relation_is_drawn_with_stated_and_inferred_apart(seed_store: OxigraphStore) -> None:
    view = build_view(seed_store, GraphFilter.parse(region="山东省", pollutant="VOCs", basis="any"))
    relations = {data["relation"] for _, _, data in view.graph.edges(data=True)}
    assert {"lead", "responsible", "support", "implementing", "stated_pollutant", "inferred_pollutant",
            "stated_sector", "inferred_sector", "due_by", "part_of_plan", "in_region"} <= relations
    measure = "plan/000_aa781de31b5c5cff/measure/3.2"
    targets = {(v, d["relation"]) for _, v, d in view.graph.out_edges(measure, data=True)}
    assert ("pollutant/VOCs", "stated_pollutant") in targets
    assert ("sector/industry", "inferred_sector") in targets


def test_region_filter_includes_sub_regions(seed_store: OxigraphStore) -> None:
    zibo = build_view(seed_store, GraphFilter.parse(region="淄博市"))
    assert any(node.startswith("plan/002_") for node in measure_nodes(zibo))  # 周村区 lies in 淄博市


def test_sector_filter_includes_narrower_sectors(seed_store: OxigraphStore) -> None:
    steel = measure_nodes(build_view(seed_store, GraphFilter.parse(sector="steel", limit=2000)))
    industry = measure_nodes(build_view(seed_store, GraphFilter.parse(sector="industry", limit=2000)))
    assert steel and steel <= industry


def test_agency_and_role_filter(seed_store: OxigraphStore) -> None:
    view = build_view(seed_store, GraphFilter.parse(agency="济宁市生态环境局", role="lead", limit=2000))
    agency = next(n for n, d in view.graph.nodes(data=True)
                  if d["kind"] == "agency" and d["heading"] == "济宁市生态环境局")
    assert measure_nodes(view)
    for measure in measure_nodes(view):
        assert (agency, "lead") in {(v, d["relation"]) for _, v, d in view.graph.out_edges(measure, data=True)}


def test_deadline_range(seed_store: OxigraphStore) -> None:
    view = build_view(seed_store, GraphFilter.parse(due_from="2023-06", due_to="2023-06"))
    assert measure_nodes(view)
    for measure in measure_nodes(view):
        dues = [v for _, v, d in view.graph.out_edges(measure, data=True) if d["relation"] == "due_by"]
        assert any(_due_in_june_2023(view.graph.nodes[d]) for d in dues)


def _due_in_june_2023(deadline: dict) -> bool:
    """Due in the range, as the lists mean it (a span that began earlier and runs through June does not count)."""
    due = str(dict(deadline["rows"]).get("due", ""))
    return "2023-06-01" <= due <= "2023-06-30"


def test_unknown_names_say_so(seed_store: OxigraphStore) -> None:
    view = build_view(seed_store, GraphFilter.parse(region="Atlantis"))
    assert view.graph.number_of_nodes() == 0
    assert any(notice.startswith("No region matches “Atlantis”.") for notice in view.notices), view.notices


def test_node_cap_summarises_and_says_so(seed_store: OxigraphStore) -> None:
    everything = build_view(seed_store, GraphFilter.parse())
    assert everything.aggregated and everything.graph.number_of_nodes() <= 300
    assert everything.measure_count == int(str(seed_store.query(
        "SELECT (COUNT(?m) AS ?n) WHERE { ?m a airkg:Measure }").rows[0]["n"]))
    assert "summarised" in everything.notices[0]
    counted = sum(d["count"] for u, v, d in everything.graph.edges(data=True)
                  if d["relation"] == "count_pollutant" and v == "pollutant/VOCs")
    assert counted == build_view(seed_store, GraphFilter.parse(pollutant="VOCs", limit=2000)).measure_count
    every = build_view(seed_store, GraphFilter.parse(basis="any"))  # counts on the view's basis, as the lists
    counted = sum(d["count"] for u, v, d in every.graph.edges(data=True)
                  if d["relation"] == "count_pollutant" and v == "pollutant/VOCs")
    assert counted == build_view(seed_store, GraphFilter.parse(pollutant="VOCs", limit=2000, basis="any")).measure_count
    tight = build_view(seed_store, GraphFilter.parse(limit=40))
    assert tight.graph.number_of_nodes() <= 40 and any("Left out" in n for n in tight.notices)
    roomy = build_view(seed_store, GraphFilter.parse(limit=2000))
    assert not roomy.aggregated and roomy.graph.number_of_nodes() > 300


def test_focus_neighbourhoods(seed_store: OxigraphStore) -> None:
    agency = "agency/76edf130b6dd"  # 山东省生态环境厅
    one = build_view(seed_store, GraphFilter.parse(focus=agency))
    assert set(kinds(one)) == {"agency", "measure"} and one.focus == agency
    assert all(one.graph.has_edge(m, agency) for m in measure_nodes(one))
    two = build_view(seed_store, GraphFilter.parse(focus=f"{RES}{agency}", depth=2))
    assert set(one.graph) < set(two.graph) and {"plan", "pollutant", "deadline"} <= set(kinds(two))
    narrowed = build_view(seed_store, GraphFilter.parse(focus=agency, pollutant="NOx"))
    assert measure_nodes(narrowed) < measure_nodes(one)
    measure = build_view(seed_store, GraphFilter.parse(focus=f"/id/plan/{SHANDONG_PLAN}/measure/3.2"))
    assert {"plan", "agency", "pollutant", "deadline"} <= set(kinds(measure)) and len(measure_nodes(measure)) == 1
    with pytest.raises(NotFound):
        build_view(seed_store, GraphFilter.parse(focus="agency/000000000000"))


def test_subgraph_of_saved_query_results(seed_store: OxigraphStore) -> None:
    rows = seed_store.query(f"SELECT ?m WHERE {{ ?m airkg:partOfPlan res:plan\\/{SHANDONG_PLAN} ; "
                            "airkg:statedPollutant res:pollutant\\/VOCs }").rows
    iris = [str(row["m"]) for row in rows]
    url = subgraph_url(iris)
    assert url.startswith("/graph?nodes=plan%2F")
    client = TestClient(make_app(seed_store))
    data = client.get(url.replace("/graph?", "/graph/data?")).json()
    drawn = {node["id"] for node in data["nodes"] if node["kind"] == "measure"}
    assert drawn == {iri.removeprefix(RES) for iri in iris}
    agencies_only = client.get(subgraph_url([f"{RES}agency/76edf130b6dd"]).replace("/graph?", "/graph/data?")).json()
    assert {n["kind"] for n in agencies_only["nodes"]} == {"agency", "measure"}


class _Refs(HTMLParser):
    """Every URL the markup would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster") and value is not None:
                self.refs.append((tag, name, value))


def test_served_page_loads_nothing_from_elsewhere(seed_store: OxigraphStore) -> None:
    client = TestClient(make_app(seed_store))
    response = client.get("/graph", params={"region": "山东省", "pollutant": "VOCs"})
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    parser = _Refs()
    parser.feed(response.text)
    assert parser.refs
    for tag, name, value in parser.refs:
        assert value.startswith(("/", "data:", "#")) and not value.startswith("//"), (tag, name, value)
    assert "cdn" not in response.text.lower() and "bootstrap" not in response.text.lower()
    for asset in ("vis-network.min.js", "vis-network.min.css", "graph.js", "graph.css"):
        assert client.get(f"/graph/static/{asset}").status_code == 200
    assert client.get("/graph/static/..%2Frouter.py").status_code == 404
    assert client.get("/graph/static/template.html").status_code == 404


def test_standalone_file_is_self_contained(seed_store: OxigraphStore) -> None:
    page, view = standalone_html(seed_store, GraphFilter.parse(region="山东省", pollutant="VOCs"))
    parser = _Refs()
    parser.feed(page)
    assert all(value.startswith(("data:", "#")) for _, _, value in parser.refs), parser.refs
    assert "<script src" not in page and 'rel="stylesheet"' not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    policy = policy.replace("&#39;", "'")
    assert "connect-src 'none'" in policy and "default-src 'none'" in policy
    for kind in ("script", "style"):
        for body in re.findall(rf"<{kind}>(.*?)</{kind}>", page, re.S):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy
    data = json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)[1])
    assert len(data["nodes"]) == view.graph.number_of_nodes()
    assert all(link["rel"] != "entity" for n in data["nodes"] for link in n["info"].get("links", []))
    linked, _ = standalone_html(seed_store, GraphFilter.parse(plan=SHANDONG_PLAN), link_base="http://127.0.0.1:8000/")
    assert '"href": "http://127.0.0.1:8000/id/agency/' in linked


def test_document_text_cannot_inject_markup(hostile_store: OxigraphStore) -> None:
    client = TestClient(make_app(hostile_store))
    response = client.get("/graph", params={"plan": HOSTILE_ID})
    text = response.text
    for raw in ("<img src=x", "<script>alert", "<svg onload", '<a href="javascript'):
        assert raw not in text
    assert text.count("<script") == 3  # the JSON block, vis-network, graph.js
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', text, re.S)[1])
    measures = [n for n in data["nodes"] if n["kind"] == "measure"]
    assert any("<img src=x onerror=alert(1)>" in n["info"]["text"] for n in measures)
    assert all("title" not in n for n in data["nodes"])  # tooltips are built by graph.js, as text
    page, _ = standalone_html(hostile_store, GraphFilter.parse(plan=HOSTILE_ID))
    assert "<img src=x" not in page and "<svg onload" not in page


def test_router_errors(seed_store: OxigraphStore) -> None:
    client = TestClient(make_app(seed_store))
    bad = client.get("/graph", params={"role": "boss"})
    assert bad.status_code == 400 and "role must be" in bad.text and "<form" in bad.text
    missing = client.get("/graph", params={"focus": "agency/000000000000"})
    assert missing.status_code == 404
    assert client.get("/graph/data", params={"depth": 5}).status_code == 400
    data = client.get("/graph/data", params={"plan": SHANDONG_PLAN}).json()
    assert data["measure_count"] == len([n for n in data["nodes"] if n["kind"] == "measure"]) > 10


def test_cli_writes_a_standalone_file(tmp_path: Path) -> None:
    source = tmp_path / f"{HOSTILE_ID}.txt"
    source.write_text(HOSTILE_PLAN, encoding="utf-8")
    store_path = tmp_path / "store"
    with OxigraphStore(str(store_path)) as store:
        store.replace_graphs(graphs_to_load(extract_files([source])))
    out = tmp_path / "graph.html"
    runner = CliRunner()
    result = runner.invoke(cli_app, ["viz", "--out", str(out), "--store", str(store_path), "--pollutant", "VOCs"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    failed = runner.invoke(cli_app, ["viz", "--out", str(tmp_path / "x.html"), "--store", str(store_path),
                                     "--region", "Atlantis"])
    assert failed.exit_code != 0 and not (tmp_path / "x.html").exists()


def test_render_needs_no_store_for_an_empty_view() -> None:
    import networkx as nx

    from viz.view import View

    page = render_page(View(nx.MultiDiGraph(), GraphFilter.parse()), Links())
    assert "Nothing to draw" not in page and 'data-nodes="0"' in page


def _plan_field(page: str) -> str:
    form = page[page.index('<form class="filters"'):page.index("</form>")]
    return form[:form.index("<label>Region")]


def test_form_lists_few_plans_and_asks_for_one_among_many() -> None:
    import networkx as nx

    from viz.form import MAX_PLAN_OPTIONS, FormChoices
    from viz.view import View

    view = View(nx.MultiDiGraph(), GraphFilter.parse(plan="00042_130800_2021"))
    few = [(f"{i:05d}_130800_2021", f"方案{i}") for i in range(3)]
    listed = _plan_field(render_page(view, Links(), FormChoices(plans=few, plan_count=3)))
    assert '<select name="plan">' in listed and listed.count("<option") == 4 and "方案2" in listed
    many = MAX_PLAN_OPTIONS + 1
    typed = _plan_field(render_page(view, Links(), FormChoices(plan_count=many)))
    assert "<select" not in typed and "<option" not in typed
    assert '<input name="plan" value="00042_130800_2021"' in typed and f"{many} plans" in typed


def test_seed_form_offers_every_plan_and_the_busiest_agencies(seed_store: OxigraphStore) -> None:
    from viz.form import form_choices

    choices = form_choices(seed_store)
    assert choices.plan_count == 5 and choices.plans_listed and len(choices.plans) == 5
    assert SHANDONG_PLAN in {value for value, _ in choices.plans}
    assert "山东省生态环境厅" in choices.agencies and len(set(choices.agencies)) == len(choices.agencies)
    assert "山东省" in choices.regions


@pytest.mark.parametrize("limit", [10, 30, 100, 300])
def test_summary_draws_at_most_three_edges_a_node_of_the_limit(seed_store: OxigraphStore, limit: int) -> None:
    view = build_view(seed_store, GraphFilter.parse(limit=limit))
    assert view.aggregated and view.graph.number_of_edges() <= 3 * limit
