"""The compact graph against the graph before it, side by side in one run (issue 14).

    .venv/bin/python -m bench.compact_graph --scale 1000 --before 0a1b2c3

The same generated corpus is extracted to N-Quads by both versions of the code (``--before``: a commit,
checked out in a temporary git worktree and run with this venv's Python), then each N-Quads file is bulk
loaded into a fresh pyoxigraph store, alternating, ``--repeat`` times. It reports quads and bytes per plan,
the store's size on disk and the load's wall seconds (the median), and the ratio of each. Relations graphs
are left out on both sides: they are the same model in both and measured in the build benchmark.
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
from kg.loading import documents_in, extract_files_nquads
files = documents_in([Path(sys.argv[1])])
with open(sys.argv[2], "wb") as out:
    for plan in extract_files_nquads(files, jobs=2):
        out.write(plan.nquads)
"""


def extract_with(tree: Path, corpus: Path, out: Path) -> float:
    """Extract ``corpus`` to one N-Quads file with the code in ``tree``; the wall seconds it took."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _EXTRACT, str(corpus), str(out)], cwd=tree, check=True,
                   env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started


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
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "compact-graph")
    args = parser.parse_args(argv)
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
            sides = {"before": before_tree, "compact": ROOT}
            files = {name: args.work / f"{name}.nq" for name in sides}
            extract = {name: round(extract_with(tree, corpus, files[name]), 1) for name, tree in sides.items()}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=ROOT, check=False)
    runs: dict[str, list[float]] = {name: [] for name in sides}
    quads, disk = {}, {}
    for _ in range(args.repeat):
        for name in sides:
            seconds, quads[name], disk[name] = load_seconds(files[name], args.work / f"store-{name}")
            runs[name].append(seconds)
    report = {"plans": args.scale, "before": args.before, "repeat": args.repeat, "extract_s": extract,
              **{name: {"quads_per_plan": round(quads[name] / args.scale), "nquads_bytes_per_plan":
                        round(files[name].stat().st_size / args.scale), "disk_bytes_per_plan": round(disk[name] / args.scale),
                        "load_s_median": round(statistics.median(runs[name]), 2), "load_s": [round(s, 2) for s in runs[name]]}
                 for name in sides}}
    report["ratio_compact_to_before"] = {
        key: round(report["compact"][key] / report["before"][key], 3)
        for key in ("quads_per_plan", "nquads_bytes_per_plan", "disk_bytes_per_plan", "load_s_median")}
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
