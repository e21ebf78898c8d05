"""Per-plan counts written with the plan's graph, so that saved queries sum them instead of counting facts.

Each count is a node of the plan's own graph (``res:plan/{id}/count/…``), so replacing or removing the plan
replaces or removes its counts. A count counts *nodes as the graph has them*: a measure is its IRI
(``…/measure/{path}``) and a deadline its IRI (``…/measure/{path}/deadline/{n}``), so two measures the text
numbers alike are one measure here as in the graph, and every count equals a ``COUNT(DISTINCT …)`` over
the plan's raw facts (``tests/test_aggregates.py`` checks it on every seed plan).

* ``airkg:hasPollutantCount``: per pollutant (``airkg:countOf``) and basis (``airkg:basis`` "stated" or
  "inferred"; no basis: either), the measures on it (``airkg:measureCount``).
* ``airkg:hasSectorCount``: per sector stated in a measure (basis "stated"), the measures naming it and how
  many of those have no deadline at all (``airkg:undatedMeasureCount``).
* ``airkg:hasDeadlineCount``: per month (``airkg:month``, the month of a deadline's ``airkg:dueDate``) and
  deadline kind (``airkg:countOf``; no kind: every kind), the deadlines (``airkg:deadlineCount``) and the
  measures having one (``airkg:measureCount``). Undated deadlines (ongoing ones) have no month.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from rdflib import XSD

from kg.models import Plan

_ANY = ""
"""The qualifier of a count over every basis or kind: the node has no ``airkg:basis`` / ``airkg:countOf`` kind."""


class _Writer(Protocol):
    """What :class:`kg.rdf_building._PlanGraphBuilder` offers: IRIs and literals of its sink, and triples."""

    plan_node: Any

    def res(self, local: str) -> Any: ...

    def lit(self, value: Any, lang: str | None = None, datatype: Any = None) -> Any: ...

    def t(self, subject: Any, predicate: str, obj: Any) -> None: ...

    def v(self, subject: Any, predicate: str, value: str | bool | None) -> None: ...


def pollutant_counts(plan: Plan) -> dict[tuple[str, str], int]:
    """(pollutant code, basis or ``""`` for either) → the number of measures on it."""
    measures: dict[tuple[str, str], set[str]] = defaultdict(set)
    for measure in plan.measures:
        for mention in measure.pollutants:
            measures[mention.code, mention.basis.value].add(measure.path)
            measures[mention.code, _ANY].add(measure.path)
    return {key: len(paths) for key, paths in measures.items()}


def sector_counts(plan: Plan) -> dict[str, tuple[int, int]]:
    """Stated sector code → (measures naming it, those of them without any deadline)."""
    dated = {measure.path for measure in plan.measures if measure.deadlines}
    measures: dict[str, set[str]] = defaultdict(set)
    for measure in plan.measures:
        for mention in measure.sectors:
            if mention.basis.value == "stated":
                measures[mention.code].add(measure.path)
    return {code: (len(paths), len(paths - dated)) for code, paths in measures.items()}


def deadline_counts(plan: Plan) -> dict[tuple[str, str], tuple[int, int]]:
    """(month ``YYYY-MM``, deadline kind or ``""`` for every kind) → (deadlines, measures with one)."""
    deadlines: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for measure in plan.measures:
        for index, deadline in enumerate(measure.deadlines, 1):
            if deadline.date is None:
                continue
            month = deadline.date.isoformat()[:7]
            for kind in (deadline.kind.value, _ANY):
                deadlines[month, kind].add((measure.path, index))
    return {key: (len(nodes), len({path for path, _ in nodes})) for key, nodes in deadlines.items()}


def write_aggregates(out: _Writer, plan: Plan) -> None:
    """Write the plan's counts into its graph through ``out`` (the graph builder)."""
    base = f"plan/{plan.id}/count"
    for (code, basis), measures in sorted(pollutant_counts(plan).items()):
        node = _count_node(out, "hasPollutantCount", f"{base}/pollutant/{code}/{basis or 'any'}")
        out.t(node, "countOf", out.res(f"pollutant/{code}"))
        out.v(node, "basis", basis or None)
        out.t(node, "measureCount", out.lit(measures, datatype=XSD.integer))
    for code, (measures, undated) in sorted(sector_counts(plan).items()):
        node = _count_node(out, "hasSectorCount", f"{base}/sector/{code}/stated")
        out.t(node, "countOf", out.res(f"sector/{code}"))
        out.v(node, "basis", "stated")
        out.t(node, "measureCount", out.lit(measures, datatype=XSD.integer))
        out.t(node, "undatedMeasureCount", out.lit(undated, datatype=XSD.integer))
    for (month, kind), (deadlines, measures) in sorted(deadline_counts(plan).items()):
        node = _count_node(out, "hasDeadlineCount", f"{base}/deadlines/{month}/{kind or 'any'}")
        out.t(node, "month", out.lit(month, datatype=XSD.gYearMonth))
        if kind:
            out.t(node, "countOf", out.res(f"deadline-kind/{kind}"))
        out.t(node, "deadlineCount", out.lit(deadlines, datatype=XSD.integer))
        out.t(node, "measureCount", out.lit(measures, datatype=XSD.integer))


def _count_node(out: _Writer, link: str, local: str) -> Any:
    node = out.res(local)
    out.t(out.plan_node, link, node)
    return node
