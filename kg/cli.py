"""The ``airkg`` command: a thin layer over plain functions. Errors of the user's making print one line and exit 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from kg.errors import AirkgError, DocumentError, InputError
from kg.evaluation import FIELDS
from kg.extract.assembly import PlanOverrides, extract_plan
from kg.loading import check_overrides, ingest_files, printable, remove_plan, terminate_gracefully
from kg.extract.reading import read_document
from kg.store import Store, open_store
from kg.validation import validate_graph

app = typer.Typer(help="airkg: Chinese air-quality action plans as a knowledge graph.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

StoreOption = Annotated[Optional[str], typer.Option(
    "--store", envvar="AIRKG_STORE", help="Store folder or SPARQL endpoint URL (default ./airkg-store).")]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Processes for extraction (0: one per CPU).")]
BulkOption = Annotated[bool, typer.Option(
    "--bulk/--no-bulk", help="Load with the store's bulk loader (3-4x faster; journaled, so a crash is rolled "
                             "back) or in one transaction.")]
DEFAULT_SEEDS = Path("seeds")


class ExtractFormat(str, Enum):
    json = "json"
    summary = "summary"


class ExportFormat(str, Enum):
    trig = "trig"
    nquads = "nquads"
    turtle = "turtle"
    jsonld = "jsonld"


def main() -> None:
    """Entry point: run the app, turning airkg's own errors and usage errors (an unknown flag, a bad value)
    into one line on stderr (one per file when several files are bad) and exit status 2."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # typer's click: usage errors and bad option values
        if type(error).__name__ == "NoArgsIsHelpError":
            typer.echo(error.format_message())
            raise SystemExit(0) from None
        context = getattr(error, "ctx", None)
        command = "airkg" + context.command_path[len(context.find_root().command_path):] if context else ""
        see = f" (see '{command} --help')" if context is not None else ""
        typer.echo(f"airkg: usage error: {' '.join(error.format_message().split())}{see}", err=True)
        raise SystemExit(getattr(error, "exit_code", 2)) from None
    except typer.Abort:
        typer.echo("airkg: interrupted", err=True)
        raise SystemExit(130) from None
    except AirkgError as error:
        lines = error.detail.splitlines() if isinstance(error, DocumentError) else [error.detail]
        for line in lines[:50]:
            detail = " ".join(line.split())
            typer.echo(f"airkg: {error.title.lower()}: {detail[:400]}", err=True)
        raise SystemExit(2) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _progress(total: int, label: str):
    def wrap(items):
        return tqdm(items, total=total, desc=label, unit="doc", file=sys.stderr, disable=total < 2)
    return wrap


@app.command()
def extract(
    file: Path,
    format: Annotated[ExtractFormat, typer.Option("--format", "-f")] = ExtractFormat.json,
    title: Annotated[Optional[str], typer.Option(help="Plan title, over the detected one.")] = None,
    region: Annotated[Optional[str], typer.Option(help="Plan region (e.g. 济南市), over the detected one.")] = None,
    year: Annotated[Optional[int], typer.Option(help="Plan year for relative deadlines.")] = None,
) -> None:
    """Print the plan extracted from FILE (nothing is stored)."""
    plan = extract_plan(read_document(file), PlanOverrides(title=title, region=region, year=year))
    if format == ExtractFormat.json:
        typer.echo(plan.model_dump_json(indent=2))
        return
    typer.echo(f"{plan.title} ({plan.region.name if plan.region else '?'}, {plan.year}): {len(plan.measures)} measures")
    for measure in plan.measures:
        roles = ", ".join(f"{a.name}:{a.role.value}" for a in measure.agencies)
        typer.echo(f"  {measure.path:<8} {measure.title[:30]:<30} {roles}")


def _load(paths: list[Path], store: Optional[str], jobs: int, overrides: PlanOverrides,
          bulk: bool = True) -> None:
    # SIGTERM ends the command as Ctrl-C does: the spool folder goes and a bulk load under way is undone.
    with terminate_gracefully(), open_store(store) as target:  # opened first: a store held by a server
        report = ingest_files(target, paths, overrides, jobs=jobs or os.cpu_count() or 1, bulk=bulk,  # fails fast
                              progress=lambda total: _progress(total, "extracting"))
    for line in report.lines():
        typer.echo(line)


@app.command()
def build(
    seeds: Annotated[Path, typer.Option(help="Folder of source documents.")] = DEFAULT_SEEDS,
    store: StoreOption = None,
    jobs: JobsOption = 0,
    bulk: BulkOption = True,
) -> None:
    """Bring the store up to date with the documents in seeds/: new and changed files are extracted and loaded,
    unchanged ones skipped, plans whose files are gone removed (all at once; kg/incremental.py)."""
    from kg.incremental import build_corpus

    with terminate_gracefully(), open_store(store) as target:  # opened first: a store held by a server fails fast
        report = build_corpus(target, seeds, jobs=jobs or os.cpu_count() or 1, bulk=bulk,
                              progress=lambda total: _progress(total, "extracting"))
    for line in report.lines():
        typer.echo(line)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .docx .pdf .html).")],
    title: Annotated[Optional[str], typer.Option(help="Plan title (one file only).")] = None,
    region: Annotated[Optional[str], typer.Option(help="Plan region, e.g. 济南市.")] = None,
    year: Annotated[Optional[int], typer.Option(help="Plan year for relative deadlines (1949–2100).")] = None,
    plan_id: Annotated[Optional[str], typer.Option("--id", help="Plan id (one file only).")] = None,
    store: StoreOption = None,
    jobs: JobsOption = 0,
    bulk: BulkOption = True,
) -> None:
    """Add or replace plans: all files are extracted first; one bad file and nothing is loaded."""
    if (title or plan_id) and (len(paths) != 1 or paths[0].is_dir()):
        raise InputError("--title and --id name one plan: give exactly one file")
    overrides = PlanOverrides(title=title, region=region, year=year, plan_id=plan_id)
    check_overrides(overrides, len(paths))
    _load(paths, store, jobs, overrides, bulk)


@app.command()
def remove(plan: str, store: StoreOption = None) -> None:
    """Take plan PLAN (its id, e.g. 000_aa781de31b5c5cff) out of the store."""
    with terminate_gracefully(), open_store(store) as target:
        remove_plan(target, plan)
    typer.echo(f"removed plan {printable(plan)}")


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.trig,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default stdout).")] = None,
    web_annotation: Annotated[bool, typer.Option(
        "--web-annotation", help="Describe each source span with W3C Web Annotation selectors "
        "(oa:TextPositionSelector with oa:start/oa:end, oa:TextQuoteSelector with oa:exact).")] = False,
    store: StoreOption = None,
) -> None:
    """Serialize the whole store (named graphs kept in trig and nquads)."""
    with open_store(store, read_only=True) as source:
        data = source.export(format.value, web_annotation=web_annotation)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {len(data)} bytes to {out}", err=True)


@app.command()
def validate(store: StoreOption = None) -> None:
    """Check the store against the SHACL shapes; exit 1 when it does not conform."""
    with open_store(store, read_only=True) as source:
        report = validate_graph(_union(source.dataset()))
    typer.echo(report.text if not report.conforms else "Conforms: True (0 violations)")
    if not report.conforms:
        raise typer.Exit(1)


def _union(dataset):
    from rdflib import Graph

    union = Graph()
    for graph in dataset.graphs():
        union += graph
    return union


@app.command()
def evaluate(
    golden: Annotated[Path, typer.Option(help="Folder of golden annotations.")] = Path("tests/golden"),
    documents: Annotated[list[Path], typer.Option(help="Folders holding the annotated documents.")] = [
        Path("seeds"), Path("tests/documents")],
    show_errors: Annotated[bool, typer.Option(help="List every missed and spurious item.")] = False,
    variants: Annotated[bool, typer.Option(
        help="Also extract every text variant of every document (kg/variants.py) and print, per variant and "
             "field, the macro F1 over the documents and the worst document.")] = False,
) -> None:
    """Print precision, recall and F1 per field against the golden annotations: per document, per layout and,
    with --variants, per text variant."""
    from kg.evaluation import combine, golden_sources, layout_of, score_document, score_variants

    header = f"{'field':<11} {'P':>6} {'R':>6} {'F1':>6}  tp/fp/fn"
    typer.echo(f"{'document':<34} {header}")
    results, variant_results = [], []
    for stem, annotation, source in golden_sources(golden, documents):
        if source is None:
            typer.echo(f"{stem}.json: document {annotation['document']} not found", err=True)
            continue
        base = read_document(source)
        result = score_document(base, annotation, stem, layout_of(source))
        results.append(result)
        if result.refused:
            typer.echo(f"{stem}: refused: {result.refused}", err=True)
        for field in FIELDS:
            _echo_score(stem[:34], result.scores[field], show_errors)
        if variants:
            variant_results += score_variants(base, annotation, stem, result.layout)
    typer.echo(f"\n{'layout':<34} {header}  documents")
    for layout in sorted({result.layout for result in results}):
        members = [result for result in results if result.layout == layout]
        totals = combine(result.scores for result in members)
        for field in FIELDS:
            _echo_score(f"[{layout}]"[:34], totals[field], False, f"  {len(members)}")
    if variants:
        _echo_variants(results, variant_results, show_errors)
    from kg.relations.cli import echo_lineage

    echo_lineage(golden, documents, show_errors)


def _echo_score(label: str, s, show_errors: bool, suffix: str = "") -> None:
    typer.echo(f"{label:<34} {s.field:<11} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}"
               f"  {s.true_positives}/{s.false_positives}/{s.false_negatives}{suffix}")
    if show_errors:
        for item in s.missed:
            typer.echo(f"    missed   {item}")
        for item in s.spurious:
            typer.echo(f"    spurious {item}")


def _echo_variants(results, variant_results, show_errors: bool) -> None:
    """One line per (variant, field): macro F1 over the documents the variant applies to, the worst one; with
    show_errors, what each variant gets wrong that the base document does not."""
    from kg.variants import TEXT_VARIANTS

    base = {result.golden: result for result in results}
    typer.echo(f"\n{'variant':<18} {'field':<11} {'macro':>6} {'worst':>6} {'base':>6}  worst document "
               "(documents, refused); base: macro F1 of the same documents unchanged")
    for name in TEXT_VARIANTS:
        runs = [run for run in variant_results if run.variant == name]
        if not runs:
            continue
        refused = sum(1 for run in runs if run.refused)
        for field in FIELDS:
            f1s = [(run.scores[field].f1, run.golden) for run in runs]
            worst_f1, worst = min(f1s)
            macro = sum(f1 for f1, _ in f1s) / len(f1s)
            unchanged = sum(base[run.golden].scores[field].f1 for run in runs) / len(runs)
            typer.echo(f"{name:<18} {field:<11} {macro:6.3f} {worst_f1:6.3f} {unchanged:6.3f}  "
                       f"{worst if worst_f1 < 1 else '-'} ({len(runs)}, {refused})")
        if not show_errors:
            continue
        for run in runs:
            if run.refused:
                typer.echo(f"    {name} {run.golden} refused: {run.refused}")
                continue
            for field in FIELDS:
                before = base[run.golden].scores[field]
                for item in sorted(set(run.scores[field].missed) - set(before.missed)):
                    typer.echo(f"    {name} {run.golden} missed   {field} {item}")
                for item in sorted(set(run.scores[field].spurious) - set(before.spurious)):
                    typer.echo(f"    {name} {run.golden} spurious {field} {item}")


def _query_text(query: str) -> str:
    """The argument itself, or the content of the file it names."""
    try:
        path = Path(query)
        return path.read_text(encoding="utf-8") if path.is_file() else query
    except (OSError, ValueError):  # a long query is no valid file name
        return query


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or a file holding one.")],
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
    timeout: Annotated[Optional[float], typer.Option(
        "--timeout", min=0, help="Seconds the query may run, as on the server (AIRKG_QUERY_TIMEOUT, default 10); "
                                 "0: no limit.")] = None,
    store: StoreOption = None,
) -> None:
    """Run an ad-hoc SPARQL query against the store (read-only, in a process of its own, with the server's time
    and memory limits)."""
    from kg.results import render
    from kg.sparql_guard import MAX_USER_QUERY_LENGTH, check_bounds

    text = _query_text(query)
    check_bounds(text, MAX_USER_QUERY_LENGTH)
    with open_store(store, read_only=True) as source, _limited(source, timeout) as limited:
        typer.echo(render(limited.query(text), format))


@contextmanager
def _limited(source: Store, timeout: float | None) -> Iterator[Store]:
    """``source`` as the server queries it for users: each query parsed and run in a worker process, killed past
    the time limit (``timeout``, else AIRKG_QUERY_TIMEOUT, default 10 s; 0: none) and under the memory limit, so
    that a query too slow, or one the engine cannot survive (a stack overflow, memory exhausted), ends in one
    line and exit 2, not a hang or a crash."""
    from kg.errors import QueryTimeout
    from kg.query_pool import PoolLimits, PooledStore, pool_for

    seconds = timeout if timeout is not None else _env_number("AIRKG_QUERY_TIMEOUT", 10.0)
    memory = int(_env_number("AIRKG_QUERY_MEMORY_MB", 2048)) * 1024**2
    limits = PoolLimits(timeout=seconds or None, max_rows=None, max_bytes=None, memory_bytes=memory or None)
    pool = pool_for(source, limits, size=1, waiting=0, quiet=True)
    try:
        yield PooledStore(source, pool) if pool is not None else source
    except QueryTimeout:
        raise QueryTimeout(f"the query ran past {seconds:g} s and was stopped; give it more with --timeout "
                           "SECONDS (0: no limit)") from None
    finally:
        if pool is not None:
            pool.close()


def _env_number(name: str, default: float) -> float:
    """A number from the environment (the server's setting of the same name), else ``default``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise InputError(f"{name} must be 0 or more, not {raw!r}")
    return value


@app.command("query")
def query_command(
    name: Annotated[Optional[str], typer.Argument(help="A saved query's name (see --list).")] = None,
    list_queries: Annotated[bool, typer.Option("--list", help="List the saved queries and their parameters.")] = False,
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", help="KEY=VALUE, once per parameter; values in Chinese or English (region=山东, Shandong).",
    )] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json (SPARQL results JSON)")] = "table",
    limit: Annotated[Optional[int], typer.Option(help="Print at most this many rows (a page; every row if not given).")] = None,
    offset: Annotated[int, typer.Option(help="Skip this many rows first (with --limit: the page's start).")] = 0,
    timeout: Annotated[Optional[float], typer.Option(
        "--timeout", min=0, help="Seconds the query may run, as on the server (AIRKG_QUERY_TIMEOUT, default 10); "
                                 "0: no limit.")] = None,
    store: StoreOption = None,
) -> None:
    """Run a saved query of queries/ with parameters, or list them (--list); --limit and --offset page a large answer.
    It runs as `airkg sparql` does, in a worker process with the server's time and memory limits."""
    from kg.queries import parse_param_options, resolve_params, run_saved_page, saved_query
    from kg.query_params import STORE_PARAM_TYPES
    from kg.results import FORMATS, render

    if list_queries:
        typer.echo(_saved_queries_table())
        return
    if name is None:
        raise InputError("give a saved query's name, or --list to see them")
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    query = saved_query(name)
    raw = parse_param_options(param or [])
    for key in raw:
        query.param(key)  # an unknown parameter is refused before the store is opened
    if not any(p.type in STORE_PARAM_TYPES for p in query.params):
        resolve_params(query, raw)  # and so is a bad value, unless the store must name an agency or a plan
    with open_store(store, read_only=True) as source, _limited(source, timeout) as limited:
        if limit is None and offset == 0:
            typer.echo(render(limited.query(query.sparql, resolve_params(query, raw, source)), format))
            return
        page = run_saved_page(limited, name, raw, limit if limit is not None else 10_000, offset)
        typer.echo(render(page.result, format))
        shown = len(page.result.rows)
        where = f"rows {offset + 1}–{offset + shown}" if shown else f"no rows past {offset}"
        typer.echo(f"{where} of {page.total:,}" + (f"; next: --offset {offset + shown}"
                                                    if offset + shown < page.total else ""), err=True)


def _saved_queries_table() -> str:
    """The saved queries as a text table: name, titles, parameters with their defaults."""
    from rdflib import Literal

    from kg.queries import load_saved_queries
    from kg.results import results_table
    from kg.store import QueryResult

    rows = []
    for query in load_saved_queries().values():
        params = " ".join(f"{p.name}={p.default if p.default is not None else 'any' if p.optional else '?'}"
                          for p in query.params)
        rows.append({"name": Literal(query.name), "title": Literal(f"{query.title} / {query.title_zh}"),
                     "params": Literal(params)})
    return results_table(QueryResult("select", vars=["name", "title", "params"], rows=rows))


@app.command()
def viz(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write (opens from disk, offline).")],
    plan: Annotated[Optional[str], typer.Option(help="Plan id, IRI or part of its title.")] = None,
    region: Annotated[Optional[str], typer.Option(help="Region name or code; sub-regions included.")] = None,
    pollutant: Annotated[Optional[str], typer.Option(help="Pollutant code or label, e.g. VOCs.")] = None,
    sector: Annotated[Optional[str], typer.Option(help="Sector code or label; narrower sectors included.")] = None,
    agency: Annotated[Optional[str], typer.Option(help="Agency name (or part of it), id or IRI.")] = None,
    role: Annotated[Optional[str], typer.Option(help="lead, responsible, support or implementing.")] = None,
    due_from: Annotated[Optional[str], typer.Option(help="A deadline due on or after YYYY[-MM[-DD]].")] = None,
    due_to: Annotated[Optional[str], typer.Option(help="A deadline due on or before YYYY[-MM[-DD]].")] = None,
    focus: Annotated[Optional[str], typer.Option(help="Draw this entity's neighbourhood (IRI or id).")] = None,
    depth: Annotated[int, typer.Option(help="Steps out from --focus: 1 or 2.")] = 1,
    node: Annotated[Optional[list[str]], typer.Option("--node", help="Draw these entities (repeat).")] = None,
    max_nodes: Annotated[Optional[int], typer.Option(help="Most nodes to draw (default 300).")] = None,
    basis: Annotated[Optional[str], typer.Option(
        help="Which pollutants and sectors count: stated (default, as the lists), inferred or any.")] = None,
    link_base: Annotated[Optional[str], typer.Option(
        help="A running airkg server (http://127.0.0.1:8000) to link entity pages to; default no links.")] = None,
    store: StoreOption = None,
) -> None:
    """Write the interactive graph (filtered like /graph) as one standalone HTML file."""
    from viz.filters import GraphFilter
    from viz.standalone import standalone_html

    graph_filter = GraphFilter.parse(plan=plan, region=region, pollutant=pollutant, sector=sector, agency=agency,
                                     role=role, due_from=due_from, due_to=due_to, focus=focus, depth=depth,
                                     nodes=node, limit=max_nodes, basis=basis)
    with open_store(store, read_only=True) as source:
        html, view = standalone_html(source, graph_filter, link_base)
    if any(not item.iris for item in view.resolved):
        raise InputError(" ".join(view.notices))
    out.write_text(html, encoding="utf-8")
    for notice in view.notices:
        typer.echo(notice, err=True)
    typer.echo(f"wrote {out}: {view.graph.number_of_nodes()} nodes, {view.graph.number_of_edges()} edges "
               f"({view.measure_count} measures{', summarised' if view.aggregated else ''})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    store: StoreOption = None,
    seeds: Annotated[Path, typer.Option(help="Documents loaded when the store is empty.")] = DEFAULT_SEEDS,
    unsafe_in_process_queries: Annotated[bool, typer.Option(
        "--unsafe-in-process-queries", help="With AIRKG_QUERY_WORKERS=0: run user queries in the server's own "
                                            "process, unisolated (refused otherwise; docs/security.md).")] = False,
) -> None:
    """Serve the web pages, REST API (/api, /docs), SPARQL endpoint (/sparql) and linked data (/id/…).

    The store is filled from SEEDS on first start when it holds no graph.
    """
    import uvicorn

    from api.main import create_app, refuse_unisolated
    from api.settings import Settings

    settings = Settings(seeds=seeds, **({"store": store} if store else {}),
                        **({"unsafe_in_process_queries": True} if unsafe_in_process_queries else {}))
    if settings.query_workers == 0:
        refuse_unisolated(settings, "AIRKG_QUERY_WORKERS is 0")
    typer.echo(f"airkg: serving {settings.store} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


from kg.relations import cli as _relations_cli  # noqa: E402,F401 - registers compare, relations, status

if __name__ == "__main__":
    main()

