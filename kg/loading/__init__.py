"""Documents → store: read and extract every file first (in parallel processes), then load all graphs in one
atomic replacement, so a batch with one bad file changes nothing.

Each worker hands back its plan as N-Quads bytes (:class:`PlanQuads`), spooled to a file: no rdflib Graph is
built or pickled on the way, and memory holds a few plans rather than the batch. The store then replaces the
graphs with its bulk loader (journaled, so still all or nothing after a crash; see
:meth:`kg.store.OxigraphStore.replace_graphs_nquads`) or, where readers in the same process must never see
a batch half-loaded (uploads to the server), in one transaction.

The CLI (``airkg ingest``, ``airkg build``) and the upload route of the API (``api/routes/uploads.py``) both go
through :func:`ingest_files` / :func:`ingest_bytes`, so a file is read, refused or loaded the same way by both.

One module per stage: :mod:`~kg.loading.documents` (which files, which ids), :mod:`~kg.loading.extraction`
(files → plans, in worker processes), :mod:`~kg.loading.isolation` (an upload in a capped child process),
:mod:`~kg.loading.spool` (the batch on its way to the store), :mod:`~kg.loading.writes` (ingest, build, removal).
"""

from kg.loading.documents import (
    PLAN_ID,
    PLAN_ID_RULE,
    YEARS,
    Found,
    check_overrides,
    check_plan_id,
    documents_in,
    find_documents,
    plan_summary,
    printable,
)
from kg.loading.extraction import (
    ExtractedPlan,
    PlanQuads,
    Progress,
    _check_unique_plan_ids,
    _raise_for,
    extract_document,
    extract_file,
    extract_file_nquads,
    extract_files,
    extract_files_nquads,
    graphs_to_load,
    plan_quads,
)
from kg.loading.isolation import Isolation, _extract_in_child, extract_isolated
from kg.loading.spool import (
    SPOOL_PREFIX,
    _shared_graphs_nquads,
    _Spool,
    _spool_error,
    sweep_spools,
    terminate_gracefully,
)
from kg.loading.writes import (
    _WRITES,
    BulkReport,
    IngestReport,
    bulk_load_files,
    ingest_bytes,
    ingest_files,
    load_plans,
    remove_plan,
    upload_name,
)

__all__ = [
    "PLAN_ID", "PLAN_ID_RULE", "SPOOL_PREFIX", "YEARS", "_WRITES", "BulkReport", "ExtractedPlan", "Found",
    "IngestReport", "Isolation", "PlanQuads", "Progress", "_Spool", "_check_unique_plan_ids", "_extract_in_child",
    "_raise_for", "_shared_graphs_nquads", "_spool_error", "bulk_load_files", "check_overrides", "check_plan_id",
    "documents_in", "extract_document", "extract_file", "extract_file_nquads", "extract_files",
    "extract_files_nquads", "extract_isolated", "find_documents", "graphs_to_load", "ingest_bytes", "ingest_files",
    "load_plans", "plan_quads", "plan_summary", "printable", "remove_plan", "sweep_spools", "terminate_gracefully",
    "upload_name",
]
