"""``airkg ingest`` and ``airkg remove`` as a user runs them: formats, flags, summaries, replacement without
stale triples, idempotence, and every kind of bad input refused with one line, exit status 2 and the store
unchanged.

The command runs in-process through :func:`kg.cli.main` (the console script's entry point, with its error
handling); one test runs the real executable in a subprocess.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from document_formats import cjk_font, to_docx, to_gb18030, to_html, to_pdf
from kg.cli import main
from kg.rdf_building import AIRKG, measure_iri, plan_graph_iri, plan_iri, region_iri
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "tests" / "documents"
SEEDS = ROOT / "seeds"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def messages(self) -> list[str]:
        """stderr lines that are messages (not the progress bar)."""
        return [line for line in self.err.replace("\r", "\n").splitlines() if line.startswith("airkg:")]


def airkg(*args: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["airkg", *map(str, args)]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        sys.argv = argv
    return Run(code, out.getvalue(), err.getvalue())


def graphs(store: Path) -> dict[str, object]:
    """The store's named graphs as rdflib graphs."""
    with OxigraphStore(store) as opened:
        dataset = opened.dataset()
    return {str(graph.identifier): graph for graph in dataset.graphs() if isinstance(graph.identifier, URIRef)
            and len(graph)}


def same_content(a: dict, b: dict) -> bool:
    """Graph by graph: equal triple sets, or isomorphic where blank nodes are involved."""
    if a.keys() != b.keys():
        return False
    for iri in a:
        left, right = set(a[iri]), set(b[iri])
        if left != right and not isomorphic(a[iri], b[iri]):
            return False
    return True


def fingerprint(store: Path) -> tuple[int, list[str], str]:
    """Triple count, graph IRIs and a hash of every triple without blank nodes."""
    with OxigraphStore(store) as opened:
        lines = sorted(line for line in opened.export("nquads").decode("utf-8").splitlines() if "_:" not in line)
        return opened.triple_count(), opened.graph_iris(), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def ask(store: Path, query: str) -> list[dict]:
    with OxigraphStore(store) as opened:
        return opened.query(query).rows


# --------------------------------------------------------------------------- formats, summary, progress


def test_ingest_a_folder_of_mixed_formats(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    text = (DOCUMENTS / "layout_bracket_circled.txt").read_text(encoding="utf-8")
    (folder / "weixian.docx").write_bytes(to_docx(text))
    (folder / "xuzhou.html").write_bytes(to_html((DOCUMENTS / "layout_duty_lines.txt").read_text(encoding="utf-8")))
    (folder / "baiyun.txt").write_bytes(to_gb18030((DOCUMENTS / "layout_table.txt").read_text(encoding="utf-8")))
    (folder / "README.md").write_text("notes", encoding="utf-8")
    (folder / "~$weixian.docx").write_bytes(b"\x00lock")
    (folder / ".hidden.txt").write_text("x", encoding="utf-8")
    store = tmp_path / "store"

    run = airkg("ingest", folder, "--store", store)

    assert run.code == 0, run.err
    assert "extracting" in run.err and "100%" in run.err  # the progress bar
    lines = run.out.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["added", "baiyun"], ["added", "weixian"], ["added", "xuzhou"]]
    assert "baiyun.txt: 广东省广州市白云区2024年空气质量持续改善攻坚行动方案 — 11 measures" in lines[0]
    skipped = [line for line in lines if line.startswith("skipped")]
    assert len(skipped) == 3 and any("README.md: not a plan document" in line for line in skipped)
    assert any("~$weixian.docx: a Word lock file" in line for line in skipped)
    assert lines[-1].startswith("3 plans loaded (3 new, 0 replaced); the store holds")
    assert len(ask(store, "SELECT ?m WHERE { ?m a airkg:Measure }")) == 12 + 13 + 11


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font to make a PDF with (scripts/setup.sh --system)")
def test_ingest_a_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "guofa.pdf"
    pdf.write_bytes(to_pdf((DOCUMENTS / "guofa_2023_24_air_quality_plan.txt").read_text(encoding="utf-8"), cjk_font()))
    run = airkg("ingest", pdf, "--store", tmp_path / "store")
    assert run.code == 0, run.err
    assert "guofa.pdf: 空气质量持续改善行动计划 — 36 measures" in run.out


# --------------------------------------------------------------------------- flags


def test_flags_override_title_region_year_and_id(tmp_path: Path) -> None:
    store = tmp_path / "store"
    source = SEEDS / "000_aa781de31b5c5cff.txt"
    run = airkg("ingest", source, "--store", store, "--id", "jinan-2030", "--title", "济南市测试方案",
                "--region", "济南市", "--year", "2030")
    assert run.code == 0, run.err
    assert run.out.startswith("added jinan-2030  000_aa781de31b5c5cff.txt: 济南市测试方案 — 17 measures")
    plan = plan_iri("jinan-2030")
    rows = ask(store, f"SELECT ?title ?region ?year ?level WHERE {{ <{plan}> dcterms:title ?title ; "
                      f"<{AIRKG.region}> ?region ; <{AIRKG.year}> ?year ; <{AIRKG.level}> ?level }}")
    assert len(rows) == 1
    assert rows[0]["title"] == Literal("济南市测试方案", lang="zh")
    assert rows[0]["region"] == region_iri("370100")
    assert str(rows[0]["year"]) == "2030" and str(rows[0]["level"]).endswith("/city")
    due = ask(store, f"SELECT ?date WHERE {{ <{measure_iri('jinan-2030', '2.1')}> <{AIRKG.hasDeadline}> ?d . "
                     f"?d <{AIRKG.dueDate}> ?date }}")
    assert {str(row["date"]) for row in due} == {"2030-12-31"}  # 年底前 in the year given
    assert plan_graph_iri("000_aa781de31b5c5cff") not in {URIRef(g) for g in graphs(store)}


def test_detected_title_region_level_and_year(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert airkg("ingest", DOCUMENTS / "layout_bracket_circled.txt", "--store", store).code == 0
    rows = ask(store, f"SELECT ?title ?region ?year ?level WHERE {{ <{plan_iri('layout_bracket_circled')}> "
                      f"dcterms:title ?title ; <{AIRKG.region}> ?region ; <{AIRKG.year}> ?year ; <{AIRKG.level}> ?level }}")
    assert str(rows[0]["title"]) == "河北省邢台市威县2024年大气污染防治攻坚行动实施方案"
    assert rows[0]["region"] == region_iri("130533") and str(rows[0]["year"]) == "2024"
    assert str(rows[0]["level"]).endswith("/county")


# --------------------------------------------------------------------------- replace, idempotence, remove


def test_reingesting_the_same_file_gives_the_same_triples(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for source in (DOCUMENTS / "layout_duty_lines.txt", DOCUMENTS / "layout_table.txt"):
        assert airkg("ingest", source, "--store", store).code == 0
    before = graphs(store)
    again = airkg("ingest", DOCUMENTS / "layout_duty_lines.txt", "--store", store)
    assert again.code == 0 and again.out.startswith("replaced layout_duty_lines")
    assert "(0 new, 1 replaced)" in again.out
    assert same_content(before, graphs(store))


def test_a_replaced_plan_keeps_no_stale_triples(tmp_path: Path) -> None:
    store = tmp_path / "store"
    plan = tmp_path / "xuzhou.txt"
    text = (DOCUMENTS / "layout_duty_lines.txt").read_text(encoding="utf-8")
    plan.write_text(text, encoding="utf-8")
    assert airkg("ingest", plan, "--store", store).code == 0
    gone = measure_iri("xuzhou", "3.8")
    assert len(ask(store, f"SELECT ?p WHERE {{ <{gone}> ?p ?o }}")) > 5

    start = text.index("第八条")
    end = text.index("第四章")
    plan.write_text(text[:start] + text[end:], encoding="utf-8")  # 第八条 (measure 3.8) and its duty lines go
    run = airkg("ingest", plan, "--store", store)

    assert run.code == 0 and "12 measures" in run.out
    assert ask(store, f"SELECT ?p WHERE {{ <{gone}> ?p ?o }}") == []
    assert ask(store, f"SELECT ?s WHERE {{ ?s ?p <{gone}> }}") == []
    assert ask(store, "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), '推进工业炉窑和燃煤锅炉清洁能源替代')) }") == []
    fresh = tmp_path / "fresh"
    assert airkg("ingest", plan, "--store", fresh).code == 0
    assert same_content(graphs(store), graphs(fresh))


def test_remove_takes_one_plan_out(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert airkg("ingest", DOCUMENTS / "layout_table.txt", DOCUMENTS / "layout_duty_lines.txt", "--store", store).code == 0
    run = airkg("remove", "layout_table", "--store", store)
    assert run.code == 0 and run.out.strip() == "removed plan layout_table"
    left = set(graphs(store))
    assert str(plan_graph_iri("layout_table")) not in left and str(plan_graph_iri("layout_duty_lines")) in left
    again = airkg("remove", "layout_table", "--store", store)
    assert again.code == 2 and again.messages == ["airkg: bad input: no plan 'layout_table' in the store"]


def test_the_same_file_under_another_id_is_noted(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert airkg("ingest", DOCUMENTS / "layout_table.txt", "--store", store).code == 0
    run = airkg("ingest", DOCUMENTS / "layout_table.txt", "--id", "baiyun-copy", "--store", store)
    assert run.code == 0
    assert "note: plan baiyun-copy has the same source file as plan(s) layout_table" in run.out


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("base") / "store"
    run = airkg("ingest", DOCUMENTS / "layout_bracket_circled.txt", "--store", store)
    assert run.code == 0, run.err
    return store


@pytest.fixture(scope="module")
def base_fingerprint(base_store: Path) -> tuple[int, list[str], str]:
    return fingerprint(base_store)


def _plan_text() -> str:
    return (DOCUMENTS / "layout_bracket_circled.txt").read_text(encoding="utf-8")


def _docx() -> bytes:
    return to_docx(_plan_text())


def _xlsx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def _pdf_without_text() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 150, style="F")  # a scanned page: marks, no text layer
    return bytes(pdf.output())


def _encrypted_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Encrypted plan")
    return bytes(pdf.output())


def _cut_mid_character(data: bytes) -> bytes:
    at = len(data) // 2
    while data[at] & 0xC0 != 0x80:  # move to a continuation byte: the cut falls inside a character
        at += 1
    return data[:at]


NOT_A_PLAN = ("近日，记者从市生态环境局获悉，今年以来我市空气质量持续向好，优良天数同比增加十二天。"
              "市民纷纷表示，蓝天白云越来越多了，出门散步的心情也更好了。专家指出，这得益于持续开展的治理工作。")
UTF8 = _plan_text().encode("utf-8")
GB_PREFIX = to_gb18030(_plan_text()[:800])
BAD_FILES = {
    "empty.txt": (b"", "the file is empty"),
    "blank.txt": (b" \r\n\r\n  \n", "the file is empty"),
    "empty.docx": (b"", "the file is empty"),
    "binary.txt": (bytes(range(256)) * 40, "binary content"),
    "binary-no-nul.txt": (bytes(range(128, 256)) * 40, "undecodable bytes at byte"),
    "photo.pdf": (b"\x89PNG\r\n\x1a\n" + bytes(2000), "not a PDF (no %PDF header); it is a PNG image"),
    "photo.docx": (b"\xff\xd8\xff\xe0" + bytes(2000), "not a Word .docx file; it is a JPEG image"),
    "news.txt": (NOT_A_PLAN.encode("utf-8"), "no numbered measures found"),
    "english.txt": (b"1. This is not a plan.\n2. Nor is this.\n" * 10, "no Chinese text found"),
    "half.docx": (None, "truncated or damaged"),
    "cut.txt": (_cut_mid_character(UTF8), "UTF-8 text cut off in the middle of a character"),
    "damaged.txt": (UTF8[:3000] + b"\xff\xfe\xfd" + UTF8[3000:], "invalid UTF-8 at byte"),
    "gbk-damaged.txt": (GB_PREFIX + b"\xff\xff" + to_gb18030(_plan_text()[800:]),
                        f"undecodable bytes at byte {len(GB_PREFIX)} (neither UTF-8 nor GB18030/GBK)"),
    "spreadsheet.docx": (None, "damaged or not a Word .docx file"),
    "text.docx": (UTF8, "not a Word .docx file"),
    "scanned.pdf": (None, "no text layer"),
    "locked.pdf": (None, "encrypted PDF"),
    "half.pdf": (None, "truncated PDF"),
    "old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "unsupported file type .doc (a legacy Office file"),
    "page.html": (b"<html><body><p>Hello</p></body></html>", "no Chinese text found"),
    "gif.html": (b"GIF89a" + bytes(300), "not an HTML page; it is a GIF image"),
}


def _bad_bytes(name: str) -> bytes:
    data, _ = BAD_FILES[name]
    if data is not None:
        return data
    if name == "half.docx":
        whole = _docx()
        return whole[: len(whole) // 2]
    if name == "spreadsheet.docx":
        return _xlsx_like()
    if name == "scanned.pdf":
        return _pdf_without_text()
    if name == "locked.pdf":
        return _encrypted_pdf()
    if name == "half.pdf":
        whole = _pdf_without_text()
        return whole[: len(whole) // 2]
    raise KeyError(name)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_refused_and_the_store_unchanged(name: str, tmp_path: Path, base_store: Path,
                                                        base_fingerprint: tuple) -> None:
    bad = tmp_path / name
    bad.write_bytes(_bad_bytes(name))
    run = airkg("ingest", bad, "--store", base_store)
    assert run.code == 2, run.out + run.err
    assert len(run.messages) == 1, run.err
    message = run.messages[0]
    assert name in message and BAD_FILES[name][1] in message, message
    assert run.out == ""
    assert fingerprint(base_store) == base_fingerprint


def test_a_50_mb_file_is_refused_without_being_read(tmp_path: Path, base_store: Path, base_fingerprint: tuple) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written to disk
    run = airkg("ingest", big, "--store", base_store)
    assert run.code == 2
    assert run.messages == ["airkg: unreadable document: huge.txt: 50.0 MB is larger than the 20 MB limit"]
    assert fingerprint(base_store) == base_fingerprint


BAD_ARGUMENTS = {
    "unknown flag": (["--bogus"], "usage error: No such option: --bogus"),
    "year not a number": (["--year", "abc"], "usage error: Invalid value for '--year'"),
    "year out of range": (["--year", "3000"], "bad input: year 3000 is out of range (1949–2100)"),
    "unknown region": (["--region", "不存在市"], "bad input: unknown or ambiguous region '不存在市'"),
    "ambiguous region": (["--region", "朝阳区"], "bad input: unknown or ambiguous region '朝阳区'"),
    "unusable id": (["--id", "a b/c"], "bad input: plan id 'a b/c' is not usable"),
    "empty title": (["--title", " "], "bad input: --title is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_arguments_are_refused(case: str, base_store: Path, base_fingerprint: tuple) -> None:
    flags, expected = BAD_ARGUMENTS[case]
    run = airkg("ingest", DOCUMENTS / "layout_table.txt", *flags, "--store", base_store)
    assert run.code == 2
    assert len(run.messages) == 1 and expected in run.messages[0], run.err
    assert fingerprint(base_store) == base_fingerprint


def test_paths_that_are_not_there(tmp_path: Path, base_store: Path, base_fingerprint: tuple) -> None:
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    (empty / "notes.md").write_text("x", encoding="utf-8")
    cases = {
        (str(tmp_path / "missing.txt"),): "missing.txt: no such file or folder",
        (str(empty),): "no documents (.txt, .docx, .pdf, .html, .htm) in",
        (str(empty), "--title", "T"): "--title and --id name one plan: give exactly one file",
    }
    for args, expected in cases.items():
        run = airkg("ingest", *args, "--store", base_store)
        assert run.code == 2 and len(run.messages) == 1 and expected in run.messages[0], (args, run.err)
    assert fingerprint(base_store) == base_fingerprint


def test_one_bad_file_in_a_folder_and_nothing_is_loaded(tmp_path: Path, base_store: Path,
                                                        base_fingerprint: tuple) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(DOCUMENTS / "layout_table.txt", folder)
    shutil.copy(DOCUMENTS / "layout_duty_lines.txt", folder)
    (folder / "zz-empty.docx").write_bytes(b"")
    (folder / "zz-news.txt").write_text(NOT_A_PLAN, encoding="utf-8")
    run = airkg("ingest", folder, "--store", base_store)
    assert run.code == 2 and run.out == ""
    assert run.messages == [
        "airkg: unreadable document: zz-empty.docx: the file is empty (and 1 more file) — nothing was loaded",
        "airkg: unreadable document: zz-news.txt: no numbered measures found (一、 （一） 1． …); is this an action plan?",
    ]
    assert fingerprint(base_store) == base_fingerprint


def test_two_files_that_would_be_one_plan(tmp_path: Path, base_store: Path, base_fingerprint: tuple) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(DOCUMENTS / "layout_table.txt", tmp_path / folder / "plan.txt")
    run = airkg("ingest", tmp_path / "a", tmp_path / "b", "--store", base_store)
    assert run.code == 2
    assert run.messages == [f"airkg: unreadable document: {tmp_path / 'a' / 'plan.txt'} and "
                            f"{tmp_path / 'b' / 'plan.txt'} would both be plan 'plan'; rename one — nothing was loaded"]
    assert fingerprint(base_store) == base_fingerprint


def test_the_installed_command_exits_2_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--bogus", "x", "--store", str(tmp_path / "s")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "airkg: usage error: No such option: --bogus (Possible options: --bulk, --jobs) (see 'airkg ingest --help')"]
    assert not (tmp_path / "s").exists()
