"""The variants of a golden document that ``tests/test_variants.py`` extracts: every text rewrite of
:mod:`kg.variants` (traditional characters, no line breaks, inline numbering, page-number noise, full-width and
half-width forms, spaced digits, wrapped table cells) and the ``.docx``, ``.pdf`` and ``.html`` renderings of
``tests/document_formats.py``. Each must give the facts of its base document's golden annotation.

A text variant is read as a ``.txt`` file of the base document's name and carries the offset map of its
rewrite (:class:`kg.variants.TextVariant`: base offset → variant offset); a rendering is bytes of its format,
read by the format's own reader, with no offset map (its text is whatever the reader makes of it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.extract.reading import SourceDocument, document_from_bytes, read_document
from kg.variants import TextVariant, text_variants
from tests.document_formats import cjk_font, to_docx, to_html, to_pdf

#: The renderings, slow ones (more than a second per document) marked.
RENDERINGS: dict[str, tuple[str, bool]] = {"docx": (".docx", True), "pdf": (".pdf", True), "html": (".html", False)}


@dataclass(frozen=True)
class Variant:
    """One variant of a base document: a text rewrite (``text_variant``) or a rendering (``render``)."""

    name: str
    base_name: str
    suffix: str
    text_variant: TextVariant | None = None
    render: Callable[[], bytes] | None = None
    slow: bool = False
    unavailable: str | None = None  # why this variant cannot be made here (then a test skips)

    @property
    def file_name(self) -> str:
        return Path(self.base_name).stem + self.suffix

    def data(self) -> bytes:
        if self.text_variant is not None:
            return self.text_variant.text.encode("utf-8")
        assert self.render is not None
        return self.render()

    def read(self) -> SourceDocument:
        """The variant as airkg reads it (raises :class:`~kg.errors.DocumentError` when refused)."""
        return document_from_bytes(self.file_name, self.data())


@cache
def base_document(source: Path) -> SourceDocument:
    return read_document(source)


def variants_of(source: Path) -> list[Variant]:
    """Every variant of the document at ``source`` that applies to it: the text rewrites that change its text,
    then the renderings."""
    base = base_document(source)
    found = [Variant(name=variant.name, base_name=base.name, suffix=".txt", text_variant=variant)
             for variant in text_variants(base.text)]
    for name, (suffix, slow) in RENDERINGS.items():
        found.append(Variant(name=name, base_name=base.name, suffix=suffix, render=_renderer(name, base.text),
                             slow=slow, unavailable=_unavailable(name)))
    return found


def _renderer(name: str, text: str) -> Callable[[], bytes]:
    if name == "docx":
        return lambda: to_docx(text)
    if name == "html":
        return lambda: to_html(text)
    return lambda: to_pdf(text, cjk_font())


def _unavailable(name: str) -> str | None:
    if name == "pdf" and cjk_font() is None:
        return "no CJK font for PDF rendering (fonts-wqy-microhei; scripts/setup.sh --system installs it)"
    return None
