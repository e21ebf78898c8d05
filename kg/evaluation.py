"""Scoring extraction against a golden annotation (``tests/golden/*.json``): precision, recall, F1 per field."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from kg.models import Basis, Plan

FIELDS = ("measures", "agencies", "leaders", "deadlines", "pollutants")


class FieldScore(BaseModel):
    field: str
    true_positives: int
    false_positives: int
    false_negatives: int
    missed: list[str] = []
    spurious: list[str] = []

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_golden(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def score(plan: Plan, golden: dict) -> dict[str, FieldScore]:
    """Compare ``plan`` with ``golden`` field by field (items are multisets keyed by measure path)."""
    extracted, expected = _items_of_plan(plan), _items_of_golden(golden)
    return {name: _compare(name, extracted[name], expected[name]) for name in FIELDS}


def _items_of_plan(plan: Plan) -> dict[str, Counter]:
    items: dict[str, Counter] = {name: Counter() for name in FIELDS}
    for measure in plan.measures:
        items["measures"][measure.path] += 1
        for agency in measure.agencies:
            items["agencies"][f"{measure.path} {agency.name} {agency.role.value}"] += 1
        for leader in measure.leaders:
            items["leaders"][f"{measure.path} {leader.name}"] += 1
        for deadline in measure.deadlines:
            items["deadlines"][f"{measure.path} {deadline.date} {deadline.kind.value}"] += 1
        for pollutant in measure.pollutants:
            if pollutant.basis == Basis.stated:
                items["pollutants"][f"{measure.path} {pollutant.code}"] += 1
    return items


def _items_of_golden(golden: dict) -> dict[str, Counter]:
    items: dict[str, Counter] = {name: Counter() for name in FIELDS}
    for measure in golden["measures"]:
        path = measure["path"]
        items["measures"][path] += 1
        for agency in measure.get("agencies", []):
            items["agencies"][f"{path} {agency['name'].strip()} {agency['role']}"] += 1
        for leader in measure.get("leaders", []):
            items["leaders"][f"{path} {leader}"] += 1
        for deadline in measure.get("deadlines", []):
            items["deadlines"][f"{path} {deadline.get('date')} {deadline['kind']}"] += 1
        for code in set(measure.get("pollutants", [])):
            items["pollutants"][f"{path} {code}"] += 1
    return items


def _compare(name: str, extracted: Counter, expected: Counter) -> FieldScore:
    common = extracted & expected
    spurious = extracted - expected
    missed = expected - extracted
    return FieldScore(
        field=name,
        true_positives=sum(common.values()),
        false_positives=sum(spurious.values()),
        false_negatives=sum(missed.values()),
        missed=sorted(missed.elements()),
        spurious=sorted(spurious.elements()),
    )
