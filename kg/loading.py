"""Documents → store: read and extract every file first (in parallel processes), then load all graphs in one
atomic replacement, so a batch with one bad file changes nothing.

Each worker hands back its plan as N-Quads bytes (:class:`PlanQuads`), spooled to a file: no rdflib Graph is
built or pickled on the way, and memory holds a few plans rather than the batch. The store then replaces the
graphs with its bulk loader (journaled, so still all or nothing after a crash; see
:meth:`kg.store.OxigraphStore.replace_graphs_nquads`) or, where readers in the same process must never see
a batch half-loaded (uploads to the server), in one transaction.

The CLI (``airkg ingest``, ``airkg build``) and the upload route of the API (``api/routes/uploads.py``) both go
through :func:`ingest_files` / :func:`ingest_bytes`, so a file is read, refused or loaded the same way by both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import gc
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

from kg.errors import DocumentError, InputError, StoreError
from kg.extract.assembly import PlanOverrides, extract_plan, plan_id_for
from kg.extract.quality import flag_summary
from kg.models import Plan
from kg.rdf_building import (
    REGIONS_GRAPH,
    VOCABULARY_GRAPH,
    build_plan_graphs,
    build_regions_graph,
    build_vocabulary_graph,
    plan_graph_iri,
    PlanNQuads,
    plan_nquads,
    regions_nquads,
)
from kg.regions import gazetteer
from kg.extract.reading import (
    READ_SECONDS,
    SUPPORTED_SUFFIXES,
    DocumentTooLarge,
    SourceDocument,
    document_from_bytes,
    read_document,
)
from kg.shared_descriptions import orphaned_descriptions
from kg.store import Store

#: What a plan id given by the user (``--id``) may look like: it becomes part of IRIs.
PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
PLAN_ID_RULE = "letters, digits, '_', '-' and '.', starting with a letter or digit, at most 100 characters"
#: Years a plan may be given (``--year``): relative deadlines are resolved against it.
YEARS = range(1949, 2101)

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


def plan_summary(plan: Plan) -> str:
    """One line on a plan: its file, title, counts and quality flags."""
    return f"{_summary_line(plan.source_file, plan.title, *_counts(plan))}, {flag_summary(plan)}"


def _counts(plan: Plan) -> tuple[int, int, int]:
    """A plan's measures, distinct agencies and deadlines."""
    measures = plan.measures
    return (len(measures), len({a.canonical for m in measures for a in m.agencies}),
            sum(len(m.deadlines) for m in measures))


def _summary_line(source_file: str, title: str, measures: int, agencies: int, deadlines: int) -> str:
    return (f"{printable(source_file)}: {printable(title)} — {measures} measures, {agencies} agencies, "
            f"{deadlines} deadlines")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` on one line: line breaks and other control characters (a file may be named so) written as
    escapes, so that a summary line or a message is never split.

    >>> printable("plan\\nadded evil.txt")
    'plan\\\\nadded evil.txt'
    """
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                                                     else f"\\u{ord(m.group()):04x}"), text)


@dataclass(frozen=True)
class Found:
    """The files to ingest, and those passed over inside folders, with why."""

    files: list[Path]
    skipped: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: the plans loaded (new or replacing one of the same id) and the store after it."""

    plans: list[PlanQuads]
    added: list[str]
    replaced: list[str]
    skipped: list[tuple[Path, str]]
    same_text_as: dict[str, list[str]]
    triples: int
    graphs: int

    def lines(self) -> list[str]:
        """The summary printed by ``airkg ingest``: one line per plan, skipped file and duplicate, then totals."""
        out = []
        for plan in self.plans:
            verb = "replaced" if plan.plan_id in self.replaced else "added"
            out.append(f"{verb} {plan.plan_id}  {plan.summary}")  # the summary's names are escaped
        for plan_id, others in self.same_text_as.items():
            out.append(f"note: plan {plan_id} has the same source file as plan(s) {', '.join(others)} already "
                       "in the store; `airkg remove` the one you do not want")
        for path, why in self.skipped:
            out.append(f"skipped {printable(str(path))}: {why}")
        out.append(f"{len(self.plans)} plans loaded ({len(self.added)} new, {len(self.replaced)} replaced); "
                   f"the store holds {self.triples} triples in {self.graphs} graphs.")
        return out


def find_documents(paths: Iterable[Path]) -> Found:
    """Files to ingest: each file given, and every supported file inside each folder given (sorted).

    Inside folders, files of other types, hidden files and Word's lock files (``~$plan.docx``) are passed over
    and listed in :attr:`Found.skipped`; a file named directly is always read (and refused if unsupported).

    Raises:
        DocumentError: a path does not exist, or no documents were found.
    """
    paths = list(paths)
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
                why = _pass_over(candidate.relative_to(path))
                if why:
                    skipped.append((candidate, why))
                else:
                    files.append(candidate)
        elif path.exists():
            files.append(path)
        else:
            raise DocumentError(f"{path}: no such file or folder")
    if not files:
        raise DocumentError(f"no documents ({', '.join(SUPPORTED_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return Found(files, skipped)


def _pass_over(relative: Path) -> str | None:
    if any(part.startswith(".") for part in relative.parts):
        return "hidden"
    if relative.name.startswith("~$"):
        return "a Word lock file"
    if relative.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"not a plan document ({relative.suffix or 'no suffix'}; airkg reads {', '.join(SUPPORTED_SUFFIXES)})"
    return None


def documents_in(paths: Iterable[Path]) -> list[Path]:
    """The files of :func:`find_documents`, without the list of those skipped."""
    return find_documents(paths).files


def check_overrides(overrides: PlanOverrides, files: int) -> None:
    """Refuse overrides that cannot be right: a title or id for several files, a malformed id, an odd year.

    Raises:
        InputError: which override is wrong and why.
    """
    if (overrides.title or overrides.plan_id) and files != 1:
        raise InputError("--title and --id name one plan: give exactly one file")
    if overrides.plan_id is not None and not PLAN_ID.fullmatch(overrides.plan_id):
        raise InputError(f"plan id {printable(overrides.plan_id[:120])!r}"
                         f"{f' ({len(overrides.plan_id)} characters)' if len(overrides.plan_id) > 100 else ''} "
                         f"is not usable: {PLAN_ID_RULE}")
    if overrides.year is not None and overrides.year not in YEARS:
        raise InputError(f"year {overrides.year} is out of range ({YEARS.start}–{YEARS.stop - 1})")
    if overrides.title is not None and not overrides.title.strip():
        raise InputError("--title is empty")
    if overrides.region is not None and gazetteer().resolve(overrides.region) is None:
        raise InputError(f"unknown or ambiguous region {overrides.region!r}; give its full name, "
                         "e.g. 山东省济南市 → 济南市")


def check_plan_id(name: str, overrides: PlanOverrides = PlanOverrides()) -> str:
    """The id the plan of the file ``name`` will have; refused (ingest, CLI and API alike) unless every other
    command and route can name it too (:data:`PLAN_ID`).

    Raises:
        DocumentError: the file name makes an unusable id (e.g. over 100 characters) and no ``--id`` is given.
    """
    plan_id = overrides.plan_id or plan_id_for(name)
    if not PLAN_ID.fullmatch(plan_id):
        raise DocumentError(f"{printable(name)}: its name makes the plan id {printable(plan_id[:40])}"
                            f"{'…' if len(plan_id) > 40 else ''} ({len(plan_id)} characters), which is not usable "
                            f"({PLAN_ID_RULE}); rename the file or give an id (--id, or the upload's 'id' field)")
    return plan_id


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


#: Writes through this module are one at a time (in a process): what was in the store before a write (which
#: plans it replaces) is read under the same lock, so that of racing uploads of one id exactly one is "added".
_WRITES = threading.Lock()


def _load_spool(store: Store, spool: _Spool, skipped: Sequence[tuple[Path, str]], bulk: bool) -> IngestReport:
    """Replace the spooled plans' graphs (and the vocabulary and region graphs) at once; say what changed.

    A plan whose id is already in the store is replaced whole: its old graph is dropped in the same
    replacement, so no triple of the old version stays.
    """
    with _WRITES:
        try:
            return _load_spool_now(store, spool, skipped, bulk)
        except OSError as error:  # a full disk or another I/O error outside the store's write (which says so)
            reason = ("the disk is full: No space left on device" if error.errno in (errno.ENOSPC, errno.EDQUOT)
                      else " ".join(str(error.strerror or error).split())[:200])
            raise StoreError(f"loading the plans failed ({reason})") from None


def _load_spool_now(store: Store, spool: _Spool, skipped: Sequence[tuple[Path, str]], bulk: bool) -> IngestReport:
    existing = set(store.graph_iris())
    same_text = _same_text(store, spool.plans)
    relation_graphs = spool.add_relations(store)  # loaded with the plans, in the same replacement
    spool.load_into(store, with_vocabularies=True, bulk=bulk, extra_graphs=relation_graphs)
    replaced = [p.plan_id for p in spool.plans if str(plan_graph_iri(p.plan_id)) in existing]
    return IngestReport(
        plans=list(spool.plans),
        added=[p.plan_id for p in spool.plans if p.plan_id not in replaced],
        replaced=replaced,
        skipped=list(skipped),
        same_text_as=same_text,
        triples=store.triple_count(),
        graphs=len(store.graph_iris()),
    )


def _same_text(store: Store, plans: Sequence[PlanQuads]) -> dict[str, list[str]]:
    """Plans of the batch whose source file (by SHA-256) is already in the store under another id."""
    from rdflib import Literal

    found: dict[str, list[str]] = {}
    for plan in plans:
        rows = store.query(
            "SELECT DISTINCT ?plan WHERE { ?plan airkg:sourceDocument ?doc . ?doc airkg:sha256 ?sha }",
            bindings={"sha": Literal(plan.sha256)},
        ).rows
        others = sorted(str(row["plan"]).rsplit("/", 1)[-1] for row in rows)
        others = [other for other in others if other != plan.plan_id]
        if others:
            found[plan.plan_id] = others
    return found


def ingest_files(store: Store, paths: Sequence[Path], overrides: PlanOverrides = PlanOverrides(), jobs: int = 1,
                 progress: Callable[[int], Progress] = lambda total: lambda items: items,
                 bulk: bool = True, spool_dir: Path | None = None) -> IngestReport:
    """Add or replace the plans in ``paths`` (files or folders): all are extracted first, then loaded at once.

    Args:
        bulk: Load with the store's bulk loader (3-4x faster, ``BENCHMARKS.md``), else in one transaction,
            which readers in this process never see half-done.
        spool_dir: Where the plans' N-Quads wait for the load (default: the system's temporary folder);
            ~250 bytes per quad, ~0.6 MB per plan, deleted afterwards.

    Raises:
        DocumentError: a path is missing, or a file cannot be read or holds no plan (every such file is named);
            the store is not touched.
        InputError: an override cannot be right (see :func:`check_overrides`).
    """
    found = find_documents(paths)
    check_overrides(overrides, len(found.files))
    with _Spool(spool_dir) as spool:
        spool.extract(found.files, overrides, jobs, progress(len(found.files)))
        return _load_spool(store, spool, found.skipped, bulk)


def ingest_bytes(store: Store, name: str, data: bytes, overrides: PlanOverrides = PlanOverrides(),
                 isolation: Isolation | None = None) -> IngestReport:
    """Add or replace the plan in ``data``, a file called ``name`` (an upload).

    Args:
        isolation: Read and extract the file in a separate process with these limits (what the server does:
            it never holds the inflated document); None: in this process.

    Raises:
        DocumentError, InputError: as :func:`ingest_files`; the store is not touched.
    """
    check_overrides(overrides, 1)
    safe_name = upload_name(name)
    plan = (extract_isolated(safe_name, data, overrides, isolation) if isolation is not None
            else plan_quads(document_from_bytes(safe_name, data), overrides))
    return load_plans(store, [plan])


def upload_name(name: str) -> str:
    """An uploaded file's name without its folders (a client may send any path)."""
    return Path(name.replace("\\", "/")).name or "upload"


def load_plans(store: Store, plans: Sequence[PlanQuads]) -> IngestReport:
    """Load extracted plans (with the vocabulary and region graphs) in one transaction: readers in this
    process never see them half-loaded."""
    _check_unique_plan_ids((p.plan_id, p.source_file) for p in plans)
    with _Spool(None) as spool:
        for plan in plans:
            spool.add(plan)
        return _load_spool(store, spool, (), bulk=False)


@dataclass(frozen=True)
class Isolation:
    """Limits of the process an upload is read and extracted in (:func:`extract_isolated`)."""

    memory_bytes: int = 1536 * 1024 * 1024
    seconds: float = READ_SECONDS + 30


def extract_isolated(name: str, data: bytes, overrides: PlanOverrides, isolation: Isolation) -> PlanQuads:
    """Read and extract one file in a child process (a fresh interpreter: it inherits nothing of the
    server's memory) whose address space is capped (RLIMIT_AS) and which is killed past
    ``isolation.seconds``: a hostile document can exhaust neither the server's memory nor its time.

    Raises:
        DocumentError: the file cannot be read or holds no plan (the child's own message), or reading it
            would take more memory (:class:`~kg.extract.reading.DocumentTooLarge`) or time than allowed.
    """
    import pickle
    import subprocess
    import sys

    request = pickle.dumps((name, data, overrides, isolation), protocol=pickle.HIGHEST_PROTOCOL)
    child = _reader_process()
    try:
        answer, _ = child.communicate(request, timeout=isolation.seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise DocumentError(f"{printable(name)}: reading it took more than {isolation.seconds:.0f} s; "
                            "is it a plan?") from None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    try:
        result = pickle.loads(answer)
    except Exception:  # noqa: BLE001 - the child died without a word: the kernel killed it, or it crashed
        raise DocumentTooLarge(f"{printable(name)}: reading it needs more than the "
                               f"{isolation.memory_bytes / 1_048_576:.0f} MB of memory an upload may use "
                               f"(the reader stopped with status {child.returncode})") from None
    if isinstance(result, BaseException):
        raise result
    return result


_SPARE: list = []
_SPARE_LOCK = threading.Lock()


def _reader_process():  # noqa: ANN202 - a subprocess.Popen
    """A child for :func:`extract_isolated`: the spare one started after the last upload (its imports and
    gazetteer already loaded, ~2 s saved), and a new spare started for the next."""
    import subprocess
    import sys

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", "from kg.loading import _extract_in_child; _extract_in_child()"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    with _SPARE_LOCK:
        child = _SPARE.pop() if _SPARE else None
        if child is None or child.poll() is not None:
            child = start()
        _SPARE.append(start())
    return child


def _extract_in_child() -> None:
    """The child of :func:`extract_isolated`: its request pickled on stdin, its answer pickled on stdout.
    What every extraction needs is loaded before the request is read (a spare child waits ready)."""
    import pickle
    import resource
    import sys

    gazetteer()
    try:
        name, data, overrides, isolation = pickle.loads(sys.stdin.buffer.read())
    except (EOFError, pickle.UnpicklingError):  # the server went away before using this spare child
        return
    resource.setrlimit(resource.RLIMIT_AS, (isolation.memory_bytes, isolation.memory_bytes))
    cpu = int(isolation.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    try:
        result: PlanQuads | DocumentError = plan_quads(document_from_bytes(name, data), overrides)
    except DocumentError as error:
        result = error
    except MemoryError:
        result = DocumentTooLarge(f"{printable(name)}: reading it needs more than the "
                                  f"{isolation.memory_bytes / 1_048_576:.0f} MB of memory an upload may use")
    except RecursionError:
        result = DocumentError(f"{printable(name)}: nested too deeply to read (damaged or hostile file?)")
    del data
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


def remove_plan(store: Store, plan_id: str) -> None:
    """Take plan ``plan_id`` out of ``store`` (its whole named graph).

    Raises:
        InputError: no such plan in the store.
    """
    # Ids over 100 characters are refused at ingest (check_plan_id); one a former version let in can go.
    with _WRITES:
        if not _REMOVABLE_ID.fullmatch(plan_id) or str(plan_graph_iri(plan_id)) not in store.graph_iris():
            raise InputError(f"no plan {printable(plan_id)!r} in the store")
        _remove_with_relations(store, plan_id)


def _remove_with_relations(store: Store, plan_id: str) -> None:
    """Remove the plan's graph and, in the same replacement, rebuild the relations graphs it affects (its own
    goes), so that no link points to it (``kg/relations/graph.py``)."""
    from kg.relations.graph import relations_for_removal

    with tempfile.TemporaryDirectory(prefix="airkg-remove-") as folder:
        path = Path(folder) / "relations.nq"
        with path.open("w", encoding="utf-8") as out:
            graphs = [str(plan_graph_iri(plan_id)), *relations_for_removal(store, plan_id, out)]
        store.replace_graphs_nquads(path, graphs + orphaned_descriptions(store, graphs))


_REMOVABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


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


@functools.cache
def _shared_graphs_nquads() -> bytes:
    """The region and vocabulary graphs as N-Quads, loaded with every batch (unchanged, they cost a read).

    The vocabulary's blank nodes (OWL lists, SHACL) get the labels rdflib gives them.
    """
    vocabulary = build_vocabulary_graph().serialize(format="nt", encoding="utf-8").splitlines()
    suffix = f" <{VOCABULARY_GRAPH}> .".encode()
    return regions_nquads()[0] + b"".join(line[:-2] + suffix + b"\n" for line in vocabulary if line.strip())


#: Spool folders are named ``airkg-spool-<pid>-<random>``: those of processes that are gone (a killed
#: ingest) are swept away by the next spool made in the same folder.
SPOOL_PREFIX = "airkg-spool-"


class _Spool:
    """A batch of plans on its way to the store: their N-Quads in a file, the rest in memory.

    The folder goes on every exit (an error, Ctrl-C, SIGTERM through :func:`terminate_gracefully`); after a
    SIGKILL it stays until the next spool is made in the same folder (:func:`sweep_spools`).
    """

    def __init__(self, spool_dir: Path | None) -> None:
        sweep_spools(spool_dir)
        try:
            self.folder = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=spool_dir))
            self.path = self.folder / "plans.nq"
            self._out = self.path.open("wb")
        except OSError as error:
            if hasattr(self, "folder"):
                shutil.rmtree(self.folder, ignore_errors=True)
            raise _spool_error(spool_dir, error) from None
        self.plans: list[PlanQuads] = []
        self.bytes = 0

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._out.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except OSError as error:
            raise _spool_error(self.folder, error) from None

    def add(self, plan: PlanQuads) -> None:
        self._write(plan.nquads)
        self.bytes += len(plan.nquads)
        self.plans.append(dataclasses.replace(plan, nquads=b""))

    def extract(self, files: Sequence[Path], overrides: PlanOverrides, jobs: int, progress: Progress) -> None:
        """Extract and spool every file; if any fails, raise one DocumentError naming every file that failed."""
        errors: list[DocumentError] = []
        with ThreadPoolExecutor(1) as helper:
            for index, result in enumerate(extract_files_nquads(files, overrides, jobs, progress)):
                if index == 0 and jobs > 1:  # the parent waits for the workers: make the shared graphs (~1 s)
                    helper.submit(_shared_graphs_nquads)  # now, as a thread must not run while workers fork
                if isinstance(result, DocumentError):
                    errors.append(result)
                elif not errors:
                    self.add(result)
        _raise_for(errors, len(files))
        _check_unique_plan_ids((p.plan_id, str(path)) for path, p in zip(files, self.plans))

    def add_relations(self, store: Store) -> list[str]:
        """Write into the spool the relations graphs (``kg/relations``) the batch changes, computed from the store
        and the spooled plans: the IRIs of those graphs, to be replaced with the plans, all or nothing."""
        from kg.relations.graph import relations_for_batch

        try:
            self._out.flush()
        except OSError as error:
            raise _spool_error(self.folder, error) from None
        spool = self

        class _Text:
            def writelines(self, lines: Iterable[str]) -> None:
                spool._write("".join(lines).encode("utf-8"))

        return relations_for_batch(store, self.path, [p.plan_id for p in self.plans], self.folder, _Text())

    def load_into(self, store: Store, *, with_vocabularies: bool, bulk: bool, extra_graphs: Sequence[str] = ()
                  ) -> None:
        graphs = [str(plan_graph_iri(p.plan_id)) for p in self.plans] + list(extra_graphs)
        described = {iri for p in self.plans for iri in p.described}
        graphs += sorted(described) + orphaned_descriptions(store, graphs, described)
        if with_vocabularies:
            self._write(_shared_graphs_nquads())
            graphs += [str(REGIONS_GRAPH), str(VOCABULARY_GRAPH)]
        try:
            self._out.close()
        except OSError as error:
            raise _spool_error(self.folder, error) from None
        store.replace_graphs_nquads(self.path, graphs, bulk=bulk, trusted=True)  # our builders' output


def _spool_error(where: Path | None, error: OSError) -> StoreError:
    full = error.errno in (errno.ENOSPC, errno.EDQUOT)
    reason = "the disk is full: No space left on device" if full else " ".join(str(error.strerror or error).split())
    return StoreError(f"spooling the plans in {where or tempfile.gettempdir()} failed ({reason}); nothing was loaded"
                      + (" — free some space or set TMPDIR to a larger disk" if full else ""))


def sweep_spools(spool_dir: Path | None = None) -> list[Path]:
    """Remove the spool folders (``airkg-spool-<pid>-…``) in ``spool_dir`` (default: the temporary folder)
    whose process is gone; the folders removed."""
    folder = Path(spool_dir or tempfile.gettempdir())
    swept = []
    try:
        candidates = list(folder.glob(f"{SPOOL_PREFIX}*"))
    except OSError:
        return swept
    for candidate in candidates:
        pid = candidate.name[len(SPOOL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)) and candidate.is_dir():
            shutil.rmtree(candidate, ignore_errors=True)
            swept.append(candidate)
    return swept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@contextlib.contextmanager
def terminate_gracefully() -> Iterator[None]:
    """Turn SIGTERM into SystemExit(143) while the block runs (in the main thread), so that what it holds is
    cleaned up as on Ctrl-C: the spool folder goes, a bulk load under way is undone."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_for(errors: Sequence[DocumentError], files: int) -> None:
    """One DocumentError for the files that failed: the error itself for a lone file, else every file named."""
    if len(errors) == 1 and files == 1:
        raise errors[0]
    if errors:
        more = f" (and {len(errors) - 1} more file{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise DocumentError(f"{errors[0].detail}{more} — nothing was loaded"
                            + "".join(f"\n{error.detail}" for error in errors[1:]))


@dataclass(frozen=True)
class BulkReport:
    """What :func:`bulk_load_files` loaded, and where the time went (seconds, wall clock).

    ``seconds``: ``extract`` (reading, extraction and N-Quads, in the worker processes, until the
    last plan is spooled), ``relations`` (computing the relations the batch changes, ``kg/relations``, into the
    spool), ``load`` (the store's bulk load of the plans, their relations, regions and vocabulary).
    """

    plans: list[PlanQuads]
    quads: int
    spooled_bytes: int
    seconds: dict[str, float]


def bulk_load_files(store: Store, files: Sequence[Path], overrides: PlanOverrides = PlanOverrides(), jobs: int = 1,
                    progress: Progress = lambda items: items, with_vocabularies: bool = True,
                    spool_dir: Path | None = None, keep_spool: Path | None = None) -> BulkReport:
    """Extract ``files`` in ``jobs`` processes and load them with the store's bulk loader, timing each part
    (what ``bench/`` measures; :func:`ingest_files` does the same and reports on the store instead).

    Args:
        keep_spool: Move the N-Quads that were loaded there (on the spool's file system) instead of deleting
            them: the benchmark loads the other backends from it.

    Raises:
        DocumentError: a file cannot be read or holds no plan, or two files would be the same plan.
    """
    started = time.perf_counter()
    with _Spool(spool_dir) as spool:
        spool.extract(files, overrides, jobs, progress)
        extracted = time.perf_counter()
        relation_graphs = spool.add_relations(store)  # the relations the batch changes, loaded with it
        related = time.perf_counter()
        spool.load_into(store, with_vocabularies=with_vocabularies, bulk=True, extra_graphs=relation_graphs)
        loaded = time.perf_counter()
        if keep_spool is not None:
            shutil.move(spool.path, keep_spool)
        return BulkReport(list(spool.plans), sum(p.quads for p in spool.plans), spool.bytes,
                          {"extract": extracted - started, "relations": related - extracted,
                           "load": loaded - related})


def _check_unique_plan_ids(plans: Iterable[tuple[str, str]]) -> None:
    """Refuse a batch in which two files (their paths: two folders may hold the same name) give one plan id."""
    seen: dict[str, str] = {}
    for plan_id, source_file in plans:
        other = seen.setdefault(plan_id, source_file)
        if other != source_file:
            raise DocumentError(f"{other} and {source_file} would both be plan {plan_id!r}; "
                                "rename one — nothing was loaded")
