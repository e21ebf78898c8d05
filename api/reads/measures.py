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
rows are checked against the sets, ordered, counted and paged here. The details of a page are read
node by node, not queried (``Store.node_values``): the measures' values, then those of their
assignments and deadlines, the codes and labels of the concepts, regions and agencies named, then
the measures' quality flags (``api/reads/flags.py``).
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
    Row, boolean, date, deadline_id, entity_iri, is_reused, local_id, reused, select,
)
from api.reads.flags import flags_of
from kg.models import Role
from kg.query_params import search_terms
from kg.source_spans import parse_span
from kg.store import NodeValues, Store

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
    return reused(store, _matches_key(wanted), lambda: _matches_and_total(store, wanted))


def page_is_bounded(store: Store, wanted: MeasureFilter) -> bool:
    """Whether :func:`find_measures` would only read the page's nodes: the filter's matches are held and the
    page is read node by node from memory (no query, no unbounded read)."""
    return is_reused(store, _matches_key(wanted)) and store.reads_from_memory


def _matches_key(wanted: MeasureFilter) -> str:
    return "measures " + wanted.model_dump_json(exclude={"limit", "offset", "format"})


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

#: What a measure's record reads of the measure, of its assignments and deadlines, and of what they name.
_OF_MEASURE = (AIRKG + "partOfPlan", DCTERMS + "identifier", AIRKG + "path", AIRKG + "number", DCTERMS + "title",
               AIRKG + "text", AIRKG + "source", AIRKG + "hasAssignment", AIRKG + "hasDeadline",
               AIRKG + "statedPollutant", AIRKG + "inferredPollutant", AIRKG + "statedSector",
               AIRKG + "inferredSector", AIRKG + "mentionsRegion")
_OF_NODE = tuple(AIRKG + name for name in ("agency", "role", "nameAsWritten", "blanket", "dueDate", "endDate",
                                           "deadlineKind", "originalText", "note"))
_NOTATION, _PREF_LABEL = SKOS + "notation", SKOS + "prefLabel"
#: The concept links of a measure, by property, in the order of their property's IRI.
_CONCEPT_LINKS = sorted(AIRKG + name for name in ("statedPollutant", "inferredPollutant", "statedSector",
                                                  "inferredSector"))
_NODE_LINKS = (AIRKG + "hasAssignment", AIRKG + "hasDeadline")


def _first(values: NodeValues, predicate: str) -> str | None:
    return next(iter(values.get(predicate, ())), None)


def _each(values: NodeValues, predicate: str) -> list[str | None]:
    """Every value, or [None] when there is none: the rows an OPTIONAL pattern would give."""
    return list(values.get(predicate) or (None,))


def _linked(records: Iterable[NodeValues], links: Iterable[str]) -> list[str]:
    """The values of ``links`` in ``records``, each once, in the order met."""
    return list(dict.fromkeys(value for record in records for link in links for value in record.get(link, ())))


def _read_page(store: Store, iris: list[str]) -> tuple[list[NodeValues], dict[str, NodeValues], dict[str, NodeValues]]:
    """The values of the measures ``iris`` (in order), of the assignments and deadlines they point to, and
    the codes and Chinese labels of the concepts, regions and agencies they name (both by IRI)."""
    measures = store.node_values(iris, _OF_MEASURE)
    nodes = _linked(measures, _NODE_LINKS)
    by_node = dict(zip(nodes, store.node_values(nodes, _OF_NODE)))
    concepts = _linked(measures, _CONCEPT_LINKS)
    named = dict(zip(concepts, store.node_values(concepts, (_NOTATION, _PREF_LABEL), languages={_PREF_LABEL: "zh"})))
    labelled = _linked(measures, [AIRKG + "mentionsRegion"]) + _linked(by_node.values(), [AIRKG + "agency"])
    named.update(zip(labelled, store.node_values(labelled, (RDFS_LABEL,), languages={RDFS_LABEL: "zh"})))
    return measures, by_node, named


def _code_key(code: str | None) -> tuple[bool, str]:
    """SPARQL's order of ``?code``: unbound first, then by the text."""
    return code is not None, code or ""


def _assignments(values: NodeValues, nodes: dict[str, NodeValues], named: dict[str, NodeValues]) -> list[AssignmentPublic]:
    return [AssignmentPublic(agency=Ref(id=local_id(agency, "agency"), iri=agency, label=label),
                             role=local_id(role, "role"), name_as_written=written, blanket=boolean(blanket))
            for node in sorted(values.get(AIRKG + "hasAssignment", ()))
            for agency in nodes[node].get(AIRKG + "agency", ()) for role in nodes[node].get(AIRKG + "role", ())
            for written in _each(nodes[node], AIRKG + "nameAsWritten") for blanket in _each(nodes[node], AIRKG + "blanket")
            for label in _each(named.get(agency, {}), RDFS_LABEL)]


def _deadlines(values: NodeValues, nodes: dict[str, NodeValues]) -> list[DeadlineBase]:
    return [DeadlineBase(id=deadline_id(node), due_date=date(due), end_date=date(end),
                         kind=local_id(kind, "deadline-kind") if kind else None, original_text=original, note=note)
            for node in sorted(values.get(AIRKG + "hasDeadline", ()))
            for due in _each(nodes[node], AIRKG + "dueDate") for end in _each(nodes[node], AIRKG + "endDate")
            for kind in _each(nodes[node], AIRKG + "deadlineKind")
            for original in _each(nodes[node], AIRKG + "originalText") for note in _each(nodes[node], AIRKG + "note")]


def _concept_links(values: NodeValues, named: dict[str, NodeValues], prop: str) -> list[ConceptLink]:
    kind = "pollutant" if prop.endswith("Pollutant") else "sector"
    links = sorted(((concept, code, label) for concept in values.get(prop, ())
                    for code in _each(named.get(concept, {}), _NOTATION)
                    for label in _each(named.get(concept, {}), _PREF_LABEL)), key=lambda link: _code_key(link[1]))
    return [ConceptLink(id=code or local_id(concept, kind), iri=concept, label=label,
                        basis="stated" if "#stated" in prop else "inferred") for concept, code, label in links]


def _record(iri: str, values: NodeValues, nodes: dict[str, NodeValues], named: dict[str, NodeValues],
            plan: str) -> MeasurePublic:
    span = next(filter(None, map(parse_span, values.get(AIRKG + "source", ()))), None)
    record = MeasurePublic(
        id=_first(values, DCTERMS + "identifier") or local_id(iri, "plan"), iri=iri,
        plan_id=local_id(plan, "plan"), path=_first(values, AIRKG + "path") or "",
        number=_first(values, AIRKG + "number"), title=_first(values, DCTERMS + "title"),
        text=_first(values, AIRKG + "text"), span=Span(start=span.start, end=span.end) if span else None,
        agencies=_assignments(values, nodes, named), deadlines=_deadlines(values, nodes),
        regions=[Ref(id=local_id(region, "region"), iri=region, label=label)
                 for region in sorted(values.get(AIRKG + "mentionsRegion", ()))
                 for label in _each(named.get(region, {}), RDFS_LABEL)],
    )
    for prop in _CONCEPT_LINKS:
        field_name = "pollutants" if prop.endswith("Pollutant") else "sectors"
        getattr(record, field_name).extend(_concept_links(values, named, prop))
    return record


def measure_details(store: Store, iris: list[URIRef]) -> list[MeasurePublic]:
    """Full records of the measures ``iris`` (IRIs read from the store), in that order.

    Each is read node by node (:meth:`~kg.store.Store.node_values`: no query). Its lists come in the
    order of the queries this replaced (one per kind, each ordered): agencies and deadlines by the IRI
    of the assignment or deadline, concepts by property then code, regions by IRI; a value the records
    hold twice is listed once per value, as an OPTIONAL pattern of those queries would have repeated its row.
    """
    if not iris:
        return []
    unique = list(dict.fromkeys(str(iri) for iri in iris))
    measures, nodes, named = _read_page(store, unique)
    by_iri: dict[str, MeasurePublic] = {}
    for iri, values in zip(unique, measures):
        plan = _first(values, AIRKG + "partOfPlan")
        if plan is not None:
            by_iri[iri] = _record(iri, values, nodes, named, plan)
    for record, flags in zip(by_iri.values(), flags_of(store, list(by_iri))):
        record.quality_flags = flags
    return [by_iri[str(iri)] for iri in iris if str(iri) in by_iri]


__all__ = ["Condition", "conditions", "filter_clauses", "find_measures", "get_measure", "matching_iris", "matching_measures",
           "measure_details", "page_is_bounded"]
