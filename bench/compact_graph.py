"""A graph against the graph of an earlier commit, side by side in one run (issues 14 and 16).

    .venv/bin/python -m bench.compact_graph --scale 1000 --before 0a1b2c3

The same generated corpus is extracted to N-Quads by both versions of the code (``--before``: a commit,
checked out in a temporary git worktree and run with this venv's Python; ``after``: this tree), then each
N-Quads file is bulk loaded into a fresh pyoxigraph store, alternating, ``--repeat`` times. It reports quads
and bytes per plan, the store's size on disk and the load's wall seconds (the median), and the ratio of each;
then every saved query with its defaults, each tree's own query text on its own store, the two sides
alternating query by query: the median and 95th percentile of ``--query-repeat`` runs, the rows, and a
digest of the rows (equal digests: the same answer). Relations graphs are left out on both sides (the same
model in both, measured in the build benchmark), and so are the saved queries that read them. Vocabulary
and regions are loaded on both sides.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent

_EXTRACT = """
import sys
from pathlib import Path
from kg.loading import _shared_graphs_nquads, documents_in, extract_files_nquads
files = documents_in([Path(sys.argv[1])])
with open(sys.argv[2], "wb") as out:
    out.write(_shared_graphs_nquads())
    for plan in extract_files_nquads(files, jobs=2):
        out.write(plan.nquads)
"""
#: One saved query with its default parameters, run by the tree's own code on its own store (in a process of
#: its own, under a memory limit: the graph before the change has a query that takes 10 GB at 1,000 plans):
#: one untimed run, then ``repeat`` timed ones; the median, the 95th percentile (nearest rank), the rows and a
#: digest of the rows (sorted, each cell as text) to tell whether both sides answer alike, as JSON.
_QUERY = """
import hashlib, json, math, resource, statistics, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[4]), int(sys.argv[4])))
from kg.queries import load_saved_queries, resolve_params
from kg.store import OxigraphStore
store = OxigraphStore(Path(sys.argv[1]), read_only=True)
query = load_saved_queries()[sys.argv[2]]
bindings = resolve_params(query, {}, store)
result = store.query(query.sparql, bindings)
cells = sorted(json.dumps(["" if row[v] is None else str(row[v]) for v in result.vars], ensure_ascii=False)
               for row in result.rows)
digest = hashlib.sha256("\\n".join(cells).encode()).hexdigest()[:16]
runs = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    store.query(query.sparql, bindings)
    runs.append((time.perf_counter() - started) * 1000)
p95 = sorted(runs)[math.ceil(0.95 * len(runs)) - 1]
print(json.dumps({"rows": len(result.rows), "rows_digest": digest, "median_ms": round(statistics.median(runs), 1),
                  "p95_ms": round(p95, 1)}))
"""
#: Saved queries that read the relations graphs, which are not loaded here.
_RELATIONS_WORDS = ("airkg:effective", "airkg:lineage", "airkg:hasMeasureChange", "airkg:carriesOut",
                    "airkg:notTakenUpBy", "airkg:hasCitation", "airkg:cites")


def extract_with(tree: Path, corpus: Path, out: Path) -> float:
    """Extract ``corpus`` to one N-Quads file with the code in ``tree``; the wall seconds it took."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _EXTRACT, str(corpus), str(out)], cwd=tree, check=True,
                   env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started


def query_times(sides: dict[str, Path], stores: dict[str, Path], repeat: int) -> dict[str, dict[str, object]]:
    """Each saved query (those of the relations graphs left out), each side's own text on its own store, the
    sides alternating query by query so that both see the same load on the machine."""
    from kg.queries import load_saved_queries

    texts = {side: load_saved_queries(tree / "queries") for side, tree in sides.items()}
    names = sorted(set().union(*texts.values()))
    return {name: {side: query_time(tree, stores[side], name, repeat) if name in texts[side] and not any(
                       word in texts[side][name].sparql for word in _RELATIONS_WORDS) else None
                   for side, tree in sides.items()}
            for name in names}


def query_time(tree: Path, store: Path, name: str, repeat: int, seconds: float = 300,
               memory: int = 6 * 1024**3) -> object:
    """One saved query of ``tree`` on ``store``: its times, rows and digest, or what stopped it (past
    ``seconds`` of wall time, or past ``memory`` bytes)."""
    try:
        done = subprocess.run([sys.executable, "-c", _QUERY, str(store), name, str(repeat), str(memory)],
                              cwd=tree, capture_output=True, text=True, timeout=seconds,
                              env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        return f"over {seconds:g} s"
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if done.returncode == 0 and lines else (
        f"failed (exit {done.returncode}, over {memory // 1024**3} GiB?)")


def load_seconds(nquads: Path, folder: Path) -> tuple[float, int, int]:
    """Bulk load ``nquads`` into a fresh store in ``folder``: seconds, quads, bytes on disk."""
    shutil.rmtree(folder, ignore_errors=True)
    store = ox.Store(str(folder))
    started = time.perf_counter()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    quads = len(store)
    del store
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return seconds, quads, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compact_graph", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--before", required=True, help="the commit whose graph is compared")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--query-repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "compact-graph")
    args = parser.parse_args(argv)
    args.work = args.work.resolve()  # the sides run in trees of their own
    from bench.corpus import write_corpus

    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / f"corpus-{args.scale}"
    if not corpus.exists():
        write_corpus(corpus, args.scale)
    with tempfile.TemporaryDirectory(prefix="airkg-before-") as scratch:
        before_tree = Path(scratch) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(before_tree), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            sides = {"before": before_tree, "after": ROOT}
            files = {name: args.work / f"{name}.nq" for name in sides}
            extract = {name: round(extract_with(tree, corpus, files[name]), 1) for name, tree in sides.items()}
            runs: dict[str, list[float]] = {name: [] for name in sides}
            quads, disk = {}, {}
            for _ in range(args.repeat):
                for name in sides:
                    seconds, quads[name], disk[name] = load_seconds(files[name], args.work / f"store-{name}")
                    runs[name].append(seconds)
            queries = query_times(sides, {name: args.work / f"store-{name}" for name in sides}, args.query_repeat)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=ROOT, check=False)
    report = {"plans": args.scale, "before": args.before, "repeat": args.repeat, "extract_s": extract,
              **{name: {"quads_per_plan": round(quads[name] / args.scale), "nquads_bytes_per_plan":
                        round(files[name].stat().st_size / args.scale), "disk_bytes_per_plan": round(disk[name] / args.scale),
                        "load_s_median": round(statistics.median(runs[name]), 2), "load_s": [round(s, 2) for s in runs[name]]}
                 for name in sides}}
    report["ratio_after_to_before"] = {
        key: round(report["after"][key] / report["before"][key], 3)
        for key in ("quads_per_plan", "nquads_bytes_per_plan", "disk_bytes_per_plan", "load_s_median")}
    report["queries"] = queries
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
