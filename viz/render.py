"""A view -> an HTML page: nodes and edges through pyvis, drawn by our own template and script.

pyvis builds the vis-network node and edge records (:class:`pyvis.network.Network`), but its own
``template.html`` is not used: it links Bootstrap and vis-network from CDNs in every mode and switches
tooltips to ``innerHTML`` as soon as a title contains "href". Our template (``templates/graph.html``)
puts the data in a ``<script type="application/json">`` block (Jinja's ``tojson`` escapes ``<``, ``>``,
``&`` and ``'``), and ``static/graph.js`` builds every tooltip and detail panel with ``textContent``.
Document text therefore never becomes markup.

Two modes:

* served (``/graph``): scripts and styles come from ``/graph/static/``; the router sends a
  Content-Security-Policy allowing scripts from the same origin only.
* standalone (``airkg viz --out``): vis-network, the script and the styles are inlined, and a CSP
  ``<meta>`` allows exactly those inline scripts (by SHA-256) and no network access at all.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from viz.facts import kind_of
from viz.filters import GraphFilter, parse_date
from viz.form import FormChoices
from viz.links import entity_path, graph_url, neighbourhood_url
from viz.style import EDGE_LABELS, EDGE_STYLES, NODE_STYLES, legend
from viz.view import View

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
ASSETS = {"vis_js": "vis-network.min.js", "vis_css": "vis-network.min.css", "page_js": "graph.js",
          "page_css": "graph.css"}
EDGE_LABEL_LIMIT = 250
TIP_TEXT = 280

#: The policy the router sends with /graph: nothing but this origin, and no inline script.
SERVED_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Links:
    """Where the page's links point.

    Attributes:
        graph: The graph view's path (``/graph``), or None for a file with no server behind it.
        static: Where the served page loads its scripts from.
        base: Prefix for entity pages and graph links (``http://127.0.0.1:8000``) in a standalone file.
    """

    graph: str | None = "/graph"
    static: str = "/graph/static"
    base: str = ""


@cache
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                              trim_blocks=True, lstrip_blocks=True)
    # tojson still escapes < > & ' (htmlsafe_json_dumps); UTF-8 instead of \uXXXX halves Chinese text.
    environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return environment


@cache
def asset(name: str) -> str:
    """A vendored or own static file, checked so that it can be inlined in a ``<script>``/``<style>``."""
    content = (STATIC / name).read_text(encoding="utf-8")
    lowered = content.lower()
    if "</script" in lowered or "</style" in lowered or "<!--" in lowered:
        raise RuntimeError(f"{name} cannot be inlined: it holds </script, </style or <!--")
    return content


def _digest(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode("ascii") + "'"


def standalone_csp() -> str:
    """The policy of a standalone file: its own inline scripts and styles, no requests at all."""
    scripts = " ".join(_digest(asset(ASSETS[k])) for k in ("vis_js", "page_js"))
    styles = " ".join(_digest(asset(ASSETS[k])) for k in ("vis_css", "page_css"))
    return (f"default-src 'none'; script-src {scripts}; style-src {styles}; img-src data:; "
            "connect-src 'none'; form-action 'none'; base-uri 'none'")


def _graph_base(links: Links) -> str | None:
    """Where graph links point, or None in a file with no server to link to."""
    if links.graph is None and not links.base:
        return None
    return links.base + (links.graph or "/graph")


def _narrowed_url(view: View, links: Links, narrow: dict[str, str]) -> str | None:
    """The current filter (back from a focus or a set of nodes) with ``narrow``'s fields set."""
    base = _graph_base(links)
    if base is None or not narrow:
        return None
    fields: dict[str, Any] = dict(view.filter.__dict__)
    fields.update(focus=None, nodes=(), depth=1)
    for key, value in narrow.items():
        fields[key] = parse_date(value, end=key == "due_to") if key in ("due_from", "due_to") else value
    return graph_url(base, **GraphFilter(**fields).params())


def _node_links(data: dict[str, Any], view: View, links: Links) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    base = _graph_base(links)
    iri = data.get("iri")
    path = entity_path(iri) if iri else None
    if path and base is not None:
        found.append({"text": "Open the entity page", "href": links.base + path, "rel": "entity"})
    if iri and base is not None and kind_of(iri) != "other":
        for depth in (1, 2):
            found.append({"text": f"Neighbourhood, {depth} step{'s' if depth > 1 else ''}",
                          "href": neighbourhood_url(iri, depth, base=base), "rel": "neighbourhood"})
    narrowed = _narrowed_url(view, links, data.get("narrow") or {})
    if narrowed:
        found.append({"text": "Narrow the view to this", "href": narrowed, "rel": "narrow"})
    return found


def _info(data: dict[str, Any], kind_label: str, view: View, links: Links) -> dict[str, Any]:
    rows = [[name, value] for name, value in data.get("rows", [])]
    if data.get("iri") and _graph_base(links) is None:
        rows.append(["IRI", data["iri"]])
    info = {
        "kind": kind_label,
        "heading": data.get("heading") or data.get("label", ""),
        "rows": rows,
        "text": data.get("text"),
        "sentences": [[where, sentence] for where, sentence in data.get("sentences", [])],
        "links": _node_links(data, view, links),
    }
    return {key: value for key, value in info.items() if value}


def to_network(view: View, links: Links) -> Network:
    """The view's nodes and edges as a pyvis network (records only; pyvis's template is not used)."""
    net = Network(directed=True, cdn_resources="in_line")
    graph = view.graph
    for node, data in graph.nodes(data=True):
        style = NODE_STYLES[data["kind"]]
        font_color = style.font_color if style.shape in ("box", "ellipse") else "#1b1b1b"
        net.add_node(node, label=data["label"] or node, shape=style.shape, size=style.size,
                     color={"background": style.color, "border": "#333333",
                            "highlight": {"background": style.color, "border": "#000000"}},
                     font={"color": font_color, "size": 12}, kind=data["kind"],
                     info=_info(data, style.label, view, links), borderWidth=3 if node == view.focus else 1)
    show_labels = graph.number_of_edges() <= EDGE_LABEL_LIMIT
    for index, (source, target, data) in enumerate(graph.edges(data=True)):
        edge_style = EDGE_STYLES[data["relation"]]
        count = data.get("count")
        label = str(count) if count else EDGE_LABELS.get(edge_style.relation, "")
        info: dict[str, Any] = {"kind": "relation", "heading": edge_style.label, "rows": [["", data.get("tip", "")]]}
        narrowed = _narrowed_url(view, links, data.get("narrow") or {})
        if narrowed:
            info["links"] = [{"text": "Show these measures", "href": narrowed, "rel": "narrow"}]
        net.add_edge(source, target, id=f"e{index}", label=label if show_labels or count else "", fullLabel=label,
                     color={"color": edge_style.color, "highlight": "#000000"}, dashes=edge_style.dashes,
                     width=min(1 + count / 2, 8) if count else edge_style.width, relation=edge_style.relation,
                     info=info)
    net.options = _options(graph.number_of_nodes())
    return net


def _options(nodes: int) -> dict[str, Any]:
    return {
        "autoResize": True,
        "layout": {"improvedLayout": nodes <= 150, "randomSeed": 7},
        "physics": {"solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -55, "springLength": 80, "avoidOverlap": 0.3},
                    "stabilization": {"enabled": True, "iterations": 300, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 120, "keyboard": False, "navigationButtons": False},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.45}}, "smooth": {"type": "continuous"},
                  "font": {"size": 9, "align": "middle", "color": "#444444", "strokeWidth": 3}},
        "nodes": {"borderWidth": 1},
    }


def payload(view: View, links: Links) -> dict[str, Any]:
    """What the page script reads: nodes, edges, options, the focus node, and the tooltip text limit."""
    net = to_network(view, links)
    nodes, edges, _, _, _, _ = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": net.options, "focus": view.focus,
            "tipText": TIP_TEXT, "edgeLabels": view.graph.number_of_edges() <= EDGE_LABEL_LIMIT}


def summary(view: View) -> str:
    kinds: dict[str, int] = {}
    for _, data in view.graph.nodes(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    drawn = ", ".join(f"{n} {NODE_STYLES[k].label.lower()}" for k, n in kinds.items())
    shown = f"{view.graph.number_of_nodes()} nodes ({drawn})" if kinds else "nothing"
    return f"{view.measure_count} measures matched; drawing {shown}; limit {view.filter.limit} nodes."


def _described(view: View) -> list[tuple[str, str]]:
    """The filters in force, naming the focus entity by its label when it is drawn."""
    pairs = view.filter.describe()
    if view.focus and view.focus in view.graph:
        heading = view.graph.nodes[view.focus].get("heading") or view.focus
        pairs = [(name, f"{heading} ({value})" if name == "focus" else value) for name, value in pairs]
    return pairs


def _list_query(f: GraphFilter) -> str:
    """The filter as the query string of /measures (the same measures, counted the same way)."""
    from urllib.parse import urlencode

    pairs = {"plan": f.plan, "region": f.region, "pollutant": f.pollutant, "sector": f.sector, "agency": f.agency,
             "role": f.role, "due_from": f.due_from.isoformat() if f.due_from else None,
             "due_to": f.due_to.isoformat() if f.due_to else None, "basis": f.basis}
    return urlencode([(k, v) for k, v in pairs.items() if v])


def render_page(view: View, links: Links, choices: FormChoices | None = None, standalone: bool = False) -> str:
    """The whole HTML page for a view.

    Args:
        view: What to draw.
        links: Where links point (see :class:`Links`).
        choices: The filter form's options; None leaves the form out (standalone files).
        standalone: Inline every script and style (a file that opens from disk, offline).
    """
    template = _environment().get_template("graph.html")
    context: dict[str, Any] = {
        "view": view, "summary": summary(view), "filters": _described(view), "choices": choices,
        "links": links, "payload": payload(view, links), "standalone": standalone,
        "legend": legend({d["kind"] for _, d in view.graph.nodes(data=True)},
                         {d["relation"] for _, _, d in view.graph.edges(data=True)}),
        "values": view.filter.params(),
        "list_query": _list_query(view.filter),
    }
    if standalone:
        context["csp"] = standalone_csp()
        context.update({key: asset(name) for key, name in ASSETS.items()})
    return template.render(**context)
