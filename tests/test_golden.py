"""Extraction against the hand-made golden annotations (tests/golden/README.md says how they were made)."""

from __future__ import annotations

import pytest

from kg.evaluation import load_golden, score
from kg.extract.assembly import extract_plan
from kg.extract.reading import read_document
from tests.conftest import GOLDEN, source_of

GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))
HELD_FIELDS = ("measures", "agencies", "leaders", "deadlines", "pollutants")


@pytest.fixture(scope="module", params=GOLDEN_FILES, ids=lambda path: path.stem)
def scored(request: pytest.FixtureRequest):
    golden = load_golden(request.param)
    plan = extract_plan(read_document(source_of(golden["document"])))
    return plan, golden, score(plan, golden)


def test_there_is_a_golden_file_per_seed_and_test_document() -> None:
    stems = {path.stem for path in GOLDEN_FILES}
    assert {"000_aa781de31b5c5cff", "001_2b08b5de9d9ff43a", "002_833ca56d4879db5a", "003_922dca89c0e37589",
            "004_686603e2450627ea", "guofa_2023_24_air_quality_plan"} <= stems
    assert len(stems) >= 10


@pytest.mark.parametrize("field", HELD_FIELDS)
def test_f1_at_least_095(scored, field: str) -> None:
    _, _, scores = scored
    result = scores[field]
    assert result.f1 >= 0.95, (
        f"{field}: P={result.precision:.3f} R={result.recall:.3f}; missed {result.missed[:10]}, "
        f"spurious {result.spurious[:10]}"
    )


def test_measure_paths_in_document_order(scored) -> None:
    plan, golden, _ = scored
    assert [m.path for m in plan.measures] == [m["path"] for m in golden["measures"]]


def test_plan_header_matches_golden(scored) -> None:
    plan, golden, _ = scored
    expected = golden["plan"]
    assert plan.title == expected["title"]
    assert plan.year == expected["year"]
    assert plan.level is not None and plan.level.value == expected["level"]
    assert plan.region is not None and plan.region.name == expected["region"]
