"""The ``airkg`` command: a thin layer over plain functions. Errors of the user's making print one line and exit 2."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from kg.errors import AirkgError, InputError
from kg.evaluation import FIELDS, load_golden, score
from kg.extraction import PlanOverrides, extract_plan
from kg.loading import documents_in, extract_files, graphs_to_load
from kg.reading import read_document
from kg.store import open_store
from kg.validation import validate_graph

app = typer.Typer(help="airkg: Chinese air-quality action plans as a knowledge graph.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

StoreOption = Annotated[Optional[str], typer.Option(
    "--store", envvar="AIRKG_STORE", help="Store folder or SPARQL endpoint URL (default ./airkg-store).")]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes for extraction.")]
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
    """Entry point: run the app, turning airkg's own errors into one line on stderr and exit status 2."""
    try:
        app()
    except AirkgError as error:
        detail = " ".join(error.detail.split())
        typer.echo(f"airkg: {error.title.lower()}: {detail[:400]}", err=True)
        raise SystemExit(2) from None


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


def _load(paths: list[Path], store: Optional[str], jobs: int, overrides: PlanOverrides) -> None:
    files = documents_in(paths)
    plans = extract_files(files, overrides, jobs=jobs, progress=_progress(len(files), "extracting"))
    with open_store(store) as target:
        target.replace_graphs(graphs_to_load(plans))
        for extracted in plans:
            typer.echo(extracted.summary)
        typer.echo(f"{len(plans)} plans loaded; the store holds {target.triple_count()} triples "
                   f"in {len(target.graph_iris())} graphs.")


@app.command()
def build(
    seeds: Annotated[Path, typer.Option(help="Folder of source documents.")] = DEFAULT_SEEDS,
    store: StoreOption = None,
    jobs: JobsOption = 1,
) -> None:
    """Extract every document in seeds/ and load the graph into the store."""
    _load([seeds], store, jobs, PlanOverrides())


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .docx .pdf .html).")],
    title: Annotated[Optional[str], typer.Option(help="Plan title (one file only).")] = None,
    region: Annotated[Optional[str], typer.Option(help="Plan region, e.g. 济南市.")] = None,
    year: Annotated[Optional[int], typer.Option(help="Plan year for relative deadlines.")] = None,
    plan_id: Annotated[Optional[str], typer.Option("--id", help="Plan id (one file only).")] = None,
    store: StoreOption = None,
    jobs: JobsOption = 1,
) -> None:
    """Add or replace plans: all files are extracted first; one bad file and nothing is loaded."""
    if (title or plan_id) and (len(paths) != 1 or paths[0].is_dir()):
        raise InputError("--title and --id name one plan: give exactly one file")
    _load(paths, store, jobs, PlanOverrides(title=title, region=region, year=year, plan_id=plan_id))


@app.command()
def remove(plan: str, store: StoreOption = None) -> None:
    """Take plan PLAN (its id, e.g. 000_aa781de31b5c5cff) out of the store."""
    from kg.rdf_building import plan_graph_iri

    with open_store(store) as target:
        if not target.remove_graph(str(plan_graph_iri(plan))):
            raise InputError(f"no plan {plan!r} in the store")
    typer.echo(f"removed plan {plan}")


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.trig,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default stdout).")] = None,
    store: StoreOption = None,
) -> None:
    """Serialize the whole store (named graphs kept in trig and nquads)."""
    with open_store(store) as source:
        data = source.export(format.value)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {len(data)} bytes to {out}", err=True)


@app.command()
def validate(store: StoreOption = None) -> None:
    """Check the store against the SHACL shapes; exit 1 when it does not conform."""
    with open_store(store) as source:
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
) -> None:
    """Print precision, recall and F1 per field against the golden annotations."""
    typer.echo(f"{'document':<34} {'field':<11} {'P':>6} {'R':>6} {'F1':>6}  tp/fp/fn")
    for golden_file in sorted(golden.glob("*.json")):
        annotation = load_golden(golden_file)
        source = next((folder / annotation["document"] for folder in documents
                       if (folder / annotation["document"]).exists()), None)
        if source is None:
            typer.echo(f"{golden_file.name}: document {annotation['document']} not found", err=True)
            continue
        scores = score(extract_plan(read_document(source)), annotation)
        for field in FIELDS:
            s = scores[field]
            typer.echo(f"{golden_file.stem[:34]:<34} {field:<11} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}"
                       f"  {s.true_positives}/{s.false_positives}/{s.false_negatives}")
            if show_errors:
                for item in s.missed:
                    typer.echo(f"    missed   {item}")
                for item in s.spurious:
                    typer.echo(f"    spurious {item}")


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or a file holding one.")],
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
    store: StoreOption = None,
) -> None:
    """Run an ad-hoc SPARQL query against the store."""
    from kg.results import render

    path = Path(query)
    text = path.read_text(encoding="utf-8") if len(query) < 4096 and path.is_file() else query
    with open_store(store) as source:
        typer.echo(render(source.query(text), format))


if __name__ == "__main__":
    main()

