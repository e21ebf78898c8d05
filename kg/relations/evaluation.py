"""Lineage against the links annotated by reading (``tests/golden/relations/lineage.json``): precision and recall
per method and threshold, over the annotated pairs of plans (every pairing not annotated as a link is a non-link).
A lower plan is compared with all its annotated higher plans at once, as the relations graph compares it with its
higher plans (:func:`~kg.relations.lineage.lineage_over`: a measure keeps its best links over all of them); the
annotated higher plans of each lower plan are its higher plans in the store (``tests/test_relations.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from kg.evaluation import FieldScore
from kg.relations.features import read_measures, read_plans
from kg.relations.lineage import MOST_PER_MEASURE, PreparedCache, lineage_over
from kg.relations.matching import CHOSEN, THRESHOLDS, PairScorer, candidates
from kg.store import Store

METHODS = ("tfidf", "codes", "hybrid")
GRID = tuple(round(0.02 * i, 2) for i in range(3, 26))


class LineageScore(FieldScore):
    """Lineage links found against those annotated, for one method at one threshold."""

    method: str
    threshold: float
    field: str = "lineage"
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0


def load_lineage_golden(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["pairs"]


def documents_of(pairs: Iterable[dict]) -> set[str]:
    return {pair[side] for pair in pairs for side in ("lower", "higher")}


def score_lineage(store: Store, pairs: Sequence[dict], method: str, threshold: float,
                  most: int | None = MOST_PER_MEASURE) -> LineageScore:
    """Links found by ``method`` at ``threshold`` (at most ``most`` a measure over its annotated higher plans)
    against the annotated ones, over the annotated plan pairs."""
    ids = sorted(documents_of(pairs))
    missing = set(ids) - set(read_plans(store, ids))
    if missing:
        raise KeyError(f"plans not in the store: {', '.join(sorted(missing))}")
    prepared = PreparedCache(read_measures(store, ids))
    result = LineageScore(method=method, threshold=threshold)
    found_by_pair: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for lower in sorted({pair["lower"] for pair in pairs}):
        highers = sorted({pair["higher"] for pair in pairs if pair["lower"] == lower})
        for higher, m in lineage_over(prepared[lower], [(h, prepared[h]) for h in highers], method, threshold,
                                      most=most):
            found_by_pair.setdefault((lower, higher), set()).add((m.lower.measure.path, m.higher.measure.path))
    for pair in pairs:
        gold = {(link["lower"], link["higher"]) for link in pair["links"]}
        found = found_by_pair.get((pair["lower"], pair["higher"]), set())
        tag = f"{pair['lower']} → {pair['higher']}"
        result.true_positives += len(found & gold)
        result.false_positives += len(found - gold)
        result.false_negatives += len(gold - found)
        result.missed += [f"{tag} {a} → {b}" for a, b in sorted(gold - found)]
        result.spurious += [f"{tag} {a} → {b}" for a, b in sorted(found - gold)]
    return result


def blocking_recall(store: Store, pairs: Sequence[dict]) -> tuple[int, int, int]:
    """(annotated links, of them among the blocked candidates, candidate pairs compared)."""
    ids = sorted(documents_of(pairs))
    prepared = PreparedCache(read_measures(store, ids))
    links = kept = compared = 0
    for pair in pairs:
        lower, higher = prepared[pair["lower"]], prepared[pair["higher"]]
        blocked = {(a.measure.path, b.measure.path) for a, b in candidates(lower, higher)}
        compared += len(blocked)
        gold = {(link["lower"], link["higher"]) for link in pair["links"]}
        links += len(gold)
        kept += len(gold & blocked)
    return links, kept, compared


def sweep(store: Store, pairs: Sequence[dict]) -> list[LineageScore]:
    """Every method at every threshold of :data:`GRID`, and each at its threshold in use."""
    scores = [score_lineage(store, pairs, method, threshold) for method in METHODS for threshold in GRID]
    return scores


def chosen(store: Store, pairs: Sequence[dict]) -> LineageScore:
    return score_lineage(store, pairs, CHOSEN, THRESHOLDS[CHOSEN])


__all__ = ["METHODS", "GRID", "LineageScore", "PairScorer", "blocking_recall", "chosen", "load_lineage_golden",
           "score_lineage", "sweep"]
