"""The API every backend implements (:class:`Store`), what a query answers (:class:`QueryResult`),
and where a store is found (environment variables, defaults)."""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal as TypingLiteral

from rdflib import Dataset, Graph
from rdflib.term import Node

from kg.errors import InputError
from kg.store.nquads import _graphs_of_nquads
from kg.store.terms import sparql_iri

log = logging.getLogger(__name__)

ENV_VAR = "AIRKG_STORE"
GSP_ENV_VAR = "AIRKG_STORE_GSP"
DEFAULT_LOCATION = "./airkg-store"
DEFAULT_GRAPH_PREFIX = "https://airkg.example.org/id/graph/"


#: A node's values by predicate (:meth:`Store.node_values`).
NodeValues = dict[str, list[str]]
QueryKind = TypingLiteral["select", "ask", "construct", "describe"]
Bindings = Mapping[str, Node]


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

    def node_values(self, subjects: Sequence[str], predicates: Collection[str], *,
                    languages: Mapping[str, str] | None = None) -> list[NodeValues]:
        """The values of ``predicates`` of each subject, as plain strings, read by the API's pages.

        Args:
            subjects: IRIs read from the store (or built by airkg).
            predicates: The predicates' IRIs; others are skipped.
            languages: Predicate -> language tag: only its literals in that language (as ``lang(?o) = "zh"``).

        Returns:
            One dict per subject, in order: predicate -> its values (an IRI's text, a literal's lexical
            form), each once, in the order read, over the union of the graphs (as queries see them).

        >>> from kg.store import OxigraphStore
        >>> with OxigraphStore(None) as store:  # in memory, empty
        ...     store.node_values(["https://airkg.example.org/id/x"], ["http://purl.org/dc/terms/title"])
        [{}]
        """
        if not subjects:
            return []
        values = " ".join(f"({sparql_iri(subject)} {n})" for n, subject in enumerate(subjects))
        tests = ", ".join(sparql_iri(predicate) for predicate in predicates)
        rows = self.query(f"SELECT ?i ?p ?o (LANG(?o) AS ?lang) WHERE {{ VALUES (?s ?i) {{ {values} }} ?s ?p ?o "
                          f"FILTER(?p IN ({tests})) }}").rows
        found: list[dict[str, dict[str, None]]] = [{} for _ in subjects]
        for row in rows:
            predicate = str(row["p"])
            if languages and predicate in languages and str(row["lang"] or "").lower() != languages[predicate]:
                continue
            found[int(str(row["i"]))].setdefault(predicate, {})[str(row["o"])] = None
        return [{predicate: list(held) for predicate, held in each.items()} for each in found]

    @property
    def reads_from_memory(self) -> bool:
        """Whether a read now is answered from memory, with no disk or network wait and no copy to make first."""
        return False

    def keep_read_copy(self, max_quads: int) -> bool:
        """Answer this object's reads from a copy held in memory while the store holds at most ``max_quads``
        quads (copied again after each write); True if it does. A store that cannot (a remote endpoint,
        an in-memory store) answers False."""
        return False

    @abstractmethod
    def triple_count(self) -> int:
        """The number of quads in the managed graphs (a triple in two graphs counts twice)."""

    @abstractmethod
    def dataset(self) -> Dataset:
        """A read copy of the managed graphs, as an in-memory rdflib Dataset (union default)."""

    @abstractmethod
    def export(self, fmt: str, web_annotation: bool = False) -> bytes:
        """Serialize the managed graphs.

        Args:
            fmt: ``trig``, ``nquads``, ``jsonld`` (named graphs kept) or ``turtle`` (the
                union of the graphs), or one of the aliases in :data:`EXPORT_FORMATS`.
            web_annotation: Add each source span's W3C Web Annotation selectors
                (:func:`kg.source_spans.with_web_annotation`).

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
