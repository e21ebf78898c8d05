"""Plan model → RDF: one named graph per plan; the vocabularies and the region gazetteer in graphs of their own.

Every extracted fact links (``airkg:source``) to an ``airkg:SourceSpan`` giving its file, character
offsets and verbatim text; the document's full text is kept so that any span can be checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, SKOS

from kg.agencies import canonical_agency
from kg.models import AgencyAssignment, Basis, Deadline, Measure, Plan, RegionRef, Section, Span, Target
from kg.regions import english_label, gazetteer
from kg.vocabulary import AIRKG, RES, vocabulary_graph

OA = Namespace("http://www.w3.org/ns/oa#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
VOCABULARY_GRAPH = RES["graph/vocabulary"]
REGIONS_GRAPH = RES["graph/regions"]
_ROLE_PROPERTY = {"lead": AIRKG.leadAgency, "responsible": AIRKG.responsibleAgency,
                  "support": AIRKG.supportAgency, "implementing": AIRKG.implementingAgency}


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in (("airkg", AIRKG), ("res", RES), ("oa", OA), ("qudt", QUDT), ("unit", UNIT),
                              ("org", ORG), ("skos", SKOS), ("dcterms", DCTERMS), ("prov", PROV), ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    return graph


def plan_graph_iri(plan_id: str) -> URIRef:
    return RES[f"graph/plan/{plan_id}"]


def plan_iri(plan_id: str) -> URIRef:
    return RES[f"plan/{plan_id}"]


def measure_iri(plan_id: str, path: str) -> URIRef:
    return RES[f"plan/{plan_id}/measure/{path}"]


def agency_iri(canonical: str) -> URIRef:
    return RES[f"agency/{_digest(canonical)}"]


def region_iri(code: str) -> URIRef:
    return RES[f"region/{code}"]


def concept_iri(kind: str, code: str) -> URIRef:
    return RES[f"{kind}/{code}"]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


class _PlanGraphBuilder:
    def __init__(self, plan: Plan, document_text: str) -> None:
        self.plan = plan
        self.text = document_text
        self.graph = bind_prefixes(Graph(identifier=plan_graph_iri(plan.id)))
        self.plan_node = plan_iri(plan.id)
        self.document = RES[f"document/{plan.id}"]

    def add(self, subject: URIRef, predicate: URIRef, value: object) -> None:
        if value is None:
            return
        self.graph.add((subject, predicate, value if isinstance(value, URIRef | Literal) else Literal(value)))

    def build(self) -> Graph:
        self._document()
        self._plan()
        for section in self.plan.sections:
            self._section(section)
        for measure in self.plan.measures:
            self._measure(measure)
        return self.graph

    def _document(self) -> None:
        g, doc = self.graph, self.document
        g.add((doc, RDF.type, AIRKG.Document))
        self.add(doc, DCTERMS.identifier, self.plan.source_file)
        self.add(doc, AIRKG.sha256, self.plan.sha256)
        self.add(doc, AIRKG.fullText, self.text)

    def _plan(self) -> None:
        plan, node = self.plan, self.plan_node
        self.graph.add((node, RDF.type, AIRKG.Plan))
        self.add(node, DCTERMS.title, Literal(plan.title, lang="zh"))
        self.add(node, AIRKG.sourceDocument, self.document)
        self.add(node, DCTERMS.identifier, plan.doc_number)
        if plan.issued:
            self.add(node, DCTERMS.issued, Literal(plan.issued, datatype=XSD.date))
        if plan.year:
            self.add(node, AIRKG.year, Literal(str(plan.year), datatype=XSD.gYear))
        for predicate, year in ((AIRKG.periodStart, plan.period_start), (AIRKG.periodEnd, plan.period_end)):
            if year:
                self.add(node, predicate, Literal(str(year), datatype=XSD.gYear))
        if plan.region:
            self.add(node, AIRKG.region, region_iri(plan.region.code))
        if plan.level:
            self.add(node, AIRKG.level, concept_iri("level", plan.level.value))
        if plan.title_span:
            self.add(node, AIRKG.source, self._span(plan.title_span))
        if plan.issuer:
            self.add(node, DCTERMS.publisher, self._issuer(plan.issuer))
        for index, target in enumerate(plan.targets, 1):
            self.add(node, AIRKG.hasTarget, self._target(RES[f"plan/{plan.id}/target/{index}"], target))

    def _issuer(self, issuer: str) -> URIRef:
        agency = canonical_agency(issuer, self.plan.region)
        node = agency_iri(agency.canonical)
        self._agency_node(node, agency.canonical, agency.english, agency.jurisdiction, agency.agency_type,
                          agency.collective, issuer)
        return node

    def _section(self, section: Section) -> None:
        node = RES[f"plan/{self.plan.id}/section/{section.path}"]
        self.graph.add((node, RDF.type, AIRKG.Section))
        self.add(node, AIRKG.number, section.number)
        self.add(node, AIRKG.path, section.path)
        self.add(node, DCTERMS.title, Literal(section.title, lang="zh"))
        self.add(node, AIRKG.planLevel, Literal(section.plan_level))
        parent = section.path.rsplit(".", 1)[0] if "." in section.path else None
        self.add(node, DCTERMS.isPartOf, RES[f"plan/{self.plan.id}/section/{parent}"] if parent else self.plan_node)
        self.add(node, AIRKG.source, self._span(section.span))
        self.add(self.plan_node, AIRKG.hasSection, node)

    def _measure(self, measure: Measure) -> None:
        node = measure_iri(self.plan.id, measure.path)
        g = self.graph
        g.add((node, RDF.type, AIRKG.Measure))
        self.add(node, AIRKG.partOfPlan, self.plan_node)
        self.add(self.plan_node, AIRKG.hasMeasure, node)
        if measure.section_path:
            self.add(node, AIRKG.inSection, RES[f"plan/{self.plan.id}/section/{measure.section_path}"])
        self.add(node, AIRKG.number, measure.number)
        self.add(node, AIRKG.path, measure.path)
        self.add(node, DCTERMS.identifier, measure.id)
        self.add(node, DCTERMS.title, Literal(measure.title, lang="zh"))
        self.add(node, AIRKG.text, Literal(measure.text, lang="zh"))
        self.add(node, AIRKG.source, self._span(measure.span))
        for index, assignment in enumerate(measure.agencies, 1):
            self._assignment(node, RES[f"plan/{self.plan.id}/measure/{measure.path}/assignment/{index}"], assignment)
        for leader in measure.leaders:
            person = RES[f"person/{_digest((self.plan.region.code if self.plan.region else '') + leader.name)}"]
            g.add((person, RDF.type, AIRKG.Person))
            self.add(person, FOAF.name, Literal(leader.name, lang="zh"))
            if self.plan.region:
                self.add(person, AIRKG.jurisdiction, region_iri(self.plan.region.code))
            self.add(node, AIRKG.responsibleLeader, person)
        for index, deadline in enumerate(measure.deadlines, 1):
            self._deadline(node, RES[f"plan/{self.plan.id}/measure/{measure.path}/deadline/{index}"], deadline)
        for mention in measure.pollutants:
            predicate = AIRKG.statedPollutant if mention.basis == Basis.stated else AIRKG.inferredPollutant
            self.add(node, predicate, concept_iri("pollutant", mention.code))
        for mention in measure.sectors:
            predicate = AIRKG.statedSector if mention.basis == Basis.stated else AIRKG.inferredSector
            self.add(node, predicate, concept_iri("sector", mention.code))
        for index, target in enumerate(measure.targets, 1):
            target_node = RES[f"plan/{self.plan.id}/measure/{measure.path}/target/{index}"]
            self.add(node, AIRKG.hasTarget, self._target(target_node, target))
        for mention in measure.regions:
            self.add(node, AIRKG.mentionsRegion, region_iri(mention.region.code))

    def _assignment(self, measure: URIRef, node: URIRef, assignment: AgencyAssignment) -> None:
        agency = agency_iri(assignment.canonical)
        self._agency_node(agency, assignment.canonical, assignment.canonical_en, assignment.jurisdiction,
                          assignment.agency_type,
                          assignment.collective, assignment.name)
        self.graph.add((node, RDF.type, AIRKG.Assignment))
        self.add(node, AIRKG.agency, agency)
        self.add(node, AIRKG.role, concept_iri("role", assignment.role.value))
        self.add(node, AIRKG.nameAsWritten, Literal(assignment.name, lang="zh"))
        self.add(node, AIRKG.blanket, Literal(assignment.blanket))
        self.add(node, AIRKG.source, self._span(assignment.span))
        self.add(measure, AIRKG.hasAssignment, node)
        self.add(measure, _ROLE_PROPERTY[assignment.role.value], agency)

    def _agency_node(self, node: URIRef, canonical: str, english: str, jurisdiction: RegionRef | None,
                     agency_type: str, collective: bool, written: str) -> None:
        g = self.graph
        g.add((node, RDF.type, AIRKG.Agency))
        g.add((node, RDFS.label, Literal(canonical, lang="zh")))
        g.add((node, RDFS.label, Literal(english, lang="en")))
        g.add((node, AIRKG.functionalType, concept_iri("agency-type", agency_type)))
        g.add((node, AIRKG.collective, Literal(collective)))
        g.add((node, AIRKG.nameVariant, Literal(written, lang="zh")))
        if jurisdiction:
            g.add((node, AIRKG.jurisdiction, region_iri(jurisdiction.code)))

    def _deadline(self, measure: URIRef, node: URIRef, deadline: Deadline) -> None:
        self.graph.add((node, RDF.type, AIRKG.Deadline))
        if deadline.date:
            self.add(node, AIRKG.dueDate, Literal(deadline.date, datatype=XSD.date))
        if deadline.end:
            self.add(node, AIRKG.endDate, Literal(deadline.end, datatype=XSD.date))
        self.add(node, AIRKG.deadlineKind, concept_iri("deadline-kind", deadline.kind.value))
        self.add(node, AIRKG.originalText, Literal(deadline.text, lang="zh"))
        self.add(node, AIRKG.note, deadline.note)
        self.add(node, AIRKG.source, self._span(deadline.span))
        self.add(measure, AIRKG.hasDeadline, node)

    def _target(self, node: URIRef, target: Target) -> URIRef:
        self.graph.add((node, RDF.type, AIRKG.Target))
        self.add(node, AIRKG.indicator, Literal(target.indicator, lang="zh"))
        if target.pollutant:
            self.add(node, AIRKG.targetPollutant, concept_iri("pollutant", target.pollutant))
        self.add(node, AIRKG.comparator, target.comparator)
        self.add(node, QUDT.numericValue, Literal(target.value, datatype=XSD.decimal))
        if target.unit_code:
            self.add(node, QUDT.unit, UNIT[target.unit_code])
        self.add(node, AIRKG.unitText, target.unit)
        self.add(node, AIRKG.source, self._span(target.span))
        return node

    def _span(self, span: Span) -> URIRef:
        node = RES[f"plan/{self.plan.id}/span/{span.start}-{span.end}"]
        g = self.graph
        if (node, RDF.type, AIRKG.SourceSpan) not in g:
            g.add((node, RDF.type, AIRKG.SourceSpan))
            g.add((node, OA.start, Literal(span.start, datatype=XSD.integer)))
            g.add((node, OA.end, Literal(span.end, datatype=XSD.integer)))
            g.add((node, OA.exact, Literal(span.text)))
            g.add((node, DCTERMS.source, self.document))
        return node


def build_plan_graph(plan: Plan, document_text: str) -> Graph:
    """The named graph of one plan."""
    return _PlanGraphBuilder(plan, document_text).build()


def build_vocabulary_graph() -> Graph:
    """The ontology and the SKOS schemes, as one graph."""
    graph = bind_prefixes(Graph(identifier=VOCABULARY_GRAPH))
    for triple in vocabulary_graph():
        graph.add(triple)
    return graph


def build_regions_graph(codes: Iterable[str] | None = None) -> Graph:
    """China's administrative divisions with their hierarchy (all of them unless ``codes`` is given)."""
    places = gazetteer()
    graph = bind_prefixes(Graph(identifier=REGIONS_GRAPH))
    regions = [places.by_code(code) for code in codes] if codes is not None else places.all()
    for region in regions:
        node = region_iri(region.code)
        graph.add((node, RDF.type, AIRKG.Region))
        graph.add((node, RDFS.label, Literal(region.name, lang="zh")))
        graph.add((node, RDFS.label, Literal(english_label(region), lang="en")))
        graph.add((node, AIRKG.adminCode, Literal(region.code)))
        graph.add((node, AIRKG.level, concept_iri("level", region.level.value)))
        parent = places.parent(region.code)
        if parent is not None:
            graph.add((node, AIRKG.parentRegion, region_iri(parent.code)))
    return graph


