"""The remote backend: any SPARQL 1.1 endpoint (Protocol and Graph Store Protocol), tested against
Virtuoso 7 (its quirks: the :mod:`kg.store` docstring)."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Collection, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import AirkgError, QuerySyntaxError, QueryTimeout, QueryTooLarge, StoreError
from kg.source_spans import with_web_annotation
from kg.store.base import DEFAULT_GRAPH_PREFIX, Bindings, QueryResult, Store
from kg.store.nquads import _quads_by_graph
from kg.store.query_limits import _capped, _too_large, _too_many_bytes
from kg.store.query_shaping import _check_bindings, _expanded, _shape, _with_prefixes, _with_values
from kg.store.terms import (
    DERIVED_INTEGERS,
    XSD_BOOLEAN,
    XSD_INTEGER,
    _dataset_of,
    _from_json,
    _FromOx,
    _graph_of,
    _ntriples,
    _serialize,
    sparql_iri,
    sparql_term,
)

log = logging.getLogger(__name__)


_JSON_RESULTS = "application/sparql-results+json"
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"
_NTRIPLES = "application/n-triples"
_TURTLE = "text/turtle"
#: Virtuoso guesses a PUT body's type from its content, whatever Content-Type says, and takes
#: N-Triples holding long Chinese literals for text/plain (HTTP 500). A @prefix line first
#: makes it Turtle (N-Triples plus a directive is still Turtle for any server).
_TURTLE_HEADER = b"@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"


_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


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

    def _exchange(self, method: str, url: str, limit: float, max_bytes: int | None, **kwargs: Any) -> httpx.Response:
        """Send once; an idempotent request (GET, PUT, DELETE) whose connection the endpoint dropped mid-answer
        is sent once more (Virtuoso sometimes closes one after a digest challenge)."""
        for attempt in (1, 2):
            try:
                if max_bytes is None:
                    return self._http.request(method, url, timeout=limit, **kwargs)
                return self._bounded(self._http.build_request(method, url, timeout=limit, **kwargs), max_bytes)
            except httpx.RemoteProtocolError:
                if attempt == 2 or method not in _IDEMPOTENT:
                    raise
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, *, timeout: float | None = None, max_bytes: int | None = None,
              **kwargs: Any) -> httpx.Response:
        """One HTTP exchange; transport failures become StoreError (or QueryTimeout).

        With ``max_bytes``, the body is read a chunk at a time and QueryTooLarge raised as soon as it
        passes that size (a successful answer's only; an error's body is read whole up to it).
        """
        limit = self._http_timeout if timeout is None else timeout + 5.0
        try:
            response = self._exchange(method, url, limit, max_bytes, **kwargs)
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

    def export(self, fmt: str, web_annotation: bool = False) -> bytes:
        _serialize([], fmt)  # reject an unknown format before reading anything
        quads = self._managed_quads()
        return _serialize(with_web_annotation(quads) if web_annotation else quads, fmt)

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


def _split_userinfo(url: str) -> tuple[str, httpx.Auth | None]:
    parts = urlsplit(url)
    if not parts.username:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, httpx.DigestAuth(parts.username, parts.password or "")
