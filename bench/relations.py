"""The cost of the relations graphs (kg/relations) at N generated plans, for the code of the working tree and,
side by side, for the code of an earlier commit: a full rebuild of every plan's relations on one store, and the
rebuilds single writes trigger (the plans one plan's write affects: a county's or city's plan, a province's, a
national one).

    python -m bench.relations 1000 [--before REV] [--before-plans K] [--after REV] [--folder /tmp/airkg-relations-bench]

The corpus is generated and bulk-loaded without relations (the plans only), and kept in the folder, so a second
run times the relations alone. Each code version runs in its own process (``kg`` imported from a copy of that
commit's ``kg/`` and ``ontology/``, made with ``git archive``), so each one's peak RSS is its own. ``--before-plans
K`` rebuilds only K plans (the first by id) with the earlier code, for a scale where all of them take too long;
``--after REV`` times a commit instead of the working tree. The single writes are timed after a full rebuild only.
``--profile`` prints each run's cProfile, its 25 most costly functions by cumulative time. ``--compute-only``
times computing every plan's relations as N-Quads (``write_relations``, what ``airkg build`` does before its bulk
load) into a sink that counts them, nothing written to the store.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss would count the parent's size at the fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare(folder: Path, plans: int, jobs: int) -> Path:
    """The corpus and a store holding its plans (no relations), made once per folder; the store's path."""
    import kg.loading
    from bench.corpus import write_corpus
    from kg.loading import bulk_load_files
    from kg.store import OxigraphStore

    corpus, store_path = folder / "corpus", folder / "store"
    if not corpus.exists():
        write_corpus(corpus, plans)
    if not store_path.exists():
        files = sorted(corpus.glob("*.txt"))
        started = time.perf_counter()
        original = kg.loading._Spool.add_relations
        kg.loading._Spool.add_relations = lambda self, store: []  # the plans only: the relations are timed apart
        try:
            with OxigraphStore(str(store_path)) as store:
                bulk_load_files(store, files, jobs=jobs)
        finally:
            kg.loading._Spool.add_relations = original
        print(f"load (plans only): {time.perf_counter() - started:.1f} s ({len(files)} plans), "
              f"max RSS {_rss_mb():.0f} MB", flush=True)
    return store_path


def code_of(rev: str, folder: Path) -> Path:
    """A folder holding ``kg/`` and ``ontology/`` as commit ``rev`` has them."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    tree = folder / f"code-{sha}"
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha, "kg", "ontology"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run_child(store_path: Path, code: Path | None, plans: int | None, profile: bool, compute_only: bool = False
              ) -> dict:
    """One timed run in a fresh process, ``kg`` imported from ``code`` (the working tree when None)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in (code, ROOT) if p is not None))
    command = [sys.executable, "-m", "bench.relations", "--child", str(store_path)]
    if plans:
        command += ["--plans", str(plans)]
    if profile:
        command.append("--profile")
    if compute_only:
        command.append("--compute-only")
    # the working directory comes first on sys.path: the code's own folder, so its kg/ is the one imported
    done = subprocess.run(command, cwd=code or ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    lines = done.stdout.splitlines()
    for line in lines[:-1]:
        print(line)
    return json.loads(lines[-1])


class _Tally:
    """Where N-Quads lines go to be counted, not kept: quads, and lineage links (their ``hasLineage`` quads)."""

    def __init__(self) -> None:
        self.quads = 0
        self.links = 0

    def write(self, text: str) -> int:
        self.writelines(text.splitlines(keepends=True))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.quads += 1
            self.links += "#hasLineage> " in line


def child_compute(store_path: Path, plans: int | None) -> None:
    """Compute the relations of every plan (or the first ``plans`` by id) into a :class:`_Tally`; print the figures
    as one JSON line."""
    import kg
    from kg.relations.features import read_plans
    from kg.relations.graph import Sources, write_relations
    from kg.store import OxigraphStore

    out: dict = {"code": str(Path(kg.__file__).parent.parent)}
    with OxigraphStore(str(store_path)) as store:
        ids = sorted(read_plans(store))[:plans] if plans else sorted(read_plans(store))
        tally = _Tally()
        started, cpu = time.perf_counter(), _cpu()
        write_relations(Sources(store), ids, tally)  # type: ignore[arg-type]
        out.update(plans=len(ids), wall=time.perf_counter() - started, cpu=_cpu() - cpu, rss_mb=_rss_mb(),
                   relations_quads=tally.quads, links=tally.links)
    print(json.dumps(out), flush=True)


def child(store_path: Path, plans: int | None, profile: bool) -> None:
    """Rebuild the relations (all, or the first ``plans`` by id), then the writes of three single plans; print
    the figures as one JSON line."""
    import cProfile
    import pstats

    import kg
    from kg.relations.graph import affected_by, rebuild
    from kg.relations.features import read_plans
    from kg.store import OxigraphStore
    from kg.vocabulary import RES

    out: dict = {"code": str(Path(kg.__file__).parent.parent)}
    with OxigraphStore(str(store_path)) as store:
        everything = read_plans(store)
        ids = sorted(everything)[:plans] if plans else None
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), _cpu()
        if profiler:
            profiler.enable()
        done = rebuild(store, ids)
        if profiler:
            profiler.disable()
        out.update(plans=done, wall=time.perf_counter() - started, cpu=_cpu() - cpu, rss_mb=_rss_mb())
        # counted by the property pointing to each node (compact relations type none of them)
        out["counts"] = {kind: _count(store, f"?x airkg:{prop} ?y") for kind, prop in (
            ("LineageLink", "hasLineage"), ("Citation", "hasCitation"), ("MeasureChange", "hasMeasureChange"))}
        out["relations_quads"] = _count(store, f"""GRAPH ?g {{ ?s ?p ?o }}
                                        FILTER(STRSTARTS(STR(?g), "{RES}graph/relations/"))""")
        out["higher_pairs"] = int(str(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a airkg:higherPlan ?b }")
                                      .rows[0]["n"]))
        by_level = {"city, county or district": sorted(i for i, p in everything.items()
                                                       if p.level in ("city", "county", "district")),
                    "province": sorted(i for i, p in everything.items() if p.level == "province"),
                    "national": sorted(i for i, p in everything.items() if p.region == "100000")}
        out["writes"] = []
        for kind, candidates in by_level.items():
            if not candidates or plans:  # after a partial rebuild the writes would rebuild what it left out
                continue
            stem = candidates[len(candidates) // 2]
            started, cpu = time.perf_counter(), _cpu()
            affected = affected_by(store, [stem])
            rebuild(store, affected)
            out["writes"].append({"kind": kind, "plan": stem, "rebuilt": len(affected),
                                  "wall": time.perf_counter() - started, "cpu": _cpu() - cpu})
        out["rss_mb"] = _rss_mb()
    if profiler:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    print(json.dumps(out), flush=True)


def _count(store: Store, pattern: str) -> int:
    return int(str(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}").rows[0]["n"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plans", nargs="?", type=int)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/airkg-relations-bench"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--before", help="an earlier commit to time beside the working tree")
    parser.add_argument("--before-plans", type=int, help="plans the earlier code rebuilds (default: all)")
    parser.add_argument("--after", help="a commit to time instead of the working tree")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--compute-only", action="store_true", help="time computing the relations, not storing them")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--plans", dest="child_plans", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.compute_only:
        child_compute(args.child, args.child_plans)
        return
    if args.child:
        child(args.child, args.child_plans, args.profile)
        return
    if args.plans is None:
        parser.error("the number of plans is required")
    folder = args.folder / str(args.plans)
    store_path = prepare(folder, args.plans, args.jobs)
    runs = []
    if args.before:
        runs.append((f"before ({args.before})", run_child(store_path, code_of(args.before, folder),
                                                          args.before_plans, args.profile, args.compute_only)))
    runs.append((f"after ({args.after or 'working tree'})",
                 run_child(store_path, code_of(args.after, folder) if args.after else None, None, args.profile,
                           args.compute_only)))
    for name, figures in runs:
        if args.compute_only:
            print(f"{name}: relations of {figures['plans']} plans computed in {figures['wall']:.1f} s wall, "
                  f"{figures['cpu']:.1f} s CPU ({figures['cpu'] / max(figures['plans'], 1) * 1000:.0f} ms CPU a plan), "
                  f"max RSS {figures['rss_mb']:.0f} MB; {figures['links']:,} lineage links, "
                  f"{figures['relations_quads']:,} quads ({figures['relations_quads'] / max(figures['plans'], 1):.0f} a plan)")
            continue
        print(f"{name}: full rebuild of {figures['plans']} plans {figures['wall']:.1f} s wall, {figures['cpu']:.1f} s "
              f"CPU ({figures['cpu'] / max(figures['plans'], 1) * 1000:.0f} ms CPU a plan), max RSS "
              f"{figures['rss_mb']:.0f} MB; {figures['higher_pairs']} plan pairs compared, {figures['counts']}; "
              f"relations {figures['relations_quads']:,} quads "
              f"({figures['relations_quads'] / max(figures['plans'], 1):.0f} a plan)")
        for write in figures["writes"]:
            print(f"  one {write['kind']} plan written ({write['plan']}): {write['rebuilt']} plans rebuilt in "
                  f"{write['wall']:.2f} s wall, {write['cpu']:.2f} s CPU")


if __name__ == "__main__":
    main()
