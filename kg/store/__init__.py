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

The package, one module per part (this module re-exports what the rest of airkg imports):

* :mod:`kg.store.base`: the API (:class:`Store`, :class:`QueryResult`) and where a store is found;
* :mod:`kg.store.oxigraph`: the embedded backend, :class:`OxigraphStore`;
* :mod:`kg.store.journal`: its journaled bulk load (all or nothing, rolled back after a crash);
* :mod:`kg.store.nquads`: N-Quads files read per graph, and lines past pyoxigraph's 16 MiB buffer;
* :mod:`kg.store.endpoint`: the remote backend, :class:`SparqlEndpointStore`;
* :mod:`kg.store.query_shaping`: the read-only guard's tokenizer and query shape, bindings as ``VALUES``,
  the prefixes every query may use undeclared;
* :mod:`kg.store.query_limits`: query threads, time limits, row and byte caps;
* :mod:`kg.store.terms`: term conversion (rdflib, pyoxigraph, SPARQL text, SPARQL JSON) and export formats;
* :mod:`kg.store.reasons`: OS and RocksDB failures in one line.

A test that replaces a helper (``_bulk_load_nquads``, ``LONG_LINE``…) patches the module that uses it,
not this one.
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.store.base import (
    DEFAULT_GRAPH_PREFIX,
    DEFAULT_LOCATION,
    ENV_VAR,
    GSP_ENV_VAR,
    Bindings,
    NodeValues,
    QueryKind,
    QueryResult,
    Store,
)
from kg.store.endpoint import SparqlEndpointStore, _split_userinfo
from kg.store.journal import BULK_JOURNAL
from kg.store.nquads import _bulk_load_nquads, _parse_nquads  # noqa: F401 - imported from here
from kg.store.oxigraph import OxigraphStore
from kg.store.query_shaping import (  # noqa: F401 - the private ones are imported from here
    QUERY_PREFIXES,
    _check_bindings,
    _check_read_only,
    _guard_text,
    _shape,
    _tokens,
    _with_prefixes,
    _with_values,
)
from kg.store.terms import EXPORT_FORMATS, EXPORT_PREFIXES, _to_ox, is_iri, sparql_iri, sparql_term  # noqa: F401

__all__ = [
    "BULK_JOURNAL",
    "DEFAULT_GRAPH_PREFIX",
    "DEFAULT_LOCATION",
    "ENV_VAR",
    "EXPORT_FORMATS",
    "EXPORT_PREFIXES",
    "GSP_ENV_VAR",
    "QUERY_PREFIXES",
    "Bindings",
    "NodeValues",
    "OxigraphStore",
    "QueryKind",
    "QueryResult",
    "SparqlEndpointStore",
    "Store",
    "is_iri",
    "open_store",
    "sparql_iri",
    "sparql_term",
]
# Private names other modules import from here (kg/relations, api/reads, bench, tests):
# _bulk_load_nquads, _parse_nquads, _check_bindings, _check_read_only, _guard_text, _shape, _tokens,
# _with_prefixes, _with_values, _to_ox.


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

