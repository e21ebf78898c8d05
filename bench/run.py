"""One benchmark run at one scale: corpus, extraction, builds, saved queries on three backends, the
API under load and the /graph page; results as JSON and as a Markdown section.

Parts that need something missing (Virtuoso, wrk, ``airkg serve``, ``/graph``) are skipped and
say why in the results; nothing is guessed.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import build, corpus, queries, web
from bench.machine import folder_bytes, load_average, machine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEEDS = ROOT / "seeds"


@dataclass
class Options:
    scale: str  # "seeds" or a number of plans
    seed: int = corpus.DEFAULT_SEED
    out: Path = OUT
    jobs: int = 2
    repeat: int = 20
    rdflib_repeat: int = 5
    rdflib_cap: int = 100
    query_timeout: float = 120.0
    query_budget: float = 60.0
    legacy_cap: int = 100
    transaction_cap: int = 1000
    extraction_cap: int = 1000
    stages_sample: int = 100
    virtuoso_batch: int = 200
    virtuoso_buffers: int = 170000
    wrk_connections: int = 16
    wrk_threads: int = 2
    wrk_seconds: int = 10
    graph_repeat: int = 5
    reuse_build: bool = False
    skip: set[str] = field(default_factory=set)

    @property
    def plans(self) -> int | None:
        return None if self.scale == "seeds" else int(self.scale)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare_corpus(options: Options) -> tuple[Path, dict[str, Any]]:
    """The seeds, or the generated corpus of the scale (written unless it is there already)."""
    if options.plans is None:
        files = sorted(SEEDS.glob("*.txt"))
        return SEEDS, {"plans": len(files), "characters": sum(len(p.read_text(encoding="utf-8")) for p in files),
                       "bytes": sum(p.stat().st_size for p in files), "generated": False}
    folder = options.out / f"corpus-{options.plans}"
    manifest = folder / "manifest.json"
    wanted = {"plans": options.plans, "seed": options.seed}
    if manifest.exists() and {k: json.loads(manifest.read_text()).get(k) for k in wanted} == wanted:
        return folder, json.loads(manifest.read_text())
    started = time.perf_counter()
    totals = corpus.write_corpus(folder, options.plans, options.seed)
    info = {**wanted, **totals, "generated": True, "generate_seconds": round(time.perf_counter() - started, 2)}
    manifest.write_text(json.dumps(info, indent=2))
    return folder, info


def run(options: Options) -> dict[str, Any]:
    options.out.mkdir(parents=True, exist_ok=True)
    work = options.out / f"work-{options.scale}"
    results: dict[str, Any] = {"scale": options.scale, "machine": machine(), "options": _jsonable(options),
                               "skipped": {}}
    if options.reuse_build:
        _reuse_build(options, work, results)
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        _extract_and_build(options, work, results)
    store = work / "store"
    plans = results["corpus"]["plans"]
    results["queries"] = _queries(options, store, work, plans, results["skipped"])
    results["web"] = _web(options, store, work, results["skipped"])
    results["finished_load_average"] = load_average()
    results["store_bytes_after"] = folder_bytes(store)
    if "keep" not in options.skip:
        shutil.rmtree(work, ignore_errors=True)
    return results


def _reuse_build(options: Options, work: Path, results: dict[str, Any]) -> None:
    """Take the corpus, extraction, stages and build figures, and the store, of the last run at this scale
    (made with ``--skip keep``): the queries and the web part then run on that store."""
    previous_file = options.out / f"results-{options.scale}.json"
    if not (work / "store").is_dir() or not previous_file.exists():
        raise SystemExit(f"--reuse-build needs {work / 'store'} and {previous_file}: run this scale with --skip keep")
    previous = json.loads(previous_file.read_text())
    for key in ("corpus", "extraction", "stages", "build"):
        results[key] = previous[key]
    results["skipped"] = {k: v for k, v in previous["skipped"].items() if k.startswith("build_")}
    results["reused_build"] = {"from": previous.get("command"), "date": previous["machine"].get("date")}
    log(f"scale {options.scale}: reusing the build of {previous.get('command')}")


def _extract_and_build(options: Options, work: Path, results: dict[str, Any]) -> None:
    log(f"scale {options.scale}: corpus")
    folder, results["corpus"] = prepare_corpus(options)
    files = sorted(folder.glob("*.txt"))

    log("extraction throughput")
    sample = files[: options.extraction_cap]
    results["extraction"] = {"sample_plans": len(sample),
                             "runs": [build.extraction_throughput(sample, jobs) for jobs in (1, options.jobs)]}
    log("stages")
    results["stages"] = build.stages(files[: options.stages_sample])

    store = work / "store"
    log("build (bulk)")
    loaded = work / "loaded.nq"  # what the bulk build loaded, kept for Virtuoso's bulk loader
    results["build"] = {"bulk": build.build_in_subprocess(folder, store, "bulk", options.jobs, work / "spool",
                                                          keep_spool=loaded)}
    plans = options.plans or len(files)
    for mode, cap in (("cli", options.transaction_cap), ("transaction", options.transaction_cap),
                      ("graphs", options.legacy_cap)):
        if mode in options.skip or plans > cap:
            results["skipped"][f"build_{mode}"] = f"over {cap} plans" if plans > cap else "--skip"
            continue
        log(f"build ({mode})")
        results["build"][mode] = build.build_in_subprocess(folder, work / f"store-{mode}", mode, options.jobs,
                                                           work / "spool")
        shutil.rmtree(work / f"store-{mode}", ignore_errors=True)


def _queries(options: Options, store: Path, work: Path, plans: int, skipped: dict[str, str]) -> dict[str, Any]:
    from kg.store import OxigraphStore

    if "queries" in options.skip:
        skipped["queries"] = "--skip"
        return {}
    try:
        queries.saved_queries()
    except Exception as exc:  # noqa: BLE001 - kg/queries.py missing or broken: say so, go on
        skipped["queries"] = f"saved queries unavailable: {exc!r}"
        return {}
    out: dict[str, Any] = {}
    log("queries: oxigraph")
    out["oxigraph"] = queries.time_queries(lambda: OxigraphStore(store), options.repeat, options.query_budget,
                                           options.query_timeout)
    if "rdflib" in options.skip or plans > options.rdflib_cap:
        skipped["rdflib"] = f"over {options.rdflib_cap} plans" if plans > options.rdflib_cap else "--skip"
    else:
        log("queries: rdflib (loading)")
        dump = work / "loaded.nq"
        if not dump.exists():
            dump = work / "all.nq"
            queries.dump_all(store, dump)
        started = time.perf_counter()
        backend = queries.RdflibBackend(dump)
        out["rdflib_load_s"] = round(time.perf_counter() - started, 2)
        log("queries: rdflib")
        out["rdflib"] = queries.time_queries(lambda: backend, options.rdflib_repeat, options.query_budget,
                                             options.query_timeout)
        backend.close()
    if "virtuoso" in options.skip or not shutil.which("virtuoso-t"):
        skipped["virtuoso"] = "--skip" if "virtuoso" in options.skip else "virtuoso-t not installed"
        return out
    virtuoso = queries.Virtuoso(work / "virtuoso", options.virtuoso_buffers)
    try:
        log("queries: virtuoso (start, load)")
        url = virtuoso.start()
        loaded = work / "loaded.nq"
        out["virtuoso_load"] = (virtuoso.bulk_load(loaded) if loaded.exists()
                                else virtuoso.load(store, options.virtuoso_batch))
        from kg.store import SparqlEndpointStore

        log("queries: virtuoso")
        out["virtuoso"] = queries.time_queries(lambda: SparqlEndpointStore(url, http_timeout=options.query_timeout),
                                               options.repeat, options.query_budget, options.query_timeout)
    finally:
        virtuoso.stop()
    return out


def _web(options: Options, store: Path, work: Path, skipped: dict[str, str]) -> dict[str, Any]:
    from kg import cli

    out: dict[str, Any] = {}
    if "api" in options.skip or not hasattr(cli, "serve"):
        skipped["api"] = "--skip" if "api" in options.skip else "no `airkg serve` yet"
        return out
    log("web: starting airkg serve")
    with web.Server(store, work / "serve.log") as server:
        out["startup_s"] = server.startup_s
        if not web.wrk_available():
            skipped["api_load"] = "wrk not installed (bash bench/run.sh installs it)"
        else:
            log("web: API under load")
            out["api"] = web.api_load(server.base, options.wrk_connections, options.wrk_threads, options.wrk_seconds)
        if (ROOT / "viz" / "router.py").exists():
            log("web: /graph")
            out["graph"] = web.graph_page(server.base, options.graph_repeat)
        else:
            skipped["graph"] = "no viz/router.py yet"
    return out


def _jsonable(options: Options) -> dict[str, Any]:
    return {key: sorted(value) if isinstance(value, set) else str(value) if isinstance(value, Path) else value
            for key, value in vars(options).items()}
