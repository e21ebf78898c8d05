"""The embedded backend: pyoxigraph's on-disk store (RocksDB) in a folder, used directly, with terms
converted to rdflib at the boundary (see :mod:`kg.store`)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.term import Node

from kg.errors import AirkgError, InputError, QuerySyntaxError, QueryTooLarge, StoreError
from kg.source_spans import with_web_annotation
from kg.sparql_guard import PreciseSyntaxError
from kg.store.base import DEFAULT_GRAPH_PREFIX, Bindings, NodeValues, QueryResult, Store
from kg.store.journal import _RESTORING, BULK_JOURNAL, _JournaledBulkLoad, _swap_in_checkpoint
from kg.store.nquads import _quads_by_graph
from kg.store.query_limits import (
    _bytes_capped,
    _capped,
    _check_deadline,
    _run_with_timeout,
    _term_size,
    _too_large,
    _too_many_bytes,
    _triple_size,
)
from kg.store.query_shaping import (
    QUERY_PREFIXES,
    _check_bindings,
    _expanded,
    _QueryShape,
    _shape,
    _with_values,
)
from kg.store.reasons import _open_error, _reason
from kg.store.terms import _dataset_of, _FromOx, _graph_of, _ox_ntriples, _serialize, _to_ox

log = logging.getLogger(__name__)


#: Disk a stored quad takes at most, RocksDB's files counted (about 230 bytes at 1,000 generated plans,
#: BENCHMARKS.md): a store taking more than this per quad allowed in the read copy is not copied at all.
_MOST_DISK_BYTES_A_QUAD = 1_000


def _disk_bytes(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in folder.rglob("*") if entry.is_file())


class OxigraphStore(_JournaledBulkLoad, Store):
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
        self._copy: tuple[int, ox.Store] | None = None  # (generation copied, the copy): see keep_read_copy
        self._copy_max = 0
        self._copy_lock = threading.Lock()
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

    def keep_read_copy(self, max_quads: int) -> bool:
        # RocksDB costs ~5 µs a seek and as much again to decode each term it returns; the same reads
        # from pyoxigraph's in-memory store cost a tenth (bench/notes-api.md, issue 14). The copy is of a
        # store whose only writer is this object, so its generation says when the copy is out of date.
        if self.path is None or self.read_only or max_quads <= 0:
            return False
        if _disk_bytes(self.path) > max_quads * _MOST_DISK_BYTES_A_QUAD:  # surely too big: not worth a try
            log.info("%s takes too much disk to hold under %d quads: reads go to RocksDB", self, max_quads)
            return False
        self._copy_max = max_quads
        return self._read_copy() is not None

    @property
    def reads_from_memory(self) -> bool:
        held = self._copy
        return self.path is None or (held is not None and held[0] == self._generation)

    @property
    def _reads(self) -> ox.Store:
        """The store reads go to: the copy in memory if there is one (fresh), else RocksDB."""
        held = self._copy
        if held is not None and held[0] == self._generation:
            return held[1]
        if self._copy_max:
            self._copy_in_background()
        return self._db

    def _copy_in_background(self) -> None:
        """Copy the store again in a thread; meanwhile reads go to RocksDB: a write is followed by no wait
        (a copy of 1.4 M quads takes 20–60 s here), only by slower reads until the copy is fresh."""
        if self._copy_lock.locked():  # a copy is being made
            return
        threading.Thread(target=self._read_copy, name="airkg-read-copy", daemon=True).start()

    def _read_copy(self) -> ox.Store | None:
        """The copy in memory as the store is now, copied again if a write came since; None (and no more
        copies) once the store holds more than ``_copy_max`` quads."""
        with self._copy_lock:
            generation = self._generation  # before copying: a write during the copy makes the next read copy again
            held = self._copy
            if held is not None and held[0] == generation:
                return held[1]
            self._copy, copy, copied = None, ox.Store(), 0
            quads = self._db.quads_for_pattern(None, None, None, None)  # one RocksDB snapshot
            while batch := list(itertools.islice(quads, 50_000)):
                copied += len(batch)
                if copied > self._copy_max:
                    log.info("%s holds over %d quads: reads go to RocksDB", self, self._copy_max)
                    self._copy_max = 0
                    return None
                copy.extend(batch)
            self._copy = (generation, copy)
            return copy

    def node_values(self, subjects: Sequence[str], predicates: Collection[str], *,
                    languages: Mapping[str, str] | None = None) -> list[NodeValues]:
        # Read directly, not through a query: no parse, no rdflib term, no thread; bounded by the subjects'
        # quads, so no time limit is needed. One scan of each subject's quads, or, for one or two predicates
        # (a label, a code), one look-up each: a concept or an agency has many quads, in many graphs.
        reads, out = self._reads, []
        names = [ox.NamedNode(predicate) for predicate in predicates] if len(predicates) <= 2 else None
        wanted = set(predicates)
        for subject in subjects:
            node = ox.NamedNode(subject)
            quads = (quad for name in names for quad in reads.quads_for_pattern(node, name, None, None)) if names \
                else reads.quads_for_pattern(node, None, None, None)
            found: dict[str, dict[str, None]] = {}
            for quad in quads:
                predicate = quad.predicate.value
                if predicate not in wanted:
                    continue
                value = quad.object
                if languages and predicate in languages and getattr(value, "language", None) != languages[predicate]:
                    continue
                found.setdefault(predicate, {})[value.value] = None
            out.append({predicate: list(held) for predicate, held in found.items()})
        return out

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

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Counts a write once it is over, whether it went through or was undone (see :attr:`generation`)."""
        try:
            yield
        finally:
            self._generation += 1

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
            result = self._reads.query(sparql, use_default_graph_as_union=not shape.dataset, prefixes=QUERY_PREFIXES)
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

    def export(self, fmt: str, web_annotation: bool = False) -> bytes:
        quads = self._managed_quads()
        return _serialize(with_web_annotation(quads) if web_annotation else quads, fmt)

    def close(self) -> None:
        """Flush and release the folder (RocksDB's lock goes with the last reference)."""
        store, self._store, self._copy, self._copy_max = self._store, None, None, 0
        if store is not None and self.path is not None and not self.read_only:
            try:
                store.flush()
            except OSError as exc:  # disk trouble on close: a failed write has said so already, in one line
                log.debug("flushing %s failed: %s", self.path, exc)
