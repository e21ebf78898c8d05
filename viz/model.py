"""Measures and entities -> a networkx graph of what the page draws, one node per entity.

Node attributes: ``kind`` (a key of :data:`viz.style.NODE_STYLES`), ``label``, ``iri`` (None for a
deadline), ``heading``, ``rows`` (name/value pairs), ``text`` (verbatim source), ``sentences`` (where
an agency is named), ``narrow`` (filter parameters that narrow the view to this node). Edge attributes:
``relation`` (a key of :data:`viz.style.EDGE_STYLES`), ``tip``, and for counts ``count`` and ``narrow``.
Everything is plain text; escaping is the renderer's job.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import networkx as nx

from viz.facts import Deadline, Entity, Measure
from viz.links import compact_id

MAX_SENTENCES = 12
LABEL_LENGTH = 14


def short(text: str, length: int = LABEL_LENGTH) -> str:
    """``text`` cut to ``length`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def deadline_id(deadline: Deadline) -> str:
    if deadline.due is None:
        return f"deadline:{deadline.kind}:{deadline.original}"
    return f"deadline:{deadline.kind}:{deadline.due}:{deadline.end or ''}"


def deadline_label(deadline: Deadline) -> str:
    """``by 2023-06-30``, ``from 2023-10-01``, ``2023-05-01 – 2023-09-30``, ``yearly …``, ``ongoing``."""
    if deadline.due is None:
        return short(deadline.original or "ongoing", 18)
    span = f"{deadline.due} – {deadline.end}" if deadline.end else deadline.due
    prefix = {"by": "by ", "from": "from ", "recurring": "yearly ", "during": ""}.get(deadline.kind, "")
    return prefix + span


def entity_name(entity: Entity | None, iri: str) -> str:
    if entity is None:
        return compact_id(iri)
    return entity.zh or entity.en or compact_id(iri)


def _label(entity: Entity | None, iri: str) -> str:
    if entity is not None and entity.kind == "pollutant":
        return dict(entity.facts).get("code") or entity_name(entity, iri)
    return short(entity_name(entity, iri), 18)


def add_entity(graph: nx.MultiDiGraph, iri: str, entities: dict[str, Entity], kind: str) -> str:
    """Add the node of a plan, agency, concept or region (once) and return its id."""
    node = compact_id(iri)
    if node in graph:
        return node
    entity = entities.get(iri)
    rows: list[tuple[str, str]] = []
    if entity is not None:
        if entity.en and entity.en != entity.zh:
            rows.append(("English", entity.en))
        rows.extend(entity.facts)
        if entity.region:
            region = entities.get(entity.region)
            rows.append(("region", entity_name(region, entity.region)))
    narrow = {"plan": node} if kind == "plan" else {kind: node} if kind in ("agency", "pollutant", "sector",
                                                                            "region") else {}
    graph.add_node(node, kind=kind, iri=iri, label=_label(entity, iri), heading=entity_name(entity, iri),
                   rows=rows, text=None, sentences=[], narrow=narrow)
    return node


def _measure_rows(measure: Measure, entities: dict[str, Entity]) -> list[tuple[str, str]]:
    plan = entities.get(measure.plan)
    agencies = "; ".join(
        f"{entity_name(entities.get(a.agency), a.agency)} ({a.role}{', blanket clause' if a.blanket else ''})"
        for a in measure.assignments)
    deadlines = "; ".join(f"{d.original} → {deadline_label(d)}" for d in measure.deadlines)
    pollutants = ", ".join(f"{_label(entities.get(c), c)}{'' if stated else ' (inferred)'}"
                           for c, stated in measure.pollutants.items())
    sectors = ", ".join(f"{entity_name(entities.get(c), c)}{'' if stated else ' (inferred)'}"
                        for c, stated in measure.sectors.items())
    regions = ", ".join(entity_name(entities.get(r), r) for r in measure.regions)
    rows = [("plan", entity_name(plan, measure.plan)), ("number", measure.path), ("agencies", agencies),
            ("deadlines", deadlines), ("pollutants", pollutants), ("sectors", sectors), ("regions named", regions)]
    return [(name, value) for name, value in rows if value]


def build_detail(measures: Iterable[Measure], entities: dict[str, Entity], parents: dict[str, str],
                 plans: Iterable[str] = ()) -> nx.MultiDiGraph:
    """One node per measure and per entity it links to; plans' regions and the regions' hierarchy."""
    graph = nx.MultiDiGraph()
    named: dict[str, list[tuple[str, str]]] = defaultdict(list)
    roles: dict[str, Counter[str]] = defaultdict(Counter)
    for plan in plans:
        add_entity(graph, plan, entities, "plan")
    for measure in measures:
        node = compact_id(measure.iri)
        graph.add_node(node, kind="measure", iri=measure.iri, label=short(f"{measure.path} {measure.title}"),
                       heading=measure.title or measure.path, rows=_measure_rows(measure, entities),
                       text=measure.text, sentences=[], narrow={})
        plan = add_entity(graph, measure.plan, entities, "plan")
        graph.add_edge(node, plan, key="part_of_plan", relation="part_of_plan", tip="part of plan")
        for assignment in measure.assignments:
            agency = add_entity(graph, assignment.agency, entities, "agency")
            tip = f"{assignment.role}: {assignment.written}" + (" (blanket clause)" if assignment.blanket else "")
            graph.add_edge(node, agency, key=assignment.role, relation=assignment.role, tip=tip)
            roles[agency][assignment.role] += 1
            named[agency].append((short(f"{measure.path} {measure.title}", 30), assignment.sentence))
        for deadline in measure.deadlines:
            target = _add_deadline(graph, deadline)
            graph.add_edge(node, target, key=f"due_by:{deadline.original}", relation="due_by",
                           tip=f"due by: {deadline.original}")
        for relation, links, kind in (("pollutant", measure.pollutants, "pollutant"),
                                      ("sector", measure.sectors, "sector")):
            for concept, stated in links.items():
                target = add_entity(graph, concept, entities, kind)
                how = "stated" if stated else "inferred"
                graph.add_edge(node, target, key=f"{how}_{relation}", relation=f"{how}_{relation}",
                               tip=f"{how} in the text" if stated else "inferred, not written in the text")
        for region in measure.regions:
            target = add_entity(graph, region, entities, "region")
            graph.add_edge(node, target, key="mentions_region", relation="mentions_region", tip="named in the text")
    finish_graph(graph, entities, parents, named, roles)
    return graph


def _add_deadline(graph: nx.MultiDiGraph, deadline: Deadline) -> str:
    node = deadline_id(deadline)
    if node not in graph:
        rows = [("kind", deadline.kind)] + ([("due", deadline.due)] if deadline.due else []) + (
            [("until", deadline.end)] if deadline.end else [])
        narrow = {"due_from": deadline.due, "due_to": deadline.due} if deadline.due else {}
        label = deadline_label(deadline)
        graph.add_node(node, kind="deadline", iri=None, label=label, heading=label, rows=rows, text=None,
                       sentences=[], narrow=narrow, originals=[])
    originals = graph.nodes[node]["originals"]
    if deadline.original and deadline.original not in originals:
        originals.append(deadline.original)
        graph.nodes[node]["rows"] = [r for r in graph.nodes[node]["rows"] if r[0] != "as written"] + [
            ("as written", "; ".join(originals))]
    if deadline.note:
        graph.nodes[node]["rows"].append(("note", deadline.note))
    return node


def finish_graph(graph: nx.MultiDiGraph, entities: dict[str, Entity], parents: dict[str, str],
            named: dict[str, list[tuple[str, str]]], roles: dict[str, Counter[str]]) -> None:
    """Plans' regions, the region hierarchy among drawn regions, agencies' roles and sentences."""
    for node, data in list(graph.nodes(data=True)):
        if data["kind"] == "plan":
            entity = entities.get(data["iri"])
            if entity is not None and entity.region:
                region = add_entity(graph, entity.region, entities, "region")
                graph.add_edge(node, region, key="in_region", relation="in_region", tip="the plan's region")
    drawn = {data["iri"]: node for node, data in graph.nodes(data=True) if data["kind"] == "region"}
    for iri, node in drawn.items():
        ancestor = parents.get(iri)
        while ancestor is not None and ancestor not in drawn:
            ancestor = parents.get(ancestor)
        if ancestor is not None:
            graph.add_edge(node, drawn[ancestor], key="within", relation="within", tip="within")
    for agency, counts in roles.items():
        summary = ", ".join(f"{role} ×{n}" for role, n in counts.most_common())
        graph.nodes[agency]["rows"] = [("roles in this view", summary)] + graph.nodes[agency]["rows"]
        graph.nodes[agency]["sentences"] = named[agency][:MAX_SENTENCES]
