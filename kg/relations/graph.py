"""Relations as RDF: one named graph per plan, ``res:graph/relations/{plan}``, holding what goes out of that plan —
its citations, its measures' lineage links to the plans above it, the plans it follows and supersedes, its
comparison with the plan before it, and its period. Only what cannot be derived is written: a lineage link is
``carriesOut`` plus a node holding the higher measure and the score (its lower measure is the subject of
``hasLineage``, its method is the plan's ``lineageMethod``, its spans are the measures' own); the words two
measures share are computed when a link is shown (``kg/relations/evidence.py``); no link, change or citation
node carries an ``rdf:type`` (the property pointing to it says what it is; the shapes target its objects).

Rebuilt for the plans a write affects (:func:`affected_by`, :func:`rebuild`): the plans added, replaced or
removed, the plans that hold one of them among their higher plans (their lineage) or their predecessors
(previous plan, supersession, comparison), before or after the write, and those citing them (a citation
resolves or stops resolving). A removed plan's relations graph goes with it, and no link to it is left anywhere.

Plans are rebuilt in batches in the order of their regions' codes (a province, then its cities and their
counties), so the plans above a batch were mostly prepared for the one before (:class:`_MeasureCache`): each
plan's measures are read from the store and prepared for matching about once, whatever the number of plans
below it.
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO
from decimal import Decimal
from pathlib import Path

from rdflib import XSD, Graph, Literal, URIRef

from kg.rdf_building import bind_prefixes
from kg.relations.citations import PlanIndex, find_citations, normalise_number, normalise_title
from kg.relations.comparison import compare_plans
from kg.relations.features import MeasureInfo, PlanInfo, read_measures, read_plans, read_texts
from kg.relations.lineage import PreparedCache, lineage_over
from kg.relations.matching import CHOSEN, Prepared
from kg.relations.neighbours import PlanTable
from kg.relations.status import period_of
from kg.source_spans import span_iri
from kg.store import Store
from kg.vocabulary import AIRKG, RES

RELATIONS_PREFIX = f"{RES}graph/relations/"


def relations_graph_iri(plan_id: str) -> URIRef:
    return URIRef(f"{RELATIONS_PREFIX}{plan_id}")


def _decimal(value: float) -> Literal:
    return Literal(Decimal(f"{value:.4f}"), datatype=XSD.decimal)


def _year(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.gYear)


def _term(term: object) -> str:
    """A term in N-Triples syntax (the IRIs here are airkg's own, made from checked plan ids and paths)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    assert isinstance(term, Literal)
    lexical = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{lexical}"@{term.language}'
    if term.datatype and term.datatype != XSD.string:
        return f'"{lexical}"^^<{term.datatype}>'
    return f'"{lexical}"'


class _Builder:
    def __init__(self, plan: PlanInfo) -> None:
        self.plan = plan
        self.graph_iri = relations_graph_iri(plan.id)
        self.suffix = f" <{self.graph_iri}> .\n"
        self.lines: list[str] = []
        self.node = URIRef(plan.iri)
        self.base = f"{RES}plan/{plan.id}"

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        self.lines.append(f"{_term(s)} {_term(p)} {_term(o)}{self.suffix}")

    def raw(self, s: str, p: str, o: str) -> None:
        """A triple of terms already in N-Triples syntax (what the lineage links write by the hundred thousand:
        no rdflib term is made for them)."""
        self.lines.append(f"{s} {p} {o}{self.suffix}")

    @property
    def graph(self) -> Graph:
        graph = bind_prefixes(Graph(identifier=self.graph_iri))
        graph.parse(data="".join(line.rsplit(" <", 1)[0] + " .\n" for line in self.lines), format="nt")
        return graph

    def span(self, start: int, end: int) -> URIRef:
        return URIRef(span_iri(self.plan.id, start, end))


def build_relations_graph(plan: PlanInfo, plans: Mapping[str, PlanInfo], text: str | None,
                          measures: Mapping[str, Sequence[MeasureInfo]], prepared: PreparedCache,
                          index: PlanIndex) -> Graph:
    """``plan``'s relations graph (see the module's text), as an rdflib Graph."""
    return _build(plan, PlanTable(plans.values()), text, measures, prepared, index).graph


def _iri(value: str) -> str:
    return f"<{value}>"


_P = {name: _iri(AIRKG[name]) for name in ("carriesOut", "hasLineage", "higherMeasure", "score")}
_DECIMAL = _iri(XSD.decimal)


def _build(plan: PlanInfo, table: PlanTable, text: str | None,
           measures: Mapping[str, Sequence[MeasureInfo]], prepared: PreparedCache, index: PlanIndex) -> _Builder:
    """``plan``'s relations as N-Quads lines (in :attr:`_Builder.lines`)."""
    b = _Builder(plan)
    own = measures.get(plan.id, ())
    period = period_of(plan, text, own)
    if period.start:
        b.add(b.node, AIRKG.effectiveStart, _year(period.start))
    if period.end:
        b.add(b.node, AIRKG.effectiveEnd, _year(period.end))
    if period.end_words and period.end_offset is not None and text is not None:
        b.add(b.node, AIRKG.effectiveEndSource,
              b.span(period.end_offset, period.end_offset + len(period.end_words)))
    if text is not None:
        for n, citation in enumerate(find_citations(plan, text, own, index), 1):
            node = URIRef(f"{b.base}/citation/{n}")
            b.add(b.node, AIRKG.hasCitation, node)
            b.add(node, AIRKG.citedTitle, Literal(citation.title, lang="zh"))
            if citation.number:
                b.add(node, AIRKG.citedIdentifier, Literal(citation.number))
            b.add(node, AIRKG.source, b.span(citation.start, citation.end))
            if citation.measure is not None:
                b.add(node, AIRKG.inMeasure, URIRef(citation.measure.iri))
            if citation.cited is not None:
                b.add(node, AIRKG.citedPlan, URIRef(citation.cited.iri))
                b.add(node, AIRKG.resolvedBy, Literal(citation.resolved_by))
                b.add(b.node, AIRKG.cites, URIRef(citation.cited.iri))
    highers = table.higher(plan)
    if highers:
        b.add(b.node, AIRKG.lineageMethod, Literal(CHOSEN))
    for higher in highers:
        b.add(b.node, AIRKG.higherPlan, URIRef(higher.iri))
    for higher_id, match in lineage_over(prepared[plan.id], [(h.id, prepared[h.id]) for h in highers]):
        _lineage_link(b, higher_id, match.lower, match.higher, match.score)
    earlier = table.predecessors(plan)
    if earlier:
        previous = earlier[0]
        b.add(b.node, AIRKG.previousPlan, URIRef(previous.iri))
        diff = compare_plans(previous, plan, measures.get(previous.id, ()), own, with_evidence=False)
        for n, item in enumerate(diff.measures, 1):
            node = URIRef(f"{b.base}/comparison/{previous.id}/{n}")
            b.add(b.node, AIRKG.hasMeasureChange, node)
            b.add(node, AIRKG.changeStatus, RES[f"change-status/{item.status}"])
            if item.a is not None:
                b.add(node, AIRKG.earlierMeasure, URIRef(item.a.iri))
            if item.b is not None:
                b.add(node, AIRKG.laterMeasure, URIRef(item.b.iri))
            if item.score is not None:
                b.add(node, AIRKG.score, _decimal(item.score))
                b.add(node, AIRKG.reworded, Literal(item.reworded))
            for k, change in enumerate(item.changes, 1):
                c = URIRef(f"{node}/change/{k}")
                b.add(node, AIRKG.hasChange, c)
                b.add(c, AIRKG.changeKind, RES[f"change-kind/{change.kind}"])
                b.add(c, AIRKG.before, Literal(change.before, lang="zh"))
                b.add(c, AIRKG.after, Literal(change.after, lang="zh"))
        for older, similarity in table.superseded(plan):
            b.add(b.node, AIRKG.supersedes, URIRef(older.iri))
    return b


def _lineage_link(b: _Builder, higher_plan: str, lower: Prepared, higher: Prepared, score: float) -> None:
    lower_m, higher_m = lower.measure, higher.measure
    node, low, high = _iri(f"{lower_m.iri}/lineage/{higher_plan}/{higher_m.path}"), _iri(lower_m.iri), _iri(higher_m.iri)
    b.raw(low, _P["carriesOut"], high)
    b.raw(low, _P["hasLineage"], node)
    b.raw(node, _P["higherMeasure"], high)
    b.raw(node, _P["score"], f'"{score:.4f}"^^{_DECIMAL}')


# --------------------------------------------------------------------------- which plans, and rebuilding


class Sources:
    """Where the relations read plans from: the store, or the store as it will be after a write — overlaid by
    a batch being loaded (a scratch store holding the batch's plans, which replace the store's of the same id)
    and without the plans being removed. So the relations of a write are computed before it and loaded with it,
    in the same all-or-nothing replacement."""

    def __init__(self, store: Store, batch: Store | None = None, batch_ids: Iterable[str] = (),
                 removed: Iterable[str] = ()) -> None:
        self.store = store
        self.batch = batch
        self.batch_ids = set(batch_ids)
        self.removed = set(removed)
        self._plans: dict[str, PlanInfo] | None = None

    def plans(self) -> dict[str, PlanInfo]:
        if self._plans is None:
            plans = {i: p for i, p in read_plans(self.store).items()
                     if i not in self.removed and i not in self.batch_ids}
            if self.batch is not None:
                plans.update(read_plans(self.batch, sorted(self.batch_ids)))
            self._plans = plans
        return self._plans

    def _split(self, ids: Iterable[str]) -> tuple[list[str], list[str]]:
        ids = sorted(set(ids))
        return [i for i in ids if i not in self.batch_ids], [i for i in ids if i in self.batch_ids]

    def measures(self, ids: Iterable[str], details: bool = True) -> dict[str, list[MeasureInfo]]:
        old, new = self._split(ids)
        out = read_measures(self.store, old, details=details) if old else {}
        if new and self.batch is not None:
            out.update(read_measures(self.batch, new, details=details))
        return out

    def texts(self, ids: Iterable[str]) -> dict[str, str]:
        old, new = self._split(ids)
        out = read_texts(self.store, old) if old else {}
        if new and self.batch is not None:
            out.update(read_texts(self.batch, new))
        return out


def affected_by(source: Store | Sources, plan_ids: Iterable[str]) -> set[str]:
    """The plans whose relations change when the plans ``plan_ids`` are added, replaced or removed, as the
    plans stand in ``source`` (ask it of the store before a write and of the :class:`Sources` after it): the plans
    themselves, those holding one of them among their higher plans or predecessors
    (:meth:`PlanTable.depending_on`) and those citing one of them by title or 文号."""
    sources = source if isinstance(source, Sources) else Sources(source)
    ids = set(plan_ids)
    plans = sources.plans()
    changed = [plans[i] for i in ids if i in plans]
    out = ids | PlanTable(plans.values()).depending_on(ids)
    titles = {normalise_title(p.title) for p in changed}
    numbers = {normalise_number(p.doc_number) for p in changed if p.doc_number}
    if titles or numbers:
        for row in sources.store.query("""
            SELECT DISTINCT ?plan ?title ?number WHERE {
              ?plan airkg:hasCitation ?c . ?c airkg:citedTitle ?title .
              OPTIONAL { ?c airkg:citedIdentifier ?number }
            }""").rows:
            if normalise_title(str(row["title"])) in titles or (
                    row["number"] is not None and normalise_number(str(row["number"])) in numbers):
                out.add(str(row["plan"]).rsplit("/", 1)[-1])
    return out


class _MeasureCache:
    """The measures of the plans a batch needs, read from ``sources`` (only those not already held) and prepared
    for matching once; the ``capacity`` plans used last are kept for the next batch. A plan is read with its
    measures' details (deadlines, agencies, targets) only when it is compared with its previous plan; lineage
    needs their texts and concepts alone."""

    def __init__(self, sources: Sources, capacity: int) -> None:
        self.sources = sources
        self.capacity = capacity
        self.measures: OrderedDict[str, list[MeasureInfo]] = OrderedDict()
        self.detailed: set[str] = set()
        self.prepared = PreparedCache(self.measures)

    def load(self, plan_ids: Iterable[str], detailed: Iterable[str] = ()) -> None:
        ids, detailed = set(plan_ids), set(detailed)
        for wanted, details in ((detailed - self.detailed, True), (ids - detailed - set(self.measures), False)):
            if wanted:
                read = self.sources.measures(wanted, details=details)
                for plan_id in wanted:
                    self.measures[plan_id] = read.get(plan_id, [])
                    self.prepared.forget(plan_id)
                if details:
                    self.detailed |= wanted
        for plan_id in sorted(ids | detailed):
            self.measures.move_to_end(plan_id)
        while len(self.measures) > max(self.capacity, len(ids | detailed)):
            gone, _ = self.measures.popitem(last=False)
            self.prepared.forget(gone)
            self.detailed.discard(gone)


class _Writer:
    """Writes relations graphs from ``sources``, batch after batch, with one plan table, citation index and
    :class:`_MeasureCache` for all of them."""

    def __init__(self, sources: Sources, keep: int = 400) -> None:
        self.sources = sources
        self.plans = sources.plans()
        self.index = PlanIndex(self.plans.values())
        self.table = PlanTable(self.plans.values())
        self.cache = _MeasureCache(sources, keep)

    def order(self, plan_ids: Iterable[str]) -> list[str]:
        """The plans of ``plan_ids`` still present, by region code (below a region come its regions) and id."""
        return sorted((i for i in set(plan_ids) if i in self.plans), key=lambda i: (self.plans[i].region or "", i))

    def write(self, plan_ids: Sequence[str], out: IO[str]) -> None:
        needed, compared = set(plan_ids), set()
        for plan_id in plan_ids:
            plan = self.plans[plan_id]
            needed.update(p.id for p in self.table.higher(plan))
            previous = self.table.predecessors(plan)[:1]
            compared.update([plan_id, previous[0].id] if previous else [])
        self.cache.load(needed, compared)
        texts = self.sources.texts(plan_ids)
        for plan_id in plan_ids:
            out.writelines(_build(self.plans[plan_id], self.table, texts.get(plan_id), self.cache.measures,
                                  self.cache.prepared, self.index).lines)


def write_relations(sources: Sources, plan_ids: Iterable[str], out: IO[str], batch: int = 50) -> list[str]:
    """Write the relations graphs of ``plan_ids`` as N-Quads to ``out``; the IRIs of the graphs written (a plan
    gone from ``sources`` gets none, so replacing its graph removes it). ``batch`` plans at a time, in the order
    of their regions' codes."""
    targets = sorted(set(plan_ids))
    writer = _Writer(sources)
    present = writer.order(targets)
    for first in range(0, len(present), batch):
        writer.write(present[first:first + batch], out)
    return [str(relations_graph_iri(i)) for i in targets]


def relations_for_batch(store: Store, batch_nquads: Path, plan_ids: Sequence[str], folder: Path,
                        out: IO[str]) -> list[str]:
    """The relations a load of the plans in ``batch_nquads`` (their graphs as N-Quads) changes, written to
    ``out`` before the load: the batch is read into a scratch store in ``folder``. The graph IRIs to replace."""
    import pyoxigraph as ox

    from kg.store import OxigraphStore, _bulk_load_nquads

    before = affected_by(store, plan_ids)
    path = folder / "relations-scratch"
    # pyoxigraph's own bulk loader on a scratch folder: no journal needed (the folder goes with the spool), and
    # nothing of the store's write path runs before the store's one replacement
    db = ox.Store(str(path))
    _bulk_load_nquads(db, batch_nquads, lenient=True)
    del db
    with OxigraphStore(path) as scratch:
        sources = Sources(store, scratch, plan_ids)
        return write_relations(sources, before | affected_by(sources, plan_ids), out)


def relations_for_removal(store: Store, plan_id: str, out: IO[str]) -> list[str]:
    """The relations a removal of ``plan_id`` changes, written to ``out`` before it (the plan's own relations
    graph among the IRIs returned, with no quads: it goes)."""
    return write_relations(Sources(store, removed=[plan_id]), affected_by(store, [plan_id]), out)


def rebuild(store: Store, plan_ids: Iterable[str] | None = None, batch: int = 50,
            progress: Callable[[Iterable], Iterable] = lambda items: items) -> int:
    """Rebuild the relations graphs of ``plan_ids`` (every plan when None), ``batch`` plans a write; a plan no
    longer in the store loses its graph. Returns the number of plans rebuilt (``airkg relations``)."""
    writer = _Writer(Sources(store))
    targets = sorted(writer.plans) if plan_ids is None else sorted(set(plan_ids))
    gone = sorted(set(targets) - set(writer.plans))
    present = writer.order(targets)
    chunks = [present[first:first + batch] for first in range(0, len(present), batch)] or [[]]
    chunks[0] = gone + chunks[0]  # a plan no longer in the store loses its graph with the first write
    for chunk in progress(chunks):
        with tempfile.TemporaryDirectory(prefix="airkg-relations-") as folder:
            path = Path(folder) / "relations.nq"
            with path.open("w", encoding="utf-8") as out:
                writer.write([i for i in chunk if i in writer.plans], out)
            store.replace_graphs_nquads(path, [str(relations_graph_iri(i)) for i in chunk])
    return len(present)


def relation_graph_iris(store: Store) -> list[str]:
    return [iri for iri in store.graph_iris() if iri.startswith(RELATIONS_PREFIX)]
