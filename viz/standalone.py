"""``airkg viz``: the graph view as one HTML file that opens from disk, offline (everything inline)."""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError
from kg.store import Store
from viz.filters import GraphFilter
from viz.render import Links, render_page
from viz.view import View, build_view


def standalone_html(store: Store, graph_filter: GraphFilter, link_base: str | None = None) -> tuple[str, View]:
    """The page for ``graph_filter`` with vis-network, script and styles inlined, and its view.

    Args:
        store: Where to read the graph.
        graph_filter: What to draw.
        link_base: A running airkg server (``http://127.0.0.1:8000``) for entity pages and graph links;
            None links to nothing (the entity IRIs are shown as text).

    Raises:
        InputError: ``link_base`` is not an http(s) URL, or the filter is malformed.
        NotFound: The filter's ``focus`` names nothing.
    """
    if link_base is not None and not link_base.startswith(("http://", "https://")):
        raise InputError(f"--link-base must be an http:// or https:// URL, not {link_base!r}")
    view = build_view(store, graph_filter)
    links = Links(graph="/graph", base=link_base.rstrip("/")) if link_base else Links(graph=None)
    return render_page(view, links, choices=None, standalone=True), view


def write_standalone(store: Store, graph_filter: GraphFilter, out: Path, link_base: str | None = None) -> View:
    """Write :func:`standalone_html` to ``out`` (UTF-8) and return the view drawn."""
    html, view = standalone_html(store, graph_filter, link_base)
    out.write_text(html, encoding="utf-8")
    return view
