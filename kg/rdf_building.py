"""Plan model → RDF: one named graph per plan; the vocabularies and the region gazetteer in graphs of their own.

Every extracted fact links (``airkg:source``) to its source span: the document's IRI with an RFC 5147
fragment, ``res:document/{plan}#char={start},{end}`` (:mod:`kg.source_spans`). The document's full text is
kept; a span's words are ``fullText[start:end]``, not a stored copy.

The graph is compact: one quad per fact's provenance; who does what is said once, by assignments
(``airkg:hasAssignment`` → ``airkg:agency``, ``airkg:role``); node types the ontology's ranges already give
(assignments, deadlines, targets, flags) are not written, nor a false ``airkg:blanket``.

Agencies and people are described once, each in a graph of its own (:func:`description_graph_iri`:
``res:graph/agency/{id}``), not in every plan graph that names them: the description is made from the agency's
name and jurisdiction alone, so every plan naming it writes the same triples, and a plan replaces those graphs
with itself. How a plan wrote a name (``airkg:nameVariant``) stays in the plan's graph. A description no plan
names any more is removed by the write that takes the last such plan out (``kg/shared_descriptions.py``).

A plan's graphs come two ways from one builder: :func:`build_plan_graphs` gives rdflib ``Graph`` s;
:func:`plan_nquads` gives the same triples as N-Quads bytes without making a single rdflib term,
about ten times faster, for bulk loading (``bench/``, "Build" in ``BENCHMARKS.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from rdflib import RDF, RDFS, XSD, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, SKOS

from kg.extract.agencies import canonical_agency
from kg.models import AgencyAssignment, Level, Basis, Deadline, Measure, Plan, QualityFlag, RegionRef, Section, Span, Target
from kg.regions import CHINA, english_label, gazetteer
from kg.rdf_sinks import GraphSink, NQuadsSink, Sink
from kg.source_spans import OA
from kg.vocabulary import AIRKG, RES, vocabulary_graph

QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
VOCABULARY_GRAPH = RES["graph/vocabulary"]
REGIONS_GRAPH = RES["graph/regions"]


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in (("airkg", AIRKG), ("res", RES), ("oa", OA), ("qudt", QUDT), ("unit", UNIT),
                              ("org", ORG), ("skos", SKOS), ("dcterms", DCTERMS), ("prov", PROV), ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    return graph


PLAN_GRAPH_PREFIX = f"{RES}graph/plan/"


def plan_graph_iri(plan_id: str) -> URIRef:
    return URIRef(PLAN_GRAPH_PREFIX + plan_id)


def plan_iri(plan_id: str) -> URIRef:
    return RES[f"plan/{plan_id}"]


def measure_iri(plan_id: str, path: str) -> URIRef:
    return RES[f"plan/{plan_id}/measure/{path}"]


def description_graph_iri(node: str) -> str:
    """The graph describing an agency or a person (``res:agency/{id}`` → ``res:graph/agency/{id}``)."""
    if not node.startswith(_RES):
        raise ValueError(f"not one of airkg's own resources: {node!r}")
    return f"{_RES}graph/{node[len(_RES):]}"


def agency_iri(canonical: str, jurisdiction: str | None = None) -> URIRef:
    """An agency's IRI: one per body, so it depends on the body's name *and* its jurisdiction (see
    :func:`agency_key`)."""
    return RES[f"agency/{_digest(agency_key(canonical, jurisdiction))}"]


def agency_key(canonical: str, jurisdiction: str | None) -> str:
    """What an agency's IRI is the digest of: its canonical name and its jurisdiction's code
    (``620102|城关镇人民政府``), so that same-named bodies of two places are two agencies.

    The code is left out where the name alone already names one body: national bodies, bodies without a
    known jurisdiction, and a province's bodies whose name starts with the province's full name (no
    province's name starts another's), which keeps their IRIs as they were (山东省生态环境厅 is
    ``agency/76edf130b6dd``).
    """
    if jurisdiction is None or jurisdiction == CHINA.code:
        return canonical
    try:
        region = gazetteer().by_code(jurisdiction)
    except KeyError:
        return f"{jurisdiction}|{canonical}"
    if region.level == Level.province and canonical.startswith(region.name):
        return canonical
    return f"{jurisdiction}|{canonical}"


def region_scope(code: str) -> list[str]:
    """The region ``code`` and every region containing it, China included: a plan's ``airkg:regionScope``."""
    places = gazetteer()
    return [code, *(region.code for region in places.ancestors(code)), *([CHINA.code] if code != CHINA.code else [])]


def region_iri(code: str) -> URIRef:
    return RES[f"region/{code}"]


def concept_iri(kind: str, code: str) -> URIRef:
    return RES[f"{kind}/{code}"]


@lru_cache(maxsize=8192)
def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


_RES = str(RES)
_UNIT = str(UNIT)
_XSD_DATE, _XSD_GYEAR, _XSD_INTEGER = XSD.date, XSD.gYear, XSD.integer
_XSD_DECIMAL, _XSD_BOOLEAN = XSD.decimal, XSD.boolean
_PREDICATES: dict[str, URIRef] = {
    "type": RDF.type, "label": RDFS.label, "name": FOAF.name,
    "identifier": DCTERMS.identifier, "title": DCTERMS.title, "issued": DCTERMS.issued,
    "publisher": DCTERMS.publisher, "isPartOf": DCTERMS.isPartOf, "numericValue": QUDT.numericValue,
    "unit": QUDT.unit,
    **{name: AIRKG[name] for name in (
        "sha256", "fullText", "sourceDocument", "year", "periodStart", "periodEnd", "region", "regionScope", "level",
        "source",
        "hasTarget", "number", "path", "planLevel", "hasSection", "partOfPlan", "hasMeasure", "inSection", "text",
        "responsibleLeader", "jurisdiction", "statedPollutant", "inferredPollutant", "statedSector",
        "inferredSector", "mentionsRegion", "agency", "role", "nameAsWritten", "blanket", "hasAssignment",
        "functionalType", "collective",
        "nameVariant", "dueDate", "endDate", "deadlineKind", "originalText", "note", "hasDeadline", "indicator",
        "targetPollutant", "comparator", "unitText", "qualityFlag", "flagKind", "flagMessage", "flagCount")},
}
_CLASSES = ("Document", "Plan", "Section", "Measure", "Person", "Agency")


class _PlanGraphBuilder:
    """Writes one plan's triples into a sink: ``t`` adds a triple of terms, ``v`` one whose object is a
    plain value (a string or boolean literal; None adds nothing)."""

    def __init__(self, plan: Plan, document_text: str, sinks: Callable[[str], Sink]) -> None:
        self.plan = plan
        self.text = document_text
        self.out = sink = sinks(str(plan_graph_iri(plan.id)))
        self._sinks = sinks
        self.described: dict[str, Sink] = {}
        """The description graphs (:func:`description_graph_iri`) of the agencies and people the plan names."""
        self.p = {name: sink.const(term) for name, term in _PREDICATES.items()}
        self.c = {name: sink.const(AIRKG[name]) for name in _CLASSES}
        self.plan_node = self.res(f"plan/{plan.id}")
        self.document = self.res(f"document/{plan.id}")
        self.region_node = self.res(f"region/{plan.region.code}") if plan.region else None
        self._span_base = f"{_RES}document/{plan.id}#char="

    def res(self, local: str) -> Any:
        return self.out.iri(_RES + local)

    def iri(self, term: URIRef) -> Any:
        return self.out.iri(str(term))

    def lit(self, value: Any, lang: str | None = None, datatype: URIRef | None = None) -> Any:
        return self.out.lit(value, lang, datatype)

    def t(self, subject: Any, predicate: str, obj: Any) -> None:
        self.out.triple(subject, self.p[predicate], obj)

    def v(self, subject: Any, predicate: str, value: str | bool | None) -> None:
        if value is not None:
            self.out.triple(subject, self.p[predicate], self.out.lit(value))

    def build(self) -> None:
        self._document()
        self._plan()
        for section in self.plan.sections:
            self._section(section)
        for measure in self.plan.measures:
            self._measure(measure)

    def _document(self) -> None:
        doc = self.document
        self.t(doc, "type", self.c["Document"])
        self.v(doc, "identifier", self.plan.source_file)
        self.v(doc, "sha256", self.plan.sha256)
        self.v(doc, "fullText", self.text)

    def _plan(self) -> None:
        plan, node = self.plan, self.plan_node
        self.t(node, "type", self.c["Plan"])
        self.t(node, "title", self.lit(plan.title, lang="zh"))
        self.t(node, "sourceDocument", self.document)
        self.v(node, "identifier", plan.doc_number)
        if plan.issued:
            self.t(node, "issued", self.lit(plan.issued, datatype=_XSD_DATE))
        if plan.year:
            self.t(node, "year", self.lit(str(plan.year), datatype=_XSD_GYEAR))
        for predicate, year in (("periodStart", plan.period_start), ("periodEnd", plan.period_end)):
            if year:
                self.t(node, predicate, self.lit(str(year), datatype=_XSD_GYEAR))
        if self.region_node is not None:
            self.t(node, "region", self.region_node)
            for code in region_scope(plan.region.code):
                self.t(node, "regionScope", self.res(f"region/{code}"))
        if plan.level:
            self.t(node, "level", self.res(f"level/{plan.level.value}"))
        if plan.title_span:
            self.t(node, "source", self._span(plan.title_span))
        if plan.issuer:
            self.t(node, "publisher", self._issuer(plan.issuer))
        for index, target in enumerate(plan.targets, 1):
            self.t(node, "hasTarget", self._target(self.res(f"plan/{plan.id}/target/{index}"), target))
        self._flags(node, f"plan/{plan.id}", plan.quality_flags)

    def _issuer(self, issuer: str) -> Any:
        agency = canonical_agency(issuer, self.plan.region)
        code = agency.jurisdiction.code if agency.jurisdiction else None
        node = self._agency_node(f"agency/{_digest(agency_key(agency.canonical, code))}", agency.canonical,
                                 agency.english, agency.jurisdiction, agency.agency_type, agency.collective)
        self.t(node, "nameVariant", self.lit(issuer, lang="zh"))
        return node

    def _section(self, section: Section) -> None:
        node = self.res(f"plan/{self.plan.id}/section/{section.path}")
        self.t(node, "type", self.c["Section"])
        self.v(node, "number", section.number)
        self.v(node, "path", section.path)
        self.t(node, "title", self.lit(section.title, lang="zh"))
        self.v(node, "planLevel", section.plan_level)
        parent = section.path.rsplit(".", 1)[0] if "." in section.path else None
        self.t(node, "isPartOf", self.res(f"plan/{self.plan.id}/section/{parent}") if parent else self.plan_node)
        self.t(node, "source", self._span(section.span))
        self.t(self.plan_node, "hasSection", node)

    def _measure(self, measure: Measure) -> None:
        base = f"plan/{self.plan.id}/measure/{measure.path}"
        node = self.res(base)
        self.t(node, "type", self.c["Measure"])
        self.t(node, "partOfPlan", self.plan_node)
        if measure.section_path:
            self.t(node, "inSection", self.res(f"plan/{self.plan.id}/section/{measure.section_path}"))
        self.v(node, "number", measure.number)
        self.v(node, "path", measure.path)
        self.v(node, "identifier", measure.id)
        self.t(node, "title", self.lit(measure.title, lang="zh"))
        self.t(node, "text", self.lit(measure.text, lang="zh"))
        self.t(node, "source", self._span(measure.span))
        for index, assignment in enumerate(measure.agencies, 1):
            self._assignment(node, self.res(f"{base}/assignment/{index}"), assignment)
        for leader in measure.leaders:
            self.t(node, "responsibleLeader", self._person(leader.name))
        for index, deadline in enumerate(measure.deadlines, 1):
            self._deadline(node, self.res(f"{base}/deadline/{index}"), deadline)
        for mention in measure.pollutants:
            predicate = "statedPollutant" if mention.basis == Basis.stated else "inferredPollutant"
            self.t(node, predicate, self.res(f"pollutant/{mention.code}"))
        for mention in measure.sectors:
            predicate = "statedSector" if mention.basis == Basis.stated else "inferredSector"
            self.t(node, predicate, self.res(f"sector/{mention.code}"))
        for index, target in enumerate(measure.targets, 1):
            self.t(node, "hasTarget", self._target(self.res(f"{base}/target/{index}"), target))
        for mention in measure.regions:
            self.t(node, "mentionsRegion", self.res(f"region/{mention.region.code}"))
        self._flags(node, base, measure.quality_flags)

    def _assignment(self, measure: Any, node: Any, assignment: AgencyAssignment) -> None:
        code = assignment.jurisdiction.code if assignment.jurisdiction else None
        agency = self._agency_node(f"agency/{_digest(agency_key(assignment.canonical, code))}", assignment.canonical,
                                   assignment.canonical_en, assignment.jurisdiction, assignment.agency_type,
                                   assignment.collective)
        self.t(agency, "nameVariant", self.lit(assignment.name, lang="zh"))
        self.t(node, "agency", agency)
        self.t(node, "role", self.res(f"role/{assignment.role.value}"))
        self.t(node, "nameAsWritten", self.lit(assignment.name, lang="zh"))
        if assignment.blanket:
            self.v(node, "blanket", True)
        self.t(node, "source", self._span(assignment.span))
        self.t(measure, "hasAssignment", node)

    def _describing(self, local: str) -> tuple[Any, Sink | None]:
        """The node ``res:{local}``, and the sink of its description graph if this plan has not written it yet."""
        node, graph = self.res(local), description_graph_iri(_RES + local)
        if graph in self.described:
            return node, None
        sink = self.described[graph] = self._sinks(graph)
        return node, sink

    def _agency_node(self, local: str, canonical: str, english: str, jurisdiction: RegionRef | None,
                     agency_type: str, collective: bool) -> Any:
        node, sink = self._describing(local)
        if sink is not None:
            p = self.p
            sink.triple(node, p["type"], self.c["Agency"])
            sink.triple(node, p["label"], self.lit(canonical, lang="zh"))
            sink.triple(node, p["label"], self.lit(english, lang="en"))
            sink.triple(node, p["functionalType"], self.res(f"agency-type/{agency_type}"))
            sink.triple(node, p["collective"], self.lit(collective))
            if jurisdiction:
                sink.triple(node, p["jurisdiction"], self.res(f"region/{jurisdiction.code}"))
        return node

    def _person(self, name: str) -> Any:
        """A responsible leader: one person per name in the plan's region (the description says no more)."""
        region = self.plan.region.code if self.plan.region else ""
        node, sink = self._describing(f"person/{_digest(region + name)}")
        if sink is not None:
            sink.triple(node, self.p["type"], self.c["Person"])
            sink.triple(node, self.p["name"], self.lit(name, lang="zh"))
            if self.region_node is not None:
                sink.triple(node, self.p["jurisdiction"], self.region_node)
        return node

    def _deadline(self, measure: Any, node: Any, deadline: Deadline) -> None:
        if deadline.date:
            self.t(node, "dueDate", self.lit(deadline.date, datatype=_XSD_DATE))
        if deadline.end:
            self.t(node, "endDate", self.lit(deadline.end, datatype=_XSD_DATE))
        self.t(node, "deadlineKind", self.res(f"deadline-kind/{deadline.kind.value}"))
        self.t(node, "originalText", self.lit(deadline.text, lang="zh"))
        self.v(node, "note", deadline.note)
        self.t(node, "source", self._span(deadline.span))
        self.t(measure, "hasDeadline", node)

    def _target(self, node: Any, target: Target) -> Any:
        self.t(node, "indicator", self.lit(target.indicator, lang="zh"))
        if target.pollutant:
            self.t(node, "targetPollutant", self.res(f"pollutant/{target.pollutant}"))
        self.v(node, "comparator", target.comparator)
        self.t(node, "numericValue", self.lit(target.value, datatype=_XSD_DECIMAL))
        if target.unit_code:
            self.t(node, "unit", self.out.iri(_UNIT + target.unit_code))
        self.v(node, "unitText", target.unit)
        self.t(node, "source", self._span(target.span))
        return node

    def _flags(self, subject: Any, base: str, flags: list[QualityFlag]) -> None:
        """Each flag as ``{base}/flag/{code}``: its kind, English message, count and first instance's span."""
        seen: set[str] = set()
        for index, flag in enumerate(flags, 1):
            code = flag.code.value
            node = self.res(f"{base}/flag/{code if code not in seen else f'{code}-{index}'}")
            seen.add(code)
            self.t(subject, "qualityFlag", node)
            self.t(node, "flagKind", self.res(f"quality-flag/{code}"))
            self.t(node, "flagMessage", self.lit(flag.message, lang="en"))
            if flag.count:
                self.t(node, "flagCount", self.lit(flag.count, datatype=_XSD_INTEGER))
            if flag.span:
                self.t(node, "source", self._span(flag.span))

    def _span(self, span: Span) -> Any:
        return self.out.iri(f"{self._span_base}{span.start},{span.end}")


def build_plan_graphs(plan: Plan, document_text: str) -> dict[str, Graph]:
    """The named graph of one plan (first), then the description graphs of the agencies and people it names."""
    builder = _PlanGraphBuilder(plan, document_text, lambda iri: GraphSink(bind_prefixes(Graph(identifier=iri))))
    builder.build()
    return {str(plan_graph_iri(plan.id)): builder.out.graph,
            **{iri: sink.graph for iri, sink in builder.described.items()}}  # type: ignore[union-attr]


class PlanNQuads(NamedTuple):
    data: bytes
    """The quads of :func:`build_plan_graphs`, as N-Quads (UTF-8)."""
    quads: int
    described: tuple[str, ...]
    """The description graphs among them (:func:`description_graph_iri`)."""


def plan_nquads(plan: Plan, document_text: str) -> PlanNQuads:
    """The named graphs of one plan as N-Quads: the same quads as :func:`build_plan_graphs`.

    Raises:
        ValueError: An IRI would hold a character IRIs may not (e.g. a plan id with a space).
    """
    builder = _PlanGraphBuilder(plan, document_text, NQuadsSink)
    builder.build()
    sinks = [builder.out, *builder.described.values()]
    return PlanNQuads(b"".join(sink.data() for sink in sinks), sum(len(sink.lines) for sink in sinks),
                      tuple(builder.described))


def build_vocabulary_graph() -> Graph:
    """The ontology and the SKOS schemes, as one graph."""
    graph = bind_prefixes(Graph(identifier=VOCABULARY_GRAPH))
    for triple in vocabulary_graph():
        graph.add(triple)
    return graph


def build_regions_graph(codes: Iterable[str] | None = None) -> Graph:
    """China's administrative divisions with their hierarchy (all of them unless ``codes`` is given)."""
    graph = bind_prefixes(Graph(identifier=REGIONS_GRAPH))
    _regions_into(GraphSink(graph), codes)
    return graph


def regions_nquads(codes: Iterable[str] | None = None) -> tuple[bytes, int]:
    """The triples of :func:`build_regions_graph` as N-Quads in its graph, and how many."""
    sink = NQuadsSink(str(REGIONS_GRAPH))
    _regions_into(sink, codes)
    return sink.data(), len(sink.lines)


def _regions_into(sink: GraphSink | NQuadsSink, codes: Iterable[str] | None) -> None:
    places = gazetteer()
    regions = [places.by_code(code) for code in codes] if codes is not None else places.all()
    a, label, code, level, parent_of = (sink.const(t) for t in (RDF.type, RDFS.label, AIRKG.adminCode, AIRKG.level,
                                                                 AIRKG.parentRegion))
    region_class = sink.const(AIRKG.Region)
    for region in regions:
        node = sink.iri(f"{_RES}region/{region.code}")
        sink.triple(node, a, region_class)
        sink.triple(node, label, sink.lit(region.name, lang="zh"))
        sink.triple(node, label, sink.lit(english_label(region), lang="en"))
        sink.triple(node, code, sink.lit(region.code))
        sink.triple(node, level, sink.iri(f"{_RES}level/{region.level.value}"))
        parent = places.parent(region.code)
        if parent is not None:
            sink.triple(node, parent_of, sink.iri(f"{_RES}region/{parent.code}"))
