"""Reading a source document into text: .txt (UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK),
.docx, .pdf (with a text layer) and .html.

Character offsets everywhere in airkg index the text this module returns, so the text is also kept in the
graph (``airkg:fullText``) for anyone to check a span against. The text is normalized the same way for every
format (:func:`normalize_text`): line ends become ``\\n``, invisible characters go, and the look-alike
characters PDF fonts often map ideographs to (Kangxi radicals such as ⼀ for 一) become the ideographs.

Every failure is a :class:`~kg.errors.DocumentError` whose message starts with the file's name and says what
is wrong with it; nothing else escapes (``tests/test_fuzz_reading.py`` checks this on arbitrary bytes).

>>> document_from_bytes("plan.txt", "一、总体要求\\r\\n".encode("gb18030") * 5).text[:7]
'一、总体要求\\n'
"""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import re
import signal
import threading
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree
from pydantic import BaseModel

from kg.errors import DocumentError
from kg.extract.numbering import match_heading

MAX_BYTES = 20 * 1024 * 1024
#: A .docx's parts, unpacked, all told and each (declared in the ZIP's directory, and counted while they are
#: inflated, so a lying directory or a zip bomb is stopped at the limit, never inflated whole). Word text
#: takes ~3 bytes of XML per character, so a 10-million-character plan fits.
MAX_UNPACKED_BYTES = 96 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
#: A PDF: pages read, characters of text, bytes one stream may decode to (FlateDecode, LZW), all decoded streams.
MAX_PDF_PAGES = 3000
MAX_TEXT_CHARS = 20_000_000
MAX_STREAM_BYTES = 64 * 1024 * 1024
MAX_DECODED_BYTES = 512 * 1024 * 1024
#: Seconds one document may take to read (checked between pages and parts; the upload route also kills
#: its extraction process at a hard limit).
READ_SECONDS = 120.0
SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
MIN_CJK = 20
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

#: What the first bytes of a file say it is, for files whose suffix says otherwise.
_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx …)"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.doc, .wps, .xls); save it as .docx"),
    (b"{\\rtf", "an RTF file; save it as .docx"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


class DocumentTooLarge(DocumentError):
    """A document over one of the size limits (file, unpacked parts, decoded streams, pages, characters):
    refused like any unreadable document (one line, exit 2), and with 413 by the API."""

    status = 413


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
            disguised format, damaged, undecodable, or holds no Chinese text.
    """
    data = _read_bytes(path, max_bytes)
    return document_from_bytes(path.name, data)


def document_from_bytes(name: str, data: bytes) -> SourceDocument:
    """Decode ``data`` as the document called ``name`` (its suffix selects the format).

    Raises:
        DocumentError: as :func:`read_document`.
    """
    if not data.strip(b" \t\r\n\x00\x0c\x0b"):
        raise DocumentError(f"{name}: the file is empty")
    suffix = Path(name).suffix.lower()
    with _time_limit(name):
        text, encoding = _read_format(name, suffix, data)
    text = normalize_text(text)
    found = _count_cjk(text, up_to=MIN_CJK)
    if found < MIN_CJK:
        raise DocumentError(f"{name}: no Chinese text found ({found} Chinese characters); is this a plan?")
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentTooLarge(f"{name}: {len(text):,} characters of text, over the {MAX_TEXT_CHARS:,} limit")
    return SourceDocument(
        name=name,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        format=suffix.lstrip("."),
    )


class _ReadTimeout(BaseException):
    """The time limit of :func:`_time_limit` ran out (a BaseException: no library's handler swallows it)."""


@contextmanager
def _time_limit(name: str) -> Iterator[None]:
    """Stop reading a document after :data:`READ_SECONDS` (SIGALRM; only in a process's main thread, and only
    when nothing else uses the alarm), however the reader is stuck between its own checks."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, signal.SIG_IGN, None)
            or signal.getitimer(signal.ITIMER_REAL)[0]):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _ReadTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, READ_SECONDS)
    try:
        yield
    except _ReadTimeout:
        raise DocumentError(f"{name}: reading it took more than {READ_SECONDS:.0f} s; is it a plan?") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read_format(name: str, suffix: str, data: bytes) -> tuple[str, str]:
    try:
        if suffix == ".txt":
            text, encoding = _decode_text(name, data)
        elif suffix == ".docx":
            text, encoding = _docx_text(name, data), "docx"
        elif suffix == ".pdf":
            text, encoding = _pdf_text(name, data), "pdf"
        elif suffix in (".html", ".htm"):
            text, encoding = _html_text(name, data)
        else:
            what = _sniff(data)
            raise DocumentError(
                f"{name}: unsupported file type {suffix or '(none)'}{f' ({what})' if what else ''}; "
                f"airkg reads {', '.join(SUPPORTED_SUFFIXES)}"
            )
    except RecursionError:
        raise DocumentError(f"{name}: nested too deeply to read (damaged or hostile file?)") from None
    return text, encoding


def _count_cjk(text: str, up_to: int) -> int:
    """How many Chinese characters ``text`` holds, counting no further than ``up_to``."""
    return sum(1 for _ in itertools.islice(_CJK.finditer(text), up_to))


# --------------------------------------------------------------------------- shared

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LOOK_ALIKES = re.compile(r"[\u2e80-\u2ef3\u2f00-\u2fd5\uf900-\ufaff]")


def normalize_text(text: str) -> str:
    """The text every format ends up as: ``\\n`` line ends, no invisible or control characters, and
    ideographs for the radicals and compatibility forms that PDF fonts map them to.

    >>> normalize_text("⼀、总体要求\\r\\n（⼆）\\u200b加强\\x0c")
    '一、总体要求\\n（二）加强\\n'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n").replace("\x0b", "\n")
    text = _INVISIBLE.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))
    text = _CONTROL.sub("", text)
    return _LOOK_ALIKES.sub(lambda match: _ideograph(match.group()), text)


def _ideograph(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def _sniff(data: bytes) -> str | None:
    head = data[:8]
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def _disguised(name: str, data: bytes, expected: str) -> DocumentError:
    what = _sniff(data)
    return DocumentError(f"{name}: not {expected}" + (f"; it is {what}" if what else ""))


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except OSError as error:
        raise DocumentError(f"{path}: cannot be read ({error.strerror})") from None
    if not path.is_file():
        raise DocumentError(f"{path}: not a file")
    if size > max_bytes:
        raise DocumentTooLarge(
            f"{path.name}: {size / 1_048_576:.1f} MB is larger than the {max_bytes / 1_048_576:.0f} MB limit"
        )
    try:
        return path.read_bytes()
    except OSError as error:
        raise DocumentError(f"{path}: cannot be read ({error.strerror})") from None


def _no_spaces_between_cjk(line: str) -> str:
    """'牵 头 单 位' → '牵头单位': spaces a layout put between ideographs (PDF justification, HTML source breaks)."""
    return _CJK_GAP.sub("", line)


_WIDE = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_WIDE}])[ \u00a0]+(?=[{_WIDE}])")


# --------------------------------------------------------------------------- .txt


def _decode_text(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise DocumentError(f"{name}: damaged UTF-16 text at byte {error.start}") from None
    if b"\x00" in data[:65536]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise _disguised(name, data, "a text file (it holds NUL bytes: binary content)")
    if _sniff(data):
        raise _disguised(name, data, "a text file")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        prefix = data[bom:bom + utf8_error.start].decode("utf-8")
        at = bom + utf8_error.start
        if bom or len(_CJK.findall(prefix)) >= 10:  # GBK text decodes as UTF-8 for a few characters at most
            if utf8_error.reason == "unexpected end of data":
                raise DocumentError(f"{name}: UTF-8 text cut off in the middle of a character at byte {at} "
                                    "(truncated file?)") from None
            raise DocumentError(f"{name}: invalid UTF-8 at byte {at} (bytes {data[at:at + 4].hex(' ')}) "
                                "in UTF-8 text") from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as gb_error:
        if gb_error.reason in ("incomplete multibyte sequence", "unexpected end of data"):
            raise DocumentError(f"{name}: GB18030 text cut off in the middle of a character at byte "
                                f"{gb_error.start} (truncated file?)") from None
        raise DocumentError(f"{name}: undecodable bytes at byte {gb_error.start} (neither UTF-8 nor GB18030/GBK)") from None
    odd = sum(1 for char in text if unicodedata.category(char) in ("Cc", "Co", "Cn") and char not in "\t\n\r\x0c")
    if odd > len(text) // 100:
        raise DocumentError(f"{name}: binary content, not text ({odd} control or unassigned characters)")
    return text, "gb18030"


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text saved as UTF-16 without a byte-order mark, when one byte order gives mostly Chinese."""
    if len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_CJK.findall(text)) >= max(MIN_CJK, len(text) // 4):
            return text, encoding
    return None


# --------------------------------------------------------------------------- .docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NS = {
    "w": _W[1:-1],
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
_RUN_TEXT = etree.XPath(".//w:r/w:t | .//w:r/w:tab | .//w:r/w:br | .//w:r/w:cr | .//w:r/w:noBreakHyphen", namespaces=_NS)
_SET_ASIDE = etree.XPath("ancestor::mc:Fallback or ancestor::w:txbxContent", namespaces=_NS)
_TEXT_BOXES = etree.XPath(".//w:txbxContent[not(ancestor::mc:Fallback)]", namespaces=_NS)


def _docx_text(name: str, data: bytes) -> str:
    _check_zip(name, data, "a Word .docx file")
    import docx  # python-docx; imported here so plain-text ingest does not pay for it

    try:
        document = docx.Document(io.BytesIO(data))
        numbering = _Numbering.of(document)
    except MemoryError:
        raise
    except Exception as error:  # python-docx, lxml, zlib and zipfile raise many types on a damaged package
        detail = str(error).splitlines()[0][:120] if str(error) else ""
        raise DocumentError(f"{name}: damaged or not a Word .docx file ({type(error).__name__}: {detail})") from None
    return "\n".join(_DocxWalker(numbering).blocks(document.element.body))


def _check_zip(name: str, data: bytes, expected: str) -> None:
    """Refuse a ZIP whose parts unpack to too much, from what its directory declares and then from what
    inflating them actually gives (counted as it goes, in 1 MiB pieces, stopped at the limit), so that a
    zip bomb or a directory that lies is refused before anything holds it whole."""
    if not data.startswith(b"PK"):
        raise _disguised(name, data, expected)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise DocumentTooLarge(f"{name}: {len(members)} parts in the archive, over the {MAX_ZIP_MEMBERS} limit")
            declared = sum(info.file_size for info in members)
            largest = max(members, key=lambda info: info.file_size, default=None)
            if declared > MAX_UNPACKED_BYTES:
                raise DocumentTooLarge(f"{name}: declares {declared / 1_048_576:.0f} MB unpacked, over the "
                                    f"{MAX_UNPACKED_BYTES / 1_048_576:.0f} MB limit")
            if largest is not None and largest.file_size > MAX_PART_BYTES:
                raise DocumentTooLarge(f"{name}: its part {largest.filename} declares {largest.file_size / 1_048_576:.0f} MB "
                                    f"unpacked, over the {MAX_PART_BYTES / 1_048_576:.0f} MB limit for one part")
            total = 0
            for info in members:
                part = 0
                with archive.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        part += len(chunk)
                        total += len(chunk)
                        if part > MAX_PART_BYTES or total > MAX_UNPACKED_BYTES:
                            raise DocumentTooLarge(
                                f"{name}: unpacks to more than the "
                                + (f"{MAX_PART_BYTES / 1_048_576:.0f} MB limit for one part ({info.filename})"
                                   if part > MAX_PART_BYTES else f"{MAX_UNPACKED_BYTES / 1_048_576:.0f} MB limit"))
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError,
            zlib.error, RuntimeError) as error:
        detail = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise DocumentError(f"{name}: truncated or damaged ({expected} is a ZIP archive, and it cannot be "
                            f"unpacked: {detail})") from None


class _DocxWalker:
    """Body text in document order: paragraphs (with their automatic numbers), tables as TAB-separated rows."""

    def __init__(self, numbering: _Numbering) -> None:
        self.numbering = numbering

    def blocks(self, parent) -> list[str]:
        lines: list[str] = []
        for child in parent.iterchildren():
            if child.tag == _W + "p":
                lines.extend(self.paragraph(child))
            elif child.tag == _W + "tbl":
                lines.extend(self.table(child))
            elif child.tag in (_W + "sdt", _W + "customXml"):
                content = child.find(_W + "sdtContent")
                lines.extend(self.blocks(content if content is not None else child))
        return lines

    def paragraph(self, p) -> list[str]:
        parts = [self.numbering.label(p)]
        for node in _RUN_TEXT(p):
            if _SET_ASIDE(node):
                continue
            tag = node.tag[len(_W):]
            if tag == "t":
                parts.append(node.text or "")
            elif tag == "tab":
                parts.append("\t")
            elif tag == "noBreakHyphen":
                parts.append("-")
            elif node.get(_W + "type") in (None, "textWrapping") or tag == "cr":
                parts.append("\n")
        lines = ["".join(parts)]
        for box in _TEXT_BOXES(p):
            lines.extend(self.blocks(box))
        return lines

    def table(self, tbl) -> list[str]:
        rows = []
        for tr in tbl.iterchildren(_W + "tr"):
            cells = [" ".join(line.strip() for line in self.blocks(tc) if line.strip()) for tc in tr.iterchildren(_W + "tc")]
            rows.append("\t".join(cell.replace("\n", " ").replace("\t", " ") for cell in cells))
        return rows


class _Numbering:
    """Word's automatic list numbers (一、 （一） 1． typed by Word rather than by hand), rendered as text."""

    def __init__(self, levels: dict[str, dict[int, tuple[int, str, str, str]]], styles: dict[str, tuple[str, int]]) -> None:
        self.levels = levels  # numId -> ilvl -> (start, numFmt, lvlText, suffix)
        self.styles = styles  # paragraph style id -> (numId, ilvl)
        self.counters: dict[str, list[int]] = {}

    @classmethod
    def of(cls, document) -> _Numbering:
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return cls({}, {})
        abstract = {}
        for node in numbering.iterchildren(_W + "abstractNum"):
            levels = {}
            for lvl in node.iterchildren(_W + "lvl"):
                levels[_int(lvl.get(_W + "ilvl"))] = (
                    _int(_val(lvl, "start"), 1), _val(lvl, "numFmt") or "decimal", _val(lvl, "lvlText") or "",
                    _val(lvl, "suff") or "tab")
            abstract[node.get(_W + "abstractNumId")] = levels
        levels_of = {}
        for num in numbering.iterchildren(_W + "num"):
            levels = dict(abstract.get(_val(num, "abstractNumId"), {}))
            for override in num.iterchildren(_W + "lvlOverride"):
                ilvl, start = _int(override.get(_W + "ilvl")), _val(override, "startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl] = (_int(start, 1), *levels[ilvl][1:])
            levels_of[num.get(_W + "numId")] = levels
        return cls(levels_of, _style_numbering(document))

    def label(self, p) -> str:
        num_id, ilvl = self._numbering_of(p)
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 10)
        ilvl = min(max(ilvl, 0), 8)
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else levels[ilvl][0]
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = 0
        start, fmt, text, suffix = levels[ilvl]
        if fmt in ("bullet", "none"):
            return ""

        def number(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            value = counters[level] or levels.get(level, (1,))[0]
            return _format_number(value, levels.get(level, (1, fmt))[1])

        rendered = re.sub(r"%([1-9])", number, text)
        return rendered + (" " if suffix in ("tab", "space") and not rendered.endswith(("、", "．", "）", ")")) else "")

    def _numbering_of(self, p) -> tuple[str | None, int]:
        ppr = p.find(_W + "pPr")
        if ppr is None:
            return None, 0
        numpr = ppr.find(_W + "numPr")
        if numpr is not None:
            return _val(numpr, "numId"), _int(_val(numpr, "ilvl"))
        style = _val(ppr, "pStyle")
        return self.styles.get(style or "", (None, 0))


def _style_numbering(document) -> dict[str, tuple[str, int]]:
    found = {}
    try:
        styles = document.styles.element
    except (KeyError, NotImplementedError):
        return found
    for style in styles.iterchildren(_W + "style"):
        numpr = style.find(f"{_W}pPr/{_W}numPr")
        if numpr is not None and _val(numpr, "numId"):
            found[style.get(_W + "styleId")] = (_val(numpr, "numId"), _int(_val(numpr, "ilvl")))
    return found


def _val(node, child: str) -> str | None:
    found = node.find(_W + child)
    return None if found is None else found.get(_W + "val")


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


_ZH_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _format_number(value: int, fmt: str) -> str:
    """A list number in Word's format: 3 → 三 (chineseCounting), ③ (decimalEnclosedCircle), ３ (full width)."""
    if fmt.startswith(("chineseCounting", "ideographDigital", "japaneseCounting", "taiwaneseCounting")):
        return _chinese_numeral(value)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= value <= len(_CIRCLED):
        return _CIRCLED[value - 1]
    if fmt.startswith("decimalFullWidth"):
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "ideographTraditional" and 1 <= value <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[value - 1]
    if fmt in ("upperLetter", "lowerLetter") and value >= 1:
        letter = chr(ord("A") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    return str(value)


def _chinese_numeral(value: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三, 105 → 一百零五 (beyond 999 the digits as written)."""
    if not 0 < value < 1000:
        return str(value)
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    out = f"{_ZH_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _ZH_DIGITS[tens]) + "十"
    elif hundreds and units:
        out += "零"
    return out + (_ZH_DIGITS[units] if units else "")


# --------------------------------------------------------------------------- .pdf


def _pdf_text(name: str, data: bytes) -> str:
    if b"%PDF" not in data[:1024]:
        raise _disguised(name, data, "a PDF (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise DocumentError(f"{name}: truncated PDF (it does not end with the %%EOF marker)")
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFTextExtractionNotAllowed

    _bound_pdf_decoders()
    budget = _PDF_BUDGET
    budget.decoded, budget.over = 0, None
    started = time.monotonic()
    try:
        with _quiet("pdfminer"):
            pages, characters = [], 0
            for page in extract_pages(io.BytesIO(data), laparams=LAParams(all_texts=True), maxpages=MAX_PDF_PAGES + 1):
                if budget.over:  # a decoder refused a stream that pdfminer then passed over
                    raise DocumentTooLarge(f"{name}: {budget.over}")
                if len(pages) == MAX_PDF_PAGES:
                    raise DocumentTooLarge(f"{name}: more than {MAX_PDF_PAGES} pages; airkg reads plans of at most "
                                        f"{MAX_PDF_PAGES}")
                pages.append(_page_rows(page))
                characters += sum(len(row.text) for row in pages[-1])
                if characters > MAX_TEXT_CHARS:
                    raise DocumentTooLarge(f"{name}: more than {MAX_TEXT_CHARS:,} characters of text in "
                                        f"{len(pages)} pages, over the limit")
                if time.monotonic() - started > READ_SECONDS:
                    raise DocumentError(f"{name}: reading it took more than {READ_SECONDS:.0f} s "
                                        f"({len(pages)} pages read); is it a plan?")
            if budget.over:
                raise DocumentTooLarge(f"{name}: {budget.over}")
    except DocumentError:
        raise
    except PDFTextExtractionNotAllowed:
        raise DocumentError(f"{name}: the PDF forbids text extraction") from None
    except PDFEncryptionError as error:
        raise DocumentError(f"{name}: encrypted PDF ({error}); decrypt it first") from None
    except MemoryError:
        raise
    except Exception as error:  # pdfminer raises many types (PSEOF, KeyError, struct.error …) on a damaged file
        raise DocumentError(f"{name}: damaged PDF ({type(error).__name__}: {str(error)[:120]})") from None
    text = _reflow(pages)
    if not text.strip():
        raise DocumentError(f"{name}: the PDF has no text layer (scanned?); OCR it first")
    unmapped = len(re.findall(r"\(cid:\d+\)", text))
    if unmapped > 20:
        raise DocumentError(f"{name}: the PDF's fonts do not say which characters they draw ({unmapped} "
                            "unmapped glyphs); its text cannot be read — OCR it or export it again")
    return text


class _DecodeBudget(threading.local):
    """What the stream decoders of the PDF being read (in this thread) have decoded, and why they stopped."""

    decoded = 0
    over: str | None = None

    def take(self, stream_size: int, added: int, limit: int = MAX_STREAM_BYTES) -> None:
        """Count ``added`` bytes of a stream now ``stream_size`` long; refuse past a limit."""
        self.decoded += added
        if stream_size > limit:
            self.refuse(f"a stream decodes to more than the {limit / 1_048_576:.0f} MB limit for one stream")
        if self.decoded > MAX_DECODED_BYTES:
            self.refuse(f"its streams decode to more than the {MAX_DECODED_BYTES / 1_048_576:.0f} MB limit")

    def refuse(self, why: str) -> None:
        self.over = self.over or why
        raise _StreamTooLarge(why)


_PDF_BUDGET = _DecodeBudget()
#: pdfminer inflates a damaged stream one input byte at a time, concatenating (quadratic): a smaller limit.
_MAX_DAMAGED_STREAM_BYTES = 4 * 1024 * 1024


class _StreamTooLarge(zlib.error):
    """Raised by a bounded decoder; a zlib.error, so pdfminer's own handling treats the stream as unreadable,
    and the page loop of :func:`_pdf_text` refuses the document (:attr:`_DecodeBudget.over`)."""


class _BoundedDecompressor:
    """``zlib.decompressobj()`` as pdfminer uses it for damaged streams, bounded."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self._inner = inner
        self._size = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._inner.decompress(data, _MAX_DAMAGED_STREAM_BYTES - self._size + 1)
        self._size += len(out)
        _PDF_BUDGET.take(self._size, len(out), _MAX_DAMAGED_STREAM_BYTES)
        return out

    def __getattr__(self, attribute: str):  # noqa: ANN204 - eof, unused_data, flush …
        return getattr(self._inner, attribute)


class _BoundedZlib:
    """The ``zlib`` pdfminer sees (``pdfminer.pdftypes.zlib``): ``decompress`` inflates at most
    :data:`MAX_STREAM_BYTES` (pdfminer inflates a FlateDecode stream whole, with no limit: a 1 MB file can
    hold a 1 GB stream), and the document's total is bounded by :data:`MAX_DECODED_BYTES`."""

    error = zlib.error
    MAX_WBITS = zlib.MAX_WBITS

    @staticmethod
    def decompress(data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = 0) -> bytes:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(data, MAX_STREAM_BYTES + 1)
        _PDF_BUDGET.take(len(out), len(out))
        if not inflater.eof:
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj(*args, **kwargs) -> _BoundedDecompressor:  # noqa: ANN002, ANN003
        return _BoundedDecompressor(zlib.decompressobj(*args, **kwargs))

    def __getattr__(self, attribute: str):  # noqa: ANN204
        return getattr(zlib, attribute)


def _bounded_lzw(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    out, size = [], 0
    for chunk in LZWDecoder(io.BytesIO(data)).run():
        size += len(chunk)
        _PDF_BUDGET.take(size, len(chunk))
        out.append(chunk)
    return b"".join(out)


def _bound_pdf_decoders() -> None:
    """Make pdfminer decode FlateDecode and LZW streams through the bounded decoders (once per process)."""
    import pdfminer.pdftypes

    if not isinstance(pdfminer.pdftypes.zlib, _BoundedZlib):
        pdfminer.pdftypes.zlib = _BoundedZlib()  # type: ignore[assignment]
        pdfminer.pdftypes.lzwdecode = _bounded_lzw  # type: ignore[assignment]


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a library's warnings (pdfminer logs one per odd font) while it runs."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class _Row:
    """One printed line: the text lines pdfminer found at the same height, left to right."""

    def __init__(self, x0: float, x1: float, y: float, size: float, text: str) -> None:
        self.x0, self.x1, self.y, self.size, self.text = x0, x1, y, size, text


def _page_rows(page) -> list[_Row]:
    from pdfminer.layout import LTTextLine

    lines = []
    stack = [page]
    while stack:
        item = stack.pop()
        if isinstance(item, LTTextLine):
            text = item.get_text().replace("\n", "").strip()
            if text:
                lines.append(item)
        elif hasattr(item, "__iter__"):
            stack.extend(item)
    lines.sort(key=lambda line: -(line.y0 + line.y1) / 2)
    rows: list[list] = []
    for line in lines:  # a row: the lines whose middle lies within the height of the row's first line
        if rows and rows[-1][0].y0 <= (line.y0 + line.y1) / 2 <= rows[-1][0].y1:
            rows[-1].append(line)
        else:
            rows.append([line])
    out = []
    columns: list[float] = []  # where the cells of the table being read start, from its widest row
    for row in rows:
        row.sort(key=lambda line: line.x0)
        size = max(min(line.height, 40) for line in row)
        cells = _cells_of_row(row, size)
        if len(cells) >= 3 and len(cells) >= len(columns):
            columns = [cell[0] for cell in cells]
        elif len(cells) == 1 and not _in_a_column(cells[0][0], columns[1:], size):
            columns = []
        text = _row_text(cells, columns, size)
        out.append(_Row(row[0].x0, max(line.x1 for line in row), row[0].y0, size, text))
    return [row for row in out if not _PAGE_NUMBER.fullmatch(row.text)]


def _cells_of_row(row: list, size: float) -> list[tuple[float, str]]:
    """The row's text runs, joined where they are a word or a space apart; a wide gap starts a cell."""
    cells = [(row[0].x0, row[0].get_text().replace("\n", "").strip())]
    for previous, line in zip(row, row[1:]):
        gap = line.x0 - previous.x1
        words = line.get_text().replace("\n", "").strip()
        if gap > 3 * size:
            cells.append((line.x0, words))
        else:
            cells[-1] = (cells[-1][0], cells[-1][1] + (" " if gap > 0.2 * size else "") + words)
    return [(x, _no_spaces_between_cjk(re.sub(" {2,}", " ", words))) for x, words in cells]


def _in_a_column(x: float, columns: list[float], size: float) -> bool:
    return any(abs(x - column) <= 2 * size for column in columns)


def _row_text(cells: list[tuple[float, str]], columns: list[float], size: float) -> str:
    """Cells joined by TABs; in a table, a row that starts in a later column (a cell wrapped onto the next
    line) gets a TAB for each empty cell before it, so its pieces stay in their columns."""
    if len(cells) == 1 and not _in_a_column(cells[0][0], columns[1:], size):
        return cells[0][1]
    parts, at = [], 0
    for x, words in cells:
        column = next((index for index, start in enumerate(columns) if abs(x - start) <= 2 * size), at)
        column = max(column, at)
        parts.append("\t" * (column - at) + words)
        at = column + 1
    return "\t".join(parts)


_PAGE_NUMBER = re.compile(r"[\s\-－—–·]*(第\s*\d+\s*页(\s*[/／共]\s*\d+\s*页?)?|\d{1,4}(\s*/\s*\d{1,4})?)[\s\-－—–·]*")
_LABEL_START = re.compile(r"[\u4e00-\u9fff]{2,6}[：:]")


def _reflow(pages: list[list[_Row]]) -> str:
    """Join the printed lines of each paragraph: a line that reaches the right margin goes on in the next one,
    unless the next one is indented or opens with a heading number (一、 （一） 1．) or a label (牵头单位：)."""
    rows = [row for page in pages for row in page]
    plain = [row for row in rows if "\t" not in row.text]
    if not plain:
        return "\n".join(row.text for row in rows)
    right = max(row.x1 for row in plain)
    left = min(row.x0 for row in plain)
    out: list[str] = []
    joining = False
    for index, row in enumerate(rows):
        if joining and out:
            out[-1] += row.text
        else:
            out.append(row.text)
        following = rows[index + 1] if index + 1 < len(rows) else None
        joining = (
            following is not None
            and "\t" not in row.text + following.text
            and row.x1 >= right - 2.5 * row.size
            and following.x0 < left + 1.5 * following.size  # an indented line opens a paragraph
            and match_heading(following.text) is None
            and not _LABEL_START.match(following.text)
        )
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- .html

_HTML_SKIP = {"script", "style", "noscript", "head", "nav", "footer", "template", "iframe", "svg", "object",
              "select", "button", "title", "math", "canvas", "audio", "video"}
_HTML_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tbody", "thead",
                "tfoot", "section", "article", "blockquote", "pre", "dl", "dt", "dd", "center", "form", "main",
                "figure", "figcaption", "address", "hr", "header", "aside", "caption", "body", "html"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_GB = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "csgb2312", "euc-cn", "gb18030", "ms936"}


def _html_text(name: str, data: bytes) -> tuple[str, str]:
    markup, encoding = _decode_html(name, data)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    lines = _HtmlLines()
    lines.walk(soup)
    return "\n".join(lines.finish()), f"html/{encoding}"


def _decode_html(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        if b"\x00" in data[:65536] or _sniff(data):
            raise _disguised(name, data, "an HTML page")
        declared = _CHARSET.search(data[:8192])
        candidates = []
        if declared:
            label = declared.group(1).decode("ascii").lower()
            candidates.append("gb18030" if label in _GB else label)
        candidates += ["utf-8", "gb18030"]
    for encoding in dict.fromkeys(candidates):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise DocumentError(f"{name}: undecodable HTML (tried {', '.join(dict.fromkeys(candidates))})")


class _HtmlLines:
    """Text of an HTML tree with a line per block element or <br>, table rows as TAB-separated cells."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []

    def walk(self, root) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import PreformattedString

        stack: list = [iter(root.children)]
        closing: list[str | None] = [None]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                if closing.pop():
                    self.newline()
                continue
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA, processing instructions
                continue
            if isinstance(child, NavigableString):
                self.current.append(re.sub(r"[ \t\n\r\f]+", " ", str(child)))
            elif isinstance(child, Tag):
                tag = (child.name or "").lower()
                if tag in _HTML_SKIP or _hidden(child):
                    continue
                if tag == "br":
                    self.newline()
                elif tag == "tr":
                    self.newline()
                    self.current.append("\t".join(_cell_text(cell) for cell in child.find_all(["td", "th"], recursive=False)))
                    self.newline()
                else:
                    block = tag in _HTML_BLOCKS
                    if block:
                        self.newline()
                    stack.append(iter(child.children))
                    closing.append(tag if block else None)

    def newline(self) -> None:
        line = "".join(self.current).strip(" \u3000\u00a0")
        self.current = []
        if line.strip():
            self.lines.append(_no_spaces_between_cjk(line))

    def finish(self) -> list[str]:
        self.newline()
        return self.lines


def _cell_text(cell) -> str:
    inner = _HtmlLines()
    inner.walk(cell)
    return " ".join(line.replace("\t", " ") for line in inner.finish())


def _hidden(tag) -> bool:
    style = tag.get("style") if hasattr(tag, "get") else None
    return isinstance(style, str) and bool(re.search(r"display\s*:\s*none", style, re.I))
