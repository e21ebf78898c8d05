"""Extraction throughput, where a plan's time goes, and builds to a ready store.

* :func:`extraction_throughput`: read + extract every plan (nothing built or stored) on 1 and 2
  processes, in characters and plans per second.
* :func:`stages`: one process, a sample of plans, each stage timed on its own: reading, extraction,
  the rdflib Graph (what workers used to return), N-Quads (what they return now), and pickling
  either to send it back from a worker.
* :func:`build_in_subprocess`: a whole build in a fresh Python process, so that its peak memory
  (VmHWM) and its workers' are its own: ``bulk`` (:func:`kg.loading.bulk_load_files`, timing its
  phases), ``cli`` (``airkg build`` itself, which loads the same way, with its checks and counts; then
  ``airkg build`` again on the unchanged corpus, which loads nothing),
  ``transaction`` (``airkg build --no-bulk``: the same N-Quads in one transaction) or ``graphs``
  (:func:`kg.loading.extract_files` + ``replace_graphs``: rdflib Graphs from the workers, the way
  ``airkg build`` loaded before). The child prints one JSON object.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.machine import cpu_seconds, folder_bytes, peak_memory

ROOT = Path(__file__).resolve().parent.parent


def _extract_one(path: Path) -> int:
    from kg.extract.assembly import extract_plan
    from kg.extract.reading import read_document

    document = read_document(path)
    extract_plan(document)
    return len(document.text)


def _warm_up() -> None:
    """Import the pipeline and build its caches (gazetteer, vocabularies) before timing."""
    from kg.extract.assembly import extract_plan
    from kg.extract.reading import document_from_bytes

    extract_plan(document_from_bytes("warm-up.txt", (ROOT / "tests/documents/layout_table.txt").read_bytes()))


def _started(_: int) -> None:
    time.sleep(0.2)


def extraction_throughput(files: list[Path], jobs: int) -> dict[str, Any]:
    """Read and extract ``files`` on ``jobs`` processes, started and warmed up before the timing
    (their start-up, ~1 s each for imports and the gazetteer, is reported apart)."""
    if jobs == 1:
        started = time.perf_counter()
        _warm_up()
        startup = time.perf_counter() - started
        started, cpu = time.perf_counter(), cpu_seconds()
        characters = sum(_extract_one(path) for path in files)
        seconds = time.perf_counter() - started
        cpu_used = cpu_seconds() - cpu
    else:
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=jobs, initializer=_warm_up) as pool:
            list(pool.map(_started, range(jobs * 4)))
            startup = time.perf_counter() - started
            started, cpu = time.perf_counter(), _pool_cpu(pool)
            characters = sum(pool.map(_extract_one, files, chunksize=max(1, min(16, len(files) // (jobs * 4)))))
            seconds = time.perf_counter() - started
            cpu_used = _pool_cpu(pool) - cpu
    return {"jobs": jobs, "plans": len(files), "characters": characters, "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_used, 3), "startup_seconds": round(startup, 3),
            "plans_per_s": round(len(files) / seconds, 2), "chars_per_s": round(characters / seconds)}


def _pool_cpu(pool: ProcessPoolExecutor) -> float:
    """CPU seconds used so far by the pool's worker processes (from /proc)."""
    total = 0.0
    for pid in list(pool._processes):  # noqa: SLF001 - the workers' pids, to read their /proc/PID/stat
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def stages(files: list[Path]) -> dict[str, Any]:
    """Milliseconds per plan of each stage, and bytes a worker would send back, on one process."""
    from kg.extract.assembly import extract_plan
    from kg.loading import PlanQuads
    from kg.rdf_building import build_plan_graphs, plan_nquads
    from kg.extract.reading import read_document

    _warm_up()
    totals = {"read": 0.0, "extract": 0.0, "rdflib_graph": 0.0, "pickle_graph": 0.0, "nquads": 0.0,
              "pickle_nquads": 0.0}
    sizes = {"pickle_graph": 0, "pickle_nquads": 0, "triples": 0, "characters": 0}
    for path in files:
        t0 = time.perf_counter()
        document = read_document(path)
        t1 = time.perf_counter()
        plan = extract_plan(document)
        t2 = time.perf_counter()
        graph = build_plan_graphs(plan, document.text)
        t3 = time.perf_counter()
        pickled_graph = pickle.dumps(graph)
        t4 = time.perf_counter()
        built = plan_nquads(plan, document.text)
        t5 = time.perf_counter()
        pickled_quads = pickle.dumps(PlanQuads.of(plan, len(document.text), built))
        t6 = time.perf_counter()
        for key, seconds in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            totals[key] += seconds
        sizes["pickle_graph"] += len(pickled_graph)
        sizes["pickle_nquads"] += len(pickled_quads)
        sizes["triples"] += built.quads
        sizes["characters"] += len(document.text)
    count = len(files)
    return {"plans": count, "ms_per_plan": {key: round(value / count * 1000, 2) for key, value in totals.items()},
            "per_plan": {key: round(value / count) for key, value in sizes.items()}}


# --------------------------------------------------------------------------- whole builds


def build_in_subprocess(corpus: Path, store: Path, mode: str, jobs: int, spool: Path,
                        keep_spool: Path | None = None) -> dict[str, Any]:
    """Build ``store`` from ``corpus`` in a fresh process (see the module docstring); its JSON report.
    ``keep_spool`` (bulk only): where the N-Quads loaded are kept, for the other backends."""
    shutil.rmtree(store, ignore_errors=True)
    command = [sys.executable, "-m", "bench", "build-store", "--corpus", str(corpus), "--store", str(store),
               "--mode", mode, "--jobs", str(jobs), "--spool", str(spool)]
    if keep_spool is not None:
        command += ["--keep-spool", str(keep_spool)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rerun(corpus: Path, store_path: Path, jobs: int) -> dict[str, Any]:
    """``airkg build`` once more on the built store and the unchanged corpus (``kg/incremental.py``): its wall
    and CPU seconds (a fresh process, imports included) and its summary line."""
    import resource

    command = [str(Path(sys.executable).with_name("airkg")), "build", "--seeds", str(corpus), "--store",
               str(store_path), "--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return {"seconds": round(seconds, 3),
            "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3),
            "summary": done.stdout.strip().splitlines()[-1]}


def build_store(corpus: Path, store_path: Path, mode: str, jobs: int, spool: Path,
                keep_spool: Path | None = None) -> dict[str, Any]:
    """The child's side of :func:`build_in_subprocess`: build, then report."""
    from kg.loading import bulk_load_files, documents_in, extract_files, graphs_to_load
    from kg.store import OxigraphStore

    files = documents_in([corpus])
    started, cpu = time.perf_counter(), cpu_seconds()
    report: dict[str, Any] = {"mode": mode, "jobs": jobs, "plans": len(files)}
    store = OxigraphStore(store_path)
    if mode in ("cli", "transaction"):  # `airkg build --jobs N`, as a user runs it (its summary lines discarded)
        import contextlib
        import io

        from kg.cli import app

        store.close()
        with contextlib.redirect_stdout(io.StringIO()):
            app(["build", "--seeds", str(corpus), "--store", str(store_path), "--jobs", str(jobs),
                 "--bulk" if mode == "cli" else "--no-bulk"], standalone_mode=False)
        report["phases_s"] = {}
        report["quads_plans"] = None
        store = OxigraphStore(store_path)
    elif mode == "bulk":
        spool.mkdir(parents=True, exist_ok=True)
        done = bulk_load_files(store, files, jobs=jobs, spool_dir=spool, keep_spool=keep_spool)
        report["phases_s"] = {key: round(value, 3) for key, value in done.seconds.items()}
        report["quads_plans"] = done.quads
        report["spool_bytes"] = done.spooled_bytes
    else:
        plans = extract_files(files, jobs=jobs)
        extracted = time.perf_counter()
        graphs = graphs_to_load(plans)
        store.replace_graphs(graphs)
        from kg.relations.graph import rebuild  # the relations every other path loads with the plans

        rebuild(store)
        report["phases_s"] = {"extract": round(extracted - started, 3),
                              "load": round(time.perf_counter() - extracted, 3)}
        report["quads_plans"] = sum(len(g) for p in plans for g in p.graphs.values())
    store.close()
    report["seconds"] = round(time.perf_counter() - started, 3)
    report["cpu_seconds"] = round(cpu_seconds() - cpu, 3)
    report["memory"] = peak_memory()
    report["memory"]["upper_bound_mib"] = round(report["memory"]["self_mib"]
                                                + (jobs if jobs > 1 else 0) * report["memory"]["largest_child_mib"], 1)
    if mode == "cli":  # and again on the unchanged corpus, as a user re-runs it: a fresh process, timed apart
        report["rerun_unchanged"] = _rerun(corpus, store_path, jobs)
    from kg.incremental import MANIFEST_GRAPH

    db = ox.Store(str(store_path))  # the plans' quads: the build manifest (`airkg build` only) not counted
    report["quads"] = len(db) - sum(1 for _ in db.quads_for_pattern(None, None, None, ox.NamedNode(MANIFEST_GRAPH)))
    del db
    report["store_bytes"] = folder_bytes(store_path)
    report["quads_per_s"] = round(report["quads"] / report["seconds"])
    return report
