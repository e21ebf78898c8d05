"""What the relation stages need from the store: each plan's header and each measure's text, concepts,
deadlines, agencies and targets, read with a few SPARQL queries per batch of plans (both backends).

Nothing here is computed: every value is a fact of a plan's own graph.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kg.rdf_building import plan_graph_iri, plan_iri
from kg.source_spans import parse_span
from kg.store import Store, sparql_term
from kg.vocabulary import RES

_RES = str(RES)
_PLAN = f"{_RES}plan/"


def plan_id_of(iri: str) -> str:
    """``res:plan/{id}`` (or a measure of it) → ``id``."""
    return str(iri)[len(_PLAN):].split("/", 1)[0]


@dataclass(frozen=True)
class PlanInfo:
    """A plan's header, as its graph holds it."""

    id: str
    title: str
    doc_number: str | None = None
    issued: dt.date | None = None
    year: int | None = None
    period_start: int | None = None
    period_end: int | None = None
    region: str | None = None
    level: str | None = None

    @property
    def iri(self) -> str:
        return str(plan_iri(self.id))

    @property
    def start_year(self) -> int | None:
        """The first year the plan speaks for: its period's first year, else its year, else its issue year."""
        return self.period_start or self.year or (self.issued.year if self.issued else None)

    def issued_no_later_than(self, other: PlanInfo) -> bool:
        """Could ``self`` have been before ``other``'s writers? By issue dates when both are known, else by years
        (the same year counts: a plan may carry out one issued months before it)."""
        if self.issued and other.issued:
            return self.issued <= other.issued
        mine, theirs = self.year or self.start_year, other.year or other.start_year
        return mine is not None and theirs is not None and mine <= theirs


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None
    kind: str
    text: str


@dataclass(frozen=True)
class TargetValue:
    indicator: str
    comparator: str
    value: Decimal
    unit: str


@dataclass
class MeasureInfo:
    """A measure, as its plan's graph holds it."""

    iri: str
    plan_id: str
    path: str
    title: str
    text: str
    span_iri: str | None = None
    start: int | None = None
    end: int | None = None
    codes: set[str] = field(default_factory=set)
    """Concept IRIs' local names: ``pollutant/VOCs``, ``sector/steel`` (stated and inferred)."""
    stated: set[str] = field(default_factory=set)
    deadlines: list[Deadline] = field(default_factory=list)
    agencies: list[tuple[str, str]] = field(default_factory=list)
    """(role code, agency label) pairs, blanket assignments left out (they are the plan's, not the measure's)."""
    targets: list[TargetValue] = field(default_factory=list)

    @property
    def path_key(self) -> tuple[int, ...]:
        return tuple(int(part) if part.isdigit() else 0 for part in self.path.split("."))


def _values(variable: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{variable} {{ {' '.join(sparql_term_iri(iri) for iri in iris)} }}"


def sparql_term_iri(iri: str) -> str:
    from rdflib import URIRef

    return sparql_term(URIRef(iri))


def _text(term: object) -> str | None:
    return None if term is None else str(term)


def _span_parts(term: object) -> tuple[str | None, int | None, int | None]:
    """A source span IRI, its start and its end (all None for no span)."""
    span = parse_span(term)
    return (span.iri, span.start, span.end) if span else (None, None, None)


def _int(term: object) -> int | None:
    text = _text(term)
    match = re.match(r"-?\d+", text or "")
    return int(match.group()) if match else None


def _date(term: object) -> dt.date | None:
    text = _text(term)
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def read_plans(store: Store, plan_ids: Iterable[str] | None = None) -> dict[str, PlanInfo]:
    """Every plan's header (or those of ``plan_ids``), by plan id."""
    ids = None if plan_ids is None else sorted(set(plan_ids))
    if ids == []:
        return {}
    values = "" if ids is None else _values("plan", (str(plan_iri(i)) for i in ids))
    rows = store.query(f"""
        SELECT ?plan ?title ?number ?issued ?year ?start ?end ?region ?level WHERE {{
          {values}
          ?plan a airkg:Plan ; dcterms:title ?title .
          OPTIONAL {{ ?plan dcterms:identifier ?number }}
          OPTIONAL {{ ?plan dcterms:issued ?issued }}
          OPTIONAL {{ ?plan airkg:year ?year }}
          OPTIONAL {{ ?plan airkg:periodStart ?start }}
          OPTIONAL {{ ?plan airkg:periodEnd ?end }}
          OPTIONAL {{ ?plan airkg:region ?region }}
          OPTIONAL {{ ?plan airkg:level ?level }}
        }}""").rows
    plans = {}
    for row in rows:
        plan_id = plan_id_of(row["plan"])
        region, level = _text(row["region"]), _text(row["level"])
        plans[plan_id] = PlanInfo(
            id=plan_id, title=str(row["title"]), doc_number=_text(row["number"]), issued=_date(row["issued"]),
            year=_int(row["year"]), period_start=_int(row["start"]), period_end=_int(row["end"]),
            region=region.rsplit("/", 1)[-1] if region else None, level=level.rsplit("/", 1)[-1] if level else None)
    return plans


def read_texts(store: Store, plan_ids: Iterable[str]) -> dict[str, str]:
    """The full source text of each plan's document."""
    ids = sorted(set(plan_ids))
    if not ids:
        return {}
    rows = store.query(f"""
        SELECT ?plan ?text WHERE {{
          {_values("plan", (str(plan_iri(i)) for i in ids))}
          ?plan airkg:sourceDocument ?doc . ?doc airkg:fullText ?text .
        }}""").rows
    return {plan_id_of(row["plan"]): str(row["text"]) for row in rows}


def read_measures(store: Store, plan_ids: Sequence[str], batch: int = 50, details: bool = True
                  ) -> dict[str, list[MeasureInfo]]:
    """Each plan's measures in document order, by plan id (plans read ``batch`` at a time). Without
    ``details``, only their texts, spans and concepts (what lineage compares): no deadlines, agencies or
    targets, whose reading is most of the cost."""
    out: dict[str, list[MeasureInfo]] = {plan_id: [] for plan_id in plan_ids}
    ids = sorted(set(plan_ids))
    for first in range(0, len(ids), batch):
        chunk = ids[first:first + batch]
        for plan_id, measures in _read_measure_batch(store, chunk, details).items():
            out[plan_id] = measures
    return out


def _read_measure_batch(store: Store, plan_ids: Sequence[str], details: bool = True
                        ) -> dict[str, list[MeasureInfo]]:
    # each plan with its own graph: patterns looked up in one graph, not in the union of all (4x faster)
    values = "VALUES (?plan ?g) { " + " ".join(
        f"({sparql_term_iri(str(plan_iri(i)))} {sparql_term_iri(str(plan_graph_iri(i)))})" for i in plan_ids) + " }"
    details_values = values if details else "VALUES (?plan ?g) { }"  # no plan: the detail queries answer nothing
    measures: dict[str, MeasureInfo] = {}
    for row in store.query(f"""
        SELECT ?m ?plan ?path ?title ?text ?span WHERE {{
          {values}
          GRAPH ?g {{
          ?m airkg:partOfPlan ?plan ; airkg:path ?path ; dcterms:title ?title ; airkg:text ?text ;
             airkg:source ?span .
          }}
        }}""").rows:
        iri = str(row["m"])
        measures[iri] = MeasureInfo(iri, plan_id_of(row["plan"]), str(row["path"]), str(row["title"]),
                                    str(row["text"]), *_span_parts(row["span"]))
    for row in store.query(f"""
        SELECT ?m ?concept ?p WHERE {{
          {values}
          GRAPH ?g {{
          ?m airkg:partOfPlan ?plan .
          {{ ?m airkg:statedPollutant ?concept BIND("s" AS ?p) }}
          UNION {{ ?m airkg:inferredPollutant ?concept BIND("i" AS ?p) }}
          UNION {{ ?m airkg:statedSector ?concept BIND("s" AS ?p) }}
          UNION {{ ?m airkg:inferredSector ?concept BIND("i" AS ?p) }}
          }}
        }}""").rows:
        measure = measures.get(str(row["m"]))
        if measure is not None:
            code = str(row["concept"])[len(_RES):]
            measure.codes.add(code)
            if str(row["p"]) == "s":
                measure.stated.add(code)
    # (an OPTIONAL inside GRAPH ?g is evaluated many times slower than beside it: pyoxigraph 0.5)
    for row in store.query(f"""
        SELECT ?m ?d ?due ?kind ?words WHERE {{
          {details_values}
          GRAPH ?g {{
          ?m airkg:partOfPlan ?plan ; airkg:hasDeadline ?d .
          ?d airkg:deadlineKind ?kind ; airkg:originalText ?words .
          }}
          OPTIONAL {{ GRAPH ?g {{ ?d airkg:dueDate ?due }} }}
        }}""").rows:
        measure = measures.get(str(row["m"]))
        if measure is not None:
            measure.deadlines.append((str(row["d"]), Deadline(_date(row["due"]), str(row["kind"]).rsplit("/", 1)[-1],
                                                               str(row["words"]))))  # type: ignore[arg-type]
    for row in store.query(f"""
        SELECT ?m ?role ?label WHERE {{
          {details_values}
          GRAPH ?g {{
          ?m airkg:partOfPlan ?plan ; airkg:hasAssignment ?a .
          ?a airkg:role ?role ; airkg:agency ?agency .
          FILTER NOT EXISTS {{ ?a airkg:blanket true }}
          }}
          ?agency rdfs:label ?label . FILTER(lang(?label) = "zh")
        }}""").rows:
        measure = measures.get(str(row["m"]))
        if measure is not None:
            measure.agencies.append((str(row["role"]).rsplit("/", 1)[-1], str(row["label"])))
    for row in store.query(f"""
        SELECT ?m ?t ?indicator ?comparator ?value ?unit WHERE {{
          {details_values}
          GRAPH ?g {{
          ?m airkg:partOfPlan ?plan ; airkg:hasTarget ?t .
          ?t airkg:indicator ?indicator ; airkg:comparator ?comparator ; qudt:numericValue ?value .
          }}
          OPTIONAL {{ GRAPH ?g {{ ?t airkg:unitText ?unit }} }}
        }}""").rows:
        measure = measures.get(str(row["m"]))
        if measure is None:
            continue
        try:
            value = Decimal(str(row["value"]))
        except InvalidOperation:
            continue
        measure.targets.append((str(row["t"]), TargetValue(str(row["indicator"]), str(row["comparator"]), value,
                                                            _text(row["unit"]) or "")))  # type: ignore[arg-type]
    by_plan: dict[str, list[MeasureInfo]] = defaultdict(list)
    for measure in measures.values():
        # deadlines and targets in their order in the plan (their IRIs end in their index)
        measure.deadlines = [d for _, d in sorted(measure.deadlines, key=lambda item: _index(item[0]))]  # type: ignore[misc]
        measure.targets = [t for _, t in sorted(measure.targets, key=lambda item: _index(item[0]))]  # type: ignore[misc]
        measure.agencies = sorted(set(measure.agencies))
        by_plan[measure.plan_id].append(measure)
    return {plan_id: sorted(items, key=lambda m: m.path_key) for plan_id, items in by_plan.items()}


def _index(iri: str) -> int:
    tail = iri.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0
