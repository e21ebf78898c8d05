"""Files → plans, in parallel processes: as rdflib Graphs (:class:`ExtractedPlan`) or, for loading, as N-Quads
bytes (:class:`PlanQuads`): pickling a plan's Graph to send it from a worker costs as much as building it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

from kg.errors import DocumentError
from kg.extract.assembly import PlanOverrides, extract_plan
from kg.extract.quality import flag_summary
from kg.models import Plan
from kg.loading.documents import _counts, _summary_line, check_plan_id, plan_summary
from kg.rdf_building import (
    REGIONS_GRAPH,
    VOCABULARY_GRAPH,
    build_plan_graphs,
    build_regions_graph,
    build_vocabulary_graph,
    PlanNQuads,
    plan_nquads,
)
from kg.extract.reading import (
    SourceDocument,
    read_document,
)


Progress = Callable[[Iterable], Iterable]
_Extracted = TypeVar("_Extracted")


@dataclass(frozen=True)
class ExtractedPlan:
    plan: Plan
    graphs: dict[str, Graph]
    """The plan's graph, then the description graphs of what it names (:func:`kg.rdf_building.build_plan_graphs`)."""

    @property
    def summary(self) -> str:
        return plan_summary(self.plan)


def extract_document(document: SourceDocument, overrides: PlanOverrides = PlanOverrides()) -> ExtractedPlan:
    plan = extract_plan(document, overrides)
    return ExtractedPlan(plan, build_plan_graphs(plan, document.text))


def extract_file(path: Path, overrides: PlanOverrides = PlanOverrides()) -> ExtractedPlan:
    return extract_document(read_document(path), overrides)


def extract_files(files: Sequence[Path], overrides: PlanOverrides = PlanOverrides(), jobs: int = 1,
                  progress: Progress = lambda items: items) -> list[ExtractedPlan]:
    """Extract every file; raise one DocumentError naming every file that failed."""
    results = list(_each_file(extract_file, files, overrides, jobs, progress))
    _raise_for([result for result in results if isinstance(result, DocumentError)], len(files))
    plans = [result for result in results if isinstance(result, ExtractedPlan)]
    _check_unique_plan_ids((extracted.plan.id, str(path)) for path, extracted in zip(files, plans))
    return plans


def graphs_to_load(plans: Sequence[ExtractedPlan], with_vocabularies: bool = True) -> dict[str, Graph]:
    graphs = {iri: graph for p in plans for iri, graph in p.graphs.items()}
    if with_vocabularies:
        graphs[str(VOCABULARY_GRAPH)] = build_vocabulary_graph()
        graphs[str(REGIONS_GRAPH)] = build_regions_graph()
    return graphs


# --------------------------------------------------------------------------- plans as N-Quads

@dataclass(frozen=True)
class PlanQuads:
    """One plan as an extraction worker hands it back: its graph as N-Quads bytes and what reports need.

    Pickling a plan's rdflib Graph to send it from a worker costs as much as building it; its
    N-Quads bytes cost nothing (``BENCHMARKS.md``, "Build").
    """

    plan_id: str
    source_file: str
    title: str
    sha256: str
    measures: int
    agencies: int
    deadlines: int
    characters: int
    quads: int
    nquads: bytes = field(repr=False, default=b"")
    flags: str = ""
    """The plan's quality flags in a few words (:func:`kg.extract.quality.flag_summary`)."""
    described: tuple[str, ...] = ()
    """The description graphs among the N-Quads (:func:`kg.rdf_building.description_graph_iri`)."""

    @classmethod
    def of(cls, plan: Plan, characters: int, built: PlanNQuads) -> PlanQuads:
        return cls(plan.id, plan.source_file, plan.title, plan.sha256, *_counts(plan), characters, built.quads,
                   built.data, flag_summary(plan), built.described)

    @property
    def summary(self) -> str:
        line = _summary_line(self.source_file, self.title, self.measures, self.agencies, self.deadlines)
        return f"{line}, {self.flags}" if self.flags else line


def plan_quads(document: SourceDocument, overrides: PlanOverrides = PlanOverrides()) -> PlanQuads:
    """Extract one document; its graph as N-Quads (see :func:`kg.rdf_building.plan_nquads`).

    Raises:
        DocumentError: the document holds no plan, or its plan cannot be written as RDF.
    """
    check_plan_id(document.name, overrides)
    plan = extract_plan(document, overrides)
    try:
        built = plan_nquads(plan, document.text)
    except ValueError as exc:
        raise DocumentError(f"{document.name}: {exc}") from exc
    return PlanQuads.of(plan, len(document.text), built)


def extract_file_nquads(path: Path, overrides: PlanOverrides = PlanOverrides()) -> PlanQuads:
    """Read and extract one file (see :func:`plan_quads`)."""
    check_plan_id(path.name, overrides)  # before reading: a long file need not be read to be refused
    return plan_quads(read_document(path), overrides)


def extract_files_nquads(files: Sequence[Path], overrides: PlanOverrides = PlanOverrides(), jobs: int = 1,
                         progress: Progress = lambda items: items) -> Iterator[PlanQuads | DocumentError]:
    """Each file's :class:`PlanQuads` (or its error), in order, extracted in ``jobs`` processes."""
    return _each_file(extract_file_nquads, files, overrides, jobs, progress)


def _each_file(extract: Callable[[Path, PlanOverrides], _Extracted], files: Sequence[Path], overrides: PlanOverrides,
               jobs: int, progress: Progress) -> Iterator[_Extracted | DocumentError]:
    """``extract`` (a module-level function, so workers can be sent it) of each file, or its error, in order.

    Small chunks keep few plans in flight: a 625-plan chunk of N-Quads would be ~400 MB. The
    workers collect garbage less often (:func:`_worker_start`).
    """
    work = [(extract, path, overrides) for path in files]
    if jobs > 1 and len(files) > 1:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start)
        try:
            yield from progress(pool.map(_extracted_or_error, work,
                                         chunksize=max(1, min(8, len(work) // (jobs * 4)))))
        finally:  # interrupted (a bad file, Ctrl-C, SIGTERM): the files not begun are not read at all
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        yield from (_extracted_or_error(item) for item in progress(work))


def _extracted_or_error(args: tuple[Callable[[Path, PlanOverrides], _Extracted], Path, PlanOverrides]
                        ) -> _Extracted | DocumentError:
    extract, path, overrides = args
    try:
        return extract(path, overrides)
    except DocumentError as error:  # returned, not raised, so every file's error can be reported
        return error


def _worker_start() -> None:
    """Extraction makes many short-lived objects and almost no reference cycles: with Python's default
    threshold (700) the collector runs every few hundred allocations and scans the gazetteer and
    vocabularies each time it reaches the oldest generation; 50,000 saves ~10% of a worker's time.
    What the worker inherited (pypinyin's ~190,000 objects among them) is frozen out of every collection."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _raise_for(errors: Sequence[DocumentError], files: int) -> None:
    """One DocumentError for the files that failed: the error itself for a lone file, else every file named."""
    if len(errors) == 1 and files == 1:
        raise errors[0]
    if errors:
        more = f" (and {len(errors) - 1} more file{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise DocumentError(f"{errors[0].detail}{more} — nothing was loaded"
                            + "".join(f"\n{error.detail}" for error in errors[1:]))


def _check_unique_plan_ids(plans: Iterable[tuple[str, str]]) -> None:
    """Refuse a batch in which two files (their paths: two folders may hold the same name) give one plan id."""
    seen: dict[str, str] = {}
    for plan_id, source_file in plans:
        other = seen.setdefault(plan_id, source_file)
        if other != source_file:
            raise DocumentError(f"{other} and {source_file} would both be plan {plan_id!r}; "
                                "rename one — nothing was loaded")
