"""The metamorphic robustness suite: every golden document rewritten (``tests/variants.py``: traditional or
simplified characters, no line breaks, inline numbering, page-number noise, indented, double-spaced or hard-wrapped
lines, full-width and half-width forms, spaced digits, wrapped table cells, several at once, ``.docx``, ``.pdf`` and
``.html`` renderings) must give the facts of its BASE golden annotation, F1 ≥ 0.97 per field, and every span of what
is extracted must index the variant's own text as read.

Names are compared folded (``kg.evaluation.name_key``), so a traditional variant's names, kept as written, match
the golden's; deadlines by date and kind. ``airkg evaluate --variants`` prints the same figures per variant.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pytest
from pydantic import BaseModel

from kg.errors import DocumentError
from kg.evaluation import FieldScore, layout_of, load_golden, score
from kg.extract.assembly import extract_plan
from kg.extract.normalising import fold
from kg.extract.reading import SourceDocument, document_from_bytes
from kg.models import Plan, Span
from kg.variants import TEXT_VARIANTS, make_variant, text_variants
from tests.conftest import GOLDEN, source_of
from tests.variants import Variant, base_document, variants_of

GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))
HELD_FIELDS = ("measures", "agencies", "deadlines", "pollutants")
BAR = 0.97


def _cases() -> list:
    cases = []
    for path in GOLDEN_FILES:
        source = source_of(load_golden(path)["document"])
        for variant in variants_of(source):
            marks = [pytest.mark.slow] if variant.slow else []
            cases.append(pytest.param((path, variant), id=f"{path.stem}-{variant.name}", marks=marks))
    return cases


@dataclass
class Extracted:
    variant: Variant
    document: SourceDocument | None
    plan: Plan | None
    refused: str | None
    scores: dict[str, FieldScore]


@pytest.fixture(scope="module", params=_cases())
def extracted(request: pytest.FixtureRequest) -> Extracted:
    """One variant of one golden document, read, extracted and scored once for all its tests."""
    path, variant = request.param
    if variant.unavailable:
        pytest.skip(variant.unavailable)
    golden = load_golden(path)
    document = plan = refused = None
    try:
        document = variant.read()
        plan = extract_plan(document)
    except DocumentError as error:
        refused = str(error)
    return Extracted(variant, document, plan, refused, score(plan, golden))


@pytest.mark.parametrize("field", HELD_FIELDS)
def test_variant_gives_the_facts_of_its_base(extracted: Extracted, field: str) -> None:
    assert extracted.refused is None, f"{extracted.variant.name}: refused: {extracted.refused}"
    result = extracted.scores[field]
    assert result.f1 >= BAR, (
        f"{extracted.variant.name} {field}: P={result.precision:.3f} R={result.recall:.3f} F1={result.f1:.3f}; "
        f"missed {result.missed[:8]}, spurious {result.spurious[:8]}"
    )


def test_spans_index_the_variants_own_text(extracted: Extracted) -> None:
    assert extracted.refused is None, f"{extracted.variant.name}: refused: {extracted.refused}"
    text = extracted.document.text
    wrong = [(where, span.start, span.end, span.text, text[span.start:span.end])
             for where, span in _spans(extracted.plan, "plan") if text[span.start:span.end] != span.text]
    assert not wrong, f"{len(wrong)} spans do not reproduce their text, e.g. {wrong[:5]}"


def _spans(value: object, where: str):
    """(where, span) for every Span inside ``value``, a model, a list or a dict."""
    if isinstance(value, Span):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _spans(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _spans(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _spans(item, f"{where}[{key}]")


# --------------------------------------------------------------------------- the generator itself

#: Characters a variant rewrites into others that say the same (1． → 1、, 牵头单位 → 牵头部门).
_REWORDED = {"arabic_comma": (".．", "、"), "label_synonyms": ("单位部门配合协办", "单位部门配合协办")}


def _same(a: str, b: str, variant: str) -> bool:
    if variant in _REWORDED and a in _REWORDED[variant][0] and b in _REWORDED[variant][1]:
        return True
    return unicodedata.normalize("NFKC", fold(a)) == unicodedata.normalize("NFKC", fold(b))


@pytest.mark.parametrize("golden", GOLDEN_FILES, ids=lambda path: path.stem)
def test_offset_maps_point_at_each_characters_rewrite(golden) -> None:
    base = base_document(source_of(load_golden(golden)["document"]))
    for variant in text_variants(base.text):
        assert len(variant.offsets) == len(base.text) + 1 and variant.offsets[-1] == len(variant.text)
        wrong = [(index, char, variant.text[variant.offset(index)]) for index, char in enumerate(base.text)
                 if variant.kept[index] and not (_same(char, variant.text[variant.offset(index)], variant.name)
                                                 or (char == "\n" and variant.text[variant.offset(index)] == " "))]
        assert not wrong, f"{variant.name}: {wrong[:5]}"
        read = document_from_bytes(base.name, variant.text.encode("utf-8")).text
        assert read == variant.text, f"{variant.name}: reading changes the variant's text"


def test_each_variant_does_what_it_says() -> None:
    text = ("一、总体要求\n到2025年，PM2.5浓度下降。\n\n二、重点任务\n1．严格准入（牵头单位：市发展改革委）。\n"
            "2．加强监管，2023年10月底前完成。\n序号\t任务\t牵头单位\n"
            "1\t推进涉VOCs重点企业分级管控，对全区汽车制造、家具制造、印刷企业开展分级评估。\t市生态环境局\n")
    variant = {name: make_variant(name, text) for name in TEXT_VARIANTS}
    assert "牽頭單位" in variant["traditional"].text and len(variant["traditional"].text) == len(text)
    assert make_variant("simplified", variant["traditional"].text).text == text
    assert "\n" not in variant["flattened"].text and "PM2.5" in variant["flattened"].text
    combined = variant["combined"].text
    assert "\n" not in combined and "牽頭單位" in combined and "到 2025 年" in combined
    assert "下降。二、重点任务1．严格准入" in variant["inline_numbering"].text
    indented = variant["indented"].text
    assert "\n\u3000\u3000二、重点任务\n" in indented and "\n\u3000\u3000序号" not in indented
    spaced = variant["double_spaced"].text
    assert "总体要求\n\n到2025" in spaced and "下降。\n\n二、" in spaced and "\t牵头单位\n1\t" in spaced
    wrapped_lines = make_variant("hard_wrapped", "一、" + "加强管理，" * 30).text.split("\n")
    assert len(wrapped_lines) == 5 and all(line[0] != "，" for line in wrapped_lines)
    assert all(len(line) <= 36 for line in wrapped_lines)
    assert "\n序号\t" in variant["inline_numbering"].text  # a table row is left alone
    assert "２０２５" in variant["fullwidth"].text and "ＰＭ２.５" in variant["fullwidth"].text
    assert "(牵头单位：市发展改革委)" in variant["halfwidth"].text and "1.严格" in variant["halfwidth"].text
    ascii_text = variant["ascii_punctuation"].text
    assert "(牵头单位:市发展改革委)" in ascii_text and "到2025年,PM2.5" in ascii_text
    assert "\n1、严格准入" in variant["arabic_comma"].text and "\n2、加强" in variant["arabic_comma"].text
    assert "（牵头部门：市发展改革委）" not in variant["label_synonyms"].text  # inside a parenthesis: left alone
    assert "序号\t任务\t牵头部门\n" in make_variant("label_synonyms", text).text
    assert make_variant("label_synonyms", "牵头单位：各牵头单位\n").text == "牵头部门：各牵头单位\n"
    assert "到 2025 年" in variant["spaced_digits"].text and "2023 年 10 月底前" in variant["spaced_digits"].text
    wrapped = variant["wrapped_table"].text.split("\n")
    row = next(index for index, line in enumerate(wrapped) if line.startswith("1\t"))
    assert wrapped[row].endswith("\t市生态环境局") and wrapped[row + 1].startswith("\t")
    assert all(len(cell) <= 20 for line in wrapped[row:] for cell in line.split("\t"))
    long_text = "".join(f"{number}．第{number}项任务。" + "加强管理。" * 60 + "\n" for number in range(1, 13))
    noisy = make_variant("page_noise", long_text).text
    assert re.search(r"。\n— 1 —\d+．第", noisy) and re.search(r"。\n- 2 -\n\d+．第", noisy)
    assert re.search(r"。— 1 —\d+．第", make_variant("combined", long_text).text)
    assert re.search(r"加强管\n— 1 —\n理。", make_variant("pdf_text_copy", long_text).text)  # inside a paragraph
    start, end = variant["spaced_digits"].span(text.index("2023"), text.index("底前") + 2)
    assert variant["spaced_digits"].text[start:end] == "2023 年 10 月底前"


# --------------------------------------------------------------------------- airkg evaluate

@pytest.mark.slow
def test_evaluate_prints_documents_layouts_and_variants(tmp_path) -> None:
    """On three golden files (a seed, a table layout, the real national plan) to keep it short."""
    import shutil
    import subprocess
    import sys

    from kg.evaluation import FIELDS
    from tests.conftest import DOCUMENTS, ROOT, SEEDS

    chosen = [GOLDEN / f"{stem}.json" for stem in ("000_aa781de31b5c5cff", "layout_table",
                                                      "guofa_2023_24_air_quality_plan")]
    for path in chosen:
        shutil.copy(path, tmp_path / path.name)
    result = subprocess.run([sys.executable, "-m", "kg.cli", "evaluate", "--variants", "--golden", str(tmp_path),
                             "--documents", str(SEEDS), "--documents", str(DOCUMENTS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert {line.split()[0] for line in lines if line.startswith("[")} == {"[seeds]", "[layout_table]", "[real]"}
    for path in chosen:
        assert sum(1 for line in lines if line.startswith(path.stem[:34] + " ")) == len(FIELDS)
    rows = {(line.split()[0], line.split()[1]): line.split() for line in lines
            if line.split() and line.split()[0] in TEXT_VARIANTS}
    printed = {variant for variant, _ in rows}
    assert {"traditional", "flattened", "inline_numbering", "page_noise", "spaced_digits", "combined",
            "wrapped_table"} <= printed <= set(TEXT_VARIANTS)
    assert len(rows) == len(printed) * len(FIELDS)
    for (variant, field), columns in rows.items():
        assert field in FIELDS and all(0.0 <= float(value) <= 1.0 for value in columns[2:5]), columns
