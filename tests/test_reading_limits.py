"""Decompression amplification (issue 13, finding 8): a .docx or .pdf that inflates to far more than its size
is refused while it is read, before anything holds the inflated data, in bounded memory and time."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

import kg.extract.reading as reading
from document_formats import cjk_font, to_docx, to_pdf
from kg.errors import DocumentError
from kg.extract.reading import document_from_bytes

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "000_aa781de31b5c5cff.txt").read_text(encoding="utf-8")


def docx_with_document_xml(size: int) -> bytes:
    """A real .docx whose word/document.xml is blown up to ``size`` bytes of repeated paragraphs."""
    base = zipfile.ZipFile(io.BytesIO(to_docx(SEED)))
    document = base.read("word/document.xml")
    head, tail = document.split(b"<w:sectPr", 1)
    paragraph = "<w:p><w:r><w:t>加强工业企业挥发性有机物综合治理</w:t></w:r></w:p>".encode()
    body = head + paragraph * max(0, (size - len(document)) // len(paragraph)) + b"<w:sectPr" + tail
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in base.infolist():
            archive.writestr(info.filename, body if info.filename == "word/document.xml" else base.read(info.filename))
    return out.getvalue()


def pdf_with_stream(raw_size: int) -> bytes:
    """A one-page PDF whose content stream is ``raw_size`` bytes of spaces, FlateDecode'd (~1 MB per GB)."""
    deflate = zlib.compressobj(9)
    stream = b"".join(deflate.compress(b" " * (1 << 20)) for _ in range(raw_size >> 20)) + deflate.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def read_in_subprocess(tmp_path: Path, name: str, data: bytes) -> tuple[str, float]:
    """Read the file in a fresh process: the message and the process's peak memory in MB (VmHWM, which
    starts anew at exec, unlike ru_maxrss)."""
    path = tmp_path / name
    path.write_bytes(data)
    script = ("import resource, sys\nfrom kg.errors import DocumentError\nfrom kg.extract.reading import read_document\n"
              "from pathlib import Path\ntry:\n    read_document(Path(sys.argv[1])); print('read')\n"
              "except DocumentError as error:\n    print(error.detail)\n"
              "print(next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM')) / 1024)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    message, peak = done.stdout.strip().splitlines()
    return message, float(peak)


def test_a_docx_declaring_190_mb_is_refused_from_its_directory(tmp_path: Path) -> None:
    data = docx_with_document_xml(190 * 1024 * 1024)
    assert len(data) < 2 * 1024 * 1024
    message, peak = read_in_subprocess(tmp_path, "bomb.docx", data)
    assert re.fullmatch(r"bomb.docx: declares 19\d MB unpacked, over the 96 MB limit", message), message
    assert peak < 150, f"{peak:.0f} MB"


def test_a_docx_whose_directory_lies_is_stopped_where_it_says(tmp_path: Path) -> None:
    """word/document.xml declared 1,000 bytes (in both headers) and 8 MB in truth: inflating stops at 1,000."""
    data = bytearray(docx_with_document_xml(8 * 1024 * 1024))
    name = b"word/document.xml"
    for signature, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                struct.pack_into("<I", data, start + size_at, 1000)
            start += 4
    with pytest.raises(DocumentError, match=r"bomb.docx: truncated or damaged .* cannot be unpacked: Bad CRC"):
        document_from_bytes("bomb.docx", bytes(data))


def test_every_part_is_counted_while_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    data = docx_with_document_xml(3 * 1024 * 1024)
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    document_from_bytes("plan.docx", data)  # fits
    monkeypatch.setattr(reading, "MAX_PART_BYTES", 2 * 1024 * 1024)
    with pytest.raises(DocumentError, match=r"plan.docx: its part word/document.xml declares 3 MB unpacked"):
        document_from_bytes("plan.docx", data)


def test_a_pdf_with_a_1_gb_stream_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    data = pdf_with_stream(1024 * 1024 * 1024)
    assert len(data) < 2 * 1024 * 1024
    message, peak = read_in_subprocess(tmp_path, "bomb.pdf", data)
    assert message == "bomb.pdf: a stream decodes to more than the 64 MB limit for one stream"
    assert peak < 400, f"{peak:.0f} MB"


def test_a_pdf_of_more_pages_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = to_pdf(SEED, cjk_font())
    assert "山东省" in document_from_bytes("plan.pdf", data).text
    monkeypatch.setattr(reading, "MAX_PDF_PAGES", 1)
    with pytest.raises(DocumentError, match=r"plan.pdf: more than 1 pages"):
        document_from_bytes("plan.pdf", data)


def test_reading_a_document_has_a_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = docx_with_document_xml(8 * 1024 * 1024)
    monkeypatch.setattr(reading, "READ_SECONDS", 0.2)
    with pytest.raises(DocumentError, match=r"plan.docx: reading it took more than 0 s"):
        document_from_bytes("plan.docx", data)
