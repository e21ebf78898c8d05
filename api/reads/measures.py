"""Measures: the filtered, paged list, one measure, and the details (agencies, deadlines, concepts, regions).

The filter is built from fixed SPARQL fragments, one per filter given; the user's values go in
as bindings (a VALUES block), never into the text.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from api.errors import not_found
from api.models import AssignmentPublic, Basis, ConceptLink, DeadlineBase, MeasureFilter, MeasurePublic, Span
from api.reads.common import (
    Row, boolean, date, deadline_id, entity_iri, integer, local_id, ref, select, text, values_block,
)
from kg.store import Store

_STATED_OR_INFERRED = {
    "pollutant": {Basis.stated: "airkg:statedPollutant", Basis.inferred: "airkg:inferredPollutant",
                  Basis.any: "(airkg:statedPollutant|airkg:inferredPollutant)"},
    "sector": {Basis.stated: "airkg:statedSector", Basis.inferred: "airkg:inferredSector",
               Basis.any: "(airkg:statedSector|airkg:inferredSector)"},
}
_REGION = """FILTER EXISTS { { ?plan airkg:region ?inRegion } UNION { ?m airkg:mentionsRegion ?inRegion }
  ?inRegion airkg:parentRegion* ?region }"""
_CONCEPT = """FILTER EXISTS {{ ?m {predicate} ?{kind}Found . ?{kind}Found (skos:broader|^skos:narrower)* ?{kind} }}"""
_TEXT = """FILTER EXISTS { { ?m dcterms:title ?found } UNION { ?m airkg:text ?found }
  FILTER(CONTAINS(LCASE(STR(?found)), LCASE(?q))) }"""


def filter_clauses(wanted: MeasureFilter) -> tuple[str, dict[str, Node]]:
    """The WHERE body selecting ``?m`` (and its ``?plan``) for a filter, and its bindings."""
    parts = ["?m a airkg:Measure ; airkg:partOfPlan ?plan ."]
    bindings: dict[str, Node] = {}
    if wanted.plan:
        bindings["plan"] = entity_iri("plan", wanted.plan)
    if wanted.region:
        parts.append(_REGION)
        bindings["region"] = entity_iri("region", wanted.region)
    for kind, code, basis in (("pollutant", wanted.pollutant, wanted.pollutant_basis),
                              ("sector", wanted.sector, wanted.sector_basis)):
        if code:
            parts.append(_CONCEPT.format(predicate=_STATED_OR_INFERRED[kind][basis], kind=kind))
            bindings[kind] = entity_iri(kind, code)
    if wanted.agency or wanted.role:
        assignment = ["?m airkg:hasAssignment ?assignment ."]
        if wanted.agency:
            assignment.append("?assignment airkg:agency ?agency .")
            bindings["agency"] = entity_iri("agency", wanted.agency)
        if wanted.role:
            assignment.append("?assignment airkg:role ?role .")
            bindings["role"] = entity_iri("role", wanted.role.value)
        parts.append("FILTER EXISTS { " + " ".join(assignment) + " }")
    if wanted.due_from or wanted.due_to:
        checks = ["?m airkg:hasDeadline/airkg:dueDate ?due ."]
        if wanted.due_from:
            checks.append("FILTER(?due >= ?dueFrom)")
            bindings["dueFrom"] = Literal(wanted.due_from.isoformat(), datatype=XSD.date)
        if wanted.due_to:
            checks.append("FILTER(?due <= ?dueTo)")
            bindings["dueTo"] = Literal(wanted.due_to.isoformat(), datatype=XSD.date)
        parts.append("FILTER EXISTS { " + " ".join(checks) + " }")
    if wanted.q:
        parts.append(_TEXT)
        bindings["q"] = Literal(wanted.q)
    return "\n".join(parts), bindings


def find_measures(store: Store, wanted: MeasureFilter) -> tuple[list[MeasurePublic], int]:
    """One page of the measures matching ``wanted`` in document order, and how many match in all."""
    where, bindings = filter_clauses(wanted)
    total = select(store, f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ {where} }}", bindings)
    page = select(
        store,
        f"""SELECT ?m ?plan (MIN(?offset) AS ?start) WHERE {{ {where}
              OPTIONAL {{ ?m airkg:source/oa:start ?offset }} }}
            GROUP BY ?m ?plan ORDER BY ?plan ?start ?m
            LIMIT {int(wanted.limit)} OFFSET {int(wanted.offset)}""",
        bindings,
    )
    iris = [row["m"] for row in page if isinstance(row["m"], URIRef)]
    return measure_details(store, iris), integer(total[0]["n"]) if total else 0


def get_measure(store: Store, measure_id: str) -> MeasurePublic:
    """A measure by its id ``{plan}:{path}``; raises NotFound."""
    rows = select(store, "SELECT ?m WHERE { ?m a airkg:Measure ; dcterms:identifier ?id }", {"id": Literal(measure_id)})
    if not rows:
        raise not_found("measure", measure_id)
    return measure_details(store, [rows[0]["m"]])[0]  # type: ignore[list-item]


_BASICS = """SELECT ?m ?id ?plan ?path ?number ?title ?text ?start ?end WHERE {{ {values}
  ?m airkg:partOfPlan ?plan .
  OPTIONAL {{ ?m dcterms:identifier ?id }} OPTIONAL {{ ?m airkg:path ?path }} OPTIONAL {{ ?m airkg:number ?number }}
  OPTIONAL {{ ?m dcterms:title ?title }} OPTIONAL {{ ?m airkg:text ?text }}
  OPTIONAL {{ ?m airkg:source ?span . ?span oa:start ?start ; oa:end ?end }} }}"""
_ASSIGNMENTS = """SELECT ?m ?a ?agency ?label ?role ?written ?blanket WHERE {{ {values}
  ?m airkg:hasAssignment ?a . ?a airkg:agency ?agency ; airkg:role ?role .
  OPTIONAL {{ ?a airkg:nameAsWritten ?written }} OPTIONAL {{ ?a airkg:blanket ?blanket }}
  OPTIONAL {{ ?agency rdfs:label ?label FILTER(lang(?label) = "zh") }} }} ORDER BY ?m ?a"""
_DEADLINES = """SELECT ?m ?d ?due ?endDate ?kind ?original ?note WHERE {{ {values}
  ?m airkg:hasDeadline ?d .
  OPTIONAL {{ ?d airkg:dueDate ?due }} OPTIONAL {{ ?d airkg:endDate ?endDate }} OPTIONAL {{ ?d airkg:deadlineKind ?kind }}
  OPTIONAL {{ ?d airkg:originalText ?original }} OPTIONAL {{ ?d airkg:note ?note }} }} ORDER BY ?m ?d"""
_CONCEPTS = """SELECT ?m ?property ?concept ?code ?label WHERE {{ {values}
  VALUES ?property {{ airkg:statedPollutant airkg:inferredPollutant airkg:statedSector airkg:inferredSector }}
  ?m ?property ?concept .
  OPTIONAL {{ ?concept skos:notation ?code }}
  OPTIONAL {{ ?concept skos:prefLabel ?label FILTER(lang(?label) = "zh") }} }} ORDER BY ?m ?property ?code"""
_REGIONS = """SELECT ?m ?region ?label WHERE {{ {values}
  ?m airkg:mentionsRegion ?region .
  OPTIONAL {{ ?region rdfs:label ?label FILTER(lang(?label) = "zh") }} }} ORDER BY ?m ?region"""


def _deadline(row: Row) -> DeadlineBase:
    return DeadlineBase(
        id=deadline_id(str(row["d"])), due_date=date(row["due"]), end_date=date(row["endDate"]),
        kind=local_id(row["kind"], "deadline-kind") if row["kind"] else None,
        original_text=text(row["original"]), note=text(row["note"]),
    )


def measure_details(store: Store, iris: list[URIRef]) -> list[MeasurePublic]:
    """Full records of the measures ``iris`` (IRIs read from the store), in that order."""
    if not iris:
        return []
    values = values_block("m", iris)
    by_iri: dict[Node, MeasurePublic] = {}
    for row in select(store, _BASICS.format(values=values)):
        if row["m"] in by_iri:
            continue
        start, end = row["start"], row["end"]
        by_iri[row["m"]] = MeasurePublic(
            id=text(row["id"]) or local_id(row["m"], "plan"), iri=str(row["m"]),
            plan_id=local_id(row["plan"], "plan"), path=text(row["path"]) or "", number=text(row["number"]),
            title=text(row["title"]), text=text(row["text"]),
            span=Span(start=integer(start), end=integer(end)) if start is not None and end is not None else None,
        )
    extras: dict[Node, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for row in select(store, _ASSIGNMENTS.format(values=values)):
        extras[row["m"]]["agencies"].append(AssignmentPublic(
            agency=ref(row["agency"], "agency", row["label"]), role=local_id(row["role"], "role"),
            name_as_written=text(row["written"]), blanket=boolean(row["blanket"])))
    for row in select(store, _DEADLINES.format(values=values)):
        extras[row["m"]]["deadlines"].append(_deadline(row))
    for row in select(store, _CONCEPTS.format(values=values)):
        prop = str(row["property"])
        kind = "pollutant" if prop.endswith("Pollutant") else "sector"
        extras[row["m"]][kind + "s"].append(ConceptLink(
            id=text(row["code"]) or local_id(row["concept"], kind), iri=str(row["concept"]), label=text(row["label"]),
            basis="stated" if "#stated" in prop else "inferred"))
    for row in select(store, _REGIONS.format(values=values)):
        extras[row["m"]]["regions"].append(ref(row["region"], "region", row["label"]))
    out = []
    for iri in iris:
        measure = by_iri.get(iri)
        if measure is None:
            continue
        for field, items in extras.get(iri, {}).items():
            setattr(measure, field, items)
        out.append(measure)
    return out


__all__ = ["filter_clauses", "find_measures", "get_measure", "measure_details"]
