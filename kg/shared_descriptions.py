"""Agencies and people are described once, each in a graph of its own (:func:`kg.rdf_building.description_graph_iri`),
and named from the plan graphs (``airkg:agency``, ``dcterms:publisher``, ``airkg:responsibleLeader``).

A plan replaces the description graphs of whatever it names (every plan naming an agency writes the same
description). A write that replaces or removes plans also removes, in the same replacement, the descriptions
that no plan names any more: :func:`orphaned_descriptions`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

from rdflib import DCTERMS

from kg.rdf_building import PLAN_GRAPH_PREFIX, description_graph_iri
from kg.store import Store
from kg.store.terms import sparql_iri
from kg.vocabulary import AIRKG, RES

_NAMING = " ".join(sparql_iri(str(p)) for p in (AIRKG.agency, DCTERMS.publisher, AIRKG.responsibleLeader))
_DESCRIBED = f"{RES}graph/"
#: IRIs per query (VALUES rows): keeps each query's text small.
_CHUNK = 400


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _node_of(description_graph: str) -> str:
    return str(RES) + description_graph[len(_DESCRIBED):]


def described_by(store: Store, plan_graphs: Iterable[str]) -> set[str]:
    """The description graphs of the agencies and people that the stored graphs ``plan_graphs`` name."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(plan_graphs))):
        graphs = " ".join(sparql_iri(g) for g in chunk)
        rows = store.query(f"SELECT DISTINCT ?d WHERE {{ VALUES ?g {{ {graphs} }} VALUES ?p {{ {_NAMING} }} "
                           f"GRAPH ?g {{ ?x ?p ?d }} }}").rows
        found.update(description_graph_iri(str(row["d"])) for row in rows)
    return found


def orphaned_descriptions(store: Store, graphs: Collection[str], kept: Collection[str] = ()) -> list[str]:
    """The description graphs that no plan names once ``graphs`` are replaced (their plan graphs among them:
    replaced or removed), ``kept`` being the description graphs the replacement writes again."""
    leaving = {g for g in graphs if g.startswith(PLAN_GRAPH_PREFIX)}
    candidates = described_by(store, leaving) - set(kept)
    still_named: set[str] = set()
    for chunk in _chunks(sorted(candidates)):
        nodes = " ".join(sparql_iri(_node_of(d)) for d in chunk)
        rows = store.query(f"SELECT DISTINCT ?d ?g WHERE {{ VALUES ?d {{ {nodes} }} VALUES ?p {{ {_NAMING} }} "
                           f"GRAPH ?g {{ ?x ?p ?d }} }}").rows
        still_named.update(description_graph_iri(str(row["d"])) for row in rows if str(row["g"]) not in leaving)
    return sorted(candidates - still_named)
