"""Agencies, regions, pollutants and sectors: lists, one by id, and where an agency is assigned."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from api.errors import not_found
from api.models import AgencyPublic, PollutantPublic, Ref, RegionPublic, SectorPublic
from api.reads.common import AIRKG, Row, boolean, entity_iri, integer, local_id, ref, reused, select, text, values_block
from kg.source_spans import document_texts, parse_span
from kg.store import Store

_SEPARATOR = "\u001f"

# --------------------------------------------------------------------------- agencies

#: The measures assigning each agency a role, from the assignments.
_AGENCY_MEASURES = """SELECT ?agency (COUNT(DISTINCT ?m) AS ?measures) WHERE { ?a airkg:agency ?agency .
  ?m airkg:hasAssignment ?a } GROUP BY ?agency"""
_AGENCY_IRIS = "SELECT DISTINCT ?agency WHERE { ?agency a airkg:Agency }"
#: The values of a page of agencies. An agency's description is repeated in every plan graph naming
#: it, so each value is read once (DISTINCT) rather than joined with the others.
_AGENCY_VALUES = """SELECT DISTINCT ?agency ?p ?o WHERE {{ {agencies} ?agency a airkg:Agency ; ?p ?o .
  FILTER(?p IN (rdfs:label, airkg:jurisdiction, airkg:functionalType, airkg:collective, airkg:nameVariant)) }}"""
_REGION_LABELS = """SELECT DISTINCT ?region ?label WHERE {{ {regions}
  ?region rdfs:label ?label FILTER(lang(?label) = "zh") }}"""
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def agency_ranking(store: Store) -> list[tuple[URIRef, int]]:
    """Every agency with its number of measures, the most assigned first (then by IRI)."""
    def read() -> list[tuple[URIRef, int]]:
        counts = {row["agency"]: integer(row["measures"]) for row in select(store, _AGENCY_MEASURES)}
        every = {row["agency"] for row in select(store, _AGENCY_IRIS)} | set(counts)
        return sorted(((iri, counts.get(iri, 0)) for iri in every if isinstance(iri, URIRef)),
                      key=lambda pair: (-pair[1], str(pair[0])))
    return reused(store, "agency_ranking", read)


def list_agencies(store: Store, limit: int, offset: int = 0) -> tuple[list[AgencyPublic], int]:
    """One page of the agencies, the most often assigned first, and how many there are."""
    ranking = agency_ranking(store)
    page = ranking[offset:offset + limit]
    return agencies_by_iri(store, [iri for iri, _ in page], dict(page)), len(ranking)


def agencies_by_iri(store: Store, iris: list[URIRef], counts: dict[URIRef, int]) -> list[AgencyPublic]:
    """The agencies ``iris`` with their measure counts (from ``counts``), in that order; an IRI that is
    no agency is left out."""
    values: dict[URIRef, dict[str, list[Node]]] = {}
    if iris:
        for row in select(store, _AGENCY_VALUES.format(agencies=values_block("agency", iris))):
            values.setdefault(row["agency"], {}).setdefault(str(row["p"]), []).append(row["o"])  # type: ignore[arg-type]
    places = {place for found in values.values() for place in found.get(AIRKG + "jurisdiction", [])}
    place_labels = {row["region"]: row["label"] for row in select(
        store, _REGION_LABELS.format(regions=values_block("region", sorted(places, key=str))))} if places else {}
    return [_agency(iri, values[iri], counts.get(iri, 0), place_labels) for iri in iris if iri in values]


def _agency(iri: URIRef, values: dict[str, list[Node]], measures: int, place_labels: dict) -> AgencyPublic:
    labels = values.get(_RDFS_LABEL, [])

    def label(lang: str) -> str | None:
        return min((str(x) for x in labels if isinstance(x, Literal) and x.language == lang), default=None)

    where = min(values.get(AIRKG + "jurisdiction", []), key=str, default=None)
    kind = min(values.get(AIRKG + "functionalType", []), key=str, default=None)
    return AgencyPublic(
        id=local_id(iri, "agency"), iri=str(iri), label=label("zh") or local_id(iri, "agency"), label_en=label("en"),
        jurisdiction=ref(where, "region", place_labels.get(where)),
        functional_type=local_id(kind, "agency-type") if kind else None,
        collective=any(boolean(x) for x in values.get(AIRKG + "collective", [])), measure_count=measures,
        name_variants=sorted({str(x) for x in values.get(AIRKG + "nameVariant", [])}),
    )


def get_agency(store: Store, agency_id: str) -> AgencyPublic:
    iri = entity_iri("agency", agency_id)
    counted = select(store, _AGENCY_MEASURES, {"agency": iri})  # no row for an agency without measures
    found = agencies_by_iri(store, [iri], {iri: integer(counted[0]["measures"]) if counted else 0})
    if not found:
        raise not_found("agency", agency_id)
    return found[0]


@dataclass
class Assignment:
    """Where an agency is assigned: the measure, its role, and the sentence of the source around the name."""

    measure: Ref
    plan_id: str
    role: str
    name_as_written: str
    before: str
    written: str
    after: str


_ASSIGNED = """
SELECT ?m ?id ?title ?plan ?role ?written ?span WHERE {
  ?a airkg:agency ?agency . ?m airkg:hasAssignment ?a ; airkg:partOfPlan ?plan . ?a airkg:role ?role .
  OPTIONAL { ?m dcterms:identifier ?id } OPTIONAL { ?m dcterms:title ?title }
  OPTIONAL { ?a airkg:nameAsWritten ?written }
  OPTIONAL { ?a airkg:source ?span }
}"""
_STOPS = "。；;！？\n"


def _natural(key: str) -> list[tuple[int, str]]:
    """``…:2.10`` after ``…:2.9``: each run of digits compared as a number."""
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", key)]


def _sentence_start(text: str, position: int) -> int:
    """Offset just after the last sentence stop before ``position`` (0 if none)."""
    return max((text.rfind(stop, 0, position) for stop in _STOPS), default=-1) + 1


def agency_assignments(store, agency_id: str) -> list[Assignment]:
    """Every assignment of the agency with the sentence it is written in."""
    rows = [(row, parse_span(row["span"])) for row in select(store, _ASSIGNED, {"agency": entity_iri("agency", agency_id)})]
    # One span may assign the agency in many measures (a blanket clause): those come in the measures'
    # order in the plan, not in the order the engine read them (which an in-memory copy does not keep).
    rows.sort(key=lambda found: (str(found[0]["plan"]), found[1].start if found[1] else -1,
                                 _natural(str(found[0]["id"] or found[0]["m"])), str(found[0]["role"])))
    texts = document_texts(store, (span.document for _, span in rows if span))
    out = []
    for row, span in rows:
        full = texts.get(span.document, "") if span else ""
        start, end = (span.start, span.end) if span else (0, 0)
        left = _sentence_start(full, start)
        if start - left < 4 and left > 0:  # a clause such as （省生态环境厅负责）: show the sentence it closes too
            left = _sentence_start(full, left - 1)
        rights = [i for i in (full.find(stop, end) for stop in _STOPS) if i >= 0]
        right = min(rights) + 1 if rights else len(full)
        out.append(Assignment(
            measure=Ref(id=text(row["id"]) or local_id(row["m"], "plan"), iri=str(row["m"]), label=text(row["title"])),
            plan_id=local_id(row["plan"], "plan"), role=local_id(row["role"], "role"),
            name_as_written=text(row["written"]) or "",
            before=full[max(left, start - 300):start], written=full[start:end], after=full[end:min(right, end + 300)],
        ))
    return out


# --------------------------------------------------------------------------- pollutants and sectors

_CONCEPTS = f"""
SELECT ?concept (SAMPLE(?code) AS ?id) (SAMPLE(?zh) AS ?label) (SAMPLE(?en) AS ?labelEn)
       (SAMPLE(?definitionEn) AS ?definition)
       (GROUP_CONCAT(DISTINCT ?alt; separator="{_SEPARATOR}") AS ?alts)
       (COUNT(DISTINCT ?m) AS ?measures)
WHERE {{
  ?concept skos:inScheme ?scheme ; skos:notation ?code .
  OPTIONAL {{ ?concept skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }}
  OPTIONAL {{ ?concept skos:prefLabel ?en FILTER(lang(?en) = "en") }}
  OPTIONAL {{ ?concept skos:definition ?definitionEn FILTER(lang(?definitionEn) = "en") }}
  OPTIONAL {{ ?concept skos:altLabel ?alt }}
  OPTIONAL {{ ?m ?uses ?concept . VALUES ?uses {{ airkg:statedPollutant airkg:inferredPollutant
                                                 airkg:statedSector airkg:inferredSector }} }}
}}
GROUP BY ?concept ORDER BY ?id
"""
_LINKS = """
SELECT ?concept ?relation ?other ?code ?label WHERE {
  ?concept skos:inScheme ?scheme .
  VALUES ?relation { skos:broader skos:narrower airkg:mainlyEmits }
  ?concept ?relation ?other .
  OPTIONAL { ?other skos:notation ?code }
  OPTIONAL { ?other skos:prefLabel ?label FILTER(lang(?label) = "zh") }
} ORDER BY ?concept ?relation ?code
"""


def _concepts(store, kind: str, cls: type, code: str | None = None) -> list:
    bindings = {"scheme": entity_iri("scheme", kind + "s")}
    if code is not None:
        bindings["concept"] = entity_iri(kind, code)
    concepts = {}
    for row in select(store, _CONCEPTS, bindings):
        if row["concept"] is None:
            continue
        alts = text(row["alts"]) or ""
        concepts[row["concept"]] = cls(
            id=text(row["id"]) or local_id(row["concept"], kind), iri=str(row["concept"]),
            label=text(row["label"]), label_en=text(row["labelEn"]), definition=text(row["definition"]),
            alt_labels=sorted(a for a in alts.split(_SEPARATOR) if a), measure_count=integer(row["measures"]),
        )
    for row in select(store, _LINKS, bindings):
        concept = concepts.get(row["concept"])
        if concept is None:
            continue
        relation = str(row["relation"]).rsplit("#", 1)[-1]
        field = {"broader": "broader", "narrower": "narrower", "mainlyEmits": "mainly_emits"}[relation]
        if not hasattr(concept, field):
            continue
        target_kind = "pollutant" if field == "mainly_emits" else kind
        getattr(concept, field).append(Ref(id=text(row["code"]) or local_id(row["other"], target_kind),
                                           iri=str(row["other"]), label=text(row["label"])))
    return list(concepts.values())


def list_pollutants(store) -> list[PollutantPublic]:
    """Every pollutant with its count of measures (a scan of every measure's links: 4 s at 10,000 plans,
    so it is reused until the store changes)."""
    return reused(store, "pollutants", lambda: _concepts(store, "pollutant", PollutantPublic))


def get_pollutant(store, code: str) -> PollutantPublic:
    found = _concepts(store, "pollutant", PollutantPublic, code)
    if not found:
        raise not_found("pollutant", code)
    return found[0]


def list_sectors(store) -> list[SectorPublic]:
    """Every sector with its count of measures (reused until the store changes, as the pollutants)."""
    return reused(store, "sectors", lambda: _concepts(store, "sector", SectorPublic))


def get_sector(store, code: str) -> SectorPublic:
    found = _concepts(store, "sector", SectorPublic, code)
    if not found:
        raise not_found("sector", code)
    return found[0]


# --------------------------------------------------------------------------- regions

_REGION_SCOPE = """
  ?region a airkg:Region ; airkg:adminCode ?code .
  FILTER(!BOUND(?within) || EXISTS { ?region airkg:parentRegion ?within })
  FILTER(!BOUND(?q) || EXISTS { ?region rdfs:label ?name FILTER(CONTAINS(LCASE(STR(?name)), LCASE(?q))) })
"""
_REGION_COUNT = "SELECT (COUNT(DISTINCT ?region) AS ?n) WHERE {" + _REGION_SCOPE + "}"
_REGION_PAGE = "SELECT DISTINCT ?region ?code WHERE {" + _REGION_SCOPE + "} ORDER BY ?code ?region LIMIT %d OFFSET %d"
_REGIONS = """
SELECT ?region (SAMPLE(?code) AS ?id) (SAMPLE(?zh) AS ?label) (SAMPLE(?en) AS ?labelEn) (SAMPLE(?lvl) AS ?level)
       (SAMPLE(?up) AS ?parent) (SAMPLE(?upLabel) AS ?parentLabel)
WHERE {{ {values}
  ?region airkg:adminCode ?code .
  OPTIONAL {{ ?region rdfs:label ?zh FILTER(lang(?zh) = "zh") }}
  OPTIONAL {{ ?region rdfs:label ?en FILTER(lang(?en) = "en") }}
  OPTIONAL {{ ?region airkg:level ?lvl }}
  OPTIONAL {{ ?region airkg:parentRegion ?up OPTIONAL {{ ?up rdfs:label ?upLabel FILTER(lang(?upLabel) = "zh") }} }}
}}
GROUP BY ?region ORDER BY ?id
"""
_REGION_COUNTS = """
SELECT (COUNT(DISTINCT ?plan) AS ?plans) (COUNT(DISTINCT ?m) AS ?measures) WHERE {
  ?inside airkg:parentRegion* ?region .
  { ?plan airkg:region ?inside . OPTIONAL { ?m airkg:partOfPlan ?plan } } UNION { ?m airkg:mentionsRegion ?inside }
}
"""


def _region(row: Row) -> RegionPublic:
    return RegionPublic(
        id=text(row["id"]) or local_id(row["region"], "region"), iri=str(row["region"]),
        label=text(row["label"]), label_en=text(row["labelEn"]),
        level=local_id(row["level"], "level") if row["level"] else None,
        parent=ref(row["parent"], "region", row["parentLabel"]),
    )


def list_regions(store, parent: str | None, q: str | None, limit: int, offset: int) -> tuple[list[RegionPublic], int]:
    """Regions (optionally the direct children of ``parent``, or named with ``q``), a page of them and the total."""
    bindings = {}
    if parent:
        bindings["within"] = entity_iri("region", parent)
    if q:
        bindings["q"] = Literal(q)
    total = select(store, _REGION_COUNT, bindings)
    page = [row["region"] for row in select(store, _REGION_PAGE % (int(limit), int(offset)), bindings)]
    return _regions(store, [iri for iri in page if iri is not None]), integer(total[0]["n"]) if total else 0


def _regions(store, iris: list) -> list[RegionPublic]:
    if not iris:
        return []
    rows = select(store, _REGIONS.format(values=values_block("region", iris)))
    return [_region(row) for row in rows if row["region"] is not None]


def get_region(store, code: str) -> RegionPublic:
    iri = entity_iri("region", code)
    found = _regions(store, [iri])
    if not found:
        raise not_found("region", code)
    region = found[0]
    counts = select(store, _REGION_COUNTS, {"region": iri})
    if counts:
        region.plan_count, region.measure_count = integer(counts[0]["plans"]), integer(counts[0]["measures"])
    return region
