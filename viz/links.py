"""URLs into the graph view, and between entity IRIs and the paths the API serves them at.

These are plain functions (no FastAPI, no store) so the API's pages and saved-query results can link to
the graph:

>>> entity_path("https://airkg.example.org/id/agency/76edf130b6dd")
'/id/agency/76edf130b6dd'
>>> neighbourhood_url("https://airkg.example.org/id/agency/76edf130b6dd", depth=2)
'/graph?focus=agency%2F76edf130b6dd&depth=2'
>>> subgraph_url(["https://airkg.example.org/id/plan/p1/measure/1", "https://airkg.example.org/id/pollutant/VOCs"])
'/graph?nodes=plan%2Fp1%2Fmeasure%2F1&nodes=pollutant%2FVOCs'
>>> graph_url(region="山东省", pollutant="VOCs")
'/graph?region=%E5%B1%B1%E4%B8%9C%E7%9C%81&pollutant=VOCs'
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

from kg.errors import InputError

RES = "https://airkg.example.org/id/"
GRAPH_PATH = "/graph"
#: More entities than this make a URL too long for some servers and proxies (about 8 KB).
MAX_LINKED_NODES = 200
#: Characters kept as they are in entity paths (RFC 3986 sub-delims, ':' and '@').
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def compact_id(iri: str) -> str:
    """An entity IRI without the ``res:`` namespace (``agency/76edf130b6dd``); other IRIs unchanged."""
    return iri[len(RES):] if iri.startswith(RES) else iri


def to_iri(value: str) -> str:
    """The entity IRI named by ``value``: an IRI, an ``/id/…`` path, a ``kind/…`` id or a bare plan id.

    >>> to_iri("/id/pollutant/VOCs")
    'https://airkg.example.org/id/pollutant/VOCs'
    >>> to_iri("000_aa781de31b5c5cff")
    'https://airkg.example.org/id/plan/000_aa781de31b5c5cff'

    Raises:
        InputError: ``value`` is empty.
    """
    value = value.strip()
    if not value:
        raise InputError("an empty entity id")
    if value.startswith(("http://", "https://")):
        return value
    if value.startswith("/id/"):
        return RES + value[len("/id/"):]
    if "/" in value:
        return RES + value.lstrip("/")
    return RES + "plan/" + value


def entity_path(iri: str) -> str | None:
    """The path the API serves an entity's page at (``/id/…``), or None for an IRI outside ``res:``."""
    if not iri.startswith(RES):
        return None
    return "/id/" + quote(iri[len(RES):], safe=_PATH_SAFE)


def graph_url(base: str = GRAPH_PATH, **params: str | int | Iterable[str] | None) -> str:
    """``/graph`` with the given filters as query parameters (None values left out, lists repeated)."""
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        if isinstance(value, (str, int)):
            items.append((key, str(value)))
        else:
            items.extend((key, str(v)) for v in value)
    return f"{base}?{urlencode(items)}" if items else base


def neighbourhood_url(entity: str, depth: int = 1, base: str = GRAPH_PATH) -> str:
    """The graph around one entity (its IRI or id), ``depth`` 1 or 2 steps out."""
    if depth not in (1, 2):
        raise InputError(f"depth must be 1 or 2, not {depth}")
    return graph_url(base, focus=compact_id(to_iri(entity)), depth=depth)


def subgraph_url(entities: Iterable[str], base: str = GRAPH_PATH) -> str:
    """The graph of a set of entities (e.g. a saved query's result IRIs), with the measures' context.

    Raises:
        InputError: No entity, or more than :data:`MAX_LINKED_NODES`.
    """
    ids = list(dict.fromkeys(compact_id(to_iri(entity)) for entity in entities))
    if not ids:
        raise InputError("no entities to draw")
    if len(ids) > MAX_LINKED_NODES:
        raise InputError(f"{len(ids)} entities are too many to link (at most {MAX_LINKED_NODES}); narrow the query")
    return graph_url(base, nodes=ids)
