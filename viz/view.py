"""One graph view: pick the measures (filters, a focus entity's neighbourhood, or a list of entities), read
them, and draw them in detail, or summarised when they would exceed the node limit.

The measures of a view are always also described by a SPARQL pattern binding ``?m`` (its *scope*),
so a summary is counted in the store, never by listing thousands of measures in a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from kg.errors import NotFound
from kg.store import Store, sparql_iri
from viz.aggregate import summarise
from viz.facts import chunks, kind_of, read_entities, read_measures, region_parents, text, values
from viz.filters import GraphFilter
from viz.links import compact_id, to_iri
from viz.model import add_entity, build_detail, deadline_id
from viz.selection import Resolved, Selection, measures, select, why_not

#: A measure ``?m`` next to an entity ``?x``. Direct predicates in a VALUES block: oxigraph evaluates
#: this about 30 times faster than the same alternatives written as a property path.
_ADJACENT = """{ VALUES ?adjacency { airkg:partOfPlan airkg:statedPollutant airkg:inferredPollutant airkg:statedSector
    airkg:inferredSector airkg:mentionsRegion airkg:hasDeadline }
  ?m ?adjacency ?x . }
  UNION { ?adjacencyNode airkg:agency ?x . ?m airkg:hasAssignment ?adjacencyNode . }"""
_ESTIMATE = """
SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {
  %s
  { %s } UNION { ?m airkg:hasDeadline ?d . ?d airkg:dueDate ?o }
}"""
_PLANS_IN = "SELECT DISTINCT ?plan WHERE {\n  %s\n  ?plan a airkg:Plan ; airkg:region ?x .\n}"
_SAME_DEADLINE = """
SELECT DISTINCT ?m WHERE {
  ?m airkg:hasDeadline ?d . ?d airkg:deadlineKind %s .
  %s
}"""
_DEADLINE_OWNER = "SELECT ?m WHERE { ?m airkg:hasDeadline %s }"
_EXISTS = "ASK { { %s ?p ?o } UNION { ?s ?p %s } }"
_FILTERS = ("plan", "region", "pollutant", "sector", "agency", "role", "due_from", "due_to")


@dataclass
class View:
    """What one page or file draws, and what it says about it."""

    graph: nx.MultiDiGraph
    filter: GraphFilter
    notices: list[str] = field(default_factory=list)
    aggregated: bool = False
    measure_count: int = 0
    resolved: list[Resolved] = field(default_factory=list)
    focus: str | None = None


@dataclass
class Scope:
    """Measures given as entities they touch (``?m … ?x``) and as IRIs, narrowed by a selection."""

    entities: set[str] = field(default_factory=set)
    measures: set[str] = field(default_factory=set)
    selection: Selection | None = None

    def pattern(self) -> str:
        parts = []
        if self.entities:
            parts.append(f"{{ {values('x', sorted(self.entities))}\n  {_ADJACENT} }}")
        if self.measures:
            parts.append(f"{{ {values('m', sorted(self.measures))} }}")
        union = " UNION ".join(parts) or "FILTER(false)"
        if self.selection is not None and self.selection.restricts:
            return f"{union}\n  {self.selection.pattern}"
        return union


def build_view(store: Store, graph_filter: GraphFilter) -> View:
    """The view a filter asks for.

    Raises:
        NotFound: ``focus`` names nothing in the graph.
        InputError: A filter value is malformed.
    """
    if graph_filter.mode == "focus":
        return _focus_view(store, graph_filter)
    if graph_filter.mode == "nodes":
        return _nodes_view(store, graph_filter)
    return _filter_view(store, graph_filter)


def _filter_view(store: Store, f: GraphFilter) -> View:
    selection = select(store, f)
    view = View(nx.MultiDiGraph(), f, resolved=selection.resolved)
    for missing in selection.unresolved:
        hint = why_not(store, missing.name, missing.value)
        view.notices.append(f"No {missing.name} matches “{missing.value}”." + (f" ({hint})" if hint else ""))
    if selection.unresolved:
        return view
    found = measures(store, selection, limit=f.limit + 1)
    view.measure_count = len(found)
    if not found:
        view.notices.append("No measure matches these filters.")
        return view
    if len(found) <= f.limit and len(found) + linked_entities(store, found) <= f.limit:
        graph = detail(store, found)
        if graph.number_of_nodes() <= f.limit:
            view.graph = graph
            return view
    return _summarise(store, view, selection.pattern)


def linked_entities(store: Store, measure_iris: list[str]) -> int:
    """How many other nodes these measures would bring (one query; deadlines counted by date)."""
    adjacent = _ADJACENT.replace("?x", "?o").replace("airkg:hasDeadline ", "")
    return sum(int(str(store.query(_ESTIMATE % (values("m", chunk), adjacent)).rows[0]["n"]))
               for chunk in chunks(measure_iris))


def detail(store: Store, measure_iris: list[str], extra: Iterable[str] = ()) -> nx.MultiDiGraph:
    """The detailed graph of these measures, plus the entities in ``extra`` (plans, agencies, …)."""
    read = read_measures(store, measure_iris)
    extra = [iri for iri in extra if kind_of(iri) not in ("measure", "deadline", "other")]
    iris = set(extra)
    for m in read:
        iris.add(m.plan)
        iris.update(a.agency for a in m.assignments)
        iris.update(m.pollutants, m.sectors, m.regions)
    entities = read_entities(store, iris)
    regions = {e.region for e in entities.values() if e.region} - iris
    entities.update(read_entities(store, regions))
    region_iris = {iri for iri, e in entities.items() if e.kind == "region"} | regions
    graph = build_detail(read, entities, region_parents(store, region_iris),
                         plans=[iri for iri in extra if kind_of(iri) == "plan"])
    for iri in extra:
        add_entity(graph, iri, entities, kind_of(iri))
    _lineage_edges(store, graph, measure_iris)
    return graph


def _lineage_edges(store: Store, graph: nx.MultiDiGraph, measure_iris: list[str]) -> None:
    """Lineage (kg/relations) between measures both drawn: a dashed edge from the measure that carries out
    to the one carried out, its tip the score and the words they share (computed from their texts)."""
    from kg.relations.evidence import link_evidence
    from viz.links import compact_id

    drawn = set(measure_iris)
    if len(drawn) < 2:
        return
    scores: dict[tuple[str, str], float] = {}
    for chunk in chunks(sorted(drawn)):
        for row in store.query("SELECT ?m ?h ?score WHERE { " + values("m", chunk) + """
              ?m airkg:hasLineage ?l . ?l airkg:higherMeasure ?h ; airkg:score ?score }""").rows:
            key = (str(row["m"]), str(row["h"]))
            if key[1] in drawn:
                scores.setdefault(key, float(str(row["score"])))
    shared = link_evidence(store, scores)
    for (lower, higher), score in sorted(scores.items()):
        found = shared.get((lower, higher))
        words = found.phrases[:4] if found else ()
        graph.add_edge(compact_id(lower), compact_id(higher), key="carries_out", relation="carries_out",
                       tip=f"carries out (score {score:.2f}): {'、'.join(words)}")


def _summarise(store: Store, view: View, scope: str) -> View:
    summary = summarise(store, scope, view.filter.limit, view.filter.basis)
    view.graph, view.aggregated, view.measure_count = summary.graph, True, summary.measures
    view.notices.append(
        f"Drawing these {summary.measures} measures one by one would take more than {view.filter.limit} nodes, "
        "so they are summarised: each edge from a plan gives the number of its measures that target a "
        "pollutant, fall in a sector or give an agency a role. Narrow the filter (plan, pollutant, agency, …) "
        "or raise the node limit to see single measures.")
    if summary.left_out:
        view.notices.append("Left out to stay within the limit: " + "; ".join(summary.left_out) + ".")
    return view


# --------------------------------------------------------------------------- neighbourhoods


def _exists(store: Store, iri: str) -> bool:
    node = sparql_iri(iri)
    return bool(store.query(_EXISTS % (node, node)).boolean)


def _expand(store: Store, graph: nx.MultiDiGraph | None, nodes: Iterable[str], scope: Scope,
            limit: int) -> tuple[set[str], set[str]]:
    """Add the given nodes' adjacent measures to ``scope``; return them (more than ``limit`` means too
    many: then only some are returned), and the plans of region nodes."""
    restrict = scope.selection.pattern if scope.selection is not None and scope.selection.restricts else ""
    iris: list[str] = []
    found: set[str] = set()
    plans: set[str] = set()
    for node in nodes:
        data = graph.nodes[node] if graph is not None and node in graph else None
        if data is not None and data["kind"] == "deadline":
            near = _same_deadline(store, node)
            if restrict and near:
                near = set(measures(store, scope.selection, within=sorted(near)))  # type: ignore[arg-type]
            scope.measures |= near
            found |= near
        elif data is None or data["kind"] != "measure":
            iris.append(to_iri(node))
    scope.entities.update(iris)
    for chunk in chunks(sorted(iris)):
        block = values("x", chunk)
        query = f"SELECT DISTINCT ?m WHERE {{ {block}\n  {_ADJACENT}\n  {restrict}\n}} LIMIT {limit + 1}"
        found.update(text(row["m"]) for row in store.query(query).rows)
        plans.update(text(row["plan"]) for row in store.query(_PLANS_IN % block).rows)
        if len(found) > limit:
            break
    return found, plans


def _same_deadline(store: Store, node: str) -> set[str]:
    """Measures with a deadline of this node's kind and due date (a different end date draws another node,
    which the final cut to the neighbourhood leaves out)."""
    _, kind, *rest = node.split(":", 2)
    due = rest[0].split(":")[0] if rest else ""
    kind_iri = sparql_iri(f"https://airkg.example.org/id/deadline-kind/{kind}")
    if len(due) == 10 and due[4] == "-":
        condition = f'?d airkg:dueDate "{due}"^^xsd:date .'
    else:
        condition = "FILTER NOT EXISTS { ?d airkg:dueDate ?any }"
    return {text(row["m"]) for row in store.query(_SAME_DEADLINE % (kind_iri, condition)).rows}


def _focus_view(store: Store, f: GraphFilter) -> View:
    assert f.focus is not None
    iri = to_iri(f.focus)
    if not _exists(store, iri):
        raise NotFound(f"nothing in the graph is {f.focus!r}")
    selection = select(store, f) if any(f.params()[k] for k in _FILTERS) else None
    view = View(nx.MultiDiGraph(), f, resolved=selection.resolved if selection else [])
    scope = Scope(selection=selection)
    kind = kind_of(iri)
    known: set[str] = set()
    plans: set[str] = set()
    frontier: set[str] = set()
    if kind == "deadline":
        owner = [text(r["m"]) for r in store.query(_DEADLINE_OWNER % sparql_iri(iri)).rows]
        deadlines = [d for m in read_measures(store, owner) for d in m.deadlines]
        last = iri.rsplit("/", 1)[-1]
        index = int(last) - 1 if last.isdigit() else 0
        focus = deadline_id(deadlines[min(index, len(deadlines) - 1)]) if deadlines else compact_id(iri)
        known.update(owner)
    elif kind == "measure":
        focus = compact_id(iri)
        known.add(iri)
    else:
        focus = compact_id(iri)
        frontier = {focus}
    scope.measures |= known
    graph: nx.MultiDiGraph | None = None
    for step in range(f.depth):
        found, near_plans = _expand(store, graph, frontier, scope, f.limit)
        known |= found
        plans |= near_plans
        if len(known) > f.limit:
            view.focus = focus
            return _summarise(store, view, scope.pattern())
        graph = detail(store, sorted(known), extra=sorted(plans | ({iri} if kind not in ("measure", "deadline")
                                                                    else set())))
        if focus not in graph:
            break
        distances = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), focus, cutoff=step + 1)
        frontier = {node for node, d in distances.items() if d == step + 1}
    assert graph is not None
    if focus in graph:
        graph = graph.subgraph(nx.ego_graph(graph, focus, radius=f.depth, undirected=True).nodes).copy()
    view.graph, view.focus = graph, focus
    view.measure_count = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "measure")
    if graph.number_of_nodes() > f.limit:
        return _summarise(store, view, scope.pattern())
    return view


def _nodes_view(store: Store, f: GraphFilter) -> View:
    view = View(nx.MultiDiGraph(), f)
    iris = [to_iri(node) for node in f.nodes]
    present = [iri for iri in iris if _exists(store, iri)]
    if len(present) < len(iris):
        view.notices.append(f"{len(iris) - len(present)} of the {len(iris)} entities asked for are not in the graph.")
    listed = [iri for iri in present if kind_of(iri) == "measure"]
    others = [iri for iri in present if kind_of(iri) not in ("measure", "other")]
    scope = Scope(measures=set(listed))
    around: set[str] = set()
    if not listed and others:
        around, _ = _expand(store, None, [compact_id(i) for i in others], scope, f.limit)
    chosen = sorted(set(listed) | around)
    if len(chosen) > f.limit:
        return _summarise(store, view, scope.pattern())
    graph = detail(store, chosen, extra=others)
    if around:
        keep = {compact_id(i) for i in others if compact_id(i) in graph}
        keep |= {n for node in list(keep) for n in nx.all_neighbors(graph, node)}
        graph = graph.subgraph(keep).copy()
    view.graph = graph
    view.measure_count = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "measure")
    if graph.number_of_nodes() > f.limit:
        return _summarise(store, view, scope.pattern())
    return view
