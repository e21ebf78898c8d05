"""Benchmark results (``bench/out/results-SCALE.json``) as Markdown: one section per run, and the
saved-query latencies of every scale side by side."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

BUILD_LABELS = {
    "bulk": "`bulk_load_files`: N-Quads + journaled bulk load",
    "cli": "`airkg build` (the same, with its report)",
    "transaction": "`airkg build --no-bulk`: N-Quads in one transaction",
    "graphs": "`extract_files` + `replace_graphs`: rdflib Graphs (session 1)",
}


def _table(header: list[str], rows: Iterable[list[Any]], align: str | None = None) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join(align or ("---" if i == 0 else "---:") for i in range(len(header))) + "|"
    for row in rows:
        yield "| " + " | ".join("" if cell is None else str(cell) for cell in row) + " |"


def _mib(value: float | int) -> str:
    return f"{value / 2**20:,.0f} MiB"


def section(results: dict[str, Any], command: str) -> str:
    return "\n".join(_section(results, command)) + "\n"


def _section(r: dict[str, Any], command: str) -> Iterator[str]:
    m, c = r["machine"], r["corpus"]
    yield f"### Scale: {r['scale']} plans" if r["scale"] != "seeds" else "### Scale: the five seeds"
    yield ""
    yield f"`{command}` — {m['date']}; {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, " \
          f"Python {m['python']}, " \
          f"pyoxigraph {m['packages'].get('pyoxigraph')}, rdflib {m['packages'].get('rdflib')}; load average " \
          f"{m['load_average'][0]} at the start, {r.get('finished_load_average', ['?'])[0]} at the end."
    yield ""
    yield f"Corpus: {c['plans']:,} plans, {c['characters']:,} characters ({c['bytes']:,} bytes)."
    yield ""
    e = r["extraction"]
    yield f"**Extraction** (read + extract, nothing built; {e['sample_plans']:,} plans; processes started and " \
          "warmed up before the timing):"
    yield ""
    yield from _table(["processes", "plans/s", "characters/s", "wall s", "CPU s", "start-up s"],
                      ([x["jobs"], x["plans_per_s"], f"{x['chars_per_s']:,}", x["seconds"], x["cpu_seconds"],
                        x.get("startup_seconds", "")] for x in e["runs"]))
    yield ""
    s = r["stages"]
    ms, per = s["ms_per_plan"], s["per_plan"]
    yield f"**Where a plan's time goes** (one process, {s['plans']} plans, ms per plan; " \
          f"{per['triples']:,} triples and {per['characters']:,} characters per plan):"
    yield ""
    yield from _table(["read", "extract", "rdflib Graph", "pickle Graph", "N-Quads", "pickle N-Quads"],
                      [[ms["read"], ms["extract"], ms["rdflib_graph"],
                        f"{ms['pickle_graph']} ({per['pickle_graph'] // 1024} KiB)", ms["nquads"],
                        f"{ms['pickle_nquads']} ({per['pickle_nquads'] // 1024} KiB)"]])
    yield ""
    yield "**Build to a ready store** (a fresh process; extraction on " \
          f"{r['options']['jobs']} processes; memory: peak RSS of the parent / of the largest worker / their sum as " \
          "an upper bound):"
    yield ""
    rows = []
    for name, b in r["build"].items():
        label = BUILD_LABELS[name]
        phases = ", ".join(f"{k} {v}" for k, v in b["phases_s"].items())
        mem = b["memory"]
        rows.append([label, b["seconds"], b["cpu_seconds"], phases, f"{b['quads']:,}", f"{b['quads_per_s']:,}",
                     _mib(b["store_bytes"]),
                     f"{mem['self_mib']:,.0f} / {mem['largest_child_mib']:,.0f} / {mem['upper_bound_mib']:,.0f} MiB"])
    yield from _table(["path", "wall s", "CPU s", "phases (s)", "quads", "quads/s", "store on disk", "peak memory"],
                      rows)
    rerun = r["build"].get("cli", {}).get("rerun_unchanged")
    if rerun:
        yield ""
        yield f"Re-running `airkg build` on the unchanged corpus (a fresh process, imports included): " \
              f"{rerun['seconds']} s wall, {rerun['cpu_seconds']} s CPU; it printed: {rerun['summary']}"
    for key, why in r.get("skipped", {}).items():
        if key.startswith("build_"):
            yield ""
            yield f"({BUILD_LABELS[key.removeprefix('build_')]} was not run at this scale: {why}.)"
    yield ""
    if "reused_build" in r:
        yield f"(Corpus, extraction and build figures and the store: from `{r['reused_build']['from']}`, " \
              f"{r['reused_build']['date']}; queries and web parts from this run.)"
        yield ""
    yield from _queries_section(r)
    yield from _web_section(r)
    skipped = {k: v for k, v in r.get("skipped", {}).items() if not k.startswith("build_")}
    if skipped:
        yield "Not measured: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + "."
        yield ""


def _queries_section(r: dict[str, Any]) -> Iterator[str]:
    q = r.get("queries") or {}
    if not q.get("oxigraph"):
        return
    backends = [b for b in ("oxigraph", "rdflib", "virtuoso") if b in q]
    reps = {b: max((x.get("runs", 0) for x in q[b].values()), default=0) for b in backends}
    yield "**Saved queries** (default parameters; median / p95 in ms of " + ", ".join(
        f"{reps[b]} runs on {b}" for b in backends) + " after one untimed run; ratio: p50 against oxigraph):"
    how = f" with {q['virtuoso_load']['method']}" if "method" in q.get("virtuoso_load", {}) else ""
    if "rdflib_load_s" in q:
        yield f"rdflib loaded the quads in {q['rdflib_load_s']} s" + (
            f"; Virtuoso in {q['virtuoso_load']['seconds']} s{how} ({q['virtuoso_load']['quads_per_s']:,} quads/s)."
            if "virtuoso_load" in q else ".")
    elif "virtuoso_load" in q:
        load = q["virtuoso_load"]
        yield f"Virtuoso loaded the quads in {load['seconds']} s{how} ({load['quads_per_s']:,} quads/s)."
    yield ""
    header = ["query", "rows"] + [f"{b} p50 / p95" for b in backends] + [f"{b} ×" for b in backends if b != "oxigraph"]
    rows = []
    for name in q["oxigraph"]:
        base = q["oxigraph"][name]
        cells = [name, base.get("rows", "")]
        for b in backends:
            x = q[b].get(name)
            if not x:
                cells.append("")
            elif "median_ms" not in x:
                cells.append(_failed(x))
            else:
                mismatch = "" if x["rows"] == base.get("rows") else f" ({x['rows']} rows)"
                cells.append(f"{x['median_ms']} / {x['p95_ms']}{mismatch}")
        for b in backends:
            if b != "oxigraph":
                x = q[b].get(name)
                if not x or "median_ms" not in base:
                    cells.append("")
                elif "timeout_s" in x:
                    cells.append(f"> {x['timeout_s'] * 1000 / max(base['median_ms'], 0.01):.0f}")
                elif "median_ms" in x:
                    cells.append(f"{x['median_ms'] / max(base['median_ms'], 0.01):.1f}")
                else:
                    cells.append("")
        rows.append(cells)
    yield from _table(header, rows)
    yield ""
    over = [name for name, x in q["oxigraph"].items() if "median_ms" not in x or x["p95_ms"] > 1000]
    if over:
        yield f"Over 1 s (p95) on oxigraph: {', '.join(f'`{n}`' for n in over)}."
        yield ""


def _web_section(r: dict[str, Any]) -> Iterator[str]:
    w = r.get("web") or {}
    if w.get("api"):
        first = next(iter(w["api"].values()))
        yield f"**API under load** (`wrk -t{first['threads']} -c{first['connections']} -d{first['seconds']}s " \
              f"--latency`, one endpoint at a time; server `airkg serve`, started in {w.get('startup_s')} s):"
        yield ""
        yield from _table(["endpoint", "path", "first request ms", "requests/s", "p50 ms", "p99 ms", "requests",
                           "errors"],
                          ([name, f"`{x['path'][:60]}`", x["first"].get("ms", "–"), x["requests_per_s"],
                            x.get("p50_ms"), x.get("p99_ms"), x["requests"], x["errors"]]
                           for name, x in w["api"].items()))
        yield ""
        yield "The first request reads what later ones reuse until the store changes (a filter's matches, the " \
              "agencies' order); wrk's figures are the requests after it."
        yield ""
    if w.get("graph"):
        yield "**/graph** (one request at a time):"
        yield ""
        yield from _table(["path", "status", "median ms", "p95 ms", "size"],
                          ([p, x["status"], x["median_ms"], x["p95_ms"], f"{x['bytes']:,} bytes"]
                           for p, x in w["graph"].items()))
        yield ""


def _p95(x: dict[str, Any]) -> str:
    return str(x["p95_ms"]) if "p95_ms" in x else _failed(x)


def _failed(x: dict[str, Any]) -> str:
    if "skipped" in x:
        return "not run: " + x["skipped"]
    return f"> {x['timeout_s']:g} s, given up" if "timeout_s" in x else str(x.get("error", "failed"))


def side_by_side(folder: Path) -> str:
    """Saved-query p95 (oxigraph, rdflib, Virtuoso) and build figures for every scale in ``folder``."""
    runs = {}
    for path in folder.glob("results-*.json"):
        data = json.loads(path.read_text())
        runs[data["scale"]] = data
    order = sorted(runs, key=lambda s: -1 if s == "seeds" else int(s))
    lines = ["| figure | " + " | ".join(order) + " |", "|---|" + "---:|" * len(order)]

    def row(label: str, get: Any) -> None:
        cells = []
        for scale in order:
            try:
                value = get(runs[scale])
            except (KeyError, TypeError, StopIteration):
                value = None
            cells.append("" if value is None else str(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("plans", lambda r: f"{r['corpus']['plans']:,}")
    row("quads in the store", lambda r: f"{r['build']['bulk']['quads']:,}")
    row("extraction plans/s, 1 process", lambda r: r["extraction"]["runs"][0]["plans_per_s"])
    row("extraction plans/s, 2 processes", lambda r: r["extraction"]["runs"][1]["plans_per_s"])
    row("build s (bulk)", lambda r: r["build"]["bulk"]["seconds"])
    row("build phases s (bulk)", lambda r: ", ".join(f"{k} {v}" for k, v in r["build"]["bulk"]["phases_s"].items()))
    row("build s (airkg build)", lambda r: r["build"]["cli"]["seconds"])
    row("build s (airkg build --no-bulk)", lambda r: r["build"]["transaction"]["seconds"])
    row("build s (rdflib Graphs, before)", lambda r: r["build"]["graphs"]["seconds"])
    row("build quads/s (bulk)", lambda r: f"{r['build']['bulk']['quads_per_s']:,}")
    row("store on disk", lambda r: _mib(r["build"]["bulk"]["store_bytes"]))
    row("build peak memory, upper bound", lambda r: f"{r['build']['bulk']['memory']['upper_bound_mib']:,.0f} MiB")
    names = sorted({n for r in runs.values() for n in (r.get("queries") or {}).get("oxigraph", {})})
    for backend in ("oxigraph", "rdflib", "virtuoso"):
        for name in names:
            row(f"{name} p95 ms ({backend})", lambda r, n=name, b=backend: _p95(r["queries"][b][n]))
    for name in names:
        row(f"{name} rows", lambda r, n=name: r["queries"]["oxigraph"][n]["rows"])
    endpoints = sorted({e for r in runs.values() for e in ((r.get("web") or {}).get("api") or {})})
    for endpoint in endpoints:
        row(f"API {endpoint}: requests/s", lambda r, e=endpoint: r["web"]["api"][e]["requests_per_s"])
        row(f"API {endpoint}: p99 ms", lambda r, e=endpoint: r["web"]["api"][e]["p99_ms"])
        row(f"API {endpoint}: errors", lambda r, e=endpoint: r["web"]["api"][e]["errors"])
    row("/graph median ms", lambda r: r["web"]["graph"]["/graph"]["median_ms"])
    row("/graph bytes", lambda r: f"{r['web']['graph']['/graph']['bytes']:,}")
    return "\n".join(lines) + "\n"


GENERATED_START = "<!-- bench:generated: `python -m bench all` rewrites what follows, up to the end mark -->"
GENERATED_END = "<!-- bench:generated:end -->"


def write_generated(target: Path, folder: Path) -> None:
    """Replace the part of ``target`` between the marks with every scale side by side, then each scale's
    section (``results-SCALE.md``), smallest first; the rest of the file (the prose) is kept."""
    text = target.read_text(encoding="utf-8")
    if GENERATED_START not in text or GENERATED_END not in text:
        raise SystemExit(f"{target} has no generated part (the marks {GENERATED_START!r} ... {GENERATED_END!r})")
    scales = sorted((json.loads(p.read_text())["scale"] for p in folder.glob("results-*.json")),
                    key=lambda s: -1 if s == "seeds" else int(s))
    parts = ["", "### Every scale side by side", "", side_by_side(folder)]
    for scale in scales:
        section_file = folder / f"results-{scale}.md"
        if section_file.exists():
            parts.append(section_file.read_text(encoding="utf-8"))
    head, rest = text.split(GENERATED_START, 1)
    tail = rest.split(GENERATED_END, 1)[1]
    target.write_text(head + GENERATED_START + "\n" + "\n".join(parts) + "\n" + GENERATED_END + tail, encoding="utf-8")
