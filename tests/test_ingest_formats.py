"""Every format airkg reads gives the same plan as the .txt it was made from.

The .docx, .pdf, .html and GB18030 files are made from each seed and test document inside the test
(``tests/document_formats.py`` says how). For each: the same measure paths with the same agencies and roles,
the same title, region, level and year; every span indexes the text read from that file; and that text is the
``airkg:fullText`` stored in the graph.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rdflib import Literal

from document_formats import cjk_font, to_chromium_pdf, to_docx, to_gb18030, to_html, to_pdf
from kg.extract.assembly import extract_plan
from kg.loading import extract_document, ingest_bytes
from kg.models import Plan
from kg.rdf_building import AIRKG
from kg.source_spans import parse_span
from kg.extract.reading import document_from_bytes, read_document
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "documents").glob("*.txt"))


def _pdf(text: str) -> bytes:
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font to make a PDF with: install fonts-wqy-microhei (scripts/setup.sh --system)")
    return to_pdf(text, font)


FORMATS = {
    "docx": to_docx,
    "pdf": _pdf,
    "html": to_html,
    "gb18030.txt": to_gb18030,
    "utf8-bom.txt": lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"),
    "utf16.txt": lambda text: text.encode("utf-16"),
    "utf16le-no-bom.txt": lambda text: text.encode("utf-16-le"),
}


def _cases() -> list:
    return list(_each_case())


def _each_case():
    for source in SOURCES:
        for fmt in FORMATS:
            yield pytest.param(source, fmt, id=f"{source.stem[:20]}-{fmt}")


def _measures(plan: Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(m.path, sorted((a.name, a.role.value) for a in m.agencies)) for m in plan.measures]


def _spans_index(plan: Plan, text: str) -> None:
    if plan.title_span:
        assert text[plan.title_span.start:plan.title_span.end] == plan.title_span.text
    for measure in plan.measures:
        assert text[measure.span.start:measure.span.end] == measure.text == measure.span.text
        spans = [a.span for a in measure.agencies] + [d.span for d in measure.deadlines]
        spans += [leader.span for leader in measure.leaders] + [t.span for t in measure.targets]
        spans += [c.span for c in measure.pollutants + measure.sectors if c.span]
        for span in spans:
            assert text[span.start:span.end] == span.text, (measure.path, span)


@pytest.fixture(scope="module")
def txt_plans() -> dict[str, Plan]:
    return {source.stem: extract_plan(read_document(source)) for source in SOURCES}


@pytest.mark.parametrize(("source", "fmt"), _cases())
def test_format_gives_the_same_plan_as_the_txt(source: Path, fmt: str, txt_plans: dict[str, Plan]) -> None:
    text = read_document(source).text
    name = f"{source.stem}.{fmt.rsplit('.', 1)[-1]}"
    document = document_from_bytes(name, FORMATS[fmt](text))
    plan = extract_plan(document)
    expected = txt_plans[source.stem]
    assert _measures(plan) == _measures(expected)
    assert (plan.title, plan.region, plan.level, plan.year) == (expected.title, expected.region, expected.level,
                                                                expected.year)
    _spans_index(plan, document.text)
    if fmt.endswith(".txt") or fmt == "docx":
        assert document.text == text  # lossless formats give back the very text


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_the_stored_full_text_is_the_text_the_spans_index(fmt: str) -> None:
    source = ROOT / "seeds" / "001_2b08b5de9d9ff43a.txt"
    data = FORMATS[fmt](read_document(source).text)
    document = document_from_bytes(f"plan001.{fmt}", data)
    store = OxigraphStore(None)
    ingest_bytes(store, f"plan001.{fmt}", data)
    rows = store.query(f"SELECT ?text WHERE {{ ?doc <{AIRKG.fullText}> ?text }}").rows
    assert [row["text"] for row in rows] == [Literal(document.text)]
    rows = store.query(f"SELECT ?span ?said WHERE {{ ?fact <{AIRKG.source}> ?span ; <{AIRKG.text}> ?said }}").rows
    assert len(rows) > 20
    for row in rows:
        span = parse_span(row["span"])
        assert document.text[span.start:span.end] == str(row["said"])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (scripts/setup.sh --system installs it)")
@pytest.mark.parametrize("stem", ["001_2b08b5de9d9ff43a", "002_833ca56d4879db5a", "layout_duty_lines"])
def test_a_pdf_printed_by_chromium_gives_the_same_plan(stem: str, tmp_path: Path, txt_plans: dict[str, Plan]) -> None:
    source = next(path for path in SOURCES if path.stem == stem)
    document = document_from_bytes(f"{stem}.pdf", to_chromium_pdf(read_document(source).text, CHROMIUM, tmp_path))
    plan = extract_plan(document)
    assert _measures(plan) == _measures(txt_plans[stem])
    _spans_index(plan, document.text)


# --------------------------------------------------------------------------- .docx beyond plain paragraphs


def _numbered_docx(lines: list[tuple[int | None, str]]) -> bytes:
    """A .docx whose headings are Word list paragraphs (numbers typed by Word, not in the text):
    level 0 '一、', level 1 '（一）', level 2 '1．'."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3．")]
    level_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:suff w:val="nothing"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {w} w:abstractNumId="90">{level_xml}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in lines:
        paragraph = document.add_paragraph(text)
        if level is not None:
            ppr = paragraph._p.get_or_add_pPr()
            ppr.append(parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_with_word_list_numbering_gives_the_numbers() -> None:
    lines = [
        (None, "某某市2024年大气污染防治工作方案"),
        (None, "为持续改善环境空气质量，制定本方案。"),
        (0, "重点任务"),
        (1, "推进工业污染治理"),
        (2, "开展钢铁行业超低排放改造。2024年底前完成。（市生态环境局牵头，市工业和信息化局配合）"),
        (2, "整治涉VOCs企业。2024年6月底前完成排查。（市生态环境局负责）"),
        (1, "加强移动源管控"),
        (2, "淘汰国三及以下柴油货车。（市公安局交警支队牵头，市交通运输局配合）"),
        (0, "保障措施"),
        (1, "加强组织领导。各区要落实属地责任。"),
    ]
    document = document_from_bytes("numbered.docx", _numbered_docx(lines))
    assert "一、重点任务\n（一）推进工业污染治理\n1．开展钢铁行业" in document.text
    assert "2．整治涉VOCs企业" in document.text and "（二）加强移动源管控\n1．淘汰" in document.text
    assert "二、保障措施\n（一）加强组织领导" in document.text
    plan = extract_plan(document)
    assert [m.path for m in plan.measures] == ["1.1.1", "1.1.2", "1.2.1", "2.1"]
    assert ("市生态环境局", "lead") in _measures(plan)[0][1]


def test_docx_table_in_the_middle_keeps_its_place() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("前言段落说明本方案的编制依据和适用范围")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "甲单元", "乙单元"
    merged = document.add_table(rows=2, cols=2)
    merged.cell(0, 0).merge(merged.cell(1, 0)).text = "合并"
    document.add_paragraph("结尾段落写明本方案自印发之日起施行")
    out = io.BytesIO()
    document.save(out)
    text = document_from_bytes("t.docx", out.getvalue()).text
    assert text.split("\n") == ["前言段落说明本方案的编制依据和适用范围", "甲单元\t乙单元", "合并\t", "\t",
                                "结尾段落写明本方案自印发之日起施行"]


# --------------------------------------------------------------------------- .html beyond the plain page


def test_html_in_utf8_without_declaration_and_inline_markup() -> None:
    page = ("<html><body><div><p>一、<b>重点</b><a href='#'>任务</a></p><p>（一）加强<span>工业</span>"
            "治理。<br/>（市生态环境局牵头）</p><!-- 注释不是正文 --><p>&#x4E8C;、保障</p></div></body></html>")
    text = document_from_bytes("p.html", (page * 5).encode("utf-8")).text
    assert text.split("\n")[:4] == ["一、重点任务", "（一）加强工业治理。", "（市生态环境局牵头）", "二、保障"]
    assert "注释" not in text


def test_pdf_text_is_reflowed_into_paragraphs() -> None:
    source = ROOT / "seeds" / "000_aa781de31b5c5cff.txt"
    text = read_document(source).text
    document = document_from_bytes("000.pdf", _pdf(text))
    long_line = next(line for line in text.split("\n") if line.startswith("（一）推动全省钢铁企业"))
    assert long_line in document.text  # printed over several lines, read back as one
