"""Facet counts beside the filters, as Datasette shows them: how many of the matching measures name each
pollutant, sector, role, plan, region and agency (on the filter's basis), each a link narrowing the filter.

Counted in the store over the matching measures (a VALUES block per thousand), and reused until the store
changes, as the matches are."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from api.models import Basis, MeasureFilter
from api.reads.common import integer, local_id, reused, select, text, values_block
from api.reads.measures import matching_iris
from kg.store import Store

#: Values shown per facet at most (the rest are counted in ``more``).
FACET_SIZE = 12
_CHUNK = 1000

_BASIS_PREDICATES = {
    "pollutant": {Basis.stated: "airkg:statedPollutant", Basis.inferred: "airkg:inferredPollutant",
                  Basis.any: "airkg:statedPollutant|airkg:inferredPollutant"},
    "sector": {Basis.stated: "airkg:statedSector", Basis.inferred: "airkg:inferredSector",
               Basis.any: "airkg:statedSector|airkg:inferredSector"},
}
_CONCEPT = """SELECT ?x ?code ?label ?m WHERE {{ {values} ?m {predicate} ?x .
  OPTIONAL {{ ?x skos:notation ?code }} OPTIONAL {{ ?x skos:prefLabel ?label FILTER(lang(?label) = "zh") }} }}"""
_ROLE = """SELECT ?x ?m WHERE {{ {values} ?m airkg:hasAssignment ?a . ?a airkg:role ?x }}"""
_PLAN = """SELECT ?x ?label ?m WHERE {{ {values} ?m airkg:partOfPlan ?x . OPTIONAL {{ ?x dcterms:title ?label }} }}"""
_REGION = """SELECT ?x ?label ?m WHERE {{ {values} ?m airkg:partOfPlan/airkg:region ?x .
  OPTIONAL {{ ?x rdfs:label ?label FILTER(lang(?label) = "zh") }} }}"""
_AGENCY = """SELECT ?x ?label ?m WHERE {{ {values} ?m airkg:hasAssignment/airkg:agency ?x .
  OPTIONAL {{ ?x rdfs:label ?label FILTER(lang(?label) = "zh") }} }}"""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class Facet:
    name: str
    heading: str
    values: list[FacetValue]
    more: int = 0


def _count(store: Store, iris: list[URIRef], query: str, kind: str, **fmt: str) -> list[FacetValue]:
    measures: dict[str, set] = {}
    labels: dict[str, str] = {}
    for start in range(0, len(iris), _CHUNK):
        chunk = iris[start:start + _CHUNK]
        for row in select(store, query.format(values=values_block("m", chunk), **fmt)):
            if row["x"] is None:
                continue
            key = text(row.get("code")) or local_id(row["x"], kind)
            if kind == "role":
                key = str(row["x"]).rsplit("/", 1)[-1]
            measures.setdefault(key, set()).add(row["m"])
            if row.get("label") is not None:
                labels.setdefault(key, str(row["label"]))
    found = [FacetValue(key, labels.get(key, key), len(ms)) for key, ms in measures.items()]
    return sorted(found, key=lambda v: (-v.count, v.label))


_WITH_DEADLINE = "SELECT DISTINCT ?m WHERE { ?m airkg:hasDeadline ?d }"


def facets(store: Store, wanted: MeasureFilter, with_deadline: bool = False) -> list[Facet]:
    """The facets of the measures matching ``wanted`` (a filter already given is not counted again); with
    ``with_deadline``, of those of them that have a deadline (the timeline's measures)."""
    iris, _ = matching_iris(store, wanted)
    key = "facets " + wanted.model_dump_json(exclude={"limit", "offset", "format"})
    if with_deadline:
        dated = reused(store, "measures with a deadline", lambda: {row["m"] for row in select(store, _WITH_DEADLINE)})
        iris = [iri for iri in iris if iri in dated]
        key += " with a deadline"

    def read() -> list[Facet]:
        out = []
        if not iris:
            return out
        specs = [
            ("pollutant", f"Pollutants ({wanted.pollutant_basis.value})", _CONCEPT,
             {"predicate": _BASIS_PREDICATES["pollutant"][wanted.pollutant_basis]}),
            ("sector", f"Sectors ({wanted.sector_basis.value})", _CONCEPT,
             {"predicate": _BASIS_PREDICATES["sector"][wanted.sector_basis]}),
            ("role", "Roles", _ROLE, {}),
            ("plan", "Plans", _PLAN, {}),
            ("region", "Plan regions", _REGION, {}),
            ("agency", "Agencies", _AGENCY, {}),
        ]
        for name, heading, query, fmt in specs:
            if name in ("plan", "region", "agency", "pollutant", "sector") and getattr(wanted, name):
                continue
            values = _count(store, iris, query, name, **fmt)
            out.append(Facet(name, heading, values[:FACET_SIZE], max(0, len(values) - FACET_SIZE)))
        return out

    return reused(store, key, read)


__all__ = ["FACET_SIZE", "Facet", "FacetValue", "facets", "integer"]
