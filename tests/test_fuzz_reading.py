"""Fuzzing the reader and the extractor: they raise only airkg's own errors, and what they return holds.

* :func:`~kg.extract.reading.document_from_bytes` on arbitrary bytes under every suffix, and on damaged real files
  (a .docx with its XML mangled, a PDF, an HTML page and a GB18030 text with bytes cut, flipped or inserted);
* :func:`~kg.extract.assembly.extract_plan` on arbitrary text and on plan-like text: heading lines 一、 （一） 1．
  （1） ① 第X章 第X条 with random Chinese, parentheses and brackets, 牵头单位：/责任单位： lines, dates, tables.

Whatever does not raise an :class:`~kg.errors.AirkgError` must give spans that reproduce their text.

The runs are deterministic and bounded (the file takes well under 30 s); set ``AIRKG_FUZZ_EXAMPLES=2000``
for a longer, randomly seeded run.
"""

from __future__ import annotations

import io
import os
import zipfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from document_formats import cjk_font, to_docx, to_gb18030, to_html, to_pdf
from kg.errors import AirkgError
from kg.extract.assembly import extract_plan
from kg.models import Plan
from kg.extract.reading import SourceDocument, document_from_bytes

ROOT = Path(__file__).resolve().parent.parent
LONG_RUN = int(os.environ.get("AIRKG_FUZZ_EXAMPLES", "0"))


def fuzz(examples: int):
    return settings(max_examples=LONG_RUN or examples, deadline=None, derandomize=not LONG_RUN,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)


def check_spans(plan: Plan, text: str) -> None:
    if plan.title_span:
        assert text[plan.title_span.start:plan.title_span.end] == plan.title_span.text
    for measure in plan.measures:
        assert text[measure.span.start:measure.span.end] == measure.text
        spans = [a.span for a in measure.agencies] + [d.span for d in measure.deadlines]
        spans += [leader.span for leader in measure.leaders] + [t.span for t in measure.targets]
        spans += [c.span for c in measure.pollutants + measure.sectors if c.span]
        spans += [r.span for r in measure.regions]
        for span in spans:
            assert 0 <= span.start <= span.end <= len(text)
            assert text[span.start:span.end] == span.text, (measure.path, span)
    for target in plan.targets:
        assert text[target.span.start:target.span.end] == target.span.text


def read_and_extract(name: str, data: bytes) -> None:
    """Read and extract; only AirkgError may escape, and a result's spans must hold."""
    try:
        document = document_from_bytes(name, data)
    except AirkgError:
        return
    extract_checked(document)


def extract_checked(document: SourceDocument) -> None:
    try:
        plan = extract_plan(document)
    except AirkgError:
        return
    check_spans(plan, document.text)


def as_document(text: str) -> SourceDocument:
    return SourceDocument(name="fuzz.txt", text=text, sha256="0" * 64, encoding="utf-8", format="txt")


# --------------------------------------------------------------------------- the reader

SUFFIXES = [".txt", ".docx", ".pdf", ".html", ".htm", ".doc", ".TXT", ""]


@fuzz(250)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_reader_on_arbitrary_bytes(data: bytes, suffix: str) -> None:
    read_and_extract(f"fuzz{suffix}", data)


MAGICS = [b"%PDF-1.4\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<html><meta charset=gbk>", b""]


@fuzz(150)
@given(head=st.sampled_from(MAGICS), data=st.binary(max_size=2000), suffix=st.sampled_from(SUFFIXES))
def test_reader_on_bytes_that_start_like_a_format(head: bytes, data: bytes, suffix: str) -> None:
    read_and_extract(f"fuzz{suffix}", head + data)


@fuzz(150)
@given(text=st.text(max_size=800), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-8-sig"]))
def test_reader_on_arbitrary_text_in_each_encoding(text: str, encoding: str) -> None:
    read_and_extract("fuzz.txt", text.encode(encoding, errors="replace"))


@cache
def real_files() -> dict[str, bytes]:
    text = (ROOT / "tests" / "documents" / "layout_bracket_circled.txt").read_text(encoding="utf-8")
    files = {"plan.docx": to_docx(text), "plan.html": to_html(text), "plan.txt": to_gb18030(text)}
    font = cjk_font()
    if font is not None:
        files["plan.pdf"] = to_pdf(text[:1500], font)
    return files


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` cut short, with bytes flipped, inserted or a stretch deleted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        if action == "truncate":
            del out[at:]
        elif action == "flip":
            out[at] = draw(st.integers(0, 255))
        elif action == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del out[at:at + draw(st.integers(1, 512))]
    return bytes(out)


@pytest.mark.parametrize("name", ["plan.txt", "plan.html", "plan.pdf", "plan.docx"])
def test_reader_on_damaged_real_files(name: str) -> None:
    if name not in real_files():
        pytest.skip("no CJK font to make a PDF with: install fonts-wqy-microhei (scripts/setup.sh --system)")
    original = real_files()[name]

    @fuzz(30 if name == "plan.pdf" else 50)
    @given(data=damaged(original))
    def run(data: bytes) -> None:
        read_and_extract(name, data)

    run()


def _rezip(docx: bytes, part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == part else source.read(info.filename))
    return out.getvalue()


XML_BITS = ["<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", "<w:tab/>", "<w:br/>", '<w:br w:type="page"/>',
            "<w:tbl>", "<w:tr>", "<w:tc>", "</w:tc>", "</w:tr>", "</w:tbl>", '<w:numPr><w:ilvl w:val="9"/>'
            '<w:numId w:val="1"/></w:numPr>', "<w:txbxContent>", "</w:txbxContent>", "一、", "（一）", "&amp;", "&#0;"]


@fuzz(50)
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(XML_BITS)), min_size=1, max_size=6),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_reader_on_docx_with_mangled_xml(edits: list[tuple[float, str]], cut: float | None) -> None:
    docx = real_files()["plan.docx"]
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    for where, bit in edits:
        at = int(where * len(xml))
        xml = xml[:at] + bit + xml[at:]
    if cut is not None:
        xml = xml[: int(cut * len(xml))]
    read_and_extract("plan.docx", _rezip(docx, "word/document.xml", xml.encode("utf-8")))


# --------------------------------------------------------------------------- the extractor

CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12)
FRAGMENTS = st.sampled_from([
    "市生态环境局", "县公安局", "省发展改革委", "各县（市、区）人民政府", "洺州、梨园屯、章台镇人民政府", "生态环境部",
    "牵头", "负责", "配合", "参与", "负责落实", "按职责分工负责", "等相关部门", "以下工作均需各市负责，不再一一列出",
    "PM2.5", "PM\n2.5", "VOCs", "臭氧", "氨", "聚氨酯", "钢铁", "水泥", "柴油货车", "锅炉",
    "2024年底前", "6月底前", "2025年前", "每年5—9月", "每年10月至次年3月", "长期坚持", "采暖季前", "“十四五”期间",
    "到2025年", "自2026年1月1日起", "2018—2020年", "年底前", "5—9月", "2023年4月15日前", "较2020年下降10%",
    "不高于42.2微克/立方米", "优良天数比例不低于69.3%", "10蒸吨/小时", "（含）", "（试行）", "《某某方案》",
    "，", "。", "；", "、", "：", "（", "）", "〔", "〕", " ", "　", "\t", "%", "1", "12", "3．",
])
HEADINGS = st.sampled_from([
    "一、", "二、", "十二、", "（一）", "（三）", "(二)", "1．", "2.", "12、", "（1）", "(2)", "①", "⑳", "第一章 ", "第二章",
    "第一条 ", "第十条", "第一节", "1\t", "3\t", "", "  ", "　　",
])
LABELS = st.sampled_from(["牵头单位：", "责任单位：", "配合单位：", "责任领导：", "完成时限：", "主责单位：", "责任部门:"])


@st.composite
def plan_like_line(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(LABELS) + "、".join(draw(st.lists(st.one_of(FRAGMENTS, CHINESE), min_size=0, max_size=3)))
    if kind == 1:
        cells = draw(st.lists(st.one_of(FRAGMENTS, CHINESE, st.just("")), min_size=1, max_size=5))
        return draw(st.sampled_from(["", "序号\t重点任务\t牵头单位\t配合单位\t完成时限\n"])) + "\t".join(cells)
    parts = draw(st.lists(st.one_of(FRAGMENTS, CHINESE), min_size=0, max_size=8))
    clause = draw(st.sampled_from(["", "（{}牵头，{}配合）", "〔{}负责〕", "（{}、{}分工负责，{}负责落实）", "（{}"]))
    names = draw(st.lists(st.one_of(FRAGMENTS, CHINESE), min_size=3, max_size=3))
    return draw(HEADINGS) + "".join(parts) + clause.format(*names)


@st.composite
def plan_like_text(draw: st.DrawFn) -> str:
    title = draw(st.sampled_from(["", "某某市2024年空气质量持续改善行动方案\n", "# source: x\n",
                                  "济宁市人民政府\n2024年9月20日\n", "为深入打好蓝天保卫战，制定本方案。\n"]))
    lines = draw(st.lists(plan_like_line(), min_size=1, max_size=25))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\n\n"]))
    return title + newline.join(lines)


@fuzz(200)
@given(text=plan_like_text())
def test_extractor_on_plan_like_text(text: str) -> None:
    extract_checked(as_document(text))


@fuzz(150)
@given(text=st.text(max_size=600))
def test_extractor_on_arbitrary_text(text: str) -> None:
    extract_checked(as_document(text))


@fuzz(40)
@given(text=plan_like_text(), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_plan_like_text_through_the_reader(text: str, encoding: str) -> None:
    read_and_extract("plan.txt", text.encode(encoding, errors="replace"))
