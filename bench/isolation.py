"""The cost of running user queries in worker processes (issue 13): every saved query, in-process against
through the server's query pool, on the same built store.

* ``in-process``: :meth:`kg.store.OxigraphStore.query` in this process, on the store opened for writing as
  ``airkg serve`` opens it (what the server did before the pool, and what ``AIRKG_QUERY_WORKERS=0
  --unsafe-in-process-queries`` does);
* ``worker pool``: the same call through :class:`kg.query_pool.PooledStore` (a ``forkserver`` worker reading
  a snapshot of the store, the answer pickled back over a pipe), as the server runs ``/api/queries/…``.

Neither side caps rows or bytes, so both return the whole answer and only the boundary differs. Each query
runs once untimed on each side (the first pooled query of all also starts the worker and makes the snapshot:
timed apart), then ``repeat`` timed runs on each side, in turn so that both see the same load (fewer past
``budget`` seconds), give the median and p95.

    python -m bench.isolation --scale 100          # corpus and store under bench/out/isolation-100/
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.machine import load_average, percentile
from bench.queries import rows_of, saved_queries
from bench.run import OUT, ROOT, SEEDS, Options, prepare_corpus


def build_store(scale: str, out: Path) -> Path:
    """The store of ``scale`` plans (or the seeds), built with ``airkg build`` unless it is there already."""
    options = Options(scale=scale, out=out)
    folder, _ = prepare_corpus(options) if scale != "seeds" else (SEEDS, {})
    store = out / f"isolation-{scale}" / "store"
    if not store.is_dir():
        store.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "kg.cli", "build", "--seeds", str(folder), "--store", str(store)],
                       cwd=ROOT, check=True)
    return store


def measure(store_path: Path, repeat: int, budget_s: float) -> dict[str, Any]:
    from kg.errors import AirkgError
    from kg.queries import resolve_params
    from kg.query_pool import PoolLimits, PooledStore, pool_for
    from kg.store import OxigraphStore

    store = OxigraphStore(str(store_path))
    # The server's memory limit (2 GiB); no row, byte or time cap, so that both sides give the whole answer.
    pool = pool_for(store, PoolLimits(timeout=600, max_rows=None, max_bytes=None), size=1, waiting=0)
    assert pool is not None
    pooled = PooledStore(store, pool)
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        pooled.query("ASK { ?s ?p ?o }")
        out["_start_ms"] = round((time.perf_counter() - started) * 1000, 1)
        for name, query in sorted(saved_queries().items()):
            try:
                bindings = resolve_params(query, {}, store)
            except AirkgError as error:  # a default parameter naming nothing in a generated corpus
                out[name] = {"error": f"parameters: {error.detail}"[:200]}
                continue
            sides = {"in_process": store, "pool": pooled}
            rows: dict[str, int] = {}
            for label, backend in sides.items():
                started = time.perf_counter()
                try:
                    rows[label] = rows_of(backend.query(query.sparql, bindings))
                except AirkgError as error:  # the worker's memory limit, as the server has it
                    out[name] = {"error": f"{label}: {error.detail} (after {time.perf_counter() - started:.1f} s)"}
                    break
            if name in out:
                continue
            assert rows["in_process"] == rows["pool"], name
            times: dict[str, list[float]] = {label: [] for label in sides}
            started = time.perf_counter()
            for _ in range(repeat):  # the two sides in turn, so that both see the same load of the machine
                for label, backend in sides.items():
                    t = time.perf_counter()
                    backend.query(query.sparql, bindings)
                    times[label].append((time.perf_counter() - t) * 1000)
                if time.perf_counter() - started > budget_s:
                    break
            out[name] = {label: {"rows": rows[label], "runs": len(values),
                                 "median_ms": round(statistics.median(values), 2),
                                 "p95_ms": round(percentile(values, 0.95), 2)} for label, values in times.items()}
    finally:
        pool.close()
        store.close()
    return out


def table(results: dict[str, Any]) -> str:
    lines = ["| saved query | rows | in-process p50 / p95 ms | worker pool p50 / p95 ms | added p50 ms | ratio p50 |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in results.items():
        if name.startswith("_"):
            continue
        if "error" in row:
            lines.append(f"| `{name}` | | {row['error']} | | | |")
            continue
        a, b = row["in_process"], row["pool"]
        lines.append(f"| `{name}` | {a['rows']:,} | {a['median_ms']:.1f} / {a['p95_ms']:.1f} | "
                     f"{b['median_ms']:.1f} / {b['p95_ms']:.1f} | {b['median_ms'] - a['median_ms']:+.1f} | "
                     f"{b['median_ms'] / max(a['median_ms'], 0.01):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.isolation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="seeds", help="plans to generate (10, 100, 1000 …) or 'seeds'")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query on each side")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds of timed runs per query and side")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    store = build_store(args.scale, args.out)
    before = load_average()
    results = measure(store, args.repeat, args.budget)
    record = {"scale": args.scale, "command": "python -m bench.isolation " + " ".join(argv or sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "python": platform.python_version(),
              "load_average_before": before, "load_average_after": load_average(), "results": results}
    (args.out / f"isolation-{args.scale}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(f"worker start and first snapshot: {results['_start_ms']} ms; load average {before} -> "
          f"{record['load_average_after']}")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
