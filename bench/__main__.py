"""``python -m bench``: run the benchmark at one scale or at all of them (``all``, which also writes the
figures into BENCHMARKS.md), generate a corpus, build a store (used by the benchmark itself, in a fresh
process), or print every scale side by side."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

from bench import corpus
from bench.run import OUT, ROOT, Options, log, run

ALL_SCALES = ("seeds", "10", "100", "1000", "10000")
#: Fewer timed runs at 10,000 plans, where one run of everything takes long (the ratios, not the decimals, are
#: the point); no rdflib at 100 plans, where it takes hours (sub-SELECTs by nested loops, see BENCHMARKS.md).
SCALE_OPTIONS = {"100": ["--skip", "rdflib"], "10000": ["--repeat", "5"]}

PARTS = ("legacy", "cli", "queries", "rdflib", "virtuoso", "api", "keep")


def _scale(value: str) -> str:
    if value == "seeds" or (value.isdigit() and int(value) > 0):
        return value
    raise argparse.ArgumentTypeError("a number of plans (10, 100, 1000, 10000) or 'seeds'")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    r = commands.add_parser("run", help="the whole benchmark at one scale")
    r.add_argument("--scale", type=_scale, required=True, help="plans to generate (10, 100, 1000, 10000) or 'seeds'")
    r.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    r.add_argument("--out", type=Path, default=OUT)
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--repeat", type=int, default=20, help="timed runs of each saved query (default 20)")
    r.add_argument("--rdflib-repeat", type=int, default=5)
    r.add_argument("--rdflib-cap", type=int, default=100, help="most plans rdflib's in-memory store is tried on")
    r.add_argument("--query-timeout", type=float, default=120.0, help="seconds before a query is given up")
    r.add_argument("--query-budget", type=float, default=60.0,
                   help="seconds of timed runs per query; fewer runs when they are used up")
    r.add_argument("--legacy-cap", type=int, default=100, help="most plans the old build path (rdflib Graphs) is tried on")
    r.add_argument("--transaction-cap", type=int, default=1000,
                   help="most plans `airkg build` and `airkg build --no-bulk` are timed on (bulk_load_files: always)")
    r.add_argument("--extraction-cap", type=int, default=1000, help="plans timed for extraction throughput")
    r.add_argument("--stages-sample", type=int, default=100)
    r.add_argument("--wrk-seconds", type=int, default=10)
    r.add_argument("--wrk-connections", type=int, default=16)
    r.add_argument("--graph-repeat", type=int, default=5)
    r.add_argument("--reuse-build", action="store_true",
                   help="take the build (figures and store) of the last run at this scale, made with --skip keep")
    r.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {', '.join(PARTS)}")

    g = commands.add_parser("generate", help="write a synthetic corpus")
    g.add_argument("--scale", type=int, required=True)
    g.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    g.add_argument("--out", type=Path, required=True)

    b = commands.add_parser("build-store", help=argparse.SUPPRESS)
    b.add_argument("--corpus", type=Path, required=True)
    b.add_argument("--store", type=Path, required=True)
    b.add_argument("--mode", choices=("bulk", "cli", "transaction", "graphs"), required=True)
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--spool", type=Path, required=True)
    b.add_argument("--keep-spool", type=Path)

    p = commands.add_parser("report", help="every scale's results side by side")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--write", type=Path, help="replace the generated part of this file (BENCHMARKS.md) instead")

    a = commands.add_parser("all", help="every scale, one after the other, then BENCHMARKS.md rewritten")
    a.add_argument("--scales", default=",".join(ALL_SCALES), help=f"default {','.join(ALL_SCALES)}")
    a.add_argument("--store-backends", action="store_true",
                   help="also run bench/store_backends.py at 100,000 and 1,000,000 triples (~40 min more)")
    a.add_argument("--out", type=Path, default=OUT)
    a.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")

    args = parser.parse_args(argv)
    if args.command == "generate":
        print(json.dumps(corpus.write_corpus(args.out, args.scale, args.seed)))
        return 0
    if args.command == "build-store":
        from bench.build import build_store

        print(json.dumps(build_store(args.corpus, args.store, args.mode, args.jobs, args.spool, args.keep_spool)))
        return 0
    if args.command == "report":
        from bench.report import side_by_side, write_generated

        if args.write:
            write_generated(args.write, args.out)
        else:
            print(side_by_side(args.out), end="")
        return 0
    if args.command == "all":
        return run_all([_scale(s.strip()) for s in args.scales.split(",") if s.strip()], args.out, args.write,
                       args.store_backends)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    if skip - set(PARTS):
        parser.error(f"unknown parts to skip: {', '.join(sorted(skip - set(PARTS)))}")
    options = Options(scale=args.scale, seed=args.seed, out=args.out, jobs=args.jobs, repeat=args.repeat,
                      rdflib_repeat=args.rdflib_repeat, rdflib_cap=args.rdflib_cap,
                      query_timeout=args.query_timeout, query_budget=args.query_budget, legacy_cap=args.legacy_cap,
                      transaction_cap=args.transaction_cap,
                      extraction_cap=args.extraction_cap, stages_sample=args.stages_sample,
                      wrk_seconds=args.wrk_seconds, wrk_connections=args.wrk_connections,
                      graph_repeat=args.graph_repeat, skip=skip,
                      reuse_build=args.reuse_build)
    results = run(options)
    from bench.report import section

    command = ".venv/bin/python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    results["command"] = command
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"results-{args.scale}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (args.out / f"results-{args.scale}.md").write_text(section(results, command))
    log(f"wrote {args.out / f'results-{args.scale}.json'} and .md")
    return 0


def run_all(scales: list[str], out: Path, target: Path, store_backends: bool) -> int:
    """Each scale in a fresh process (``run --scale N``, with the options of :data:`SCALE_OPTIONS`), then the
    generated part of ``target`` rewritten from every result in ``out``."""
    from bench.report import write_generated

    for scale in scales:
        command = [sys.executable, "-m", "bench", "run", "--scale", scale, *SCALE_OPTIONS.get(scale, [])]
        log(f"all: {shlex.join(command[1:])}")
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            log(f"all: scale {scale} failed; the others go on")
    if store_backends:
        for triples, extra in (("100000", []), ("1000000", ["--repeat", "3", "--load-repeat", "1"])):
            done = subprocess.run([sys.executable, "bench/store_backends.py", "--triples", triples, *extra],
                                  cwd=ROOT, capture_output=True, text=True, check=False)
            (out / f"store-backends-{triples}.md").write_text(done.stdout)
    write_generated(target, out)
    log(f"all: wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
