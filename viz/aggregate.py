"""The summary drawn when measures would be too many nodes: measures collapsed into counts.

Plans stay nodes (labelled with their number of measures); an edge from a plan to a pollutant,
sector or agency says how many of the plan's measures target that pollutant, fall in that sector or
give the agency a role. Only the plans with the most measures are kept when there are more than a
third of the node limit; then sectors, or agencies, or both are left out until the rest fits (in nodes,
and in edges: at most :data:`EDGES_PER_NODE` times the node limit), then more plans, and the page says
what was left out. Every count is one SPARQL ``GROUP BY`` over the view's measures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx

from kg.store import Store
from viz.facts import Entity, local, read_entities, region_parents, text, values
from viz.links import compact_id
from viz.model import finish_graph, add_entity
from viz.selection import EVERY_MEASURE

_PLANS = "SELECT ?plan (COUNT(?m) AS ?n) WHERE {\n  %s\n  ?m airkg:partOfPlan ?plan .\n} GROUP BY ?plan"
#: Every measure per plan. ``airkg:partOfPlan`` is functional with domain Measure and the builder writes it
#: only on measures, so no type test is needed: joining one cost 5 s at 263,000 measures, this 0.3 s.
_ALL_PLANS = "SELECT ?plan (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m airkg:partOfPlan ?plan } GROUP BY ?plan"
#: The predicates as a FILTER, not a VALUES block: with ``?p`` bound by VALUES, oxigraph reads every link
#: of those predicates in the store and hashes them (1.6-1.8 s at 10,000 plans) instead of looking up the
#: few thousand measures' own triples (0.3-0.5 s).
_LINKS = """SELECT ?plan ?p ?o (COUNT(DISTINCT ?m) AS ?n) WHERE {
  { SELECT DISTINCT ?m ?plan WHERE {
    %s
    ?m airkg:partOfPlan ?plan .
    %s
  } }
  { ?m ?p ?o FILTER(?p IN (%s)) }
  UNION { ?m airkg:hasAssignment ?a . ?a airkg:role ?p ; airkg:agency ?o }
} GROUP BY ?plan ?p ?o"""
_PREDICATES = {
    "pollutants": ("airkg:statedPollutant", "airkg:inferredPollutant"),
    "sectors": ("airkg:statedSector", "airkg:inferredSector"),
    "agencies": ("lead", "responsible", "support", "implementing"),  # the roles of assignments
}
_HOW = {"statedPollutant": "stated", "inferredPollutant": "inferred", "statedSector": "stated",
        "inferredSector": "inferred", "lead": "lead", "responsible": "responsible", "support": "support",
        "implementing": "implementing"}
_KIND = {"pollutants": "pollutant", "sectors": "sector", "agencies": "agency"}
_LEVEL = {how_name.removeprefix("airkg:"): level for level, names in _PREDICATES.items() for how_name in names}
#: Edges drawn at most per node of the limit: past it the layout crawls and the page grows by some
#: 500 bytes an edge (100 plans of 10,000 drew 4,898 count edges, 2.6 MB).
EDGES_PER_NODE = 3
#: Which linked entities to draw, best first; pollutants are few and always drawn.
_CHOICES: tuple[tuple[str, ...], ...] = (("pollutants", "sectors", "agencies"), ("pollutants", "agencies"),
                                         ("pollutants", "sectors"), ("pollutants",))


@dataclass
class Summary:
    """The summary graph, the number of measures it stands for, and what it leaves out."""

    graph: nx.MultiDiGraph
    measures: int
    left_out: list[str] = field(default_factory=list)


def distinct_measures(scope: str) -> str:
    """A sub-select binding each measure of ``scope`` (a pattern binding ``?m``) once."""
    return f"{{ SELECT DISTINCT ?m WHERE {{\n  {scope}\n}} }}"


def _plan_counts(store: Store, scope: str) -> Counter[str]:
    """The number of measures ``scope`` binds, per plan."""
    query = _ALL_PLANS if scope.strip() == EVERY_MEASURE else _PLANS % distinct_measures(scope)
    return Counter({text(row["plan"]): int(str(row["n"])) for row in store.query(query).rows})


def _links(store: Store, scope: str, plans: Sequence[str]) -> dict[str, dict[tuple[str, str], Counter[str]]]:
    """Per level (pollutants, sectors, agencies): (plan, target) -> how (stated, lead, …) -> measures."""
    found: dict[str, dict[tuple[str, str], Counter[str]]] = {level: defaultdict(Counter) for level in _PREDICATES}
    predicates = ", ".join(name for level in ("pollutants", "sectors") for name in _PREDICATES[level])
    for row in store.query(_LINKS % (values("plan", plans), scope, predicates)).rows:
        name = local(row["p"]).split("#")[-1]
        found[_LEVEL[name]][(text(row["plan"]), text(row["o"]))][_HOW[name]] += int(str(row["n"]))
    return found


def _edge_count(links: dict[str, dict[tuple[str, str], Counter[str]]], kept: Sequence[str],
                levels: Sequence[str]) -> int:
    """The edges drawn: counts from the kept plans, and at most one region and one ``within`` edge a plan."""
    shown = set(kept)
    return 2 * len(kept) + sum(1 for level in levels for plan, _ in links[level] if plan in shown)


def summarise(store: Store, scope: str, limit: int, basis: str = "any") -> Summary:
    """Count the measures ``scope`` binds to ``?m`` per plan and linked entity; draw within ``limit`` nodes
    and ``EDGES_PER_NODE * limit`` edges. Pollutants and sectors count on ``basis`` (stated, inferred or any),
    as the view's filter does."""
    plans = _plan_counts(store, scope)
    summary = Summary(nx.MultiDiGraph(), sum(plans.values()))
    if not plans:
        return summary
    kept = [plan for plan, _ in plans.most_common(max(1, limit // 3))]
    links = _links(store, scope, kept)
    targets = {level: {target for _, target in found} for level, found in links.items()}
    regions = len(kept)  # at most one region node per plan
    edge_limit = EDGES_PER_NODE * limit
    chosen = next((levels for levels in _CHOICES
                   if len(kept) + regions + sum(len(targets[lv]) for lv in levels) <= limit
                   and _edge_count(links, kept, levels) <= edge_limit), ("pollutants",))
    while len(kept) > 1 and (2 * len(kept) + len(targets["pollutants"]) > limit
                             or _edge_count(links, kept, chosen) > edge_limit):
        kept.pop()
    if len(kept) < len(plans):
        summary.left_out.append(f"the {len(plans) - len(kept)} plans with the fewest measures")
    summary.left_out.extend(f"{level} ({len(targets[level])})" for level in ("sectors", "agencies")
                            if level not in chosen)
    if basis != "any":  # the measures linked on the view's basis only, as the lists count them
        for level in ("pollutants", "sectors"):
            links[level] = {key: Counter({basis: by_how[basis]}) for key, by_how in links[level].items()
                            if by_how.get(basis)}
    summary.graph = _draw(store, plans, kept, {level: links[level] for level in chosen})
    return summary


def _draw(store: Store, plans: Counter[str], kept: list[str],
          links: dict[str, dict[tuple[str, str], Counter[str]]]) -> nx.MultiDiGraph:
    shown = set(kept)
    iris = set(kept) | {target for found in links.values() for plan, target in found if plan in shown}
    entities = read_entities(store, iris)
    regions = {e.region for e in entities.values() if e.region}
    entities.update(read_entities(store, regions - iris))
    graph = nx.MultiDiGraph()
    for plan in kept:
        node = add_entity(graph, plan, entities, "plan")
        graph.nodes[node]["label"] += f" ({plans[plan]})"
        graph.nodes[node]["rows"].insert(0, ("measures in this view", str(plans[plan])))
    for level, found in links.items():
        _add_counts(graph, found, shown, entities, _KIND[level])
    finish_graph(graph, entities, region_parents(store, regions), {}, {})
    return graph


def _add_counts(graph: nx.MultiDiGraph, links: dict[tuple[str, str], Counter[str]], shown: set[str],
                entities: dict[str, Entity], kind: str) -> None:
    for (plan, target), by_how in links.items():
        if plan not in shown:
            continue
        node = add_entity(graph, target, entities, kind)
        detail = ", ".join(f"{how} {n}" for how, n in sorted(by_how.items(), key=lambda item: (-item[1], item[0])))
        total = sum(by_how.values())
        source = compact_id(plan)
        narrow = {"plan": source, kind: node}
        if kind == "agency":
            graph.add_edge(node, source, key="count", relation="count_agency", count=total, narrow=narrow,
                           tip=f"roles this plan's measures give this agency: {detail}")
        else:
            noun = "targeting this pollutant" if kind == "pollutant" else "in this sector"
            graph.add_edge(source, node, key="count", relation=f"count_{kind}", count=total, narrow=narrow,
                           tip=f"{total} measures of this plan {noun} ({detail})")
