"""Measures: the filtered, paged list, one measure, and the details (agencies, deadlines, concepts, regions).

The filter is built from fixed SPARQL fragments, one per filter given; the user's values go in
as bindings (a VALUES block), never into the text, so the text of a query depends only on which
filters are given and the guard's parse of it is reused (``kg.sparql_guard`` caches by text).

How the list is read (see ``bench/notes-api.md`` for the measurements behind it): pyoxigraph's
optimizer evaluates ``FILTER EXISTS`` and joins of several filters badly (an EXISTS holding a
property path or two patterns is re-evaluated unbound for every candidate: seconds at 100 plans),
while a single property path from a bound value (``?m …/skos:broader* ?pollutant``) is cheap. So
each filter is one such pattern; the first one (the most selective kind) reads the measures with
their plan and start offset, every other one is read as the set of measures it holds, and the
rows are checked against the sets, ordered, counted and paged here. The details of a page are
four queries whatever its size: the measures' values, then those of their assignments, deadlines
and spans with the codes and labels of the concepts and regions named, then the agencies' labels,
then the measures' quality flags (``api/reads/flags.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from api.errors import not_found
from api.models import AssignmentPublic, Basis, ConceptLink, DeadlineBase, MeasureFilter, MeasurePublic, Ref, Span
from api.reads.common import (
    Row, boolean, date, deadline_id, entity_iri, local_id, reused, select, text,
)
from api.reads.flags import flags_of
from kg.models import Role
from kg.query_params import search_terms
from kg.source_spans import parse_span
from kg.store import Store, sparql_term

_CONCEPT_PREDICATE = {
    "pollutant": {Basis.stated: "airkg:statedPollutant", Basis.inferred: "airkg:inferredPollutant",
                  Basis.any: "(airkg:statedPollutant|airkg:inferredPollutant)"},
    "sector": {Basis.stated: "airkg:statedSector", Basis.inferred: "airkg:inferredSector",
               Basis.any: "(airkg:statedSector|airkg:inferredSector)"},
}
#: A concept and every concept under it (the filter on PM also finds PM2.5).
_NARROWER_OR_SELF = "(skos:broader|^skos:narrower)*"
#: The measure's plan's region, or a region the measure names, inside ``?region`` (or it).
_REGION = "?m (airkg:partOfPlan/airkg:region|airkg:mentionsRegion)/airkg:parentRegion* ?region ."

_MEASURE = "?m a airkg:Measure ; airkg:partOfPlan ?plan ."
#: Who does what is said once, by assignments (``?m airkg:hasAssignment ?a . ?a airkg:agency ?x ;
#: airkg:role role:lead``): a role is tested on the assignment, the roles as fixed IRIs (never the user's text).
def _role_test(roles: list[str], var: str) -> str:
    """``FILTER(?var = <…/role/lead> || …)`` for the roles (each checked against :class:`Role`)."""
    return "FILTER(" + " || ".join(f"?{var} = <https://airkg.example.org/id/role/{Role(role).value}>"
                                   for role in roles) + ")"


@dataclass(frozen=True)
class Condition:
    """One filter: a pattern that binds ``?m`` to the measures it holds (its own variables start ``f_``)."""

    pattern: str
    bindings: dict[str, Node] = field(default_factory=dict)


def conditions(wanted: MeasureFilter) -> list[Condition]:
    """The filter's conditions, those likely to hold the fewest measures first."""
    out: list[Condition] = []
    if wanted.plan:
        out.append(Condition("?m airkg:partOfPlan ?plan .", {"plan": entity_iri("plan", wanted.plan)}))
    roles = wanted.roles
    if wanted.agency:  # an assignment of the agency (in that role), read from the agency (few)
        role = f"?f_assignment airkg:role ?f_role . {_role_test(roles, 'f_role')}" if roles else ""
        out.append(Condition(f"?f_assignment airkg:agency ?agency . {role} ?m airkg:hasAssignment ?f_assignment .",
                             {"agency": entity_iri("agency", wanted.agency)}))
    for kind, code, basis in (("pollutant", wanted.pollutant, wanted.pollutant_basis),
                              ("sector", wanted.sector, wanted.sector_basis)):
        if code:
            path = f"{_CONCEPT_PREDICATE[kind][basis]}/{_NARROWER_OR_SELF}"
            out.append(Condition(f"?m {path} ?{kind} .", {kind: entity_iri(kind, code)}))
    if wanted.region:
        out.append(Condition(_REGION, {"region": entity_iri("region", wanted.region)}))
    if wanted.due_from or wanted.due_to:
        checks, bindings = [], {}
        if wanted.due_from:
            checks.append("?f_due >= ?dueFrom")
            bindings["dueFrom"] = Literal(wanted.due_from.isoformat(), datatype=XSD.date)
        if wanted.due_to:
            checks.append("?f_due <= ?dueTo")
            bindings["dueTo"] = Literal(wanted.due_to.isoformat(), datatype=XSD.date)
        out.append(Condition(f"?m airkg:hasDeadline/airkg:dueDate ?f_due . FILTER({' && '.join(checks)})", bindings))
    if roles and not wanted.agency:
        out.append(Condition(f"?m airkg:hasAssignment ?f_assignment . ?f_assignment airkg:role ?f_role . "
                             f"{_role_test(roles, 'f_role')}"))
    if wanted.q:  # the words, or any name of the pollutant or sector they name (steel = 钢铁)
        terms = search_terms(wanted.q)
        tests = " || ".join(f"CONTAINS(LCASE(STR(?f_text)), LCASE(?q{n or ''}))" for n in range(len(terms)))
        out.append(Condition(f"?m dcterms:title|airkg:text ?f_text . FILTER({tests})",
                             {f"q{n or ''}": Literal(term) for n, term in enumerate(terms)}))
    return out


def filter_clauses(wanted: MeasureFilter) -> tuple[str, dict[str, Node]]:
    """The WHERE body selecting ``?m`` (and its ``?plan``) for a filter, and its bindings.

    One row per way a measure matches: select DISTINCT (or group) over it.
    """
    found = conditions(wanted)
    bindings: dict[str, Node] = {}
    for condition in found:
        bindings.update(condition.bindings)
    return "\n".join([_MEASURE, *(condition.pattern for condition in found)]), bindings


_ORDERED = """SELECT DISTINCT ?m ?plan ?source WHERE {{ {condition} {measure}
  OPTIONAL {{ ?m airkg:source ?source }} }}"""
_HOLDING = "SELECT DISTINCT ?m WHERE {{ {condition} }}"


def _sort_key(item: tuple[Node, Node, int | None]) -> tuple:
    """SPARQL's ``ORDER BY ?plan ?start ?m``: IRIs by their text, an unbound start first."""
    measure, plan, start = item
    return str(plan), start is not None, start or 0, str(measure)


def _ordered_rows(store: Store, found: list[Condition]) -> list[Row]:
    """``?m ?plan ?source`` of the measures every condition holds.

    The first condition is read with the measure's plan and offset; each other one as the set of
    measures it holds (one pattern, cheap), which the rows are then checked against. pyoxigraph's
    join of two such patterns costs more than the two sets, and so does looking the measures left
    up by a VALUES block (at 100 plans: 40 ms for the 803 measures both VOCs and lead hold).
    """
    driver = found[0] if found else Condition("")
    rows = select(store, _ORDERED.format(condition=driver.pattern, measure=_MEASURE), driver.bindings)
    for condition in found[1:]:
        if not rows:
            break
        holding = {row["m"] for row in select(store, _HOLDING.format(condition=condition.pattern), condition.bindings)}
        rows = [row for row in rows if row["m"] in holding]
    return rows


def plans_in_status(store: Store, wanted: MeasureFilter) -> set[URIRef] | None:
    """The plans whose status on ``wanted.as_of`` (default today) is ``wanted.status``, as the plans list reads
    it (:func:`kg.relations.plan_status.plans_with_status`); None when the filter has no status."""
    if not wanted.status:
        return None
    from kg.relations.plan_status import plans_with_status

    return {entity_iri("plan", plan_id)
            for plan_id in plans_with_status(store, wanted.status, wanted.as_of or dt.date.today())}


def matching_measures(store: Store, wanted: MeasureFilter) -> list[URIRef]:
    """Every measure matching ``wanted``, in document order (plan, then start offset)."""
    starts: dict[tuple[Node, Node], int | None] = {}
    plans = plans_in_status(store, wanted)
    for row in _ordered_rows(store, conditions(wanted)):  # the first offset of each (measure, plan), as MIN would
        if plans is not None and row["plan"] not in plans:
            continue
        key = (row["m"], row["plan"])
        span = parse_span(row["source"])
        start = span.start if span else None
        if key not in starts or (start is not None and (starts[key] is None or start < starts[key])):
            starts[key] = start
    ordered = sorted(((m, plan, start) for (m, plan), start in starts.items()), key=_sort_key)
    return [m for m, _, _ in ordered if isinstance(m, URIRef)]


def find_measures(store: Store, wanted: MeasureFilter) -> tuple[list[MeasurePublic], int]:
    """One page of the measures matching ``wanted`` in document order, and how many match in all.

    The matches of a filter are kept for its next pages (until the store changes: ``reused``): finding
    them reads every measure a filter holds, seconds at 10,000 plans, while a page's details cost
    milliseconds.
    """
    everything, total = matching_iris(store, wanted)
    return measure_details(store, everything[wanted.offset:wanted.offset + wanted.limit]), total


def matching_iris(store: Store, wanted: MeasureFilter) -> tuple[list[URIRef], int]:
    """Every measure matching ``wanted`` (paging ignored) and their number, reused until the store changes."""
    key = "measures " + wanted.model_dump_json(exclude={"limit", "offset", "format"})
    return reused(store, key, lambda: _matches_and_total(store, wanted))


def _matches_and_total(store: Store, wanted: MeasureFilter) -> tuple[list[URIRef], int]:
    everything = matching_measures(store, wanted)
    return everything, len(set(everything))


def get_measure(store: Store, measure_id: str) -> MeasurePublic:
    """A measure by its id ``{plan}:{path}``; raises NotFound."""
    rows = select(store, "SELECT ?m WHERE { ?m a airkg:Measure ; dcterms:identifier ?id }", {"id": Literal(measure_id)})
    if not rows or not isinstance(rows[0]["m"], URIRef):
        raise not_found("measure", measure_id)
    return measure_details(store, [rows[0]["m"]])[0]


# --------------------------------------------------------------------------- details of a page

AIRKG = "https://airkg.example.org/ontology#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

#: The values of the page's measures, each measure read once from its first triple on (``?m ?p ?o``
#: with the predicate tested, not looked up: one index seek per measure instead of one per
#: property), and the measure given by its position ``?i`` so that its IRI is not read again per row.
_MEASURES = """SELECT ?i ?p ?o WHERE {{ {values} ?m ?p ?o .
  FILTER(?p IN (airkg:partOfPlan, dcterms:identifier, airkg:path, airkg:number, dcterms:title, airkg:text,
                airkg:source, airkg:hasAssignment, airkg:hasDeadline, airkg:statedPollutant, airkg:inferredPollutant,
                airkg:statedSector, airkg:inferredSector, airkg:mentionsRegion)) }}"""
#: The values of their assignments, deadlines and source spans (the same way, by position ``?j``),
#: and the codes and Chinese labels of the concepts and regions they name (each looked up once).
_NODES = """SELECT ?j ?p ?o ?x ?code ?label WHERE {{
  {{ {nodes} ?node ?p ?o .
     FILTER(?p IN (airkg:agency, airkg:role, airkg:nameAsWritten, airkg:blanket, airkg:dueDate, airkg:endDate,
                   airkg:deadlineKind, airkg:originalText, airkg:note)) }}
  UNION {{ {concepts} OPTIONAL {{ ?x skos:notation ?code }}
           OPTIONAL {{ ?x skos:prefLabel ?label FILTER(lang(?label) = "zh") }} }}
  UNION {{ {regions} OPTIONAL {{ ?x rdfs:label ?label FILTER(lang(?label) = "zh") }} }} }}"""
#: The Chinese labels of the agencies of those assignments.
_AGENCY_LABELS = """SELECT ?x ?label WHERE {{ {agencies} OPTIONAL {{ ?x rdfs:label ?label FILTER(lang(?label) = "zh") }} }}"""
#: The concept links of a measure, by property, in the order of their property's IRI.
_CONCEPT_LINKS = sorted(AIRKG + name for name in ("statedPollutant", "inferredPollutant", "statedSector",
                                                  "inferredSector"))
_NODE_LINKS = (AIRKG + "hasAssignment", AIRKG + "hasDeadline")


def _positions(var: str, index: str, iris: Iterable[Node]) -> str:
    """``VALUES (?var ?index) { (<a> 0) (<b> 1) }`` for IRIs read from the store (each validated by
    ``sparql_term``)."""
    pairs = " ".join(f"({sparql_term(iri)} {n})" for n, iri in enumerate(iris))
    return f"VALUES (?{var} ?{index}) {{ {pairs} }}"


def _values(var: str, iris: Iterable[Node]) -> str:
    return f"VALUES ?{var} {{ {' '.join(sparql_term(iri) for iri in iris)} }}"


class _Values:
    """Values by key (a predicate's or a subject's IRI), each in the order read, without repeats."""

    def __init__(self) -> None:
        self._values: dict[str, dict[Node, None]] = {}

    def add(self, key: Node | None, value: Node | None) -> None:
        if key is not None and value is not None:
            self._values.setdefault(str(key), {})[value] = None

    def all(self, key: str) -> list[Node]:
        return list(self._values.get(key, ()))

    def each(self, key: str) -> list[Node | None]:
        """Every value, or [None] when there is none: the rows an OPTIONAL pattern would give."""
        return list(self._values.get(key) or (None,))

    def first(self, key: str) -> Node | None:
        return next(iter(self._values.get(key, ())), None)


def _read_page(store: Store, iris: list[URIRef]) -> tuple[list[_Values], dict[Node, _Values], _Values, _Values]:
    """The values of the measures ``iris`` (by position) and of the nodes they point to (by IRI), and
    the codes and labels of what they name (by IRI): three queries, whatever the number of measures."""
    measures = [_Values() for _ in iris]
    for row in select(store, _MEASURES.format(values=_positions("m", "i", iris))):
        measures[int(str(row["i"]))].add(row["p"], row["o"])
    nodes = list(dict.fromkeys(node for measure in measures for link in _NODE_LINKS for node in measure.all(link)))
    concepts = dict.fromkeys(concept for measure in measures for link in _CONCEPT_LINKS for concept in measure.all(link))
    regions = dict.fromkeys(region for measure in measures for region in measure.all(AIRKG + "mentionsRegion"))
    by_node = {node: _Values() for node in nodes}
    codes, labels = _Values(), _Values()
    if nodes or concepts or regions:
        sparql = _NODES.format(nodes=_positions("node", "j", nodes), concepts=_values("x", concepts),
                               regions=_values("x", regions))
        for row in select(store, sparql):
            if row["j"] is not None:
                by_node[nodes[int(str(row["j"]))]].add(row["p"], row["o"])
            else:
                codes.add(row["x"], row["code"])
                labels.add(row["x"], row["label"])
    agencies = dict.fromkeys(agency for node in by_node.values() for agency in node.all(AIRKG + "agency"))
    if agencies:
        for row in select(store, _AGENCY_LABELS.format(agencies=_values("x", agencies))):
            labels.add(row["x"], row["label"])
    return measures, by_node, codes, labels


def _code_key(code: Node | None) -> tuple[bool, str]:
    """SPARQL's order of ``?code``: unbound first, then by the text."""
    return code is not None, str(code or "")


def measure_details(store: Store, iris: list[URIRef]) -> list[MeasurePublic]:
    """Full records of the measures ``iris`` (IRIs read from the store), in that order.

    Each list of a measure comes in the order of the queries this replaced (one per kind, each
    ordered): agencies and deadlines by the IRI of the assignment or deadline, concepts by property
    then code, regions by IRI; a value the records hold twice is listed once per value, as an
    OPTIONAL pattern of those queries would have repeated its row.
    """
    if not iris:
        return []
    unique = list(dict.fromkeys(iris))
    measures, nodes, codes, labels = _read_page(store, unique)
    by_iri: dict[Node, MeasurePublic] = {}
    for iri, values in zip(unique, measures):
        plan = values.first(AIRKG + "partOfPlan")
        if plan is None:
            continue
        span = next(filter(None, map(parse_span, values.all(AIRKG + "source"))), None)
        record = MeasurePublic(
            id=text(values.first(DCTERMS + "identifier")) or local_id(iri, "plan"), iri=str(iri),
            plan_id=local_id(plan, "plan"), path=text(values.first(AIRKG + "path")) or "",
            number=text(values.first(AIRKG + "number")), title=text(values.first(DCTERMS + "title")),
            text=text(values.first(AIRKG + "text")),
            span=Span(start=span.start, end=span.end) if span else None,
        )
        record.agencies = [
            AssignmentPublic(agency=Ref(id=local_id(agency, "agency"), iri=str(agency), label=text(label)),
                             role=local_id(role, "role"), name_as_written=text(written), blanket=boolean(blanket))
            for node in sorted(values.all(AIRKG + "hasAssignment"), key=str)
            for agency in nodes[node].all(AIRKG + "agency") for role in nodes[node].all(AIRKG + "role")
            for written in nodes[node].each(AIRKG + "nameAsWritten") for blanket in nodes[node].each(AIRKG + "blanket")
            for label in labels.each(str(agency))]
        record.deadlines = [
            DeadlineBase(id=deadline_id(str(node)), due_date=date(due), end_date=date(end),
                         kind=local_id(kind, "deadline-kind") if kind else None, original_text=text(original),
                         note=text(note))
            for node in sorted(values.all(AIRKG + "hasDeadline"), key=str)
            for due in nodes[node].each(AIRKG + "dueDate") for end in nodes[node].each(AIRKG + "endDate")
            for kind in nodes[node].each(AIRKG + "deadlineKind")
            for original in nodes[node].each(AIRKG + "originalText") for note in nodes[node].each(AIRKG + "note")]
        for prop in _CONCEPT_LINKS:
            kind = "pollutant" if prop.endswith("Pollutant") else "sector"
            links = sorted(((concept, code, label) for concept in values.all(prop)
                            for code in codes.each(str(concept)) for label in labels.each(str(concept))),
                           key=lambda link: _code_key(link[1]))
            setattr(record, kind + "s", getattr(record, kind + "s") + [
                ConceptLink(id=text(code) or local_id(concept, kind), iri=str(concept), label=text(label),
                            basis="stated" if "#stated" in prop else "inferred")
                for concept, code, label in links])
        record.regions = [Ref(id=local_id(region, "region"), iri=str(region), label=text(label))
                          for region in sorted(values.all(AIRKG + "mentionsRegion"), key=str)
                          for label in labels.each(str(region))]
        by_iri[iri] = record
    for record, flags in zip(by_iri.values(), flags_of(store, list(by_iri))):
        record.quality_flags = flags
    return [by_iri[iri] for iri in iris if iri in by_iri]


__all__ = ["Condition", "conditions", "filter_clauses", "find_measures", "get_measure", "matching_iris", "matching_measures",
           "measure_details"]
