"""``airkg build`` as an incremental build: only what changed in the corpus folder is extracted and loaded.

The store keeps a manifest of what ``build`` loaded, in its own graph (:data:`MANIFEST_GRAPH`): per plan, the
corpus folder and the file (relative to it) it was built from, the file's SHA-256 and the extractor's version
(:func:`extractor_version`, a hash of the extraction code and the ontology). On a re-run a plan whose file has
the same hash, built by the same extractor and still in the store, is skipped (not read past its hash, not
extracted, not reloaded); a new or changed file's plan is extracted and replaces its graph; a plan the manifest
has from this folder whose file is gone is removed. Everything that changes (plans added, replaced and removed,
the relations they touch, the manifest) is one all-or-nothing replacement, as an ingest; when nothing changed,
nothing is written.

Plans added by ``airkg ingest`` have no manifest entry: ``build`` leaves them alone unless the corpus holds a
file of the same plan id, which it then loads (and records).
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.extract.assembly import PlanOverrides
from kg.loading import (
    _WRITES,
    PlanQuads,
    Progress,
    _check_unique_plan_ids,
    _Spool,
    check_plan_id,
    find_documents,
    printable,
)
from kg.rdf_building import plan_graph_iri
from kg.store import DEFAULT_GRAPH_PREFIX, Store, sparql_term

#: The graph holding the build manifest (inside the store's managed graphs, so it is replaced like the others).
MANIFEST_GRAPH = DEFAULT_GRAPH_PREFIX + "build-manifest"
BUILD = "https://airkg.example.org/build#"
_ENTRY = "https://airkg.example.org/id/build/"
#: What the extracted graph depends on besides the file: the code that reads, extracts and writes RDF, and the
#: ontology files (labels, agency types, shapes) it matches against.
_EXTRACTOR_SOURCES = ("kg/extract/**/*.py", "kg/rdf_building.py", "kg/aggregates.py", "kg/agency_names.py",
                      "kg/regions.py", "kg/models.py", "kg/vocabulary.py", "ontology/**/*")


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """A hash of the extractor's sources and the ontology files: any change to them re-extracts every plan."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    files = sorted({path for pattern in _EXTRACTOR_SOURCES for path in root.glob(pattern) if path.is_file()})
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class ManifestEntry:
    plan_id: str
    corpus: str
    file: str
    sha256: str
    extractor: str


def read_manifest(store: Store) -> dict[str, ManifestEntry]:
    """The manifest's entries by plan id (empty for a store no ``build`` wrote)."""
    rows = store.query(f"""
        SELECT ?plan ?corpus ?file ?sha ?extractor WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{
          ?entry <{BUILD}plan> ?plan ; <{BUILD}corpus> ?corpus ; <{BUILD}file> ?file ;
                 <{BUILD}sha256> ?sha ; <{BUILD}extractor> ?extractor }} }}""").rows
    return {str(row["plan"]): ManifestEntry(str(row["plan"]), str(row["corpus"]), str(row["file"]), str(row["sha"]),
                                            str(row["extractor"])) for row in rows}


def _manifest_nquads(entries: Iterable[ManifestEntry]) -> bytes:
    from rdflib import Literal, URIRef

    graph = f" <{MANIFEST_GRAPH}> .\n"
    lines = []
    for entry in sorted(entries, key=lambda e: e.plan_id):
        subject = f"<{_ENTRY}{entry.plan_id}>"
        for name, value in (("plan", entry.plan_id), ("corpus", entry.corpus), ("file", entry.file),
                            ("sha256", entry.sha256), ("extractor", entry.extractor)):
            lines.append(f"{subject} {sparql_term(URIRef(BUILD + name))} {sparql_term(Literal(value))}{graph}")
    return "".join(lines).encode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class BuildReport:
    """What :func:`build_corpus` did."""

    plans: list[PlanQuads] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    triples: int | None = None
    """The store's triples after a write; None when nothing changed (not counted: ~9 s at 25 M quads)."""
    graphs: int = 0

    def lines(self) -> list[str]:
        """The summary ``airkg build`` prints: one line per plan loaded or removed, then the totals."""
        out = []
        for plan in self.plans:
            out.append(f"{'replaced' if plan.plan_id in self.replaced else 'added'} {plan.plan_id}  {plan.summary}")
        out += [f"removed {printable(plan_id)} (its file is gone from the corpus)" for plan_id in self.removed]
        out += [f"skipped {printable(str(path))}: {why}" for path, why in self.skipped]
        held = (f"the store holds {self.triples} triples in {self.graphs} graphs" if self.triples is not None
                else f"nothing was written (the store holds {self.graphs} graphs)")
        out.append(f"{len(self.plans)} plans loaded ({len(self.added)} new, {len(self.replaced)} replaced), "
                   f"{len(self.unchanged)} unchanged (skipped), {len(self.removed)} removed; {held}.")
        return out


def build_corpus(store: Store, corpus: Path, jobs: int = 1,
                 progress: Callable[[int], Progress] = lambda total: lambda items: items,
                 bulk: bool = True, spool_dir: Path | None = None) -> BuildReport:
    """Bring the store up to date with the folder ``corpus`` (see the module's text).

    Raises:
        DocumentError: the folder holds no documents, or a changed file cannot be read or holds no plan (every
            such file is named); the store is not touched.
    """
    found = find_documents([corpus])
    folder = str(corpus.resolve())
    version = extractor_version()
    current: dict[str, tuple[Path, str]] = {}
    for path in found.files:
        current[check_plan_id(path.name)] = (path, path.resolve().relative_to(folder).as_posix()
                                             if path.resolve().is_relative_to(folder) else str(path))
    _check_unique_plan_ids((check_plan_id(path.name), str(path)) for path in found.files)
    with _WRITES:
        manifest = read_manifest(store)
        present = {iri for iri in store.graph_iris()}
        report = BuildReport(skipped=list(found.skipped))
        entries = dict(manifest)
        changed: list[Path] = []
        for plan_id, (path, relative) in current.items():
            sha = _sha256(path)
            old = manifest.get(plan_id)
            if (old is not None and old.corpus == folder and old.file == relative and old.sha256 == sha
                    and old.extractor == version and str(plan_graph_iri(plan_id)) in present):
                report.unchanged.append(plan_id)
                continue
            changed.append(path)
            entries[plan_id] = ManifestEntry(plan_id, folder, relative, sha, version)
        report.removed = sorted(plan_id for plan_id, entry in manifest.items()
                                if entry.corpus == folder and plan_id not in current)
        for plan_id in report.removed:
            del entries[plan_id]
        if changed or report.removed:
            _write(store, report, changed, entries.values(), jobs, progress, bulk, spool_dir, present)
            report.triples = store.triple_count()
            report.graphs = len(store.graph_iris())
        else:
            report.graphs = len(present)
    return report


def _write(store: Store, report: BuildReport, changed: Sequence[Path], entries: Iterable[ManifestEntry], jobs: int,
           progress: Callable[[int], Progress], bulk: bool, spool_dir: Path | None, present: set[str]) -> None:
    """Extract the changed files into a spool, then replace their plans, the removed plans, the relations they
    change and the manifest in one load."""
    with _Spool(spool_dir) as spool:
        if changed:
            spool.extract(changed, PlanOverrides(), jobs, progress(len(changed)))
        relation_graphs = _relations(store, spool, report.removed)
        spool._write(_manifest_nquads(entries))
        removed_graphs = [str(plan_graph_iri(plan_id)) for plan_id in report.removed]
        spool.load_into(store, with_vocabularies=True, bulk=bulk,
                        extra_graphs=[*relation_graphs, *removed_graphs, MANIFEST_GRAPH])
    report.plans = list(spool.plans)
    report.replaced = [p.plan_id for p in spool.plans if str(plan_graph_iri(p.plan_id)) in present]
    report.added = [p.plan_id for p in spool.plans if p.plan_id not in report.replaced]


def _relations(store: Store, spool: _Spool, removed: Sequence[str]) -> list[str]:
    """The relations graphs (``kg/relations``) that the batch and the removals change, written into the spool
    (as :func:`kg.relations.graph.relations_for_batch`, with the removed plans left out of the sources)."""
    import pyoxigraph as ox

    from kg.relations.graph import Sources, affected_by, write_relations
    from kg.store import OxigraphStore, _bulk_load_nquads

    batch_ids = [p.plan_id for p in spool.plans]
    touched = [*batch_ids, *removed]
    before = affected_by(store, touched)
    spool._out.flush()

    class _Text:
        def writelines(self, lines: Iterable[str]) -> None:
            spool._write("".join(lines).encode("utf-8"))

    if not batch_ids:
        return write_relations(Sources(store, removed=removed), before, _Text())
    with tempfile.TemporaryDirectory(prefix="relations-scratch-", dir=spool.folder) as scratch_dir:
        path = Path(scratch_dir) / "store"
        db = ox.Store(str(path))
        _bulk_load_nquads(db, spool.path, lenient=True)
        del db
        with OxigraphStore(path) as scratch:
            sources = Sources(store, scratch, batch_ids, removed=removed)
            return write_relations(sources, before | affected_by(sources, touched), _Text())
