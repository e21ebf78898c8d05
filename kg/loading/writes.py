"""Writing plans into the store: ingest (files, an upload, plans already extracted), the bulk build, removal.
Writes in a process are one at a time (:data:`_WRITES`)."""

from __future__ import annotations

import errno
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError, StoreError
from kg.extract.assembly import PlanOverrides
from kg.loading.documents import check_overrides, find_documents, printable
from kg.loading.extraction import PlanQuads, Progress, _check_unique_plan_ids, plan_quads
from kg.loading.isolation import Isolation, extract_isolated
from kg.loading.spool import _Spool
from kg.rdf_building import (
    plan_graph_iri,
)
from kg.extract.reading import (
    document_from_bytes,
)
from kg.shared_descriptions import orphaned_descriptions
from kg.store import Store


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
