"""Where the RDF builder (:mod:`kg.rdf_building`) writes: rdflib terms into a ``Graph`` (:class:`GraphSink`),
or N-Quads text into bytes (:class:`NQuadsSink`), the same triples either way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rdflib import XSD, Graph, Literal, URIRef

from kg.store.terms import _IRI_FORBIDDEN, _TO_ESCAPE, _escape_char

_XSD_DATE, _XSD_BOOLEAN = XSD.date, XSD.boolean


class GraphSink:
    """Builder output as rdflib terms in a Graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @staticmethod
    def iri(value: str) -> URIRef:
        return URIRef(value)

    @staticmethod
    def const(term: URIRef) -> URIRef:
        return term

    @staticmethod
    def lit(value: Any, lang: str | None = None, datatype: URIRef | None = None) -> Literal:
        return Literal(value, lang=lang, datatype=datatype)

    def triple(self, s: Any, p: Any, o: Any) -> None:
        self.graph.add((s, p, o))


@lru_cache(maxsize=4096)
def _decimal_lexical(written: str, datatype: URIRef) -> str:
    """rdflib's lexical form of a decimal (1E+2 → 100), which costs an rdflib Literal to learn."""
    return str(Literal(Decimal(written), datatype=datatype))


class NQuadsSink:
    """Builder output as N-Quads lines in one named graph, each triple once, in the order first made.

    Terms are N-Triples text (``<iri>``, ``"text"@zh``, ``"5"^^<…#integer>``) with the lexical
    forms rdflib gives the same values, so the quads are exactly those of :class:`GraphSink`'s
    graph (``tests/test_bulk_loading.py`` checks it). They are kept as UTF-8 bytes: a term is
    encoded once, however many lines it is in, and lines are joined without being re-encoded.
    """

    def __init__(self, graph_iri: str) -> None:
        self.suffix = b" " + self.iri(graph_iri) + b" .\n"
        self.lines: dict[bytes, None] = {}
        """Each triple as ``s p o``: the graph and the line end are the same on every line."""
        self._consts: dict[URIRef, bytes] = {}

    @staticmethod
    def iri(value: str) -> bytes:
        if _IRI_FORBIDDEN.search(value):
            raise ValueError(f"not a valid IRI: {value!r}")
        return f"<{value}>".encode("utf-8")

    def const(self, term: URIRef) -> bytes:
        found = self._consts.get(term)
        if found is None:
            found = self._consts[term] = self.iri(str(term))
        return found

    def lit(self, value: Any, lang: str | None = None, datatype: URIRef | None = None) -> bytes:
        if type(value) is int and datatype is not None:  # offsets: nothing to escape
            return f'"{value}"^^'.encode("utf-8") + self.const(datatype)
        if datatype is None:
            if isinstance(value, bool):
                return (b'"true"^^' if value else b'"false"^^') + self.const(_XSD_BOOLEAN)
            if not isinstance(value, str):
                raise TypeError(f"no datatype given for {value!r}")
            text = '"' + _TO_ESCAPE.sub(_escape_char, value) + '"'
            return (f"{text}@{lang}" if lang else text).encode("utf-8")
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            lexical = str(value)
        elif type(value) is dt.date and datatype == _XSD_DATE:
            lexical = value.isoformat()
        elif type(value) is Decimal:
            lexical = _decimal_lexical(str(value), datatype)
        else:  # anything rarer: rdflib's own lexical form
            lexical = str(Literal(value, datatype=datatype))
        return ('"' + _TO_ESCAPE.sub(_escape_char, lexical) + '"^^').encode("utf-8") + self.const(datatype)

    def triple(self, s: bytes, p: bytes, o: bytes) -> None:
        self.lines[b" ".join((s, p, o))] = None

    def data(self) -> bytes:
        if not self.lines:
            return b""
        return self.suffix.join(self.lines) + self.suffix


Sink = GraphSink | NQuadsSink
