"""Where a fact is said: a source span is the source document's IRI with an RFC 5147 fragment,
``res:document/{plan}#char={start},{end}``, so that a fact's provenance is the one quad
``?fact airkg:source <…/document/ID#char=440,675>``.

The offsets are character (code point) offsets into the document's ``airkg:fullText``, which is the
original text; the verbatim words are ``fullText[start:end]``, read from the store, never a stored
copy. Exports can add the W3C Web Annotation description of each span (:func:`with_web_annotation`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import RDF, XSD
from rdflib.namespace import DCTERMS, Namespace

from kg.vocabulary import AIRKG, RES

if TYPE_CHECKING:
    from kg.store import Store

OA = Namespace("http://www.w3.org/ns/oa#")
_FRAGMENT = re.compile(r"#char=(\d+),(\d+)\Z")


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """A span read back from its IRI: the document's IRI and the character offsets."""

    iri: str
    document: str
    start: int
    end: int


def document_iri(plan_id: str) -> str:
    return f"{RES}document/{plan_id}"


def span_iri(plan_id: str, start: int, end: int) -> str:
    return f"{RES}document/{plan_id}#char={start},{end}"


def parse_span(iri: object) -> SourceSpan | None:
    """The span an IRI names, or None when it is no span IRI."""
    if iri is None:
        return None
    value = str(iri)
    found = _FRAGMENT.search(value)
    if found is None or not value.startswith(f"{RES}document/"):
        return None
    return SourceSpan(value, value[:found.start()], int(found.group(1)), int(found.group(2)))


def words_of(spans: Iterable[SourceSpan], texts: Mapping[str, str]) -> dict[str, str]:
    """Each span's verbatim words, by span IRI, from its document's full text (``texts`` by document IRI);
    a span whose document's text is not given is left out."""
    out = {}
    for span in spans:
        text = texts.get(span.document)
        if text is not None:
            out[span.iri] = text[span.start:span.end]
    return out


def document_texts(store: Store, documents: Iterable[str]) -> dict[str, str]:
    """The full text of each document (by IRI) that the store holds."""
    wanted = sorted(set(documents))
    if not wanted:
        return {}
    values = " ".join(f"<{document}>" for document in wanted if "#" not in document and ">" not in document)
    rows = store.query(f"SELECT ?d ?text WHERE {{ VALUES ?d {{ {values} }} ?d <{AIRKG.fullText}> ?text }}").rows
    return {str(row["d"]): str(row["text"]) for row in rows}


def span_words(store: Store, iris: Iterable[object]) -> dict[str, str]:
    """The verbatim words of each span IRI among ``iris`` (others are left out), read from the store."""
    spans = [span for span in map(parse_span, iris) if span is not None]
    return words_of(spans, document_texts(store, (span.document for span in spans)))


def with_web_annotation(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads and, for every span they use as an object, its W3C Web Annotation description in the same
    graph: an ``oa:TextPositionSelector`` (``oa:start``, ``oa:end``), ``dcterms:source`` its document, and,
    when the document's text is among the quads, an ``oa:TextQuoteSelector`` with ``oa:exact`` its words."""
    quads = list(quads)
    texts = {quad.subject.value: quad.object.value for quad in quads if quad.predicate == _FULL_TEXT}
    seen: set[tuple[str, object]] = set()
    extra: list[ox.Quad] = []
    for quad in quads:
        span = parse_span(quad.object.value) if isinstance(quad.object, ox.NamedNode) else None
        if span is None or (span.iri, quad.graph_name) in seen:
            continue
        seen.add((span.iri, quad.graph_name))
        node, graph = quad.object, quad.graph_name
        extra += [ox.Quad(node, _TYPE, _POSITION, graph),
                  ox.Quad(node, _START, ox.Literal(str(span.start), datatype=_NON_NEGATIVE), graph),
                  ox.Quad(node, _END, ox.Literal(str(span.end), datatype=_NON_NEGATIVE), graph),
                  ox.Quad(node, _SOURCE, ox.NamedNode(span.document), graph)]
        text = texts.get(span.document)
        if text is not None:
            extra += [ox.Quad(node, _TYPE, _QUOTE, graph), ox.Quad(node, _EXACT, ox.Literal(text[span.start:span.end]), graph)]
    return quads + extra


_FULL_TEXT = ox.NamedNode(str(AIRKG.fullText))
_TYPE = ox.NamedNode(str(RDF.type))
_POSITION, _QUOTE = ox.NamedNode(str(OA.TextPositionSelector)), ox.NamedNode(str(OA.TextQuoteSelector))
_START, _END, _EXACT = ox.NamedNode(str(OA.start)), ox.NamedNode(str(OA.end)), ox.NamedNode(str(OA.exact))
_SOURCE = ox.NamedNode(str(DCTERMS.source))
_NON_NEGATIVE = ox.NamedNode(str(XSD.nonNegativeInteger))


__all__ = ["OA", "SourceSpan", "document_iri", "document_texts", "parse_span", "span_iri", "span_words",
           "with_web_annotation", "words_of"]
