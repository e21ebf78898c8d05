"""A batch of plans on its way to the store (:class:`_Spool`): their N-Quads in a file, loaded in one
replacement with the relations the batch changes, the region and vocabulary graphs, and the agency and person
descriptions (``kg/shared_descriptions.py``)."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kg.errors import DocumentError, StoreError
from kg.extract.assembly import PlanOverrides
from kg.loading.extraction import PlanQuads, Progress, _check_unique_plan_ids, _raise_for, extract_files_nquads
from kg.rdf_building import (
    REGIONS_GRAPH,
    VOCABULARY_GRAPH,
    build_vocabulary_graph,
    plan_graph_iri,
    regions_nquads,
)
from kg.shared_descriptions import orphaned_descriptions
from kg.store import Store


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
