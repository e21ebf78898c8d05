"""``airkg compare``, ``airkg relations`` and the lineage section of ``airkg evaluate`` (registered on kg.cli's app)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.cli import StoreOption, app
from kg.errors import InputError
from kg.store import Store, open_store


class CompareFormat(str, Enum):
    table = "table"
    json = "json"


def plan_diff(store: Store, a: str, b: str):
    from kg.relations.comparison import compare_plans
    from kg.relations.features import read_measures, read_plans

    plans = read_plans(store, [a, b])
    for plan_id in (a, b):
        if plan_id not in plans:
            raise InputError(f"no plan {plan_id!r} in the store")
    measures = read_measures(store, [a, b])
    return compare_plans(plans[a], plans[b], measures.get(a, []), measures.get(b, []))


@app.command()
def compare(
    plan_a: Annotated[str, typer.Argument(help="The earlier plan's id.")],
    plan_b: Annotated[str, typer.Argument(help="The later plan's id.")],
    format: Annotated[CompareFormat, typer.Option("--format", help="table or json.")] = CompareFormat.table,
    store: StoreOption = None,
) -> None:
    """Two plans measure by measure: kept, new, dropped, changed (deadline moved, agency changed, target
    tightened or loosened), with the words the paired measures share."""
    from kg.relations.comparison import diff_as_dict

    with open_store(store, read_only=True) as opened:
        diff = plan_diff(opened, plan_a, plan_b)
    if format == CompareFormat.json:
        typer.echo(json.dumps(diff_as_dict(diff), ensure_ascii=False, indent=1))
        return
    counts = diff.counts()
    typer.echo(f"{diff.a.title} → {diff.b.title}")
    typer.echo(", ".join(f"{n} {status}" for status, n in counts.items()))
    for item in diff.measures:
        a = f"{item.a.path} {item.a.title}" if item.a else "—"
        b = f"{item.b.path} {item.b.title}" if item.b else "—"
        score = f" ({item.score:.2f})" if item.score is not None else ""
        typer.echo(f"{item.status:<8} {a}  →  {b}{score}")
        for change in item.changes:
            typer.echo(f"           {change.kind}: {change.before} → {change.after}")


@app.command()
def relations(
    plans: Annotated[Optional[list[str]], typer.Argument(help="Plans to rebuild (default: every plan).")] = None,
    store: StoreOption = None,
) -> None:
    """Rebuild the relations graphs (citations, lineage, previous plan and comparison, period) of the given
    plans, or of every plan. Ingest and remove keep them up to date; this is for a store built otherwise."""
    from kg.relations.graph import rebuild

    with open_store(store) as opened:
        done = rebuild(opened, plans or None)
    typer.echo(f"relations rebuilt for {done} plans")


@app.command()
def status(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The day (YYYY-MM-DD; default today).")] = None,
    store: StoreOption = None,
) -> None:
    """Each plan's period and status on a day: in_force, superseded, expired or not_yet_issued."""
    from kg.relations.plan_status import plan_statuses

    day = _day(as_of)
    with open_store(store, read_only=True) as opened:
        rows = plan_statuses(opened, day)
    for row in sorted(rows.values(), key=lambda r: (r.status, r.plan.id)):
        period = f"{row.start or '?'}–{row.end or '?'}"
        typer.echo(f"{row.status:<15} {period:<10} {row.plan.id}  {row.plan.title}")


def _day(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from None


def echo_lineage(golden: Path, documents: list[Path], show_errors: bool) -> None:
    """The lineage section of ``airkg evaluate``: the annotated plans loaded in a scratch store, then each
    method at its threshold and at its best threshold, and how many annotated links blocking keeps."""
    from kg.loading import ingest_files
    from kg.relations.evaluation import METHODS, blocking_recall, documents_of, load_lineage_golden, score_lineage, sweep
    from kg.relations.lineage import MOST_PER_MEASURE
    from kg.relations.matching import CHOSEN, RELATIVE, THRESHOLDS, TOP_K

    path = golden / "relations" / "lineage.json"
    if not path.is_file():
        return
    pairs = load_lineage_golden(path)
    files = []
    for stem in sorted(documents_of(pairs)):
        found = next((folder / f"{stem}.txt" for folder in documents if (folder / f"{stem}.txt").is_file()), None)
        if found is None:
            typer.echo(f"lineage: document {stem} not found", err=True)
            return
        files.append(found)
    with tempfile.TemporaryDirectory(prefix="airkg-lineage-") as folder, open_store(folder) as scratch:
        ingest_files(scratch, files)
        links, kept, compared = blocking_recall(scratch, pairs)
        typer.echo(f"\nlineage ({len(pairs)} annotated plan pairs, {links} links; blocking keeps {kept}/{links} "
                   f"in {compared} candidate pairs; counterparts within {RELATIVE:.0%} of the best, at most {TOP_K} a "
                   f"higher plan and {MOST_PER_MEASURE} over all of them)")
        typer.echo(f"{'method':<10} {'threshold':>9} {'P':>6} {'R':>6} {'F1':>6}  tp/fp/fn")
        grid = sweep(scratch, pairs)
        for method in METHODS:
            at = score_lineage(scratch, pairs, method, THRESHOLDS[method])
            best = max((s for s in grid if s.method == method), key=lambda s: (s.f1, -s.threshold))
            for label, s in ((f"{method}{' *' if method == CHOSEN else ''}", at), (f"  best", best)):
                typer.echo(f"{label:<10} {s.threshold:9.2f} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  "
                           f"{s.true_positives}/{s.false_positives}/{s.false_negatives}")
            if show_errors and method == CHOSEN:
                for item in at.missed:
                    typer.echo(f"    missed   {item}")
                for item in at.spurious:
                    typer.echo(f"    spurious {item}")
        typer.echo("* the method in use (kg/relations/matching.py, CHOSEN)")
