"""Per-plan counts written at load time (kg/aggregates.py): against counts made by reading a seed, and against
a plain SPARQL COUNT over the raw facts of every seed plan."""

from __future__ import annotations

import pytest

from kg.aggregates import deadline_counts, pollutant_counts
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

    VOCs named in five measures: 二(五) (VOCs去除), 三(一), 三(二), 三(三) and 四(三) (油品VOCs).
    年底前 / 12月底前 (2023-12-31): 二(一) once, 二(二) once, 二(三) twice (确保年底前 …, 年底前，完成142家),
    二(五), 三(一), 三(二), 四(二) and 四(三) once each: nine deadlines in eight measures. June: 6月底前 in 二(三),
    三(二) and 四(二), and 四(三)'s 6—10月份 (during, from June): four deadlines, three of kind by.
    """
    plan = seed_plans[SHANDONG_2023]
    pollutants = pollutant_counts(plan)
    deadlines = deadline_counts(plan)
    assert pollutants["VOCs", "stated"] == 5
    assert deadlines["2023-12", ""] == (9, 8)
    assert deadlines["2023-06", ""] == (4, 4)
    assert deadlines["2023-06", "by"] == (3, 3)
    assert deadlines["2023-06", "during"] == (1, 1)
    assert deadlines["2023-09", ""] == (1, 1)  # 二(二): 9月底前
    assert deadlines["2023-10", ""] == (2, 2)  # 二(三) and 二(五): 10月底前
    assert {month for month, _ in deadlines} == {"2023-06", "2023-09", "2023-10", "2023-12"}


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

_SECTORS_RAW = """
SELECT ?concept (COUNT(?m) AS ?n) (SUM(?undated) AS ?u) WHERE {
  { SELECT DISTINCT ?plan ?m ?concept WHERE { ?m airkg:partOfPlan ?plan ; airkg:statedSector ?concept } }
  BIND(IF(EXISTS { ?m airkg:hasDeadline ?d }, 0, 1) AS ?undated)
} GROUP BY ?concept"""

_SECTORS_STORED = """
SELECT ?concept ?n ?u WHERE {
  GRAPH ?g { ?plan airkg:hasSectorCount ?c . ?c airkg:countOf ?concept ; airkg:basis "stated" ;
             airkg:measureCount ?n ; airkg:undatedMeasureCount ?u }
  FILTER(?g = ?graph)
}"""

_DEADLINES_RAW = """
SELECT ?month ?kind (COUNT(DISTINCT ?d) AS ?n) (COUNT(DISTINCT ?m) AS ?k) WHERE {
  ?m airkg:partOfPlan ?plan ; airkg:hasDeadline ?d .
  ?d airkg:dueDate ?due ; airkg:deadlineKind ?dueKind .
  BIND(SUBSTR(STR(?due), 1, 7) AS ?month)
  VALUES ?everyKind { true false }
  BIND(IF(?everyKind, "", STR(?dueKind)) AS ?kind)
} GROUP BY ?month ?kind"""

_DEADLINES_STORED = """
SELECT ?month ?kind ?n ?k WHERE {
  GRAPH ?g { ?plan airkg:hasDeadlineCount ?c . ?c airkg:month ?monthValue ; airkg:deadlineCount ?n ;
             airkg:measureCount ?k . OPTIONAL { ?c airkg:countOf ?countKind } }
  FILTER(?g = ?graph)
  BIND(STR(?monthValue) AS ?month)
  BIND(COALESCE(STR(?countKind), "") AS ?kind)
}"""


def _as_set(result: QueryResult) -> set[tuple[str, ...]]:
    return {tuple(str(row[name]) for name in result.vars) for row in result.rows}


@pytest.mark.parametrize("plan_id", SEEDS)
@pytest.mark.parametrize("raw, kept", [(_POLLUTANTS_RAW, _POLLUTANTS_STORED), (_SECTORS_RAW, _SECTORS_STORED),
                                       (_DEADLINES_RAW, _DEADLINES_STORED)], ids=["pollutants", "sectors", "deadlines"])
def test_stored_counts_equal_a_count_of_the_raw_facts(seed_store: OxigraphStore, plan_id: str, raw: str,
                                                       kept: str) -> None:
    """The counts the plan's graph holds, against COUNT(DISTINCT …) over its measures and deadlines."""
    bindings = {"plan": plan_iri(plan_id), "graph": plan_graph_iri(plan_id)}
    counted = _as_set(seed_store.query(raw, bindings))
    assert counted, f"{plan_id}: nothing to count, the check would be empty"
    assert _as_set(seed_store.query(kept, bindings)) == counted
