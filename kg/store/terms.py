"""RDF terms across the store's boundary: rdflib <-> pyoxigraph, SPARQL / N-Triples text of a term,
SPARQL JSON results' terms, and serializing quads for export."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import AirkgError, InputError, StoreError

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
XSD_BOOLEAN = XSD + "boolean"
#: Types pyoxigraph stores as plain xsd:integer; endpoint results are mapped the same way.
DERIVED_INTEGERS = frozenset(
    XSD + name
    for name in (
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "long", "int",
        "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
)
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


#: Prefixes written into Turtle, TriG and JSON-LD exports (not ``res:``: pyoxigraph would
#: write ``res:plan\\/x``, so entity IRIs stay whole).
EXPORT_PREFIXES: dict[str, str] = {
    "airkg": "https://airkg.example.org/ontology#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


#: ``export`` format names (and aliases) -> (pyoxigraph format, keeps named graphs).
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "trig": (ox.RdfFormat.TRIG, True),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "n-quads": (ox.RdfFormat.N_QUADS, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ttl": (ox.RdfFormat.TURTLE, False),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
    "json-ld": (ox.RdfFormat.JSON_LD, True),
}


# --------------------------------------------------------------------------- SPARQL text

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LANG_TAG = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_BNODE_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_VAR_NAME = re.compile(r"\w+")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_TO_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def sparql_iri(value: str) -> str:
    """``<value>`` after checking it is an absolute IRI that cannot break out of ``<…>``.

    Raises:
        InputError: Not an absolute IRI, or holds a character IRIs may not hold.
    """
    if not _IRI_SCHEME.match(value) or _IRI_FORBIDDEN.search(value):
        raise InputError(f"not a valid absolute IRI: {value!r}")
    return f"<{value}>"


def is_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI as RFC 3987 (and so pyoxigraph) reads it, and one
    :func:`sparql_iri` takes: an id from a request that is not (``%zz``, a control or private-use
    character, a second ``#``) names nothing in any graph.

    >>> is_iri("https://airkg.example.org/id/plan/a"), is_iri("https://airkg.example.org/id/plan/%zz")
    (True, False)
    """
    try:
        ox.NamedNode(value)
        sparql_iri(value)
    except (ValueError, InputError):
        return False
    return True


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _STRING_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def sparql_term(term: Node) -> str:
    """Serialize an IRI, literal or blank node for N-Triples and SPARQL alike.

    Strings are always short, double-quoted and escaped, so the result is one token that
    no content can end early.

    Raises:
        InputError: The term is not an RDF term or is malformed.
    """
    if isinstance(term, URIRef):
        return sparql_iri(str(term))
    if isinstance(term, Literal):
        text = '"' + _TO_ESCAPE.sub(_escape_char, str(term)) + '"'
        if term.language:
            if not _LANG_TAG.fullmatch(term.language):
                raise InputError(f"not a language tag: {term.language!r}")
            return f"{text}@{term.language}"
        datatype = str(term.datatype) if term.datatype else XSD_STRING
        return text if datatype == XSD_STRING else f"{text}^^{sparql_iri(datatype)}"
    if isinstance(term, BNode):
        if not _BNODE_LABEL.fullmatch(str(term)):
            raise InputError(f"not a usable blank node label: {str(term)!r}")
        return f"_:{term}"
    raise InputError(f"not an RDF term: {term!r}")


def _ntriples(iri: str, graph: Graph) -> bytes:
    """A graph as N-Triples (UTF-8), every term validated.

    Raises:
        InputError: A term is malformed, or iterating the graph failed.
    """
    cache: dict[Node, str] = {}

    def text(term: Node) -> str:
        found = cache.get(term)
        if found is None:
            found = cache[term] = sparql_term(term)
        return found

    try:
        lines = [f"{text(s)} {text(p)} {text(o)} .\n" for s, p, o in graph]
    except AirkgError:
        raise
    except Exception as exc:  # a broken Graph: report it as the caller's input
        raise InputError(f"graph {iri} could not be read: {exc!r}") from exc
    return "".join(lines).encode("utf-8")


# --------------------------------------------------------------------------- terms


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (pyoxigraph validates IRIs and tags)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise InputError(f"not an RDF term: {term!r}")


def _typed_literal(value: str, datatype: str | None, *, remote: bool) -> Literal:
    """A non-language literal as the store API returns it.

    ``^^xsd:string`` is dropped. For endpoint results (``remote``), the types pyoxigraph
    folds into xsd:integer are folded too, and Virtuoso's booleans ``1``/``0`` become
    ``true``/``false``, so that both backends answer identically.
    """
    if not datatype or datatype in (XSD_STRING, RDF_LANG_STRING):
        return Literal(value)
    if remote and datatype in DERIVED_INTEGERS:
        datatype = XSD_INTEGER
    elif remote and datatype == XSD_BOOLEAN:
        value = {"1": "true", "0": "false"}.get(value, value)
    return Literal(value, datatype=URIRef(datatype))


#: pyoxigraph IRI or literal -> its rdflib term, shared by the converters of the embedded store
#: (terms of at most _CONVERTED_LONGEST characters); emptied when it holds _CONVERTED_MAX terms.
#: Dict operations are atomic under the GIL, so threads share it without a lock.
_CONVERTED: dict[Any, Node] = {}
_CONVERTED_MAX = 20_000
_CONVERTED_LONGEST = 1_000


class _FromOx:
    """Converts pyoxigraph terms to rdflib ones, remembering what it converted.

    Args:
        remote: The terms come from an endpoint (see :func:`_typed_literal`).
    """

    def __init__(self, *, remote: bool = False) -> None:
        # The terms of the embedded store are converted once per process, not once per query
        # (an rdflib Literal costs some microseconds to make, and the API's queries return the same
        # IRIs and values again and again): rdflib terms are immutable values, so they can be shared.
        # Endpoint terms (``remote``) and blank nodes are remembered per converter only.
        self._cache: dict[Any, Node] = {} if remote else _CONVERTED
        self._remote = remote

    def __call__(self, term: Any) -> Node:
        found = self._cache.get(term)
        if found is None:
            found = self._convert(term)
            if self._cache is not _CONVERTED:
                self._cache[term] = found
            elif not isinstance(term, ox.BlankNode) and len(term.value) <= _CONVERTED_LONGEST:
                if len(_CONVERTED) >= _CONVERTED_MAX:
                    _CONVERTED.clear()
                _CONVERTED[term] = found
        return found

    def _convert(self, term: Any) -> Node:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            return _typed_literal(term.value, term.datatype.value, remote=self._remote)
        raise StoreError(f"unsupported term from the store: {term!r}")


def _from_json(term: Mapping[str, str]) -> Node:
    """A term of a SPARQL 1.1 JSON result (or Virtuoso's ``typed-literal``) in rdflib."""
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = term.get("xml:lang")
        if lang:
            return Literal(value, lang=lang)
        return _typed_literal(value, term.get("datatype"), remote=True)
    raise StoreError(f"unsupported term in SPARQL results: {dict(term)!r}")


def _graph_of(triples: Iterable[Any], convert: _FromOx) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add((convert(triple.subject), convert(triple.predicate), convert(triple.object)))
    return graph


def _ox_ntriples(quads: Iterable[ox.Quad]) -> str:
    """Quads' triples as N-Triples, written by pyoxigraph (valid inside INSERT/DELETE DATA)."""
    return (ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _dataset_of(quads: Iterable[ox.Quad]) -> Dataset:
    """An rdflib Dataset (union default graph) holding the given named-graph quads."""
    dataset = Dataset(default_union=True)
    convert = _FromOx()
    contexts: dict[str, Graph] = {}
    batch = []
    for quad in quads:
        name = quad.graph_name.value
        context = contexts.get(name)
        if context is None:
            context = contexts[name] = dataset.graph(URIRef(name))
        batch.append((convert(quad.subject), convert(quad.predicate), convert(quad.object), context))
    dataset.addN(batch)
    return dataset


def _serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """Serialize named-graph quads with pyoxigraph.

    Raises:
        InputError: Unknown format.
    """
    try:
        rdf_format, keeps_graphs = EXPORT_FORMATS[fmt.lower()]
    except KeyError:
        known = ", ".join(sorted(EXPORT_FORMATS))
        raise InputError(f"unknown export format {fmt!r}; use one of {known}") from None
    items: Iterable[Any] = quads if keeps_graphs else (quad.triple for quad in quads)
    return ox.serialize(items, format=rdf_format, prefixes=EXPORT_PREFIXES) or b""
