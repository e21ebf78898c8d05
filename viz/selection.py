"""Which measures a view draws: filter names resolved to IRIs, then one SPARQL pattern selecting ``?m``."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal

from kg import query_params
from kg.errors import InputError
from kg.store import Store, is_iri, sparql_iri
from viz.facts import RES, chunks, text, values
from viz.filters import GraphFilter
from viz.links import to_iri

_LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "district": 3, "county": 3}

_FIND_REGION = """
SELECT DISTINCT ?r ?level WHERE {
  ?r a airkg:Region ; rdfs:label ?label .
  OPTIONAL { ?r airkg:level ?level }
  OPTIONAL { ?r airkg:adminCode ?code }
  FILTER(str(?code) = ?q || lcase(str(?label)) = lcase(?q)
         || STRSTARTS(lcase(str(?label)), concat(lcase(?q), " "))
         || (STRSTARTS(str(?label), ?q) && STRLEN(str(?label)) = STRLEN(?q) + 1))
}"""

_FIND_CONCEPT = """
SELECT DISTINCT ?c WHERE {
  ?c skos:inScheme %s .
  { ?c skos:notation ?l } UNION { ?c skos:prefLabel ?l } UNION { ?c skos:altLabel ?l }
  FILTER(lcase(str(?l)) = lcase(?q))
}"""

_FIND_AGENCY = """
SELECT DISTINCT ?a WHERE {
  ?a a airkg:Agency .
  { ?a rdfs:label ?l } UNION { ?a airkg:nameVariant ?l }
  FILTER(lcase(str(?l)) = lcase(?q))
}"""

_FIND_AGENCY_PART = """
SELECT DISTINCT ?a WHERE { ?a a airkg:Agency ; rdfs:label ?l FILTER(CONTAINS(lcase(str(?l)), lcase(?q))) }"""

_FIND_PLAN = """
SELECT DISTINCT ?p WHERE { ?p a airkg:Plan ; dcterms:title ?t FILTER(CONTAINS(str(?t), ?q)) }"""

_IS_A = "ASK { %s a %s }"
#: The predicates a pollutant or sector filter follows, by basis (GraphFilter.basis).
_BASIS = {kind: {"stated": f"airkg:stated{kind.title()}", "inferred": f"airkg:inferred{kind.title()}",
                 "any": f"airkg:stated{kind.title()} airkg:inferred{kind.title()}"} for kind in ("pollutant", "sector")}

#: The pattern of a selection with no filter: every measure, with its plan.
EVERY_MEASURE = "?m a airkg:Measure ; airkg:partOfPlan ?plan ."


@dataclass(frozen=True)
class Resolved:
    """The IRIs a filter value names; empty when nothing matches."""

    name: str
    value: str
    iris: tuple[str, ...]


@dataclass
class Selection:
    """The resolved filters of a view and the SPARQL pattern binding its measures ``?m``."""

    resolved: list[Resolved] = field(default_factory=list)
    pattern: str = EVERY_MEASURE

    @property
    def unresolved(self) -> list[Resolved]:
        return [r for r in self.resolved if not r.iris]

    @property
    def restricts(self) -> bool:
        """True when some filter narrows the measures (the pattern is more than "is a measure")."""
        return self.pattern.strip() != EVERY_MEASURE


def _rows(store: Store, query: str, value: str) -> tuple[str, ...]:
    return tuple(text(row[next(iter(row))]) for row in store.query(query, {"q": Literal(value)}).rows)


def _known(store: Store, value: str, cls: str, prefix: str) -> tuple[str, ...] | None:
    """``value`` as an entity IRI of class ``cls`` if it is written as one (IRI, ``/id/…``, ``kind/…``)."""
    if not (value.startswith(("http://", "https://", "/id/")) or value.startswith(prefix + "/")):
        return None
    iri = to_iri(value)
    return (iri,) if is_iri(iri) and store.query(_IS_A % (sparql_iri(iri), cls)).boolean else ()


def _shared(resolve, *args) -> tuple[str, ...] | None:
    """The one resolver of the CLI, the API and the pages (kg.query_params), when it finds exactly one."""
    try:
        return (str(resolve(*args)),)
    except InputError:
        return None


def resolve_region(store: Store, value: str) -> tuple[str, ...]:
    """Regions named by a code, a label (山东省 / Shandong Province), or a label less its last character
    or its last English word (山东, Shandong); when several match, the highest level wins."""
    known = _known(store, value, "airkg:Region", "region")
    if known is not None:
        return known
    shared = _shared(lambda v: f"{RES}region/{query_params.resolve_region(v).code}", value)
    if shared and store.query(_IS_A % (sparql_iri(shared[0]), "airkg:Region")).boolean:
        return shared
    rows = store.query(_FIND_REGION, {"q": Literal(value)}).rows
    ranked = [(_LEVEL_RANK.get(text(r["level"]).rsplit("/", 1)[-1], 9), text(r["r"])) for r in rows]
    if not ranked:
        return ()
    best = min(rank for rank, _ in ranked)
    return tuple(sorted({iri for rank, iri in ranked if rank == best}))


def resolve_concept(store: Store, value: str, scheme: str) -> tuple[str, ...]:
    """Concepts of ``scheme`` (``pollutants`` or ``sectors``) by IRI, id, notation or label."""
    kind = scheme.rstrip("s")
    known = _known(store, value, "skos:Concept", kind)
    if known is not None:
        return known
    return (_shared(query_params._concept, kind, value)  # noqa: SLF001 — the scheme's names, case-blind
            or _rows(store, _FIND_CONCEPT % sparql_iri(f"{RES}scheme/{scheme}"), value))


def why_not(store: Store, name: str, value: str) -> str:
    """What the shared resolver says of a value that matched nothing (with ``did you mean …``), or ""."""
    try:
        if name == "region":
            query_params.resolve_region(value)
        elif name in ("pollutant", "sector"):
            query_params._concept(name, value)  # noqa: SLF001
        elif name == "agency":
            query_params.resolve_agency(store, value)
        elif name == "plan":
            query_params.resolve_plan(store, value)
    except InputError as error:
        return error.detail
    return ""


def resolve_agency(store: Store, value: str) -> tuple[str, ...]:
    """Agencies by IRI or id, an exact name (canonical, English or as written), else a part of the name."""
    known = _known(store, value, "airkg:Agency", "agency")
    if known is not None:
        return known
    return (_shared(query_params.resolve_agency, store, value) or _rows(store, _FIND_AGENCY, value)
            or _rows(store, _FIND_AGENCY_PART, value))


def resolve_plan(store: Store, value: str) -> tuple[str, ...]:
    """Plans by IRI or id, else by a part of the title."""
    iri = to_iri(value)
    if is_iri(iri) and store.query(_IS_A % (sparql_iri(iri), "airkg:Plan")).boolean:
        return (iri,)
    return _shared(query_params.resolve_plan, store, value) or _rows(store, _FIND_PLAN, value)


def select(store: Store, graph_filter: GraphFilter) -> Selection:
    """Resolve the filter's names and build the pattern selecting its measures."""
    selection = Selection()
    lines = [EVERY_MEASURE]

    def resolve(name: str, value: str | None, found: tuple[str, ...] | None) -> tuple[str, ...]:
        if value is None or found is None:
            return ()
        selection.resolved.append(Resolved(name, value, found))
        return found

    f = graph_filter
    plans = resolve("plan", f.plan, resolve_plan(store, f.plan) if f.plan else None)
    regions = resolve("region", f.region, resolve_region(store, f.region) if f.region else None)
    pollutants = resolve("pollutant", f.pollutant,
                         resolve_concept(store, f.pollutant, "pollutants") if f.pollutant else None)
    sectors = resolve("sector", f.sector, resolve_concept(store, f.sector, "sectors") if f.sector else None)
    agencies = resolve("agency", f.agency, resolve_agency(store, f.agency) if f.agency else None)
    if selection.unresolved:
        selection.pattern = "?m a airkg:Measure . FILTER(false)"
        return selection
    if plans:
        lines.append(values("plan", plans))
    if regions:
        lines.append(values("fRegion", _below(store, regions, "?r airkg:parentRegion* ?top")))
        lines.append("{ ?plan airkg:region ?fRegion } UNION { ?m airkg:mentionsRegion ?fRegion }")
    if pollutants:
        lines.append(values("fPollutant", _below(store, pollutants, "?r skos:broader* ?top")))
        lines.append(f"VALUES ?fHow {{ {_BASIS['pollutant'][f.basis]} }} ?m ?fHow ?fPollutant .")
    if sectors:
        lines.append(values("fSector", _below(store, sectors, "?r skos:broader* ?top")))
        lines.append(f"VALUES ?fIn {{ {_BASIS['sector'][f.basis]} }} ?m ?fIn ?fSector .")
    if agencies or f.role:
        lines.append("?m airkg:hasAssignment ?fAssignment .")
        if agencies:
            lines.append(values("fAgency", agencies))
            lines.append("?fAssignment airkg:agency ?fAgency .")
        if f.role:
            lines.append(f"?fAssignment airkg:role {sparql_iri(RES + 'role/' + f.role)} .")
    if f.due_from or f.due_to:  # due in the range: the one meaning of the lists, the API and the saved queries
        lines.append("?m airkg:hasDeadline/airkg:dueDate ?fDue .")
        if f.due_from:
            lines.append(f'FILTER(?fDue >= "{f.due_from.isoformat()}"^^xsd:date)')
        if f.due_to:
            lines.append(f'FILTER(?fDue <= "{f.due_to.isoformat()}"^^xsd:date)')
    selection.pattern = "\n  ".join(lines)
    return selection


def measures(store: Store, selection: Selection, within: list[str] | None = None,
             limit: int | None = None) -> list[str]:
    """The measures the selection's pattern matches, in order: only those in ``within`` when given, and at
    most ``limit`` (which ones, when there are more, is up to the store)."""
    cap = f" LIMIT {int(limit)}" if limit is not None else ""
    if within is None:
        return sorted(set(_select(store, selection.pattern, cap)), key=_measure_order)
    found: list[str] = []
    for chunk in chunks(within):
        found.extend(_select(store, f"{values('m', chunk)}\n  {selection.pattern}", cap))
    return sorted(set(found), key=_measure_order)[:limit]


def _select(store: Store, pattern: str, modifier: str = "") -> list[str]:
    query = f"SELECT DISTINCT ?m WHERE {{\n  {pattern}\n}}{modifier}"
    return [text(row["m"]) for row in store.query(query).rows]


def _below(store: Store, tops: tuple[str, ...], path: str) -> list[str]:
    """The given regions or sectors and everything below them (``path`` links ``?r`` to ``?top``)."""
    found: set[str] = set(tops)
    for row in store.query(f"SELECT DISTINCT ?r WHERE {{ {values('top', tops)} {path} }}").rows:
        found.add(text(row["r"]))
    return sorted(found)


def _measure_order(iri: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """Plan first, then the measure path read as numbers (2.10 after 2.9)."""
    plan, _, path = iri.partition("/measure/")
    return plan, tuple((int(p), "") if p.isdigit() else (-1, p) for p in path.split("."))
