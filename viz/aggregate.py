"""The summary drawn when measures would be too many nodes: measures collapsed into counts.

Plans stay nodes (labelled with their number of measures); an edge from a plan to a pollutant,
sector or agency says how many of the plan's measures target that pollutant, fall in that sector or
give the agency a role. Only the plans with the most measures are kept when there are more than a
third of the node limit; then sectors, or agencies, or both are left out until the rest fits, and
the page says what was left out. Every count is one SPARQL ``GROUP BY`` over the view's measures.
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

_PLANS = "SELECT ?plan (COUNT(?m) AS ?n) WHERE {\n  %s\n  ?m airkg:partOfPlan ?plan .\n} GROUP BY ?plan"
_LINKS = """SELECT ?plan ?p ?o (COUNT(?m) AS ?n) WHERE {
  { SELECT DISTINCT ?m ?plan WHERE {
    %s
    ?m airkg:partOfPlan ?plan .
    %s
  } }
  VALUES ?p { %s }
  ?m ?p ?o .
} GROUP BY ?plan ?p ?o"""
_PREDICATES = {
    "pollutants": "airkg:statedPollutant airkg:inferredPollutant",
    "sectors": "airkg:statedSector airkg:inferredSector",
    "agencies": "airkg:leadAgency airkg:responsibleAgency airkg:supportAgency airkg:implementingAgency",
}
_HOW = {"statedPollutant": "stated", "inferredPollutant": "inferred", "statedSector": "stated",
        "inferredSector": "inferred", "leadAgency": "lead", "responsibleAgency": "responsible",
        "supportAgency": "support", "implementingAgency": "implementing"}
_KIND = {"pollutants": "pollutant", "sectors": "sector", "agencies": "agency"}
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


def _links(store: Store, scope: str, plans: Sequence[str], level: str) -> dict[tuple[str, str], Counter[str]]:
    found: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    query = _LINKS % (values("plan", plans), scope, _PREDICATES[level])
    for row in store.query(query).rows:
        how = _HOW[local(row["p"]).split("#")[-1]]
        found[(text(row["plan"]), text(row["o"]))][how] += int(str(row["n"]))
    return found


def summarise(store: Store, scope: str, limit: int) -> Summary:
    """Count the measures ``scope`` binds to ``?m`` per plan and linked entity; draw within ``limit`` nodes."""
    plans: Counter[str] = Counter()
    for row in store.query(_PLANS % distinct_measures(scope)).rows:
        plans[text(row["plan"])] = int(str(row["n"]))
    summary = Summary(nx.MultiDiGraph(), sum(plans.values()))
    if not plans:
        return summary
    kept = [plan for plan, _ in plans.most_common(max(1, limit // 3))]
    links = {level: _links(store, scope, kept, level) for level in ("pollutants", "sectors", "agencies")}
    targets = {level: {target for _, target in found} for level, found in links.items()}
    regions = len(kept)  # at most one region node per plan
    chosen = next((levels for levels in _CHOICES
                   if len(kept) + regions + sum(len(targets[lv]) for lv in levels) <= limit), ("pollutants",))
    while len(kept) > 1 and 2 * len(kept) + len(targets["pollutants"]) > limit:
        kept.pop()
    if len(kept) < len(plans):
        summary.left_out.append(f"the {len(plans) - len(kept)} plans with the fewest measures")
    summary.left_out.extend(f"{level} ({len(targets[level])})" for level in ("sectors", "agencies")
                            if level not in chosen)
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
        detail = ", ".join(f"{how} {n}" for how, n in by_how.most_common())
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
