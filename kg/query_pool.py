"""User queries run in worker processes, where a crash, a stack overflow or a runaway allocation cannot
take the server down, and where they can be stopped.

A query a user writes (``/sparql``, the saved queries of the API, ``airkg sparql``) is parsed, checked,
evaluated and serialized in a worker: a process of its own (started by ``multiprocessing``'s
``forkserver``, so it shares nothing with the server's threads) that

* opens the store **read-only** (:meth:`pyoxigraph.Store.read_only`; a remote endpoint is opened as
  itself). pyoxigraph calls a read-only open beside a process writing the store undefined behaviour
  (and it does fail: the writer compacts away files the reader's manifest lists), so a worker never
  opens the server's live folder: it opens a *snapshot*, a RocksDB checkpoint the server makes with
  ``Store.backup`` (hard links to the immutable files: milliseconds, no space) under its write lock, anew
  for the first user query after each write (``Store.generation``); a worker reopens when the snapshot
  it is sent changes, and a snapshot no worker holds any more is deleted;
* runs under a memory limit (``RLIMIT_AS``, :attr:`PoolLimits.memory_bytes`) and at a lower CPU
  priority (``nice`` 10), so the server's own reads keep their share of the processor;
* parses with a large stack (256 MiB) and a high recursion limit, so a query rdflib's parser would
  recurse too deep on in a server thread parses here, and pyoxigraph's parser cannot overflow;
* counts the result's size as it reads it (rows and bytes) and serializes it itself.

The server waits for the answer at most the time limit (plus a second): past it, the worker is
killed (SIGKILL) and replaced, and the request answers 503. A worker that dies (a segfault of the
engine, an abort on a failed allocation) is replaced too, and the request answers 503. At most
``size`` queries run at once; ``queue`` more may wait for a worker; past that a request is refused
at once (503), so heavy queries never hold more than their share of the server.

The in-memory store of the tests (no folder) cannot be opened by another process (:func:`pool_for`
returns None, as it does for ``size`` 0): the app then refuses to start unless told to run user queries
in its own threads (``api.main.refuse_unisolated``, docs/security.md). Every store with a folder, and
every endpoint, goes through a pool.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import resource
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from rdflib.term import Node

from kg.errors import AirkgError, QueryStopped, QueryTimeout, ServerBusy, StoreError
from kg.store import OxigraphStore, QueryResult, SparqlEndpointStore, Store

log = logging.getLogger(__name__)

#: Stack of the thread that runs a job in a worker (virtual memory; only what is used is touched).
WORKER_STACK = 256 * 1024 * 1024
#: Python's recursion limit in a worker: with WORKER_STACK, rdflib parses ~3,000 patterns in a group.
WORKER_RECURSION = 60_000
#: Seconds the server waits past the time limit before it kills a worker (a reply on its way).
GRACE = 1.0
#: Seconds a new worker may take to start and open the store (not counted in any query's time).
STARTUP = 60.0
#: Seconds a query waits for the server's write lock to take a snapshot (else it reads the last one).
SNAPSHOT_WAIT = 30.0


@dataclass(frozen=True)
class PoolLimits:
    """What one query may use.

    Attributes:
        timeout: Seconds before the worker is killed and the request answers 503; None: no limit.
        max_rows: Most rows (or triples) of a result; None: no cap.
        max_bytes: Most bytes of a result (counted while it is read, and of the serialized answer).
        memory_bytes: The worker's address-space limit (RLIMIT_AS); None: none.
    """

    timeout: float | None = 10.0
    max_rows: int | None = 10_000
    max_bytes: int | None = 50_000_000
    memory_bytes: int | None = 2 * 1024**3


@dataclass(frozen=True)
class Job:
    """A query for a worker: its text and bindings, and how the answer comes back (``render``:
    None for a :class:`~kg.store.QueryResult`, ``("http", accept)`` for the bytes and media type of
    ``/sparql``)."""

    sparql: str
    bindings: Mapping[str, Node] | None = None
    render: tuple[str, str | None] | None = None
    timeout: float | None = None
    max_rows: int | None = None
    max_bytes: int | None = None


def reader_spec(store: Store) -> tuple[Any, ...] | None:
    """How a worker opens ``store`` for reading; None when no other process can (an in-memory store)."""
    if isinstance(store, OxigraphStore):
        return ("oxigraph", str(store.path), store.graph_prefix) if store.path is not None else None
    if isinstance(store, SparqlEndpointStore):
        auth = store._client.auth if store._client is not None else None  # noqa: SLF001
        return ("endpoint", store.url, store.update_url, store.gsp_url or "", auth, store.graph_prefix)
    return None


def pool_for(store: Store, limits: PoolLimits, size: int = 2, waiting: int = 4,
             quiet: bool = False) -> QueryPool | None:
    """A pool of workers reading ``store``, or None when ``size`` is 0 or the store cannot be shared."""
    spec = reader_spec(store)
    if spec is None or size <= 0:
        return None
    snapshots = None
    if isinstance(store, OxigraphStore) and store.path is not None and not store.read_only:
        snapshots = _Snapshots(store)
    return QueryPool(spec, limits, size=size, waiting=waiting, quiet=quiet, snapshots=snapshots)


class _Snapshots:
    """Point-in-time copies of a writable embedded store for the workers to open read-only (see the
    module docstring), in a folder beside the store's: ``.{name}.airkg-query-snapshots/{pid}-{id}``
    (one per pool; those of processes that are gone are removed)."""

    def __init__(self, store: OxigraphStore) -> None:
        assert store.path is not None
        self.store = store
        base = store.path.parent / f".{store.path.name}.airkg-query-snapshots"
        base.mkdir(parents=True, exist_ok=True)
        for left in base.iterdir():  # left by a server that died
            pid = left.name.split("-", 1)[0]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(left, ignore_errors=True)
        self.root = base / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.root.mkdir()
        self._lock = threading.Lock()
        self._current: tuple[int, str] | None = None

    def current(self, in_use: set[str]) -> str:
        """The snapshot of the store as it is now (made if the store was written since the last one);
        snapshots neither current nor in ``in_use`` are deleted."""
        with self._lock:
            if self._current is not None and self._current[0] == self.store.generation:
                return self._current[1]
            write_lock = getattr(self.store, "_lock", None) or threading.Lock()  # no snapshot of a write half-done
            if not write_lock.acquire(timeout=SNAPSHOT_WAIT):
                if self._current is not None:
                    return self._current[1]
                raise StoreError("the store is being written; try again shortly")
            try:
                generation = self.store.generation
                target = self.root / f"{generation}-{uuid.uuid4().hex[:8]}"
                try:
                    self.store._db.backup(str(target))  # noqa: SLF001
                except (OSError, RuntimeError) as exc:
                    raise StoreError(f"could not snapshot the store for queries: {exc}") from exc
            finally:
                write_lock.release()
            self._current = (generation, str(target))
            for child in self.root.iterdir():
                if str(child) != str(target) and str(child) not in in_use:
                    shutil.rmtree(child, ignore_errors=True)
            return str(target)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.root.parent.rmdir()  # when no other pool uses it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- the server's side


class _Worker:
    def __init__(self, context: Any, spec: tuple[Any, ...], memory_bytes: int | None, quiet: bool,
                 source: str | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, spec, memory_bytes, quiet, source),
                                       name="airkg-query-worker", daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.source = source  # what it has open (a snapshot's folder), as far as the server knows

    def wait_ready(self) -> None:
        """Wait until the worker has started and opened the store (its first message), so that no query's
        time limit counts its start.

        Raises:
            StoreError: It did not start within :data:`STARTUP` seconds, or died starting.
        """
        if self.ready:
            return
        try:
            if not self.conn.poll(STARTUP):
                raise StoreError(f"a query worker did not start within {STARTUP:g} s")
            self.conn.recv()
        except (EOFError, OSError):
            self.process.join(2)
            raise StoreError(f"a query worker failed to start (exit code {self.process.exitcode})") from None
        self.ready = True

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class QueryPool:
    """Worker processes that run user queries over one store (see the module docstring).

    Args:
        spec: How a worker opens the store (:func:`reader_spec`).
        limits: The limits of each query, unless a call gives others.
        size: Workers, i.e. queries running at once.
        waiting: Queries that may wait for a worker; more are refused with :class:`~kg.errors.ServerBusy`.
        quiet: Workers write nothing on stderr (the engine's own words as it aborts; for the CLI).
        snapshots: Where workers' snapshots of a writable embedded store come from; None: workers open
            the store's own location (an endpoint, or a store this process only reads).
    """

    def __init__(self, spec: tuple[Any, ...], limits: PoolLimits, *, size: int = 2, waiting: int = 4,
                 quiet: bool = False, snapshots: _Snapshots | None = None) -> None:
        self.spec = spec
        self._snapshots = snapshots
        self.quiet = quiet
        self.limits = limits
        self.size = size
        self.waiting = waiting
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["kg.query_pool", "api.sparql_results"])
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started = 0
        self._in_flight = 0
        self._closed = False
        self._workers: set[_Worker] = set()
        self._source: str | None = None if spec[0] != "oxigraph" else spec[1]  # what new workers open
        self.restarts = 0

    # -- running

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None, *,
              timeout: float | None = None, max_rows: int | None = None,
              max_bytes: int | None = None) -> QueryResult:
        """Run a query in a worker; the answer as :meth:`Store.query` gives it."""
        job = self._job(sparql, bindings, None, timeout, max_rows, max_bytes)
        return self._run(job)

    def render(self, sparql: str, accept: str | None, *,
               timeout: float | None = None, max_rows: int | None = None,
               max_bytes: int | None = None) -> tuple[bytes, str]:
        """Run a query in a worker and serialize it there for ``Accept``: (body, media type)."""
        job = self._job(sparql, None, ("http", accept), timeout, max_rows, max_bytes)
        return self._run(job)

    def _job(self, sparql: str, bindings: Mapping[str, Node] | None, render: tuple[str, str | None] | None,
             timeout: float | None, max_rows: int | None, max_bytes: int | None) -> Job:
        limits = self.limits
        return Job(sparql, dict(bindings) if bindings else None, render,
                   limits.timeout if timeout is None else timeout,
                   limits.max_rows if max_rows is None else max_rows,
                   limits.max_bytes if max_bytes is None else max_bytes)

    def _run(self, job: Job) -> Any:
        with self._lock:
            if self._closed:
                raise StoreError("the query workers are shut down")
            if self._in_flight >= self.size + self.waiting:
                raise ServerBusy(f"{self.size} queries are running and {self.waiting} waiting, the most this "
                                 "server takes; try again shortly")
            self._in_flight += 1
        try:
            source = self._current_source()
            started = time.monotonic()
            worker = self._take(job.timeout)
            waited = time.monotonic() - started
            try:
                worker.wait_ready()
            except StoreError:
                self._replace(worker)
                raise
            remaining = None if job.timeout is None else max(0.1, job.timeout - waited)
            return self._ask(worker, job, source, remaining)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _current_source(self) -> str | None:
        """What a worker must have open for this query: the current snapshot, or the store's location."""
        if self._snapshots is None:
            return self._source
        with self._lock:
            in_use = {worker.source for worker in self._workers if worker.source}
        self._source = self._snapshots.current(in_use)
        return self._source

    def _take(self, timeout: float | None) -> _Worker:
        """An idle worker, starting one if fewer than ``size`` exist; waits at most ``timeout`` seconds."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._started < self.size:
                self._started += 1
                start = True
            else:
                start = False
        if start:
            try:
                return self._new_worker()
            except BaseException:
                with self._lock:
                    self._started -= 1
                raise
        try:
            return self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ServerBusy(f"no query worker became free within {timeout:g} s; try again shortly") from None

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context, self.spec, self.limits.memory_bytes, self.quiet, self._source)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _ask(self, worker: _Worker, job: Job, source: str | None, timeout: float | None) -> Any:
        keep = False
        try:
            try:
                worker.conn.send((source, job))
                worker.source = source
                wait = None if timeout is None else timeout + GRACE
                if not worker.conn.poll(wait):
                    raise QueryTimeout(f"query ran past {job.timeout:g} s; it was stopped")
                ok, value, recycle = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                worker.process.join(2)
                raise QueryStopped(_death(worker.process.exitcode)) from None
            keep = not recycle
            if ok:
                return value
            raise value
        finally:
            if keep and not self._closed:
                self._idle.put(worker)
            else:
                self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (hung, dead or spent) and start another in its place, in the background (the
        request that lost its worker answers at once)."""
        with contextlib.suppress(Exception):
            worker.process.kill()
        with self._lock:
            self._workers.discard(worker)
            self.restarts += 1
        threading.Thread(target=self._restart, args=(worker,), name="airkg-query-restart", daemon=True).start()

    def _restart(self, dead: _Worker) -> None:
        dead.kill()  # reaps it
        if self._closed:
            return
        try:
            fresh = self._new_worker()
        except Exception:  # noqa: BLE001 - the next query starts one
            log.exception("starting a query worker failed")
            with self._lock:
                self._started -= 1
            return
        if self._closed:  # closed while it started
            fresh.kill()
            return
        self._idle.put(fresh)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()
        if self._snapshots is not None:
            self._snapshots.close()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return (f"the query stopped the process running it ({name}: it ran out of memory or the engine failed on "
                "it); nothing else was affected")
    return "the process running the query ended before answering (it ran out of memory or the engine failed on it)"


class PooledStore:
    """A store whose :meth:`query` runs in a :class:`QueryPool`; everything else is the store's own."""

    def __init__(self, store: Store, pool: QueryPool) -> None:
        self._store = store
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None, timeout: float | None = None,
              max_rows: int | None = None, *, max_bytes: int | None = None) -> QueryResult:
        return self._pool.query(sparql, bindings, timeout=timeout, max_rows=max_rows, max_bytes=max_bytes)


# --------------------------------------------------------------------------- the worker's side


def _open(spec: tuple[Any, ...], source: str | None) -> Store:
    if spec[0] == "oxigraph":
        return OxigraphStore(source or spec[1], graph_prefix=spec[2], read_only=True)
    _, url, update_url, gsp_url, auth, graph_prefix = spec
    return SparqlEndpointStore(url, update_url=update_url, gsp_url=gsp_url, auth=auth, graph_prefix=graph_prefix)


def _worker_main(conn: Connection, spec: tuple[Any, ...], memory_bytes: int | None, quiet: bool = False,
                 source: str | None = None) -> None:
    """A worker: open the store (``source``: a snapshot's folder), say so, then answer jobs until the pipe
    closes, reopening the store when a job names another source."""
    if quiet:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    with contextlib.suppress(OSError):
        os.nice(10)
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    sys.setrecursionlimit(WORKER_RECURSION)
    threading.stack_size(WORKER_STACK)
    store: Store | None = None
    opened: str | None = None
    try:
        store, opened = _open(spec, source), source
    except Exception:  # noqa: BLE001 - reported to the first job, which opens it again
        store = None
    conn.send(("ready", None))
    while True:
        try:
            wanted, job = conn.recv()
        except (EOFError, OSError):
            return
        box: dict[str, Any] = {}

        def work() -> None:
            nonlocal store, opened
            try:
                if store is None or wanted != opened:
                    try:
                        fresh = _open(spec, wanted)
                    except (StoreError, OSError, RuntimeError) as exc:
                        if store is None:
                            raise StoreError(f"the store could not be opened for reading: {exc}") from None
                        # the snapshot in hand stays consistent; the new one is tried again at the next query
                        log.warning("opening %s failed (%s); this query reads %s", wanted, exc, opened)
                    else:
                        if store is not None:
                            store.close()
                        store, opened = fresh, wanted
                box["reply"] = (True, _answer(store, job), False)
            except MemoryError:
                box["reply"] = (False, QueryStopped("the query needed more memory than a query may use; it was "
                                                    "stopped"), True)
            except RecursionError:
                box["reply"] = (False, QueryStopped("the query is nested too deeply to run"), True)
            except AirkgError as exc:
                box["reply"] = (False, exc.with_traceback(None), False)
            except Exception as exc:  # noqa: BLE001 - reported, not raised: the worker stays up
                box["reply"] = (False, StoreError(f"the query failed: {type(exc).__name__}: {exc}"[:500]), True)

        thread = threading.Thread(target=work, name="airkg-query-job")
        thread.start()
        thread.join()
        reply = box.get("reply") or (False, StoreError("the query failed"), True)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - an error that does not pickle
            conn.send((False, StoreError(f"the query failed: {reply[1]!s}"[:500] if not reply[0] else str(exc)), True))
        del box, reply


def _answer(store: Store, job: Job) -> Any:
    from kg.errors import QueryTooLarge

    result = store.query(job.sparql, job.bindings, timeout=None, max_rows=job.max_rows, max_bytes=job.max_bytes)
    if job.render is None:
        return result
    from api.sparql_results import render

    body, media_type = render(result, job.render[1])
    if job.max_bytes is not None and len(body) > job.max_bytes:
        raise QueryTooLarge(f"the answer is {len(body):,} bytes, more than the {job.max_bytes:,} this server "
                            "returns; select fewer or shorter values, or add a LIMIT")
    return body, media_type
