"""Every saved query's latency on three backends, side by side, on the same built store.

* ``oxigraph``: :class:`kg.store.OxigraphStore` on the built folder (what airkg ships);
* ``rdflib``: an in-memory ``rdflib.Dataset`` (union default graph) holding the same quads, sent
  exactly the text a SPARQL endpoint would get (the store's own prefix and ``VALUES`` rewriting);
  capped by scale, as it holds every triple as Python objects;
* ``virtuoso``: Debian's Virtuoso 7 started with ``scripts/virtuoso.sh`` on free loopback ports,
  loaded through :class:`kg.store.SparqlEndpointStore` (Graph Store ``PUT`` per graph, in batches).

Each query runs with its default parameters, in a child process given up past a timeout; a first
run is not timed (it warms caches and is the row count checked across backends), then ``repeat``
timed runs (fewer if a time budget runs out) give the median and p95.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.machine import latencies

ROOT = Path(__file__).resolve().parent.parent
VIRTUOSO = ROOT / "scripts" / "virtuoso.sh"


def saved_queries() -> dict[str, Any]:
    from kg.queries import load_saved_queries

    return load_saved_queries()


class RdflibBackend:
    """An in-memory rdflib Dataset answering like a :class:`kg.store.Store` (rows only)."""

    def __init__(self, nquads: Path) -> None:
        from rdflib import Dataset

        self.dataset = Dataset(default_union=True)
        self.dataset.parse(str(nquads), format="nquads")

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> int:
        # The same rewriting the store applies before sending a query to an endpoint.
        from kg.store import _check_bindings, _shape, _with_prefixes, _with_values

        shape = _shape(sparql)
        text = _with_prefixes(_with_values(sparql, shape, _check_bindings(bindings, shape)), shape)
        return len(list(self.dataset.query(text)))

    def close(self) -> None:
        self.dataset.close()


def rows_of(result: Any) -> int:
    if isinstance(result, int):
        return result
    if result.kind == "select":
        return len(result.rows)
    return len(result.graph) if result.graph is not None else int(bool(result.boolean))


def time_query(backend: Any, sparql: str, bindings: dict[str, Any], repeat: int, budget_s: float) -> dict[str, Any]:
    """One untimed run (its row count kept), then up to ``repeat`` timed runs while ``budget_s`` lasts."""
    started = time.perf_counter()
    rows = rows_of(backend.query(sparql, bindings))
    first_ms = (time.perf_counter() - started) * 1000
    if first_ms / 1000 > budget_s:
        return {"rows": rows, "first_ms": round(first_ms, 2), "runs": 1, "median_ms": round(first_ms, 2),
                "p95_ms": round(first_ms, 2), "max_ms": round(first_ms, 2), "note": "the untimed run only"}
    timing = latencies(lambda: backend.query(sparql, bindings), repeat, budget_s)
    timing.pop("result", None)
    return {"rows": rows, "first_ms": round(first_ms, 2), **timing}


def time_queries(open_backend: Callable[[], Any], repeat: int, budget_s: float, timeout_s: float) -> dict[str, Any]:
    """Latency of every saved query on the backend ``open_backend()`` gives (anything with
    ``query(sparql, bindings)``).

    Each query runs in a forked child that opens the backend itself, and is given up past
    ``timeout_s`` (neither pyoxigraph nor rdflib can stop a query, and at scale one can run for
    hours); ``budget_s`` bounds the timed runs of a query that does finish.
    """
    from kg.queries import resolve_params

    out: dict[str, Any] = {}
    for name, query in sorted(saved_queries().items()):
        out[name] = _forked(open_backend, query.sparql, lambda backend, query=query: resolve_params(query, {}, backend),
                            repeat, budget_s, timeout_s)
    return out


def _forked(open_backend: Callable[[], Any], sparql: str, bindings: Callable[[Any], dict[str, Any]], repeat: int,
            budget_s: float, timeout_s: float) -> dict[str, Any]:
    """Time ``sparql`` in a child process; ``bindings`` resolves its parameters there, against the backend (an
    agency parameter is looked up in the store: untimed)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        from kg.errors import InputError

        backend = open_backend()
        try:
            try:
                values = bindings(backend)
            except InputError as exc:  # e.g. a default agency the generated corpus does not hold: nothing to time
                send.send({"skipped": f"its default parameters name nothing in this store ({exc})"})
                return
            send.send(time_query(backend, sparql, values, repeat, budget_s))
        except Exception as exc:  # noqa: BLE001 - the backend's refusal is the query's result (e.g. Virtuoso's estimate)
            send.send({"error": f"{type(exc).__name__}: {str(exc)[:300]}"})
        finally:
            close = getattr(backend, "close", None)
            if close is not None and not isinstance(backend, RdflibBackend):
                close()

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()
    try:
        if receive.poll(timeout_s):
            return receive.recv()
        return {"timeout_s": timeout_s}
    except EOFError:
        return {"error": f"the query process died (exit code {process.exitcode})"}
    finally:
        if process.is_alive():
            process.kill()
        process.join()


# --------------------------------------------------------------------------- getting the quads out


def dump_graph_batches(store_path: Path, folder: Path, batch: int) -> Iterator[tuple[Path, list[str]]]:
    """The built store's managed graphs as N-Quads files of ``batch`` graphs each (a file and its IRIs)."""
    from kg.store import DEFAULT_GRAPH_PREFIX

    store = ox.Store.read_only(str(store_path))
    names = sorted(g.value for g in store.named_graphs()
                   if isinstance(g, ox.NamedNode) and g.value.startswith(DEFAULT_GRAPH_PREFIX))
    for start in range(0, len(names), batch):
        chosen = names[start:start + batch]
        path = folder / f"batch-{start // batch:05d}.nq"
        with path.open("wb") as out:
            for name in chosen:
                ox.serialize(store.quads_for_pattern(None, None, None, ox.NamedNode(name)), out,
                             format=ox.RdfFormat.N_QUADS)
        yield path, chosen
        path.unlink()
    del store


def dump_all(store_path: Path, target: Path) -> int:
    """Every managed quad of the built store in one N-Quads file; the number of quads."""
    count = 0
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch, target.open("wb") as out:
        for path, _ in dump_graph_batches(store_path, Path(scratch), 500):
            data = path.read_bytes()
            count += data.count(b"\n")
            out.write(data)
    return count


# --------------------------------------------------------------------------- Virtuoso


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Virtuoso:
    """A private Virtuoso for one benchmark run: started, loaded, queried, stopped."""

    def __init__(self, folder: Path, buffers: int) -> None:
        self.folder = folder
        self.http, self.sql = _free_port(), _free_port()
        self.env = dict(os.environ, AIRKG_VIRTUOSO_DIR=str(folder), AIRKG_VIRTUOSO_BUFFERS=str(buffers))
        self.url: str | None = None

    def _script(self, action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(VIRTUOSO), action, str(self.http), str(self.sql)], env=self.env,
                              capture_output=True, text=True, timeout=900, check=False)

    def start(self) -> str:
        shutil.rmtree(self.folder, ignore_errors=True)
        done = self._script("start")
        if done.returncode != 0:
            raise RuntimeError(f"scripts/virtuoso.sh start failed: {done.stderr[-2000:]}")
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def stop(self) -> None:
        self._script("stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def bulk_load(self, nquads: Path) -> dict[str, Any]:
        """Load an N-Quads file with Virtuoso's own bulk loader (``ld_dir`` + ``rdf_loader_run``), the way
        its documentation loads large data; the file is hard-linked into a folder the server may read."""
        from kg.store import SparqlEndpointStore

        assert self.url
        folder = self.folder / "load"
        folder.mkdir(exist_ok=True)
        target = folder / "all.nq"
        os.link(nquads, target)
        started = time.perf_counter()
        sql = (f"ld_dir('{folder}', '*.nq', 'urn:airkg:bench:unused'); rdf_loader_run(); checkpoint; "
               "select ll_file, ll_error from DB.DBA.LOAD_LIST where ll_error is not null;")
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql}", "dba", "dba", f"exec={sql}"],
                              capture_output=True, text=True, timeout=7200, check=False)
        seconds = time.perf_counter() - started
        target.unlink()
        if done.returncode != 0 or "0 Rows." not in done.stdout:
            raise RuntimeError(f"Virtuoso's bulk loader failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        endpoint = SparqlEndpointStore(self.url, http_timeout=1800)
        quads = endpoint.triple_count()
        endpoint.close()
        return {"method": "ld_dir + rdf_loader_run", "quads": quads, "seconds": round(seconds, 3),
                "quads_per_s": round(quads / seconds) if seconds else None}

    def load(self, store_path: Path, batch: int) -> dict[str, Any]:
        """Load the built store's graphs through SparqlEndpointStore, ``batch`` graphs per call."""
        from kg.store import SparqlEndpointStore

        assert self.url
        endpoint = SparqlEndpointStore(self.url, http_timeout=1800)
        started = time.perf_counter()
        graphs = 0
        with tempfile.TemporaryDirectory(prefix="airkg-virt-") as scratch:
            for path, names in dump_graph_batches(store_path, Path(scratch), batch):
                endpoint.replace_graphs_nquads(path, names)
                graphs += len(names)
        seconds = time.perf_counter() - started
        quads = endpoint.triple_count()
        endpoint.close()
        return {"graphs": graphs, "quads": quads, "seconds": round(seconds, 3),
                "quads_per_s": round(quads / seconds) if seconds else None}
