"""Per-plan counts written at load time (kg/aggregates.py): against counts made by reading a seed, and against
a plain SPARQL COUNT over the raw facts of every seed plan."""

from __future__ import annotations

import pytest

from kg.aggregates import pollutant_counts
from kg.extract.reading import SourceDocument
from kg.models import Plan
from kg.rdf_building import plan_graph_iri, plan_iri, plan_nquads
from kg.store import OxigraphStore, QueryResult

SHANDONG_2023 = "000_aa781de31b5c5cff"
SEEDS = ("000_aa781de31b5c5cff", "001_2b08b5de9d9ff43a", "002_833ca56d4879db5a", "003_922dca89c0e37589",
         "004_686603e2450627ea")


# --------------------------------------------------------------------------- counted by reading the seed


def test_shandong_2023_counts_are_those_read_in_the_document(seed_plans: dict[str, Plan]) -> None:
    """山东省2023年大气环境质量巩固提升行动方案 (seeds/000_…), read by hand.

    VOCs (or 挥发性有机物) is named in five measures: 二(五) (VOCs去除), 三(一), 三(二), 三(三) and 四(三)
    (油品VOCs). PM2.5 is named only in the plan's 主要目标, in no measure. 扬尘 is named in one, 五(三).
    """
    counts = pollutant_counts(seed_plans[SHANDONG_2023])
    assert counts["VOCs", "stated"] == 5
    assert ("PM2.5", "stated") not in counts
    assert counts["dust", "stated"] == 1
    # Either basis: the stated ones and those a named sector implies, a measure once.
    assert counts["VOCs", ""] == counts["VOCs", "stated"] + counts["VOCs", "inferred"]


def test_counts_come_with_the_plan_through_both_writers(seed_plans: dict[str, Plan],
                                                        seed_documents: dict[str, SourceDocument]) -> None:
    plan = seed_plans[SHANDONG_2023]
    data, _ = plan_nquads(plan, seed_documents[SHANDONG_2023].text)
    assert (f"<https://airkg.example.org/id/plan/{SHANDONG_2023}/count/pollutant/VOCs/stated> "
            "<https://airkg.example.org/ontology#measureCount> "
            '"5"^^<http://www.w3.org/2001/XMLSchema#integer>').encode() in data


# --------------------------------------------------------------------------- counts against the raw facts

_POLLUTANTS_RAW = """
SELECT ?concept ?basis (COUNT(DISTINCT ?m) AS ?n) WHERE {
  { VALUES (?basis ?p) { ("stated" airkg:statedPollutant) ("inferred" airkg:inferredPollutant) }
    ?m airkg:partOfPlan ?plan ; ?p ?concept }
  UNION
  { ?m airkg:partOfPlan ?plan ; airkg:statedPollutant|airkg:inferredPollutant ?concept . BIND("" AS ?basis) }
} GROUP BY ?concept ?basis"""

_POLLUTANTS_STORED = """
SELECT ?concept ?basis ?n WHERE {
  GRAPH ?g { ?plan airkg:hasPollutantCount ?c . ?c airkg:countOf ?concept ; airkg:measureCount ?n .
             OPTIONAL { ?c airkg:basis ?b } }
  FILTER(?g = ?graph)
  BIND(COALESCE(?b, "") AS ?basis)
}"""

def _as_set(result: QueryResult) -> set[tuple[str, ...]]:
    return {tuple(str(row[name]) for name in result.vars) for row in result.rows}


@pytest.mark.parametrize("plan_id", SEEDS)
def test_stored_counts_equal_a_count_of_the_raw_facts(seed_store: OxigraphStore, plan_id: str) -> None:
    """The counts the plan's graph holds, against COUNT(DISTINCT …) over its measures' pollutants."""
    bindings = {"plan": plan_iri(plan_id), "graph": plan_graph_iri(plan_id)}
    counted = _as_set(seed_store.query(_POLLUTANTS_RAW, bindings))
    assert counted, f"{plan_id}: nothing to count, the check would be empty"
    assert _as_set(seed_store.query(_POLLUTANTS_STORED, bindings)) == counted
