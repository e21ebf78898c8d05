"""Scoring extraction against a golden annotation (``tests/golden/*.json``): precision, recall, F1 per field,
per document, per layout (:func:`layout_of`) and per text variant (:mod:`kg.variants`).

Items are compared as multisets keyed by measure path: a measure by its path, an agency by path, name and role,
a leader by path and name, a deadline by path, date and kind (its words are not compared), a pollutant by path and
code. Names are compared in a folded form (:func:`name_key`: traditional → simplified, full-width → ASCII, no
spaces or line breaks), so that a plan read in traditional characters, whose names are kept as written, scores
against the same golden file.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from kg.errors import DocumentError
from kg.extract.normalising import fold
from kg.extract.reading import SourceDocument, document_from_bytes
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


def name_key(name: str) -> str:
    """The form names are compared in: folded (traditional → simplified, full-width → ASCII), NFKC
    (``（`` → ``(``), without spaces or line breaks (a name a PDF copy wrapped over two lines is one name).

    >>> name_key("牽頭單位（市、區）") == name_key("牵头单位(市、区)") == name_key("牵头\\n单位（市、区）")
    True
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", fold(name)))


def score(plan: Plan | None, golden: dict) -> dict[str, FieldScore]:
    """Compare ``plan`` with ``golden`` field by field (items are multisets keyed by measure path).
    ``None`` stands for a document extraction refused: nothing found."""
    extracted, expected = _items_of_plan(plan), _items_of_golden(golden)
    return {name: _compare(name, extracted[name], expected[name]) for name in FIELDS}


def combine(scores: Iterable[dict[str, FieldScore]]) -> dict[str, FieldScore]:
    """The scores of several documents as one (micro-averaged: true and false positives and negatives summed)."""
    totals = {name: FieldScore(field=name, true_positives=0, false_positives=0, false_negatives=0) for name in FIELDS}
    for document in scores:
        for name, result in document.items():
            total = totals[name]
            total.true_positives += result.true_positives
            total.false_positives += result.false_positives
            total.false_negatives += result.false_negatives
    return totals


def layout_of(source: Path) -> str:
    """The layout a golden document stands for: ``seeds`` for the seed plans; a ``layout_*`` test document's own
    stem; ``real`` for a published plan copied unchanged (its first line says where from: ``# source: …``); else
    the stem without a trailing year (``compare_zibo_2023`` and ``compare_zibo_2024`` are ``compare_zibo``)."""
    if source.parent.name == "seeds":
        return "seeds"
    if source.stem.startswith("layout_"):
        return source.stem
    try:
        with source.open("rb") as opened:
            first_line = opened.readline(200)
    except OSError:
        first_line = b""
    if first_line.lstrip(b"\xef\xbb\xbf").startswith(b"# source:"):
        return "real"
    return re.sub(r"[_-](19|20)\d\d$", "", source.stem)


def _items_of_plan(plan: Plan | None) -> dict[str, Counter]:
    items: dict[str, Counter] = {name: Counter() for name in FIELDS}
    for measure in plan.measures if plan is not None else []:
        items["measures"][measure.path] += 1
        for agency in measure.agencies:
            items["agencies"][f"{measure.path} {name_key(agency.name)} {agency.role.value}"] += 1
        for leader in measure.leaders:
            items["leaders"][f"{measure.path} {name_key(leader.name)}"] += 1
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
            items["agencies"][f"{path} {name_key(agency['name'])} {agency['role']}"] += 1
        for leader in measure.get("leaders", []):
            items["leaders"][f"{path} {name_key(leader)}"] += 1
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


# --------------------------------------------------------------------------- running the evaluation


class DocumentScores(BaseModel):
    """One golden document (or one variant of it) extracted and scored."""

    golden: str = Field(description="The golden file's stem.")
    layout: str
    variant: str | None = None
    scores: dict[str, FieldScore]
    refused: str | None = Field(None, description="Why extraction refused the document (then nothing was found).")


def golden_sources(golden: Path, documents: Iterable[Path]) -> list[tuple[str, dict, Path | None]]:
    """(golden stem, annotation, source document or None when not found) for every ``golden/*.json``."""
    folders = list(documents)
    found = []
    for golden_file in sorted(golden.glob("*.json")):
        annotation = load_golden(golden_file)
        source = next((folder / annotation["document"] for folder in folders
                       if (folder / annotation["document"]).exists()), None)
        found.append((golden_file.stem, annotation, source))
    return found


def score_document(document: SourceDocument, annotation: dict, stem: str, layout: str,
                   variant: str | None = None) -> DocumentScores:
    """Extract ``document`` and score it against ``annotation``; a refusal scores as nothing found."""
    from kg.extract.assembly import extract_plan

    try:
        plan, refused = extract_plan(document), None
    except DocumentError as error:
        plan, refused = None, str(error)
    return DocumentScores(golden=stem, layout=layout, variant=variant, scores=score(plan, annotation),
                          refused=refused)


def score_variants(base: SourceDocument, annotation: dict, stem: str, layout: str) -> list[DocumentScores]:
    """Every text variant of ``base`` that applies (:func:`kg.variants.text_variants`), extracted and scored."""
    from kg.variants import text_variants

    results = []
    for variant in text_variants(base.text):
        try:
            document = document_from_bytes(base.name, variant.text.encode("utf-8"))
        except DocumentError as error:
            results.append(DocumentScores(golden=stem, layout=layout, variant=variant.name,
                                          scores=score(None, annotation), refused=str(error)))
            continue
        results.append(score_document(document, annotation, stem, layout, variant.name))
    return results
