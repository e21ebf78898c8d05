"""The cost of the relations graphs (kg/relations) at N generated plans: a full rebuild after a bulk load, and
the rebuild one ingest triggers (the plans a plan's write affects).

    python -m bench.relations 1000 [--folder /tmp/airkg-relations-bench]

The corpus and the loaded store are kept in the folder, so a second run times the relations alone.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from bench.corpus import write_corpus
from kg.loading import bulk_load_files
from kg.relations.graph import affected_by, rebuild
from kg.store import OxigraphStore


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plans", type=int)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/airkg-relations-bench"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    folder = args.folder / str(args.plans)
    corpus, store_path = folder / "corpus", folder / "store"
    fresh = not store_path.exists()
    if not corpus.exists():
        write_corpus(corpus, args.plans)
    files = sorted(corpus.glob("*.txt"))
    with OxigraphStore(str(store_path)) as store:
        if fresh:
            started = time.perf_counter()
            bulk_load_files(store, files, jobs=args.jobs)
            print(f"load: {time.perf_counter() - started:.1f} s ({len(files)} plans), max RSS {_rss_mb():.0f} MB",
                  flush=True)
        started, cpu = time.perf_counter(), _cpu()
        done = rebuild(store)
        full, full_cpu = time.perf_counter() - started, _cpu() - cpu
        counts = {kind: int(str(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x a airkg:{kind} }}").rows[0]["n"]))
                  for kind in ("LineageLink", "Citation", "MeasureChange")}
        higher = int(str(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a airkg:higherPlan ?b }").rows[0]["n"]))
        print(f"relations, full rebuild: {full:.1f} s wall, {full_cpu:.1f} s CPU for {done} plans "
              f"({full_cpu / max(done, 1) * 1000:.0f} ms CPU a plan); "
              f"{higher} plan pairs compared, {counts}; max RSS {_rss_mb():.0f} MB", flush=True)
        for stem in (files[len(files) // 2].stem, files[0].stem):
            started, cpu = time.perf_counter(), _cpu()
            affected = affected_by(store, [stem])
            rebuild(store, affected)
            print(f"one plan written ({stem}): {len(affected)} plans rebuilt in {time.perf_counter() - started:.2f} s "
                  f"wall, {_cpu() - cpu:.2f} s CPU", flush=True)


if __name__ == "__main__":
    main()
