"""Per-plan counts written with the plan's graph, for queries to sum instead of counting facts.

Each count is a node of the plan's own graph (``res:plan/{id}/count/…``), so replacing or removing the plan
replaces or removes its counts. A count counts *nodes as the graph has them*: a measure is its IRI
(``…/measure/{path}``), so two measures the text numbers alike are one measure here as in the graph, and
every count equals a ``COUNT(DISTINCT …)`` over the plan's raw facts (``tests/test_aggregates.py`` checks it on every seed plan).

* ``airkg:hasPollutantCount``: per pollutant (``airkg:countOf``) and basis (``airkg:basis`` "stated" or
  "inferred"; no basis: either), the measures on it (``airkg:measureCount``).

Per-month deadline counts and per-sector counts of undated measures were tried for ``deadlines-per-month``
and ``sectors-without-deadlines`` and summing them was slower than counting the facts (1.3x and 2x at 1,000
plans), so they are not written. Summing the pollutant counts made ``pollutant-coverage`` faster for the whole
country (0.58x) but 7x slower for one province, so no saved query reads them yet (``BENCHMARKS.md``,
"Aggregates written at load time").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from rdflib import XSD

from kg.models import Plan

_ANY = ""
"""The basis of a count over either basis: the node has no ``airkg:basis``."""


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


def write_aggregates(out: _Writer, plan: Plan) -> None:
    """Write the plan's counts into its graph through ``out`` (the graph builder)."""
    base = f"plan/{plan.id}/count"
    for (code, basis), measures in sorted(pollutant_counts(plan).items()):
        node = out.res(f"{base}/pollutant/{code}/{basis or 'any'}")
        out.t(out.plan_node, "hasPollutantCount", node)
        out.t(node, "countOf", out.res(f"pollutant/{code}"))
        out.v(node, "basis", basis or None)
        out.t(node, "measureCount", out.lit(measures, datatype=XSD.integer))
