"""Documents → store: read and extract every file first (in parallel processes), then load all graphs in one
atomic replacement, so a batch with one bad file changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kg.errors import DocumentError
from kg.extraction import PlanOverrides, extract_plan
from kg.models import Plan
from kg.rdf_building import (
    REGIONS_GRAPH,
    VOCABULARY_GRAPH,
    build_plan_graph,
    build_regions_graph,
    build_vocabulary_graph,
    plan_graph_iri,
)
from kg.reading import SUPPORTED_SUFFIXES, read_document


@dataclass(frozen=True)
class ExtractedPlan:
    plan: Plan
    graph: Graph

    @property
    def summary(self) -> str:
        measures = self.plan.measures
        agencies = {a.canonical for m in measures for a in m.agencies}
        deadlines = sum(len(m.deadlines) for m in measures)
        return (f"{self.plan.source_file}: {self.plan.title} — {len(measures)} measures, "
                f"{len(agencies)} agencies, {deadlines} deadlines")


def documents_in(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: each file given, and every supported file inside each folder given (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            raise DocumentError(f"{path}: no such file or folder")
    if not files:
        raise DocumentError(f"no documents ({', '.join(SUPPORTED_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return files


def extract_file(path: Path, overrides: PlanOverrides = PlanOverrides()) -> ExtractedPlan:
    document = read_document(path)
    plan = extract_plan(document, overrides)
    return ExtractedPlan(plan, build_plan_graph(plan, document.text))


def _extract_for_pool(args: tuple[Path, PlanOverrides]) -> ExtractedPlan | DocumentError:
    try:
        return extract_file(*args)
    except DocumentError as error:  # returned, not raised, so every file's error can be reported
        return error


def extract_files(files: Sequence[Path], overrides: PlanOverrides = PlanOverrides(), jobs: int = 1,
                  progress: Callable[[Iterable], Iterable] = lambda items: items) -> list[ExtractedPlan]:
    """Extract every file; raise one DocumentError naming every file that failed."""
    work = [(path, overrides) for path in files]
    if jobs > 1 and len(files) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(progress(pool.map(_extract_for_pool, work, chunksize=max(1, len(work) // (jobs * 8)))))
    else:
        results = [_extract_for_pool(item) for item in progress(work)]
    errors = [result for result in results if isinstance(result, DocumentError)]
    if errors:
        raise DocumentError("; ".join(error.detail for error in errors) + " — nothing was loaded")
    plans = [result for result in results if isinstance(result, ExtractedPlan)]
    _check_unique_ids(plans)
    return plans


def _check_unique_ids(plans: list[ExtractedPlan]) -> None:
    seen: dict[str, str] = {}
    for extracted in plans:
        other = seen.setdefault(extracted.plan.id, extracted.plan.source_file)
        if other != extracted.plan.source_file:
            raise DocumentError(f"{other} and {extracted.plan.source_file} would both be plan {extracted.plan.id!r}; "
                                "rename one — nothing was loaded")


def graphs_to_load(plans: Sequence[ExtractedPlan], with_vocabularies: bool = True) -> dict[str, Graph]:
    graphs = {str(plan_graph_iri(p.plan.id)): p.graph for p in plans}
    if with_vocabularies:
        graphs[str(VOCABULARY_GRAPH)] = build_vocabulary_graph()
        graphs[str(REGIONS_GRAPH)] = build_regions_graph()
    return graphs
