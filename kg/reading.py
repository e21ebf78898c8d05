"""Reading a source document into text: .txt (UTF-8 with or without BOM, GB18030/GBK), .docx, .pdf, .html.

Character offsets everywhere in airkg index the text this module returns (after a BOM is
dropped), so the text is also kept in the graph for anyone to check a span against.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from pydantic import BaseModel

from kg.errors import DocumentError

MAX_BYTES = 20 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class SourceDocument(BaseModel):
    """A document's text and where it came from."""

    name: str
    text: str
    sha256: str
    encoding: str
    format: str


def read_document(path: Path, max_bytes: int = MAX_BYTES) -> SourceDocument:
    """Read ``path`` and return its text.

    Raises:
        DocumentError: the file is missing, empty, too large, of an unsupported or
            disguised format, undecodable, or holds no Chinese text.
    """
    data = _read_bytes(path, max_bytes)
    return document_from_bytes(path.name, data)


def document_from_bytes(name: str, data: bytes) -> SourceDocument:
    """Decode ``data`` as the document called ``name`` (its suffix selects the format)."""
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty")
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        text, encoding = _decode_text(name, data)
    elif suffix == ".docx":
        text, encoding = _docx_text(name, data), "docx"
    elif suffix == ".pdf":
        text, encoding = _pdf_text(name, data), "pdf"
    elif suffix in (".html", ".htm"):
        text, encoding = _html_text(name, data), "html"
    else:
        raise DocumentError(
            f"{name}: unsupported file type {suffix or '(none)'}; airkg reads {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if len(_CJK.findall(text)) < 20:
        raise DocumentError(f"{name}: no Chinese text found ({len(text)} characters); is this a plan?")
    return SourceDocument(
        name=name,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        format=suffix.lstrip("."),
    )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    if not path.is_file():
        raise DocumentError(f"{path}: not a file")
    if size > max_bytes:
        raise DocumentError(
            f"{path.name}: {size / 1_048_576:.1f} MB is larger than the {max_bytes / 1_048_576:.0f} MB limit"
        )
    return path.read_bytes()


def _decode_text(name: str, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:65536]:
        raise DocumentError(f"{name}: binary content (NUL bytes) in a .txt file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise DocumentError(
                f"{name}: undecodable bytes at offset {utf8_error.start} "
                "(neither UTF-8 nor GB18030/GBK)"
            ) from None


def _docx_text(name: str, data: bytes) -> str:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(f"{name}: not a Word .docx file (no ZIP container)")
    import docx  # python-docx; imported here so plain-text ingest does not pay for it

    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise DocumentError(f"{name}: damaged .docx ({error})") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text.replace("\n", " ") for cell in row.cells))
    return "\n".join(lines)


def _pdf_text(name: str, data: bytes) -> str:
    if not data.startswith(b"%PDF"):
        raise DocumentError(f"{name}: not a PDF (it does not start with %PDF)")
    from pdfminer.high_level import extract_text
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        text = extract_text(io.BytesIO(data))
    except (PDFSyntaxError, ValueError, TypeError, KeyError) as error:
        raise DocumentError(f"{name}: damaged PDF ({type(error).__name__}: {error})") from None
    if not text.strip():
        raise DocumentError(f"{name}: the PDF has no text layer (scanned?); OCR it first")
    return text.replace("\x0c", "\n")


def _html_text(name: str, data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "head", "nav", "footer"]):
        tag.decompose()
    for tag in soup.find_all(["br"]):
        tag.replace_with("\n")
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return "\n".join(line for line in lines if line)
