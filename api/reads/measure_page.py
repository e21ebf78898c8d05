"""Everything the page of one measure shows: the measure, its plan and place in the plan's hierarchy, its
source text with the surrounding paragraph and every extracted part marked where it is written
(agencies by role, deadlines, targets from their spans; stated pollutants and sectors where their names
occur), its targets and leaders, and its neighbours in the plan."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from api.models import MeasurePublic, PlanPublic
from api.reads.common import local_id, select, text
from api.reads.measures import get_measure, matching_iris, measure_details
from api.reads.plans import get_plan, plan_text
from api.models import MeasureFilter
from kg.source_spans import parse_span
from kg.query_params import concept_names, _scheme  # noqa: PLC2701 (the scheme's labels, for marking names)

#: Characters of the document shown before and after the measure (cut at a line break when there is one).
CONTEXT = 240
_BOOKMARK = re.compile(r"\[bookmark: [^\]\n]*\]")

_PARTS = """SELECT ?kind ?node ?span ?role ?agency ?label ?indicator WHERE {
  { ?m airkg:hasAssignment ?node . ?node airkg:source ?span ; airkg:role ?role ; airkg:agency ?agency .
    OPTIONAL { ?agency rdfs:label ?label FILTER(lang(?label) = "zh") } BIND("agency" AS ?kind) }
  UNION { ?m airkg:hasDeadline ?node . ?node airkg:source ?span . BIND("deadline" AS ?kind) }
  UNION { ?m airkg:hasTarget ?node . ?node airkg:source ?span . OPTIONAL { ?node airkg:indicator ?indicator }
          BIND("target" AS ?kind) }
}"""
_SECTIONS = """SELECT ?s ?number ?title ?path WHERE { ?m airkg:inSection ?first . ?first dcterms:isPartOf* ?s .
  ?s a airkg:Section . OPTIONAL { ?s airkg:number ?number } OPTIONAL { ?s dcterms:title ?title }
  OPTIONAL { ?s airkg:path ?path } }"""
_TARGETS = """SELECT ?t ?indicator ?comparator ?value ?unit ?pollutant WHERE { ?m airkg:hasTarget ?t .
  OPTIONAL { ?t airkg:indicator ?indicator } OPTIONAL { ?t airkg:comparator ?comparator }
  OPTIONAL { ?t qudt:numericValue ?value } OPTIONAL { ?t airkg:unitText ?unit }
  OPTIONAL { ?t airkg:targetPollutant ?pollutant } }"""
_LEADERS = """SELECT DISTINCT ?name WHERE { ?m airkg:responsibleLeader ?p . ?p foaf:name ?name }"""


@dataclass
class Mark:
    """A stretch of the shown text: plain, or one extracted part (``kind``) linking to its entity."""

    text: str
    kind: str | None = None
    href: str | None = None
    title: str | None = None
    inside: bool = True


@dataclass
class MeasurePage:
    measure: MeasurePublic
    plan: PlanPublic
    sections: list[dict] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)
    previous: MeasurePublic | None = None
    next: MeasurePublic | None = None
    position: int = 0
    total: int = 0


def clean(value: str | None) -> str:
    """Document text as shown: Word's ``[bookmark: _GoBack]`` markers left out."""
    return _BOOKMARK.sub("", value or "")


def _concept_spans(measure: MeasurePublic, body: str, offset: int) -> list[tuple[int, int, str, str, str]]:
    """Where the names of the measure's stated pollutants and sectors occur in its text."""
    found = []
    for kind, links in (("pollutant", measure.pollutants), ("sector", measure.sectors)):
        for link in links:
            if link.basis != "stated":
                continue
            concept = URIRef(link.iri)
            names = sorted({name for name, c in _scheme(kind).by_name.items() if c == concept} |
                           set(concept_names(kind, concept)) | {link.label or "", link.id}, key=len, reverse=True)
            lowered = body.casefold()
            for name in names:
                if len(name) < 2:
                    continue
                for hit in re.finditer(re.escape(name.casefold()), lowered):
                    found.append((offset + hit.start(), offset + hit.end(), kind, f"/{kind}s/{link.id}",
                                  f"{kind} {link.id} ({link.label or ''}), stated"))
    return found


def measure_page(store, measure_id: str) -> MeasurePage:
    """The page of ``measure_id`` ({plan}:{path}); raises NotFound."""
    measure = get_measure(store, measure_id)
    plan = get_plan(store, measure.plan_id)
    page = MeasurePage(measure, plan)
    iri = URIRef(measure.iri)
    bound = {"m": iri}
    sections = {str(row["s"]): row for row in select(store, _SECTIONS, bound)}
    page.sections = sorted(({"number": text(r["number"]) or "", "title": text(r["title"]) or "",
                             "path": text(r["path"]) or ""} for r in sections.values()),
                           key=lambda s: (s["path"].count("."), s["path"]))
    page.targets = [{"indicator": text(r["indicator"]), "comparator": text(r["comparator"]),
                     "value": text(r["value"]), "unit": text(r["unit"]),
                     "pollutant": local_id(r["pollutant"], "pollutant") if r["pollutant"] else None}
                    for r in select(store, _TARGETS, bound)]
    page.leaders = sorted(str(r["name"]) for r in select(store, _LEADERS, bound))
    # neighbours in the plan
    iris, total = matching_iris(store, MeasureFilter(plan=measure.plan_id, basis="any"))
    if iri in iris:
        index = iris.index(iri)
        page.position, page.total = index + 1, total
        around = [iris[i] for i in (index - 1, index + 1) if 0 <= i < len(iris)]
        details = {URIRef(m.iri): m for m in measure_details(store, around)}
        page.previous = details.get(iris[index - 1]) if index > 0 else None
        page.next = details.get(iris[index + 1]) if index + 1 < len(iris) else None
    # the text, with the surrounding paragraph and every part marked
    try:
        full, _ = plan_text(store, measure.plan_id)
    except Exception:  # noqa: BLE001 — a plan without its document still has the measure's own text
        full = ""
    span = measure.span
    if span is None or not full or span.end > len(full):
        page.marks = [Mark(clean(measure.text))]
        return page
    before = full.rfind("\n", 0, max(span.start - 1, 0))
    start = max(span.start - CONTEXT, before + 1 if before >= 0 and span.start - before <= CONTEXT else 0)
    after = full.find("\n", min(span.end + 1, len(full)))
    end = min(span.end + CONTEXT, after if after >= 0 and after - span.end <= CONTEXT else len(full))
    parts: list[tuple[int, int, str, str | None, str]] = []
    for row in select(store, _PARTS, bound):
        found = parse_span(row["span"])
        if found is None:
            continue
        s, e = found.start, found.end
        kind = str(row["kind"])
        if kind == "agency":
            role = local_id(row["role"], "role")
            parts.append((s, e, f"agency role-{role}", f"/agencies/{local_id(row['agency'], 'agency')}",
                          f"{role}: {text(row['label']) or ''}"))
        elif kind == "deadline":
            parts.append((s, e, "deadline", None, "deadline"))
        else:
            parts.append((s, e, "target", None, f"target: {text(row['indicator']) or ''}"))
    parts += _concept_spans(measure, full[span.start:span.end], span.start)
    chosen: list[tuple[int, int, str, str | None, str]] = []
    position = start
    for part in sorted(parts, key=lambda p: (p[0], -(p[1] - p[0]))):
        if part[0] >= position and part[0] >= start and part[1] <= end and part[1] > part[0]:
            chosen.append(part)
            position = part[1]
    cuts = sorted({start, end, span.start, span.end, *(p[0] for p in chosen), *(p[1] for p in chosen)})
    by_start = {p[0]: p for p in chosen}
    marks: list[Mark] = []
    current = None
    for a, b in zip(cuts, cuts[1:]):
        if a < start or b > end:
            continue
        if a in by_start:
            current = by_start[a]
        if current is not None and current[0] <= a < current[1]:
            marks.append(Mark(clean(full[a:b]), current[2], current[3], current[4]))
        else:
            marks.append(Mark(clean(full[a:b]), inside=span.start <= a < span.end))
    page.marks = [mark for mark in marks if mark.text]
    return page
