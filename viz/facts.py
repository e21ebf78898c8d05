"""Reading what the graph view draws from the store: measures with their links, and entity labels.

Every function takes a :class:`~kg.store.Store` and entity IRIs, reads with a few SPARQL queries (IRIs
go in through ``VALUES`` blocks, checked by :func:`kg.store.sparql_iri`) and returns plain dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rdflib.term import Node

from kg.source_spans import document_texts, parse_span
from kg.store import Store, sparql_iri

CHUNK = 400
RES = "https://airkg.example.org/id/"
_SENTENCE_END = "。；！？\n"
_CONTEXT = 160


@dataclass
class Assignment:
    iri: str
    agency: str
    role: str
    written: str
    blanket: bool
    start: int | None
    end: int | None
    document: str | None = None
    sentence: str = ""


@dataclass
class Deadline:
    kind: str
    due: str | None
    end: str | None
    original: str
    note: str | None = None


@dataclass
class Measure:
    iri: str
    plan: str
    title: str
    path: str
    text: str
    start: int | None
    end: int | None
    assignments: list[Assignment] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    pollutants: dict[str, bool] = field(default_factory=dict)  # concept IRI -> stated (False: inferred only)
    sectors: dict[str, bool] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)


@dataclass
class Entity:
    """Labels and a few facts of a plan, agency, concept or region."""

    iri: str
    kind: str
    zh: str = ""
    en: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    region: str | None = None  # a plan's region
    parent: str | None = None  # a region's parent region


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(sparql_iri(i) for i in iris)} }}"


def text(node: Node | None) -> str:
    return "" if node is None else str(node)


def local(iri: Node | None) -> str:
    """The last path segment of a concept IRI (``res:role/lead`` -> ``lead``)."""
    return text(iri).rsplit("/", 1)[-1]


def kind_of(iri: str) -> str:
    """The node class of an entity IRI, from its path (``res:agency/…`` -> ``agency``)."""
    rest = iri[len(RES):] if iri.startswith(RES) else ""
    head = rest.split("/", 1)[0]
    if head == "plan":
        if "/measure/" in rest:
            return "deadline" if "/deadline/" in rest else "measure"
        return "plan"
    return head if head in ("agency", "pollutant", "sector", "region") else "other"


# --------------------------------------------------------------------------- measures

_MEASURES = """
SELECT ?m ?plan ?title ?path ?text ?span WHERE {
  %s
  ?m airkg:partOfPlan ?plan .
  OPTIONAL { ?m dcterms:title ?title }
  OPTIONAL { ?m airkg:path ?path }
  OPTIONAL { ?m airkg:text ?text }
  OPTIONAL { ?m airkg:source ?span }
}"""

_ASSIGNMENTS = """
SELECT ?m ?a ?agency ?role ?written ?blanket ?span WHERE {
  %s
  ?m airkg:hasAssignment ?a . ?a airkg:agency ?agency ; airkg:role ?role .
  OPTIONAL { ?a airkg:nameAsWritten ?written }
  OPTIONAL { ?a airkg:blanket ?blanket }
  OPTIONAL { ?a airkg:source ?span }
} ORDER BY ?m ?a"""

_DEADLINES = """
SELECT ?m ?kind ?due ?end ?original ?note WHERE {
  %s
  ?m airkg:hasDeadline ?d .
  OPTIONAL { ?d airkg:deadlineKind ?kind }
  OPTIONAL { ?d airkg:dueDate ?due }
  OPTIONAL { ?d airkg:endDate ?end }
  OPTIONAL { ?d airkg:originalText ?original }
  OPTIONAL { ?d airkg:note ?note }
} ORDER BY ?m ?d"""

_LINKS = """
SELECT ?m ?p ?o WHERE {
  %s
  VALUES ?p { airkg:statedPollutant airkg:inferredPollutant airkg:statedSector airkg:inferredSector
              airkg:mentionsRegion }
  ?m ?p ?o .
}"""



def read_measures(store: Store, iris: Sequence[str]) -> list[Measure]:
    """The measures named, with their assignments, deadlines, pollutants, sectors and regions, in order."""
    measures: dict[str, Measure] = {}
    for chunk in chunks(iris):
        block = values("m", chunk)
        for row in store.query(_MEASURES % block).rows:
            iri, span = text(row["m"]), parse_span(row["span"])
            measures.setdefault(iri, Measure(
                iri, text(row["plan"]), text(row["title"]), text(row["path"]), text(row["text"]),
                span.start if span else None, span.end if span else None))
        for row in store.query(_ASSIGNMENTS % block).rows:
            span = parse_span(row["span"])
            measures[text(row["m"])].assignments.append(Assignment(
                text(row["a"]), text(row["agency"]), local(row["role"]), text(row["written"]),
                text(row["blanket"]) == "true", span.start if span else None, span.end if span else None,
                span.document if span else None))
        for row in store.query(_DEADLINES % block).rows:
            measures[text(row["m"])].deadlines.append(Deadline(
                local(row["kind"]) or "by", text(row["due"]) or None, text(row["end"]) or None,
                text(row["original"]), text(row["note"]) or None))
        for row in store.query(_LINKS % block).rows:
            measure, predicate, target = measures[text(row["m"])], local(row["p"]).split("#")[-1], text(row["o"])
            if predicate == "mentionsRegion":
                measure.regions.append(target)
            else:
                bucket = measure.pollutants if predicate.endswith("Pollutant") else measure.sectors
                bucket[target] = bucket.get(target, False) or predicate.startswith("stated")
    ordered = [measures[i] for i in iris if i in measures]
    _add_sentences(store, ordered)
    return ordered


def sentence_around(source: str, start: int, end: int) -> str:
    """The sentence of ``source`` holding ``source[start:end]``, cut at 。；！？ and line ends.

    A duty clause in brackets (``（省生态环境厅负责）``) ends at its closing bracket, and when it stands
    after a full stop it comes with the sentence before it, which says what the duty is.

    >>> sentence_around("甲。加强治理。（省生态环境厅负责）下一句。", 9, 15)
    '加强治理。（省生态环境厅负责）'
    """
    left = _sentence_start(source, start)
    rights = [i for i in (source.find(mark, end) for mark in _SENTENCE_END) if i >= 0]
    right = min(rights) + 1 if rights else len(source)
    opening = max(source.rfind("（", left, start), source.rfind("(", left, start))
    if opening >= 0 and max(source.find("）", opening, start), source.find(")", opening, start)) < 0:
        closings = [i for i in (source.find("）", end), source.find(")", end)) if i >= 0]
        if closings and min(closings) < right:
            right = min(closings) + 1
        if not source[left:opening].strip() and left > 0:
            left = _sentence_start(source, left - 1)
    return source[left:right].strip()


def _sentence_start(source: str, position: int) -> int:
    return max((source.rfind(mark, 0, position) for mark in _SENTENCE_END), default=-1) + 1


def _add_sentences(store: Store, measures: Sequence[Measure]) -> None:
    """Give each assignment the sentence that names the agency: from the measure text, else the document."""
    outside: dict[str, Assignment] = {}
    for measure in measures:
        for assignment in measure.assignments:
            if assignment.start is None or assignment.end is None:
                assignment.sentence = assignment.written
            elif measure.start is not None and measure.start <= assignment.start <= assignment.end <= (
                    measure.end or 0):
                offset = measure.start
                assignment.sentence = sentence_around(measure.text, assignment.start - offset, assignment.end - offset)
            else:
                outside[assignment.iri] = assignment
    if not outside:
        return
    texts = document_texts(store, (found.document for found in outside.values() if found.document))
    for found in outside.values():
        full = texts.get(found.document or "")
        if full is not None and found.start is not None and found.end is not None:
            offset = max(found.start - _CONTEXT, 0)
            window = full[offset:found.end + _CONTEXT + 40]
            found.sentence = sentence_around(window, found.start - offset, found.end - offset)
    for assignment in outside.values():
        assignment.sentence = assignment.sentence or assignment.written


# --------------------------------------------------------------------------- entities

_ENTITIES = """
SELECT ?e ?zh ?en ?code ?region ?parent ?year ?jurisdiction ?type WHERE {
  %s
  OPTIONAL { ?e rdfs:label|skos:prefLabel|dcterms:title ?zh FILTER(lang(?zh) = "zh" || lang(?zh) = "") }
  OPTIONAL { ?e rdfs:label|skos:prefLabel ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?e skos:notation|airkg:adminCode ?code }
  OPTIONAL { ?e airkg:region ?region }
  OPTIONAL { ?e airkg:parentRegion ?parent }
  OPTIONAL { ?e airkg:year ?year }
  OPTIONAL { ?e airkg:jurisdiction/rdfs:label ?jurisdiction FILTER(lang(?jurisdiction) = "zh") }
  OPTIONAL { ?e airkg:functionalType/skos:prefLabel ?type FILTER(lang(?type) = "en") }
}"""

_ANCESTORS = """
SELECT DISTINCT ?x ?parent WHERE {
  %s
  ?r airkg:parentRegion* ?x . ?x airkg:parentRegion ?parent .
}"""


def read_entities(store: Store, iris: Iterable[str]) -> dict[str, Entity]:
    """Labels and facts of the plans, agencies, pollutants, sectors and regions named."""
    wanted = sorted(set(iris))
    entities: dict[str, Entity] = {}
    for chunk in chunks(wanted):
        for row in store.query(_ENTITIES % values("e", chunk)).rows:
            iri = text(row["e"])
            entity = entities.setdefault(iri, Entity(iri, kind_of(iri)))
            entity.zh = entity.zh or text(row["zh"])
            entity.en = entity.en or text(row["en"])
            entity.region = entity.region or (text(row["region"]) or None)
            entity.parent = entity.parent or (text(row["parent"]) or None)
            for name, var in (("code", "code"), ("year", "year"), ("jurisdiction", "jurisdiction"),
                              ("type", "type")):
                value = text(row[var])
                if value and (name, value) not in entity.facts:
                    entity.facts.append((name, value))
    return entities


def region_parents(store: Store, regions: Iterable[str]) -> dict[str, str]:
    """Region -> parent region, for the regions given and all their ancestors."""
    parents: dict[str, str] = {}
    wanted = sorted(set(regions))
    for chunk in chunks(wanted):
        for row in store.query(_ANCESTORS % values("r", chunk)).rows:
            parents[text(row["x"])] = text(row["parent"])
    return parents
