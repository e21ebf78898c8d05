"""The RDF store: one named graph per plan, plus the vocabulary and region graphs.

Two backends sit behind one API (:class:`Store`), chosen by :func:`open_store`:

* :class:`OxigraphStore` (the default): pyoxigraph's RocksDB-backed ``Store(path)`` in a
  folder, no server needed. pyoxigraph is used directly and terms are converted to rdflib
  at the boundary, rather than through oxrdflib's rdflib store. ``bench/store_backends.py``
  (figures in ``BENCHMARKS.md``, "Store backends") found queries the same on both, as
  they run the same engine and convert the same terms, while loading costs 1.2-1.4x and
  an unchanged rebuild 3.8-4.6x more CPU through oxrdflib (rdflib's ``remove_graph`` +
  ``addN``, with a Python event per triple). Only replacing 1M quads with different ones
  in one call is cheaper there (0.7x), because it is not one transaction. Going direct
  gives what oxrdflib lacks: one transaction per replace (its ``commit``/``rollback`` are
  no-ops), timeouts, and plain literals without ``^^xsd:string``.
* :class:`SparqlEndpointStore`: any SPARQL 1.1 endpoint (query, update and, when known, the
  Graph Store Protocol), chosen by an ``http://`` or ``https://`` location. It is tested
  against Virtuoso 7 as Debian ships it (``scripts/virtuoso.sh``).

Whatever the backend, the rest of airkg sees rdflib: query results are rdflib terms, a
CONSTRUCT gives an ``rdflib.Graph``, :meth:`Store.dataset` an ``rdflib.Dataset``. Plain
literals come back as ``Literal("x")`` (never ``^^xsd:string``); both backends keep values,
not lexical forms, of numbers and dates, so ``"35.50"^^xsd:decimal`` comes back as
``"35.5"`` and ``"05"^^xsd:integer`` as ``"5"``, and both lower-case language tags
(``zh-Hans`` -> ``zh-hans``, which rdflib compares equal).

Queries see the union of all named graphs as their default graph.

Each store manages the named graphs whose IRI starts with its ``graph_prefix`` (by default
``https://airkg.example.org/id/graph/``): :meth:`Store.graph_iris`,
:meth:`Store.triple_count`, :meth:`Store.dataset` and :meth:`Store.export` see only those,
and writing any other graph is refused. This keeps Virtuoso's own system graphs out.

Virtuoso 7.2.5 quirks met on the way (all handled here or in ``scripts/virtuoso.sh``):

* A query without FROM sees every graph, *including Virtuoso's system graphs*
  (``http://www.openlinksw.com/schemas/virtrdf#``, ``http://www.w3.org/2002/07/owl#``,
  ``http://www.w3.org/ns/ldp#``, ``http://localuriqaserver/sparql``; ~2,650 triples on a new
  database): a bare ``COUNT(*)`` over ``?s ?p ?o`` counts them too. Hence ``graph_prefix``.
* Updates are not transactional: a multi-operation request that fails half-way keeps the
  operations before the failure (``DROP; INSERT DATA; CREATE GRAPH <existing>`` answers 500
  and leaves the graph dropped and re-filled), ``DEFINE sql:log-enable 1`` does not change
  that, and even a single Graph Store ``PUT`` whose body breaks at line 50,001 leaves the
  first 50,000 triples in place of the old graph.
* ``INSERT DATA`` does not scale: over ~5,000 triples in one request fails with "SP030:
  SPARQL compiler ... memory exhausted", several chunks in one request with "SP031: The
  length of generated SQL text has exceeded 10000 lines", and 1,000 triples take ~1 s.
  The Graph Store Protocol loads 100,000 triples in ~1.5 s, so writes use it.
* Graph Store Protocol endpoints: ``/sparql-graph-crud`` (anonymous: read-only, as ``/sparql``,
  once ``scripts/virtuoso.sh`` has set up its accounts) and ``/sparql-graph-crud-auth`` (HTTP
  *digest* auth: the loading account ``airkg_loader``, or dba). The anonymous one is the default,
  the authenticated one (and ``/sparql-auth`` for updates) is used when the location carries
  ``user:password@``. ``GET`` of a missing graph answers 404.
* Its read-only SPARQL user may still call built-in functions: ``bif:http_get`` fetches a URL and
  ``bif:exec('checkpoint')`` runs SQL (7.20.3229 refuses only some, such as ``bif:system``), so the
  guard refuses every function but SPARQL's own before a query is sent, and Virtuoso's port must
  not be reachable by anyone but airkg.
* A Graph Store ``PUT`` ignores Content-Type and sniffs the body: N-Triples with a long
  Chinese literal (~130 KB) is refused as "unsupported type text/plain" (500). Bodies are
  sent as Turtle that starts with an ``@prefix`` line, which it recognises.
* ``DESCRIBE`` without FROM returns nothing unless ``DEFINE sql:describe-mode "CBD"`` is
  given; it is prepended for Virtuoso.
* A ``timeout`` parameter (milliseconds) makes it an "anytime query": HTTP 200 with partial
  (often empty) results and ``X-SQL-State: S1TAT``; that header is turned into
  :class:`~kg.errors.QueryTimeout`. It also refuses up front a query whose *estimated* time
  exceeds ``MaxQueryCostEstimationTime`` (HTTP 500 "The estimated execution time ...").
* Results silently stop at ``ResultSetMaxRows`` (10,000 by default): our ini raises it, and
  graph reads compare the triple count with a ``COUNT(*)`` and fail rather than truncate.
* SPARQL JSON results use the SPARQL 1.0 ``"typed-literal"`` type; the SPARQL endpoint
  answers updates with an XML result set (``callret-0``: "Insert into <g>, 5 (or less)
  triples -- done"); syntax errors are HTTP 400 ``text/plain`` "Virtuoso 37000 Error SP030",
  followed by an echo of the query (dropped from our messages); it echoes queries with a
  ``define sql:big-data-const 0`` it added itself.
* It runs updates sent in the ``query`` parameter (``query=INSERT DATA {...}`` answers 200
  and inserts), so :meth:`Store.query` refuses any text with an update keyword (or
  SERVICE) before it is sent.
* Values: ``"true"^^xsd:boolean`` comes back as ``"1"`` (mapped back to ``true``);
  ``xsd:nonNegativeInteger``/``xsd:int``... are kept, while pyoxigraph stores every derived
  integer type as ``xsd:integer``: endpoint results are folded the same way so both
  backends answer alike (so a SHACL ``sh:datatype xsd:nonNegativeInteger`` cannot hold on
  :meth:`Store.dataset`, on either backend). Decimals come back canonical (``35.50`` ->
  ``35.5``, ``1.0`` -> ``1``) and language tags lower-cased, as from pyoxigraph.
* It predefines many prefixes (``rdfs:``, ``xsd:``, ``owl:``, ``skos:``) but not all we use
  (``dcterms:``, ``airkg:``); the missing ones of :data:`QUERY_PREFIXES` are declared in
  the text sent, so a query means the same on both backends.

Remote writes are *not* atomic in the database sense; see
:meth:`SparqlEndpointStore.replace_graphs` for exactly what is guaranteed.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import json
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Literal as TypingLiteral, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, expandUnicodeEscapes_re
from rdflib.term import Node

from kg.errors import (
    AirkgError,
    ForbiddenQuery,
    InputError,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    StoreError,
)
from kg.sparql_guard import PreciseSyntaxError, Verdict, check_read_only

__all__ = [
    "DEFAULT_GRAPH_PREFIX",
    "DEFAULT_LOCATION",
    "ENV_VAR",
    "EXPORT_FORMATS",
    "OxigraphStore",
    "QUERY_PREFIXES",
    "QueryResult",
    "SparqlEndpointStore",
    "Store",
    "open_store",
]

log = logging.getLogger(__name__)

ENV_VAR = "AIRKG_STORE"
GSP_ENV_VAR = "AIRKG_STORE_GSP"
DEFAULT_LOCATION = "./airkg-store"
DEFAULT_GRAPH_PREFIX = "https://airkg.example.org/id/graph/"
#: The folder, inside an embedded store's folder, that undoes a bulk load cut short (``_bulk_replace``).
BULK_JOURNAL = "airkg-bulk-load-journal"

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

#: Prefixes every query may use undeclared, on both backends (a query's own PREFIX wins).
QUERY_PREFIXES: dict[str, str] = {
    **EXPORT_PREFIXES,
    "res": "https://airkg.example.org/id/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": "http://www.w3.org/ns/shacl#",
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

QueryKind = TypingLiteral["select", "ask", "construct", "describe"]
Bindings = Mapping[str, Node]
_T = TypeVar("_T")


# --------------------------------------------------------------------------- results


@dataclass
class QueryResult:
    """The answer to :meth:`Store.query`, in rdflib terms.

    Attributes:
        kind: ``"select"``, ``"ask"``, ``"construct"`` or ``"describe"``.
        vars: The projected variable names, without ``?`` (SELECT only).
        rows: One dict per solution, every variable a key, ``None`` where unbound (SELECT).
        boolean: The answer of an ASK, else ``None``.
        graph: The triples of a CONSTRUCT or DESCRIBE, else ``None``.
    """

    kind: QueryKind
    vars: list[str] = field(default_factory=list)
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


# --------------------------------------------------------------------------- the API


class Store(ABC):
    """A quad store holding airkg's named graphs; use it as a context manager."""

    graph_prefix: str | None

    @abstractmethod
    def replace_graphs(self, graphs: Mapping[str, Graph]) -> None:
        """Replace each named graph whole with the given triples, all or nothing.

        An empty graph removes the named graph. Graphs not named are left alone.

        Args:
            graphs: Graph IRI -> its complete new content.

        Raises:
            InputError: A graph IRI or term is unusable, or a graph could not be read;
                nothing was written.
            StoreError: The store failed while writing.
        """

    def replace_graphs_nquads(self, source: str | os.PathLike[str], graphs: Collection[str], *,
                              bulk: bool = False, trusted: bool = False) -> None:
        """Replace each graph of ``graphs`` whole with its quads in the N-Quads file ``source``.

        As :meth:`replace_graphs`, all or nothing, without making an rdflib term on the way (what
        ``airkg ingest`` and ``airkg build`` use). A graph of ``graphs`` the file does not hold is
        removed; graphs not named are left alone. This default reads the file into rdflib graphs
        and calls :meth:`replace_graphs`.

        Args:
            source: An N-Quads file (UTF-8) whose every quad is in one of ``graphs``.
            graphs: The IRIs of the graphs replaced.
            bulk: Use the store's bulk loader if it has one (the embedded store: 2-4x faster on a
                national corpus, in bounded memory, see ``BENCHMARKS.md``). Readers in the same
                process may then see the graphs half-loaded; a failure is undone at once, a
                crash when the store is next opened for writing.
            trusted: The file was written by airkg's own builders, which make every IRI absolute and
                refuse characters IRIs may not hold: the bulk loader skips its IRI checks (~13% faster).

        Raises:
            InputError: The file does not parse, or holds a quad outside ``graphs``; nothing was
                written.
            StoreError: The store failed while writing.
        """
        self.replace_graphs(_graphs_of_nquads(source, graphs))

    @property
    def generation(self) -> int | None:
        """A number that changes whenever this object has written to the store, so that what was read
        from it can be reused until then; None when others may write to it unseen (a remote endpoint):
        nothing read may then be reused."""
        return None

    @abstractmethod
    def remove_graph(self, iri: str) -> bool:
        """Remove one named graph.

        Args:
            iri: The graph's IRI.

        Returns:
            False if there was no such graph (or it was empty), else True.
        """

    @abstractmethod
    def graph_iris(self) -> list[str]:
        """The IRIs of the non-empty graphs under ``graph_prefix``, sorted."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        timeout: float | None = None,
        max_rows: int | None = None,
        *,
        max_bytes: int | None = None,
    ) -> QueryResult:
        """Run a read-only SPARQL query over the union of all named graphs.

        Every query first passes :func:`kg.sparql_guard.check_read_only` (parsed before it
        runs: no update, no SERVICE, FROM only of this store's graphs).

        Args:
            sparql: A SELECT, ASK, CONSTRUCT or DESCRIBE query. The prefixes of
                :data:`QUERY_PREFIXES` (``airkg:``, ``res:``, ``rdfs:``, ``xsd:``, ...) may be
                used without declaring them.
            bindings: Variable name (with or without ``?``) -> IRI or literal. They go in
                as a ``VALUES`` block opening the WHERE clause, each term serialized by
                :func:`sparql_term` (IRIs validated, strings escaped), on both backends:
                pyoxigraph's ``substitutions`` would be safer still but only accept
                variables of the SELECT projection ("The SPARQL query does not contains
                variable ?s in its SELECT projection"), and VALUES gives both backends
                the same semantics.
            timeout: Seconds before :class:`~kg.errors.QueryTimeout`; None for no limit.
            max_rows: Most solutions (or triples) a result may hold; None for no cap.
            max_bytes: Most characters the values of the result's terms may add up to (counted as
                they are read, so a result past it is never held whole); None for no cap.

        Raises:
            QuerySyntaxError: The query does not parse (the engine's message).
            ForbiddenQuery: The text holds an update, SERVICE or a FROM naming a remote graph.
            QueryTimeout: The timeout passed.
            QueryTooLarge: The result has more than ``max_rows`` rows or triples, or more than
                ``max_bytes`` characters.
            StoreError: The store could not be read or reached.
        """

    @abstractmethod
    def triple_count(self) -> int:
        """The number of quads in the managed graphs (a triple in two graphs counts twice)."""

    @abstractmethod
    def dataset(self) -> Dataset:
        """A read copy of the managed graphs, as an in-memory rdflib Dataset (union default)."""

    @abstractmethod
    def export(self, fmt: str) -> bytes:
        """Serialize the managed graphs.

        Args:
            fmt: ``trig``, ``nquads``, ``jsonld`` (named graphs kept) or ``turtle`` (the
                union of the graphs), or one of the aliases in :data:`EXPORT_FORMATS`.

        Raises:
            InputError: Unknown format.
        """

    @abstractmethod
    def close(self) -> None:
        """Release the store; further calls raise :class:`~kg.errors.StoreError`."""

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_graph_iri(self, iri: str) -> str:
        """Validate a graph IRI and check it is under ``graph_prefix``."""
        sparql_iri(iri)
        if self.graph_prefix and not iri.startswith(self.graph_prefix):
            raise InputError(f"graph {iri} is outside this store's graphs ({self.graph_prefix}…)")
        return iri

    def _managed(self, iri: str) -> bool:
        return not self.graph_prefix or iri.startswith(self.graph_prefix)


def open_store(location: str | None = None, read_only: bool = False) -> Store:
    """Open the store at ``location``.

    Args:
        location: ``http://…`` or ``https://…``: a SPARQL endpoint (see
            :class:`SparqlEndpointStore`; ``user:password@`` in it selects Virtuoso's
            digest-authenticated Graph Store endpoint). Anything else: a folder for
            :class:`OxigraphStore`, created if missing. None: the environment variable
            ``AIRKG_STORE``, else ``./airkg-store`` (relative to the working directory).
        read_only: Only read (an embedded store is then opened read-only, so it can be read while
            another process, such as ``airkg serve``, holds it; writes fail).

    Returns:
        The open store.
    """
    location = location or os.environ.get(ENV_VAR) or DEFAULT_LOCATION
    if location.startswith(("http://", "https://")):
        url, auth = _split_userinfo(location)
        gsp = os.environ.get(GSP_ENV_VAR)
        return SparqlEndpointStore(url, gsp_url=gsp, auth=auth)
    return OxigraphStore(Path(location).expanduser(), read_only=read_only)


def _split_userinfo(url: str) -> tuple[str, httpx.Auth | None]:
    parts = urlsplit(url)
    if not parts.username:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, httpx.DigestAuth(parts.username, parts.password or "")


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


def _quads_by_graph(source: str | os.PathLike[str], graphs: Collection[str]) -> dict[str, list[ox.Quad]]:
    """The quads of an N-Quads file per graph, every graph of ``graphs`` a key (empty if absent).

    Raises:
        InputError: The file does not parse, or holds a quad outside ``graphs``.
    """
    found: dict[str, list[ox.Quad]] = {iri: [] for iri in graphs}
    try:
        for quad in _parse_nquads(source):
            name = quad.graph_name
            quads = found.get(name.value) if isinstance(name, ox.NamedNode) else None
            if quads is None:
                raise InputError(f"{source} holds a quad outside the graphs to replace: {quad}")
            quads.append(quad)
    except (SyntaxError, OSError, MemoryError) as exc:
        raise InputError(f"{source} could not be read as N-Quads: {exc}") from exc
    return found


def _graphs_of_nquads(source: str | os.PathLike[str], graphs: Collection[str]) -> dict[str, Graph]:
    convert = _FromOx()
    return {iri: _graph_of((quad.triple for quad in quads), convert)
            for iri, quads in _quads_by_graph(source, graphs).items()}


# --------------------------------------------------------------------------- N-Quads files with long lines

#: pyoxigraph reads a file (or a stream) through a buffer of at most 16 MiB, so an N-Quads line longer than
#: that (a plan's full text over ~16 MB, ``docs/ingest.md``) cannot be parsed from one; from bytes in memory
#: its bulk loader takes any length. Lines from this length on are set aside and loaded one by one.
LONG_LINE = 8 * 1024 * 1024
_SCAN_BLOCK = 64 * 1024 * 1024


def _has_long_line(source: str | os.PathLike[str]) -> bool:
    """Whether the file holds a line of :data:`LONG_LINE` bytes or more (one read, in blocks)."""
    if os.path.getsize(source) < LONG_LINE:
        return False
    with open(source, "rb") as file:
        tail = b""
        while block := file.read(_SCAN_BLOCK):
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            if len(tail) >= LONG_LINE or max(map(len, lines), default=0) >= LONG_LINE:
                return True
    return False


class _ShortLines(io.RawIOBase):
    """A file without its lines of :data:`LONG_LINE` bytes or more, whose offsets it records in :attr:`long`
    as it passes them (see :func:`_long_lines`)."""

    def __init__(self, source: str | os.PathLike[str]) -> None:
        super().__init__()
        self._file = open(source, "rb")  # noqa: SIM115 - closed by close()
        self._offset = 0  # of the first byte of _pending in the file
        self._pending = b""  # an incomplete line
        self._ready = bytearray()
        self._skipping = False
        self.long: list[int] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._ready:
            block = self._file.read(1024 * 1024)
            if not block:
                if self._pending and not self._skipping:
                    self._ready += self._pending
                self._pending = b""
                break
            self._take(block)
        size = min(len(buffer), len(self._ready))
        buffer[:size] = self._ready[:size]
        del self._ready[:size]
        return size

    def _take(self, block: bytes) -> None:
        if self._skipping:
            end = block.find(b"\n")
            if end < 0:
                self._offset += len(block)
                return
            self._skipping = False
            self._offset += end + 1
            block = block[end + 1:]
        data = self._pending + block
        end = data.rfind(b"\n")
        if end >= 0:
            lines, self._pending = data[:end + 1], data[end + 1:]
            if len(lines) >= LONG_LINE:  # a long line may be among them (else one block of lines is shorter)
                start = 0
                for line in lines.split(b"\n")[:-1]:
                    if len(line) + 1 >= LONG_LINE:
                        self.long.append(self._offset + start)
                    else:
                        self._ready += line + b"\n"
                    start += len(line) + 1
            else:
                self._ready += lines
            self._offset += end + 1
        else:
            self._pending = data
        if len(self._pending) >= LONG_LINE:
            self.long.append(self._offset)
            self._offset += len(self._pending)
            self._pending = b""
            self._skipping = True

    def close(self) -> None:
        self._file.close()
        super().close()


def _long_lines(source: str | os.PathLike[str], offsets: list[int]) -> Iterator[bytes]:
    """The lines that start at ``offsets`` in the file, one at a time."""
    with open(source, "rb") as file:
        for offset in offsets:
            file.seek(offset)
            yield file.readline()


def _bulk_load_nquads(db: ox.Store, source: str | os.PathLike[str], *, lenient: bool = False) -> None:
    """pyoxigraph's bulk load of an N-Quads file, whatever the length of its lines (:data:`LONG_LINE`).

    A long line's blank nodes are not shared with other lines (the bulk loader names them anew per call);
    airkg's long lines are literals of IRI subjects.
    """
    if not _has_long_line(source):
        db.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS, lenient=lenient)
        return
    short = _ShortLines(source)
    with short:
        db.bulk_load(input=io.BufferedReader(short, 1024 * 1024), format=ox.RdfFormat.N_QUADS, lenient=lenient)
    for line in _long_lines(source, short.long):
        db.bulk_load(input=line, format=ox.RdfFormat.N_QUADS, lenient=lenient)


def _parse_nquads(source: str | os.PathLike[str]) -> Iterator[ox.Quad]:
    """The quads of an N-Quads file, whatever the length of its lines (as :func:`_bulk_load_nquads`)."""
    if not _has_long_line(source):
        yield from ox.parse(path=source, format=ox.RdfFormat.N_QUADS)
        return
    short = _ShortLines(source)
    with short:
        yield from ox.parse(input=io.BufferedReader(short, 1024 * 1024), format=ox.RdfFormat.N_QUADS)
    for line in _long_lines(source, short.long):
        scratch = ox.Store()
        scratch.bulk_load(input=line, format=ox.RdfFormat.N_QUADS)
        yield from scratch.quads_for_pattern(None, None, None, None)


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


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*")'
    r"|(?P<var>[?$]\w+)"
    r"|(?P<brace>[{}])"
    r"|(?P<word>[^\s{}()<>\"'#,;?$=!&|+*/\[\]^@]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_FORBIDDEN_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "SERVICE"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(sparql: str) -> list[_Token]:
    """The significant tokens of a query: comments, strings and IRIs are single tokens."""
    out = []
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append(_Token(kind, match.group(), match.start(), match.end()))
    return out


@dataclass(frozen=True)
class _QueryShape:
    """What the store needs to know of a query without parsing it properly."""

    kind: QueryKind
    form: int  # offset of the SELECT/ASK/CONSTRUCT/DESCRIBE keyword
    where: int | None  # offset just after the "{" opening the WHERE clause
    declared: frozenset[str]  # prefixes the query declares itself
    dataset: bool = False  # the query names its dataset (FROM / FROM NAMED): not run over the union


#: rdflib's SPARQL grammar (pyparsing) is not thread-safe: parsed from several threads at once while
#: its parse actions are new, it breaks for good (every later parse fails with "postParse2() missing
#: 1 required positional argument"), e.g. when a fresh server takes concurrent requests. So the
#: guard's parse (the only use of that grammar while serving) runs under this lock.
_GUARD_LOCK = threading.Lock()


@lru_cache(maxsize=1024)
def _shape(sparql: str) -> _QueryShape:
    """Find the query form and the WHERE clause; refuse updates and SERVICE.

    Memoized by text (a refused or malformed text raises again each time: exceptions are not
    cached), as the guard's parse is: the API sends the same few texts with other bindings.

    The parse-based guard (:func:`~kg.sparql_guard.check_read_only`) decides first; a scan of the
    tokens for update keywords and SERVICE is a second, independent check, and also what refuses
    text the guard cannot parse but which holds such a keyword (``SELECT … ; CLEAR ALL``).

    Raises:
        QuerySyntaxError: Not a query; no SELECT, ASK, CONSTRUCT or DESCRIBE where one must be.
        ForbiddenQuery: An update, SERVICE, or a FROM naming a graph elsewhere.
    """
    tokens = _tokens(sparql)
    try:
        verdict = _check_read_only(sparql, tokens)
    except ForbiddenQuery:
        raise
    except QuerySyntaxError:
        _refuse_keywords(tokens)
        raise
    _refuse_keywords(tokens)
    index = _form_index(tokens)
    kind: QueryKind = tokens[index].text.lower()  # type: ignore[assignment]
    declared = frozenset(
        tokens[i + 1].text.rstrip(":") for i in range(index) if tokens[i].text.upper() == "PREFIX"
    )
    return _QueryShape(kind, tokens[index].start, _where_offset(tokens, index), declared, verdict.dataset)


def _check_read_only(sparql: str, tokens: list[_Token]) -> Verdict:
    """:func:`~kg.sparql_guard.check_read_only`, parsing the text with its VALUES data cut short.

    rdflib's parse costs 5-60 ms, so the guard remembers its verdict by text; but the API's queries
    differ by the IRIs of a VALUES block (a page of measures), and would be parsed anew for every
    page. The guard's verdict does not depend on the rows of a block made only of IRIs, integers
    and UNDEF (no SERVICE, FROM, update or prefixed name can be there), so it is given the text with
    each such block cut to one row (:func:`_guard_text`): one parse per query shape. A syntax error
    is reported from the text as sent, so that its line and column are right.
    """
    prefixes = tuple(QUERY_PREFIXES.items())
    with _GUARD_LOCK:
        try:
            return check_read_only(_guard_text(sparql, tokens), prefixes, DEFAULT_GRAPH_PREFIX)
        except QuerySyntaxError:
            check_read_only(sparql, prefixes, DEFAULT_GRAPH_PREFIX)
            raise


_VALUE_WORD = re.compile(r"[0-9]+|UNDEF", re.IGNORECASE)
_PLACEHOLDER = "<urn:airkg:value>"


def _guard_text(sparql: str, tokens: list[_Token]) -> str:
    """``sparql`` with each ``VALUES`` block whose data is only IRIs (``<…>``), unsigned integers and
    ``UNDEF`` cut to one row of placeholders of its arity; unchanged if it holds a backslash.

    Without a backslash there is no ``\\u`` escape, so the tokens seen here (strings, comments and
    IRIs whole) are the ones every SPARQL parser sees, and what is replaced is data and nothing else.
    """
    if "\\" in sparql:
        return sparql
    out: list[str] = []
    last = i = 0
    while i < len(tokens):
        if not (tokens[i].kind == "word" and tokens[i].text.upper() == "VALUES"):
            i += 1
            continue
        j, arity, listed = i + 1, 0, False
        if j < len(tokens) and tokens[j].kind == "var":
            arity, j = 1, j + 1
        elif j < len(tokens) and tokens[j].text == "(":
            listed, j = True, j + 1
            while j < len(tokens) and tokens[j].kind == "var":
                arity, j = arity + 1, j + 1
            if j >= len(tokens) or tokens[j].text != ")":
                i += 1
                continue
            j += 1
        if j >= len(tokens) or tokens[j].text != "{" or (arity == 0 and not listed):
            i += 1
            continue
        opening = j
        j += 1
        while j < len(tokens) and (tokens[j].kind == "iri" or tokens[j].text in ("(", ")") or (
                tokens[j].kind == "word" and _VALUE_WORD.fullmatch(tokens[j].text))):
            j += 1
        if j >= len(tokens) or tokens[j].text != "}":
            i += 1
            continue
        row = " ".join([_PLACEHOLDER] * arity)
        out += [sparql[last:tokens[opening].start], f"{{ ({row}) }}" if listed else f"{{ {row} }}"]
        last, i = tokens[j].end, j + 1
    return "".join(out) + sparql[last:]


def _refuse_keywords(tokens: list[_Token]) -> None:
    for token in tokens:
        if token.kind == "word" and token.text.upper() in _FORBIDDEN_WORDS:
            raise ForbiddenQuery(f"{token.text.upper()} is not allowed: queries are read-only and never fetch remote data")
        if token.kind in ("word", "iri") and _VENDOR_NAME.match(token.text):
            raise ForbiddenQuery(f"{token.text} is not allowed: Virtuoso's bif: and sql: names (and OpenLink's) "
                                 "are never passed on")


#: Virtuoso's function namespaces as a token spells them (a second check besides the guard's parse).
_VENDOR_NAME = re.compile(r"<?(?:bif|sql):|<https?://(?:www\.)?openlinksw\.com/", re.IGNORECASE)


def _expanded(sparql: str) -> str:
    """The text with its ``\\u`` / ``\\U`` escapes expanded exactly as the guard's parser (rdflib) expands
    them, sent so to an endpoint, so that it runs what the guard read whatever its own handling of escapes.

    Raises:
        QuerySyntaxError: An escape that names no character, or one that expands into another escape.
    """
    if "\\" not in sparql or not expandUnicodeEscapes_re.search(sparql):
        return sparql
    try:
        text = expandUnicodeEscapes(sparql)
    except ValueError:
        raise QuerySyntaxError("the query holds a \\u escape that names no character") from None
    if expandUnicodeEscapes_re.search(text):
        raise QuerySyntaxError("the query holds a \\u escape that writes another escape; write the character itself")
    return text


def _form_index(tokens: list[_Token]) -> int:
    """Index of the query-form keyword, after the prologue (BASE, PREFIX, Virtuoso's DEFINE)."""
    i = 0
    while i < len(tokens):
        word = tokens[i].text.upper() if tokens[i].kind == "word" else ""
        if word in _QUERY_FORMS:
            return i
        if word == "BASE":
            i += 2
        elif word in ("PREFIX", "DEFINE"):
            i += 3
        else:
            found = tokens[i].text[:40]
            raise QuerySyntaxError(f"expected a SELECT, ASK, CONSTRUCT or DESCRIBE query, found {found!r}")
    raise QuerySyntaxError("expected a SELECT, ASK, CONSTRUCT or DESCRIBE query, found nothing")


def _where_offset(tokens: list[_Token], form: int) -> int | None:
    """Offset just after the brace that opens the WHERE group, None if there is none."""
    i = form + 1
    is_construct = tokens[form].text.upper() == "CONSTRUCT"
    if is_construct and not (i < len(tokens) and tokens[i].text.upper() == "WHERE"):
        i = _skip_group(tokens, i)  # the template
    for token in tokens[i:]:
        if token.text == "{":
            return token.end
    return None


def _skip_group(tokens: list[_Token], i: int) -> int:
    """Index after the brace group starting at or after ``i``."""
    depth = 0
    while i < len(tokens):
        if tokens[i].text == "{":
            depth += 1
        elif tokens[i].text == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _check_bindings(bindings: Bindings | None, shape: _QueryShape) -> dict[str, Node]:
    """Bindings keyed by bare variable name, each an IRI or literal.

    Raises:
        InputError: A bad variable name or value, or nowhere to put the bindings.
    """
    out: dict[str, Node] = {}
    for key, value in (bindings or {}).items():
        name = str(key).lstrip("?$")
        if not _VAR_NAME.fullmatch(name):
            raise InputError(f"not a SPARQL variable name: {key!r}")
        if not isinstance(value, (URIRef, Literal)):
            raise InputError(f"binding for ?{name} must be an IRI or a literal, not {value!r}")
        out[name] = value
    if out and shape.where is None:
        raise InputError("bindings need a query with a WHERE clause")
    return out


def _with_values(sparql: str, shape: _QueryShape, bindings: Mapping[str, Node]) -> str:
    """The query with a ``VALUES`` block for ``bindings`` opening its WHERE clause."""
    if not bindings or shape.where is None:
        return sparql
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(sparql_term(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    return sparql[: shape.where] + block + sparql[shape.where :]


def _with_prefixes(sparql: str, shape: _QueryShape) -> str:
    """The query with a PREFIX line, just before its form keyword, for each of
    :data:`QUERY_PREFIXES` it does not declare (for endpoints; pyoxigraph takes them as an
    argument)."""
    missing = [f"PREFIX {name}: <{iri}>\n" for name, iri in QUERY_PREFIXES.items() if name not in shape.declared]
    return sparql[: shape.form] + "".join(missing) + sparql[shape.form :]


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


# --------------------------------------------------------------------------- timeouts


class _QueryThreads:
    """Daemon threads that run queries, each kept for the next query once it is done.

    Starting a thread per query costs ~0.3 ms of CPU and a wake-up; a thread that finished its
    query waits here for the next one instead (for ``idle_seconds``, then ends). A query that runs
    past its timeout keeps its thread, as a thread of its own would have been kept: a new one is
    started whenever no thread is free, so an abandoned query never delays another.
    """

    def __init__(self, idle_seconds: float = 60.0) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._free = 0
        self._idle_seconds = idle_seconds

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            start = self._free == 0
            if not start:
                self._free -= 1
        self._jobs.put(job)
        if start:
            threading.Thread(target=self._serve, name="airkg-query", daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._free > 0:  # no job was promised to this thread: leave
                        self._free -= 1
                        return
                continue  # a job is on its way (submit counted this thread as taken)
            job()
            del job
            with self._lock:
                self._free += 1


_QUERY_THREADS = _QueryThreads()


def _run_with_timeout(work: Callable[[float | None], _T], timeout: float | None) -> _T:
    """Run ``work(deadline)``; past ``timeout`` seconds raise QueryTimeout.

    pyoxigraph cannot cancel a query, but it releases the GIL while evaluating, so the
    query runs in a daemon thread (:class:`_QueryThreads`) that is abandoned on timeout (it
    stops at the next row it yields, since ``work`` checks the deadline, or when the engine
    finishes).
    """
    if timeout is None:
        return work(None)
    deadline = time.monotonic() + timeout
    box: dict[str, Any] = {}
    done = threading.Event()

    def job() -> None:
        try:
            box["value"] = work(deadline)
        except AirkgError as exc:
            # Dropped here, not in the caller's thread: the traceback's frames hold pyoxigraph
            # results, which may only be freed by the thread that made them.
            box["error"] = exc.with_traceback(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    _QUERY_THREADS.submit(job)
    if not done.wait(timeout):
        raise QueryTimeout(f"query ran past {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _too_large(max_rows: int, what: str) -> str:
    return f"the result has more than {max_rows} {what}, the most this server returns; add a LIMIT"


def _capped(items: Iterable[_T], max_rows: int | None) -> Iterator[_T]:
    """The items, raising QueryTooLarge past ``max_rows`` of them."""
    for count, item in enumerate(items):
        if max_rows is not None and count >= max_rows:
            raise QueryTooLarge(_too_large(max_rows, "triples"))
        yield item


def _too_many_bytes(max_bytes: int) -> str:
    return (f"the result is larger than {max_bytes:,} bytes, the most this server returns; select fewer or "
            "shorter values, or add a LIMIT")


def _term_size(term: Any) -> int:
    """About what a term of a result weighs once serialized (its value, plus room for syntax)."""
    if term is None:
        return 0
    value = getattr(term, "value", None)
    if not isinstance(value, str):
        return 16
    return 16 + (len(value) if value.isascii() else 3 * len(value))  # UTF-8: at most 3 bytes a BMP character


def _triple_size(triple: Any) -> int:
    return _term_size(triple.subject) + _term_size(triple.predicate) + _term_size(triple.object)


def _bytes_capped(items: Iterable[_T], max_bytes: int | None, size: Callable[[_T], int]) -> Iterator[_T]:
    """The items, raising QueryTooLarge once their ``size`` adds up to more than ``max_bytes``."""
    total = 0
    for item in items:
        if max_bytes is not None:
            total += size(item)
            if total > max_bytes:
                raise QueryTooLarge(_too_many_bytes(max_bytes))
        yield item


def _check_deadline(deadline: float | None, timeout: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout(f"query ran past {timeout:g} s")


# --------------------------------------------------------------------------- Oxigraph


class OxigraphStore(Store):
    """pyoxigraph's on-disk store (RocksDB) in a folder; one process may open it at a time.

    Args:
        path: The folder, created if missing; None for a throw-away in-memory store.
        graph_prefix: The graphs this store manages (see the module docstring); None for all.

    Raises:
        StoreError: The folder cannot be opened (e.g. another process holds it).
    """

    def __init__(self, path: str | os.PathLike[str] | None, *, graph_prefix: str | None = DEFAULT_GRAPH_PREFIX,
                 read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.graph_prefix = graph_prefix
        self.read_only = read_only and self.path is not None and self.path.is_dir()
        self._lock = threading.Lock()
        self._generation = 0
        journal = self.path / BULK_JOURNAL if self.path is not None else None
        if self.read_only and journal is not None and journal.is_dir():
            raise StoreError(f"{self.path} holds a bulk load that was interrupted; open it for writing once "
                             "(e.g. `airkg ingest` or `airkg serve`) to roll it back")
        if not self.read_only and journal is not None and (journal / _RESTORING).exists():
            _swap_in_checkpoint(self.path, journal)  # type: ignore[arg-type]  # a restore cut short: finish it
        try:
            if self.read_only:  # a reader beside a running server
                self._store: ox.Store | None = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path)) if self.path else ox.Store()
        except OSError as exc:
            raise StoreError(_open_error(self.path, exc)) from None
        if not self.read_only:
            self._roll_back_interrupted_bulk_load()
            self._claim()

    def __repr__(self) -> str:
        return f"OxigraphStore({str(self.path) if self.path else None!r})"

    @property
    def generation(self) -> int:
        # One process at a time may write to the folder (RocksDB's lock), so this object's writes are all
        # the changes its readers can see.
        return self._generation

    @property
    def _db(self) -> ox.Store:
        if self._store is None:
            raise StoreError(f"{self!r} is closed")
        return self._store

    def replace_graphs(self, graphs: Mapping[str, Graph]) -> None:
        """Replace each graph whole in ONE RocksDB transaction: all or nothing.

        Every term is converted (and so validated) first. If none of the graphs exists yet,
        the quads go in with one transactional ``Store.extend``. Otherwise each graph is
        compared with what the store holds, and one SPARQL UPDATE, which pyoxigraph applies
        as a single transaction, carries the differences: ``DELETE DATA`` of the quads that
        went and ``INSERT DATA`` of the new ones (``DROP SILENT GRAPH`` + ``INSERT DATA`` when
        a departing quad holds a blank node, which DELETE DATA cannot name). An unchanged
        graph, the common case when plans are rebuilt, costs a read and no write. Either
        way a failure, even a crash, leaves the store as it was. Writes from this object are
        serialized by a lock.
        """
        for iri in graphs:
            self._check_graph_iri(iri)
        self._replace_quads(self._quads(graphs))

    def _replace_quads(self, new: Mapping[str, set[ox.Quad]]) -> None:
        """Make each graph of ``new`` hold exactly its quads, in one transaction (see :meth:`replace_graphs`)."""
        with self._lock:
            if any(self._db.contains_named_graph(ox.NamedNode(iri)) for iri in new):
                operations = [op for iri, quads in new.items() for op in self._changes(iri, quads)]
                if operations:
                    self._write(" ;\n".join(operations), update=True)
            else:
                self._write([quad for quads in new.values() for quad in quads], update=False)

    @staticmethod
    def _quads(graphs: Mapping[str, Graph]) -> dict[str, set[ox.Quad]]:
        """Each graph's triples as pyoxigraph quads (pyoxigraph validates every term).

        Raises:
            InputError: A malformed term, or a Graph that failed to iterate.
        """
        out: dict[str, set[ox.Quad]] = {}
        cache: dict[Node, Any] = {}
        for iri, graph in graphs.items():
            name = ox.NamedNode(iri)
            quads = out[iri] = set()
            try:
                for triple in graph:
                    terms = [cache[t] if t in cache else cache.setdefault(t, _to_ox(t)) for t in triple]
                    quads.add(ox.Quad(*terms, name))
            except AirkgError:
                raise
            except Exception as exc:  # pyoxigraph's ValueError or a broken Graph
                raise InputError(f"graph {iri} could not be read: {exc}") from exc
        return out

    def _changes(self, iri: str, quads: set[ox.Quad]) -> list[str]:
        """The update operations turning the stored graph ``iri`` into ``quads``."""
        name = ox.NamedNode(iri)
        old = set(self._db.quads_for_pattern(None, None, None, name))
        if old == quads:
            return []
        gone, added = old - quads, quads - old
        operations = []
        if any(isinstance(term, ox.BlankNode) for quad in gone for term in (quad.subject, quad.object)):
            operations.append(f"DROP SILENT GRAPH <{iri}>")
            added = quads
        elif gone:
            operations.append(f"DELETE DATA {{ GRAPH <{iri}> {{\n{_ox_ntriples(gone)}}} }}")
        if added:
            operations.append(f"INSERT DATA {{ GRAPH <{iri}> {{\n{_ox_ntriples(added)}}} }}")
        return operations

    def _write(self, payload: str | list[ox.Quad], *, update: bool) -> None:
        try:
            with self._writing():
                if update:
                    self._db.update(payload)  # type: ignore[arg-type]
                else:
                    self._db.extend(payload)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise InputError(f"the store refused the data: {exc}") from exc
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"writing to {self.path or 'the store'} failed ({_reason(exc)}); nothing was "
                             "written") from None

    def replace_graphs_nquads(self, source: str | os.PathLike[str], graphs: Collection[str], *,
                              bulk: bool = False, trusted: bool = False) -> None:
        iris = [self._check_graph_iri(iri) for iri in graphs]
        if bulk:
            self._bulk_replace(source, iris, lenient=trusted)
            return
        self._replace_quads({iri: set(quads) for iri, quads in _quads_by_graph(source, iris).items()})

    def _bulk_replace(self, source: str | os.PathLike[str], iris: list[str], *, lenient: bool = False) -> None:
        """Replace the graphs with pyoxigraph's bulk loader: 2-4x faster than one transaction and in
        bounded memory (``BENCHMARKS.md``, "Build").

        The bulk loader has no transaction, so a journal makes it all or nothing. For a store in a
        folder the journal holds a RocksDB checkpoint of the store as it was (``Store.backup``: hard
        links to its immutable files, so it takes no space and no time to speak of); the graphs are
        dropped, the file is loaded and the journal deleted. If loading fails (a syntax error, a quad
        outside ``graphs``, a full disk, Ctrl-C or any other error) the store's files are swapped for
        the checkpoint's (renames: this needs no free space, so it works on a full disk) and the
        failed ones deleted; after a crash, the next writable open does the same
        (:meth:`_roll_back_interrupted_bulk_load`). Before anything is written, the free space is
        checked against what the load needs (:func:`_space_needed`). An in-memory store's journal
        is a copy of the replaced graphs, loaded back on failure.
        """
        names = [ox.NamedNode(iri) for iri in iris]
        with self._lock, tempfile.TemporaryDirectory(prefix="airkg-replace-") as scratch, self._writing():
            before = {name.value for name in self._db.named_graphs() if isinstance(name, ox.NamedNode)}
            self._check_space(source)
            try:
                journal = self._write_journal(iris, before, Path(scratch))
            except OSError as exc:
                raise StoreError(f"writing the bulk load's journal in {self.path or scratch} failed "
                                 f"({_os_reason(exc)}); nothing was changed") from None
            try:
                existing = [name for name in names if name.value in before]
                if existing:
                    self._db.update(" ;\n".join(f"DROP SILENT GRAPH <{name.value}>" for name in existing))
                _bulk_load_nquads(self._db, source, lenient=lenient)
                self._check_bulk_loaded(set(iris), before)
                self._db.flush()
            except BaseException as exc:  # whatever it was (MemoryError, Ctrl-C, SIGTERM), the load is undone
                traceback.clear_frames(exc.__traceback__)  # their locals hold the store open
                try:
                    self._undo(names, before, journal)
                except Exception as undo:  # noqa: BLE001
                    log.error("undoing the bulk load into %s failed: %r (after %r)", self.path, undo, exc)
                    raise StoreError(
                        f"loading into {self.path or 'the store'} failed ({_reason(exc)}) and putting it back failed "
                        f"too ({_reason(undo)}); it is rolled back from its journal when next opened for writing"
                    ) from None
                shutil.rmtree(journal, ignore_errors=True)
                if isinstance(exc, AirkgError) or not isinstance(exc, Exception):
                    raise
                if isinstance(exc, SyntaxError):
                    raise InputError(f"{source} could not be read as N-Quads: {exc}") from None
                raise StoreError(f"loading into {self.path or 'the store'} failed ({_reason(exc)}); "
                                 "nothing was changed") from None
            shutil.rmtree(journal, ignore_errors=True)

    def _check_space(self, source: str | os.PathLike[str]) -> None:
        """Refuse a load the store's disk has not room for (see :func:`_space_needed`); nothing is written."""
        if self.path is None:
            return
        try:
            free = shutil.disk_usage(self.path).free
            needed = _space_needed(os.path.getsize(source))
        except OSError:
            return
        if free < needed:
            raise StoreError(f"not enough disk space for the load in {self.path}: about {needed / 1_048_576:.0f} MB "
                             f"needed, {free / 1_048_576:.0f} MB free; nothing was changed")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Counts a write once it is over, whether it went through or was undone (see :attr:`generation`)."""
        try:
            yield
        finally:
            self._generation += 1

    def _write_journal(self, iris: list[str], before: set[str], scratch: Path) -> Path:
        """What a bulk load needs to be undone: the graphs it replaces, those there before, and a
        checkpoint of the store (for an in-memory store, a copy of the replaced graphs). Kept in the
        store's folder (made complete, then renamed into place, so a journal is never half-written);
        in ``scratch`` for an in-memory store."""
        final = (self.path / BULK_JOURNAL) if self.path else scratch / BULK_JOURNAL
        building = final.with_name(final.name + ".new")
        shutil.rmtree(building, ignore_errors=True)
        try:
            building.mkdir()
            if self.path is not None:
                self._db.flush()
                self._db.backup(str(building / _CHECKPOINT))  # hard links to the store's files
            else:
                self._copy_graphs([ox.NamedNode(iri) for iri in iris if iri in before], building / "before.nq")
            (building / "graphs.json").write_text(json.dumps({"replaced": iris, "before": sorted(before)}))
            building.rename(final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return final

    def _undo(self, names: list[ox.NamedNode], before: set[str], journal: Path) -> None:
        """Put the store back as the journal has it, at once (the load failed in this process)."""
        if (journal / _CHECKPOINT).is_dir():
            self._reopen_from_checkpoint(journal)
            return
        self._undo_bulk_load(names, before, journal / "before.nq")
        self._db.flush()

    def _reopen_from_checkpoint(self, journal: Path) -> None:
        """Close the store, swap its files for the checkpoint's, open it again."""
        assert self.path is not None
        self._store = None
        gc.collect()  # pyoxigraph closes RocksDB (and lets go of its lock) with the last reference
        if _lock_holder(self.path / "LOCK") == os.getpid():  # something still holds it: never swap under it
            raise StoreError(f"{self.path} is still open in this process; it is rolled back from its journal "
                             "when next opened for writing")
        _swap_in_checkpoint(self.path, journal)
        try:
            self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(_open_error(self.path, exc)) from None

    def _claim(self) -> None:
        """Sweep what a restore cut short left behind, once this process holds the store."""
        if self.path is not None:
            shutil.rmtree(self.path / (BULK_JOURNAL + ".old"), ignore_errors=True)

    def _roll_back_interrupted_bulk_load(self) -> None:
        """Put the store back as it was before a bulk load that a crash cut short (its journal is there)."""
        journal = self.path / BULK_JOURNAL if self.path else None
        if journal is None:
            return
        shutil.rmtree(journal.with_name(journal.name + ".new"), ignore_errors=True)  # crashed before loading
        if not journal.is_dir():
            return
        try:
            graphs = json.loads((journal / "graphs.json").read_text())
            log.warning("%s: rolling back a bulk load that was interrupted (%d graphs)", self.path,
                        len(graphs["replaced"]))
            if (journal / _CHECKPOINT).is_dir() or (journal / _RESTORING).exists():
                self._reopen_from_checkpoint(journal)
                return
            self._undo_bulk_load([ox.NamedNode(iri) for iri in graphs["replaced"]], set(graphs["before"]),
                                 journal / "before.nq")
            self._db.flush()
            shutil.rmtree(journal)
        except Exception as exc:  # noqa: BLE001 - a full disk, a damaged journal: one line, the journal kept
            self._store = None
            raise StoreError(f"{self.path} holds a bulk load that was interrupted, and rolling it back failed "
                             f"({_reason(exc)}); fix that and open it for writing again") from None

    def _copy_graphs(self, names: list[ox.NamedNode], target: Path) -> None:
        with target.open("wb") as out:
            for name in names:
                ox.serialize(self._db.quads_for_pattern(None, None, None, name), out, format=ox.RdfFormat.N_QUADS)

    def _check_bulk_loaded(self, wanted: set[str], before: set[str]) -> None:
        """Refuse quads the bulk load put outside ``wanted`` (in the default graph or another graph)."""
        stray = [name for name in self._db.named_graphs()
                 if not (isinstance(name, ox.NamedNode) and (name.value in wanted or name.value in before))]
        if stray or self._holds_quads(ox.DefaultGraph()):
            raise InputError(f"the N-Quads hold quads outside the graphs to replace ({', '.join(map(str, stray[:3])) or 'the default graph'})")

    def _undo_bulk_load(self, names: list[ox.NamedNode], before: set[str], backup: Path) -> None:
        for name in [*names, *(n for n in self._db.named_graphs() if not (isinstance(n, ox.NamedNode) and n.value in before))]:
            self._db.remove_graph(name)
        self._db.clear_graph(ox.DefaultGraph())
        if backup.exists() and backup.stat().st_size:
            _bulk_load_nquads(self._db, backup)

    def remove_graph(self, iri: str) -> bool:
        name = ox.NamedNode(self._check_graph_iri(iri))
        with self._lock:
            if not self._db.contains_named_graph(name):
                return False
            exists = self._holds_quads(name)
            try:
                with self._writing():
                    self._db.remove_graph(name)
            except OSError as exc:
                raise StoreError(f"removing {iri} from {self!r} failed: {exc}") from exc
            return exists

    def graph_iris(self) -> list[str]:
        # The store's list of graphs, each checked for a first quad: no scan of the quads (1.3 s at 2.5M).
        return sorted(name.value for name in self._db.named_graphs()
                      if isinstance(name, ox.NamedNode) and self._managed(name.value) and self._holds_quads(name))

    def _holds_quads(self, name: ox.NamedNode | ox.DefaultGraph) -> bool:
        return next(iter(self._db.quads_for_pattern(None, None, None, name)), None) is not None

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        timeout: float | None = None,
        max_rows: int | None = None,
        *,
        max_bytes: int | None = None,
    ) -> QueryResult:
        try:
            shape = _shape(sparql)
        except PreciseSyntaxError:
            raise
        except QuerySyntaxError as ours:
            # The engine's message is sought under the same time limit as the query itself (pyoxigraph
            # evaluates an ASK while asked to parse it, even on an empty store).
            raise _run_with_timeout(lambda _: self._engine_syntax_error(sparql), timeout) or ours from None
        text = _with_values(sparql, shape, _check_bindings(bindings, shape))
        return _run_with_timeout(
            lambda deadline: self._evaluate(text, shape, deadline, timeout, max_rows, max_bytes), timeout)

    @staticmethod
    def _engine_syntax_error(sparql: str) -> QuerySyntaxError | None:
        """pyoxigraph's own message for text that is not a query (parsed on an empty store).

        pyoxigraph runs SERVICE while parsing, before any row is read, so text that holds the
        word anywhere (even where the guard could not parse it) is never given to it.
        """
        try:
            if "service" in _expanded(sparql).lower():
                return None
        except QuerySyntaxError:
            return None
        try:
            ox.Store().query(sparql)
        except SyntaxError as exc:
            return QuerySyntaxError(str(exc))
        return None

    def _evaluate(
        self,
        sparql: str,
        shape: _QueryShape,
        deadline: float | None,
        timeout: float | None,
        max_rows: int | None = None,
        max_bytes: int | None = None,
    ) -> QueryResult:
        try:
            # A query naming its dataset (FROM / FROM NAMED) runs over exactly those graphs, as on Virtuoso
            # (a FROM naming no graph there gives an empty default graph); any other over the union.
            result = self._db.query(sparql, use_default_graph_as_union=not shape.dataset, prefixes=QUERY_PREFIXES)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(result))
            if isinstance(result, ox.QuerySolutions):
                return self._solutions(result, deadline, timeout, max_rows, max_bytes)
            triples = _capped(_bytes_capped(result, max_bytes, _triple_size), max_rows)
            return QueryResult(shape.kind, graph=_graph_of(triples, _FromOx()))
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"reading {self!r} failed: {exc}") from exc

    @staticmethod
    def _solutions(
        result: ox.QuerySolutions, deadline: float | None, timeout: float | None, max_rows: int | None = None,
        max_bytes: int | None = None,
    ) -> QueryResult:
        names = [variable.value for variable in result.variables]
        convert = _FromOx()
        rows: list[dict[str, Node | None]] = []
        size = 0
        for solution in result:
            if len(rows) % 512 == 0:
                _check_deadline(deadline, timeout)
            if max_rows is not None and len(rows) >= max_rows:
                raise QueryTooLarge(_too_large(max_rows, "rows"))
            if max_bytes is not None:
                size += sum(_term_size(term) for term in solution)
                if size > max_bytes:
                    raise QueryTooLarge(_too_many_bytes(max_bytes))
            rows.append({name: None if term is None else convert(term) for name, term in zip(names, solution)})
        return QueryResult("select", vars=names, rows=rows)

    def _managed_quads(self) -> Iterator[ox.Quad]:
        for quad in self._db.quads_for_pattern(None, None, None, None):
            if isinstance(quad.graph_name, ox.NamedNode) and self._managed(quad.graph_name.value):
                yield quad

    def triple_count(self) -> int:
        """The quads of the managed graphs: all the quads (counted by pyoxigraph, not in Python: 0.9 s rather
        than 34 s at 2.5M) less those of the other graphs, which an airkg store does not normally hold."""
        if not self.graph_prefix:
            return len(self._db)
        others = [name for name in self._db.named_graphs()
                  if not (isinstance(name, ox.NamedNode) and self._managed(name.value))]
        return len(self._db) - sum(sum(1 for _ in self._db.quads_for_pattern(None, None, None, name))
                                   for name in [*others, ox.DefaultGraph()])

    def dataset(self) -> Dataset:
        return _dataset_of(self._managed_quads())

    def export(self, fmt: str) -> bytes:
        return _serialize(self._managed_quads(), fmt)

    def close(self) -> None:
        """Flush and release the folder (RocksDB's lock goes with the last reference)."""
        store, self._store = self._store, None
        if store is not None and self.path is not None and not self.read_only:
            try:
                store.flush()
            except OSError as exc:  # disk trouble on close: a failed write has said so already, in one line
                log.debug("flushing %s failed: %s", self.path, exc)


#: Disk space a bulk load may take, per byte of N-Quads loaded (the seeds: 7.3 MB of N-Quads made the
#: store 6.5 MB larger; ``docs/ingest.md``), plus a margin. A load that needs more than this is still
#: undone without a trace (:meth:`OxigraphStore._bulk_replace`); this only spares a futile attempt.
SPACE_PER_NQUADS_BYTE = 1.5
SPACE_MARGIN = 16 * 1024 * 1024
_CHECKPOINT = "checkpoint"
_RESTORING = "restoring"
_DISCARD = "discard"


def _swap_in_checkpoint(folder: Path, journal: Path) -> None:
    """Make ``folder`` (a closed store) hold the files of the journal's checkpoint again, by renames only,
    so that it works on a full disk; safe to run again after a crash at any point: the store's files are
    first all moved aside (then ``restoring`` is made), then the checkpoint's moved in, then the journal
    (with the files set aside) deleted."""
    checkpoint, discard, restoring = journal / _CHECKPOINT, journal / _DISCARD, journal / _RESTORING
    if not restoring.exists():
        discard.mkdir(exist_ok=True)
        for entry in folder.iterdir():
            if not entry.name.startswith(BULK_JOURNAL):
                entry.rename(discard / entry.name)
        restoring.touch()
    if checkpoint.is_dir():
        for entry in checkpoint.iterdir():
            entry.rename(folder / entry.name)
    # Renamed first: a crash while deleting leaves no journal that could be replayed.
    old = journal.with_name(BULK_JOURNAL + ".old")
    shutil.rmtree(old, ignore_errors=True)
    journal.rename(old)
    shutil.rmtree(old, ignore_errors=True)


def _space_needed(nquads_bytes: int) -> int:
    return int(nquads_bytes * SPACE_PER_NQUADS_BYTE) + SPACE_MARGIN


def _os_reason(exc: OSError) -> str:
    """An OS error in a few words: 'the disk is full (No space left on device)', else its message."""
    text = str(exc)
    if exc.errno == errno.ENOSPC or "No space left" in text:
        return "the disk is full: No space left on device"
    if exc.errno == errno.EDQUOT or "quota exceeded" in text.lower():
        return "the disk quota is exceeded"
    return " ".join((exc.strerror or text).split())[:200]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return _os_reason(exc)
    if isinstance(exc, AirkgError):
        return exc.detail
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]


def _open_error(path: Path | None, exc: OSError) -> str:
    """One line on why RocksDB would not open ``path``: held by another writer (which process, when the
    kernel's lock table says), or the OS's reason."""
    text = str(exc)
    if "hold by current process" in text and path is not None:
        return f"cannot open the store at {path}: it is already open for writing in this process (pid {os.getpid()})"
    if "lock" in text.lower() and path is not None:
        holder = _lock_holder(path / "LOCK")
        who = (f"pid {holder}" if holder is not None and holder != os.getpid()
               else f"this process, pid {holder}" if holder is not None else "pid unknown")
        return (f"the store at {path} is being written by another process ({who}?); stop it or open the store "
                "read-only (airkg query, airkg sparql)")
    return f"cannot open the store in {path}: {_os_reason(exc)}"


def _lock_holder(lock_file: Path) -> int | None:
    """The process holding a POSIX lock on ``lock_file``, from /proc/locks (Linux); None if not known."""
    try:
        inode = lock_file.stat().st_ino
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if len(fields) > 5 and fields[1] in ("POSIX", "OFDLCK", "FLOCK") and fields[5].endswith(f":{inode}"):
                    return int(fields[4]) if fields[4].isdigit() and fields[4] != "-1" else None
    except (OSError, ValueError):
        return None
    return None


# --------------------------------------------------------------------------- SPARQL endpoint

_JSON_RESULTS = "application/sparql-results+json"
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"
_NTRIPLES = "application/n-triples"
_TURTLE = "text/turtle"
#: Virtuoso guesses a PUT body's type from its content, whatever Content-Type says, and takes
#: N-Triples holding long Chinese literals for text/plain (HTTP 500). A @prefix line first
#: makes it Turtle (N-Triples plus a directive is still Turtle for any server).
_TURTLE_HEADER = b"@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"


class SparqlEndpointStore(Store):
    """Any SPARQL 1.1 endpoint: the Protocol for queries and updates, and the Graph Store
    Protocol for whole-graph writes and reads when its URL is known.

    Args:
        url: The query endpoint, e.g. ``http://127.0.0.1:8890/sparql``.
        update_url: The update endpoint; by default ``url``.
        gsp_url: The Graph Store Protocol endpoint (``?graph=`` is added). None: derived
            for Virtuoso (a URL ending in ``/sparql`` -> ``/sparql-graph-crud``, or
            ``/sparql-graph-crud-auth`` when ``auth`` is given); ``""``: do not use GSP, write
            with SPARQL UPDATE and read with CONSTRUCT.
        auth: HTTP authentication for every request (Virtuoso's ``-auth`` endpoints want
            ``httpx.DigestAuth``); also taken from ``user:password@`` in ``url``. With it, updates
            go to ``…/sparql-auth`` and Graph Store writes to ``…/sparql-graph-crud-auth`` (the
            loading account of ``scripts/virtuoso.sh``); queries still go to ``url``.
        graph_prefix: The graphs this store manages (see the module docstring); None for all,
            Virtuoso's system graphs included.
        http_timeout: Seconds for each HTTP exchange when no query timeout is given.
    """

    def __init__(
        self,
        url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        auth: httpx.Auth | None = None,
        graph_prefix: str | None = DEFAULT_GRAPH_PREFIX,
        http_timeout: float = 300.0,
    ) -> None:
        if auth is None and urlsplit(url).username:
            url, auth = _split_userinfo(url)
        self.url = url
        # Virtuoso runs /sparql as its anonymous (read-only) SPARQL user whatever credentials are sent:
        # an account's updates go to /sparql-auth, which asks for them (digest).
        self.update_url = update_url or (_auth_url(url) if auth is not None else url)
        self.gsp_url = _default_gsp_url(url, auth) if gsp_url is None else (gsp_url or None)
        self.graph_prefix = graph_prefix
        self._http_timeout = http_timeout
        self._client: httpx.Client | None = httpx.Client(auth=auth, timeout=http_timeout)
        self._virtuoso: bool | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SparqlEndpointStore({self.url!r})"

    # -- HTTP

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            raise StoreError(f"{self!r} is closed")
        return self._client

    def _send(self, method: str, url: str, *, timeout: float | None = None, max_bytes: int | None = None,
              **kwargs: Any) -> httpx.Response:
        """One HTTP exchange; transport failures become StoreError (or QueryTimeout).

        With ``max_bytes``, the body is read a chunk at a time and QueryTooLarge raised as soon as it
        passes that size (a successful answer's only; an error's body is read whole up to it).
        """
        limit = self._http_timeout if timeout is None else timeout + 5.0
        try:
            if max_bytes is None:
                response = self._http.request(method, url, timeout=limit, **kwargs)
            else:
                response = self._bounded(self._http.build_request(method, url, timeout=limit, **kwargs), max_bytes)
        except httpx.TimeoutException as exc:
            if timeout is not None:
                raise QueryTimeout(f"query ran past {timeout:g} s") from exc
            raise StoreError(f"SPARQL endpoint {url} did not answer within {limit:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"SPARQL endpoint {url} is unreachable: {exc}") from exc
        if self._virtuoso is None:
            self._virtuoso = "virtuoso" in response.headers.get("server", "").lower()
        return response

    def _bounded(self, request: httpx.Request, max_bytes: int) -> httpx.Response:
        response = self._http.send(request, stream=True)
        try:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    if response.is_success:
                        raise QueryTooLarge(_too_many_bytes(max_bytes))
                    break
                chunks.append(chunk)
        finally:
            response.close()
        headers = [(key, value) for key, value in response.headers.multi_items()
                   if key.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks), request=request)

    def _is_virtuoso(self) -> bool:
        if self._virtuoso is None:
            self._send("POST", self.url, data={"query": "ASK {}"}, headers={"Accept": _JSON_RESULTS})
        return bool(self._virtuoso)

    # -- queries

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        timeout: float | None = None,
        max_rows: int | None = None,
        *,
        max_bytes: int | None = None,
    ) -> QueryResult:
        sparql = _expanded(sparql)  # the endpoint gets the text the guard read, escapes and all
        shape = _shape(sparql)
        text = _with_prefixes(_with_values(sparql, shape, _check_bindings(bindings, shape)), shape)
        data = {"query": text}
        if shape.kind == "describe" and self._is_virtuoso():
            data["query"] = 'DEFINE sql:describe-mode "CBD" ' + text
        if timeout is not None and self._is_virtuoso():
            data["timeout"] = str(max(1, int(timeout * 1000)))
        accept = _JSON_RESULTS if shape.kind in ("select", "ask") else _RDF_ACCEPT
        response = self._send("POST", self.url, data=data, headers={"Accept": accept}, timeout=timeout,
                              max_bytes=max_bytes)
        _raise_for_query(response, self.url, timeout)
        if shape.kind in ("select", "ask"):
            result = _json_result(response)
            if max_rows is not None and len(result.rows) > max_rows:
                raise QueryTooLarge(_too_large(max_rows, "rows"))
            return result
        triples = _capped(_parse_rdf(response), max_rows)
        return QueryResult(shape.kind, graph=_graph_of(triples, _FromOx(remote=True)))

    def _select(self, sparql: str) -> list[dict[str, Node | None]]:
        return self.query(sparql).rows

    def _prefix_filter(self, var: str) -> str:
        if not self.graph_prefix:
            return ""
        return f"FILTER(STRSTARTS(STR({var}), {sparql_term(Literal(self.graph_prefix))}))"

    def graph_iris(self) -> list[str]:
        rows = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._prefix_filter('?g')} }}")
        return sorted(str(row["g"]) for row in rows if isinstance(row["g"], URIRef))

    def triple_count(self) -> int:
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._prefix_filter('?g')} }}")
        return int(rows[0]["n"]) if rows else 0  # type: ignore[arg-type]

    def _count(self, iri: str) -> int:
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(iri)} {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]) if rows else 0  # type: ignore[arg-type]

    # -- whole graphs

    def _fetch(self, iri: str) -> list[ox.Triple]:
        """A graph's triples, checked against its COUNT(*).

        Raises:
            StoreError: The endpoint failed or returned fewer triples than it holds.
        """
        expected = self._count(iri)
        if expected == 0:
            return []
        if self.gsp_url:
            response = self._send("GET", self.gsp_url, params={"graph": iri}, headers={"Accept": _NTRIPLES})
            _raise_for_write(response, f"reading {iri}")
        else:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {sparql_iri(iri)} {{ ?s ?p ?o }} }}"
            response = self._send("POST", self.url, data={"query": query}, headers={"Accept": _RDF_ACCEPT})
            _raise_for_query(response, self.url, None)
        triples = _parse_rdf(response)
        if len(triples) < expected:
            raise StoreError(
                f"{self.url} returned {len(triples)} of the {expected} triples of {iri}: results are capped "
                "(Virtuoso: raise ResultSetMaxRows in [SPARQL] of virtuoso.ini)"
            )
        return triples

    def _snapshot(self, iri: str) -> bytes | None:
        """A graph's current content as N-Triples, None if it is empty: the rollback plan."""
        triples = self._fetch(iri)
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else None

    def _managed_quads(self) -> Iterator[ox.Quad]:
        for iri in self.graph_iris():
            name = ox.NamedNode(iri)
            for triple in self._fetch(iri):
                yield ox.Quad(triple.subject, triple.predicate, _canonical_ox(triple.object), name)

    def dataset(self) -> Dataset:
        return _dataset_of(self._managed_quads())

    def export(self, fmt: str) -> bytes:
        _serialize([], fmt)  # reject an unknown format before reading anything
        return _serialize(self._managed_quads(), fmt)

    def remove_graph(self, iri: str) -> bool:
        name = sparql_iri(self._check_graph_iri(iri))
        with self._lock:
            if not self.query(f"ASK {{ GRAPH {name} {{ ?s ?p ?o }} }}").boolean:
                return False
            self._update(f"DROP SILENT GRAPH {name}")
            return True

    def replace_graphs(self, graphs: Mapping[str, Graph]) -> None:
        """Replace each graph whole; on failure, restore what was there before.

        What is guaranteed, honestly:

        1. Every graph is serialized and validated before anything is sent: a malformed
           term or a Graph that fails to iterate raises InputError and the endpoint is not
           touched.
        2. The current content of each target graph is read first (checked against its
           ``COUNT(*)``) and kept in memory as the rollback plan.
        3. The graphs are then written: one Graph Store ``PUT`` each (``DELETE`` for an
           empty one) when a GSP URL is known, else ONE SPARQL UPDATE request with
           ``DROP SILENT GRAPH`` + ``INSERT DATA`` per graph (atomic on transactional
           servers such as Fuseki or Oxigraph; not on Virtuoso, and over ~5,000 triples
           Virtuoso refuses it).
        4. If a write fails, every graph written or attempted is put back from step 2 and
           StoreError is raised ("... rolled back"). If the rollback fails too (the
           endpoint died), StoreError says which graphs may be left half-written.

        Not guaranteed: isolation (readers can see some graphs replaced and others not
        yet, and Virtuoso shows a graph half-loaded while a PUT runs), and safety against
        a concurrent writer between steps 2 and 4 (writes from this object are serialized
        by a lock; other clients are not).
        """
        self._replace_bodies({self._check_graph_iri(iri): _ntriples(iri, graph) for iri, graph in graphs.items()})

    def replace_graphs_nquads(self, source: str | os.PathLike[str], graphs: Collection[str], *,
                              bulk: bool = False, trusted: bool = False) -> None:
        """As :meth:`replace_graphs` (same guarantees), each graph's triples serialized by pyoxigraph
        (Graph Store PUTs are this server's bulk load, so ``bulk`` changes nothing)."""
        iris = [self._check_graph_iri(iri) for iri in graphs]
        found = _quads_by_graph(source, iris)
        self._replace_bodies({iri: ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES)
                              if quads else b"" for iri, quads in found.items()})

    def _replace_bodies(self, bodies: Mapping[str, bytes]) -> None:
        """Write each graph's N-Triples (b"" removes it) after reading it for the rollback plan."""
        with self._lock:
            before = {iri: self._snapshot(iri) for iri in bodies}
            attempted: list[str] = []
            try:
                self._write(bodies, attempted)
            except AirkgError as exc:
                self._roll_back(before, attempted, exc)

    def _write(self, bodies: Mapping[str, bytes | None], attempted: list[str]) -> None:
        if not self.gsp_url:
            attempted.extend(bodies)
            self._update(" ;\n".join(_replace_operations(bodies)))
            return
        for iri, body in bodies.items():
            attempted.append(iri)
            self._put(iri, body)

    def _put(self, iri: str, body: bytes | None) -> None:
        assert self.gsp_url
        if body:
            headers = {"Content-Type": _TURTLE}
            content = _TURTLE_HEADER + body
            response = self._send("PUT", self.gsp_url, params={"graph": iri}, content=content, headers=headers)
        else:
            response = self._send("DELETE", self.gsp_url, params={"graph": iri})
            if response.status_code == 404:
                return
        _raise_for_write(response, f"writing {iri}")

    def _update(self, update: str) -> None:
        response = self._send("POST", self.update_url, data={"update": update})
        _raise_for_write(response, "SPARQL UPDATE")

    def _roll_back(self, before: Mapping[str, bytes | None], attempted: list[str], cause: AirkgError) -> None:
        log.warning("replace_graphs failed (%s); restoring %d graph(s)", cause.detail, len(attempted))
        try:
            self._write({iri: before[iri] for iri in attempted}, [])
        except AirkgError as exc:
            raise StoreError(
                f"{cause.detail}; rolling back also failed ({exc.detail}): these graphs may be "
                f"half-written: {', '.join(attempted)}"
            ) from cause
        raise StoreError(f"{cause.detail}; rolled back, the store is as it was") from cause

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def _canonical_ox(term: Any) -> Any:
    """An endpoint's literal as pyoxigraph would have stored it (see :func:`_typed_literal`)."""
    if not isinstance(term, ox.Literal) or term.language:
        return term
    datatype = term.datatype.value
    if datatype in DERIVED_INTEGERS:
        return ox.Literal(term.value, datatype=ox.NamedNode(XSD_INTEGER))
    if datatype == XSD_BOOLEAN and term.value in ("1", "0"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    return term


def _auth_url(url: str) -> str:
    """Virtuoso's authenticated twin of a ``…/sparql`` endpoint (``…/sparql-auth``); other URLs unchanged."""
    parts = urlsplit(url)
    if not parts.path.endswith("/sparql"):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path + "-auth", parts.query, parts.fragment))


def _default_gsp_url(url: str, auth: httpx.Auth | None) -> str | None:
    parts = urlsplit(url)
    if not parts.path.endswith("/sparql"):
        return None
    suffix = "-graph-crud-auth" if auth is not None else "-graph-crud"
    return urlunsplit((parts.scheme, parts.netloc, parts.path + suffix, "", ""))


def _replace_operations(bodies: Mapping[str, bytes | None]) -> Iterator[str]:
    for iri, body in bodies.items():
        name = sparql_iri(iri)
        yield f"DROP SILENT GRAPH {name}"
        if body:
            yield f"INSERT DATA {{ GRAPH {name} {{\n{body.decode('utf-8')}}} }}"


def _message(response: httpx.Response) -> str:
    """The useful part of an error body: no HTML, no echo of the query, at most 500 chars."""
    text = response.text
    text = text.split("\n\nSPARQL query:", 1)[0]
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return (text or response.reason_phrase)[:500]


def _raise_for_query(response: httpx.Response, url: str, timeout: float | None) -> None:
    if response.headers.get("x-sql-state") == "S1TAT":
        raise QueryTimeout(f"query ran past {timeout:g} s" if timeout else "query ran past the endpoint's limit")
    if response.is_success:
        return
    message = _message(response)
    if "estimated execution time" in message:
        raise QueryTimeout(message)
    if response.status_code == 400 or (response.status_code == 500 and " 37000 " in f" {message} "):
        raise QuerySyntaxError(message)
    raise StoreError(f"SPARQL endpoint {url} answered {response.status_code}: {message}")


def _raise_for_write(response: httpx.Response, what: str) -> None:
    if not response.is_success:
        raise StoreError(f"{what} failed: {response.request.url} answered {response.status_code}: {_message(response)}")


def _json_result(response: httpx.Response) -> QueryResult:
    try:
        body = response.json()
    except ValueError as exc:
        raise StoreError(f"{response.request.url} did not answer SPARQL JSON: {response.text[:200]!r}") from exc
    if "boolean" in body:
        return QueryResult("ask", boolean=bool(body["boolean"]))
    names = list(body.get("head", {}).get("vars", []))
    rows = [
        {name: _from_json(binding[name]) if name in binding else None for name in names}
        for binding in body.get("results", {}).get("bindings", [])
    ]
    return QueryResult("select", vars=names, rows=rows)


def _parse_rdf(response: httpx.Response) -> list[ox.Triple]:
    """The triples of an RDF response (N-Triples, Turtle, ...), parsed by pyoxigraph."""
    media_type = response.headers.get("content-type", _NTRIPLES).split(";")[0].strip()
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise StoreError(f"{response.request.url} answered {media_type}, not RDF")
    try:
        return [quad.triple for quad in ox.parse(response.content, format=rdf_format)]
    except SyntaxError as exc:
        raise StoreError(f"{response.request.url} answered malformed {media_type}: {exc}") from exc
