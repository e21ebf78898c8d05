"""The embedded store's journaled bulk load: pyoxigraph's bulk loader (no transaction) made all or
nothing by a journal in the store's folder (a RocksDB checkpoint), undone on failure and rolled back by
the next writer after a crash. :class:`~kg.store.oxigraph.OxigraphStore` takes these methods from
:class:`_JournaledBulkLoad`."""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import tempfile
import threading
import traceback
from pathlib import Path

import pyoxigraph as ox

from kg.errors import AirkgError, InputError, StoreError
from kg.store.nquads import _bulk_load_nquads
from kg.store.reasons import _lock_holder, _open_error, _os_reason, _reason

log = logging.getLogger(__name__)


#: The folder, inside an embedded store's folder, that undoes a bulk load cut short (``_bulk_replace``).
BULK_JOURNAL = "airkg-bulk-load-journal"

#: Disk space a bulk load may take, per byte of N-Quads loaded (the seeds: 7.3 MB of N-Quads made the
#: store 6.5 MB larger; ``docs/ingest.md``), plus a margin. A load that needs more than this is still
#: undone without a trace (:meth:`_JournaledBulkLoad._bulk_replace`); this only spares a futile attempt.
SPACE_PER_NQUADS_BYTE = 1.5
SPACE_MARGIN = 16 * 1024 * 1024
_CHECKPOINT = "checkpoint"
_RESTORING = "restoring"
_DISCARD = "discard"


def _swap_in_checkpoint(folder: Path, journal: Path) -> None:
    """Make ``folder`` (a closed store) hold the files of the journal's checkpoint again, by renames only,
    so that it works on a full disk; safe to run again after a crash at any point: the store's files are
    first all moved aside (then ``restoring`` is made), then the checkpoint's moved in, then the journal
    (with the files set aside) deleted."""
    checkpoint, discard, restoring = journal / _CHECKPOINT, journal / _DISCARD, journal / _RESTORING
    if not restoring.exists():
        discard.mkdir(exist_ok=True)
        for entry in folder.iterdir():
            if not entry.name.startswith(BULK_JOURNAL):
                entry.rename(discard / entry.name)
        restoring.touch()
    if checkpoint.is_dir():
        for entry in checkpoint.iterdir():
            entry.rename(folder / entry.name)
    # Renamed first: a crash while deleting leaves no journal that could be replayed.
    old = journal.with_name(BULK_JOURNAL + ".old")
    shutil.rmtree(old, ignore_errors=True)
    journal.rename(old)
    shutil.rmtree(old, ignore_errors=True)


def _space_needed(nquads_bytes: int) -> int:
    return int(nquads_bytes * SPACE_PER_NQUADS_BYTE) + SPACE_MARGIN


class _JournaledBulkLoad:
    """The bulk-load methods of :class:`~kg.store.oxigraph.OxigraphStore` (which holds ``path``, ``_store``,
    ``_db``, ``_lock``, ``_writing`` and ``_holds_quads``)."""

    path: Path | None
    _store: ox.Store | None
    _lock: threading.Lock

    def _bulk_replace(self, source: str | os.PathLike[str], iris: list[str], *, lenient: bool = False) -> None:
        """Replace the graphs with pyoxigraph's bulk loader: 2-4x faster than one transaction and in
        bounded memory (``BENCHMARKS.md``, "Build").

        The bulk loader has no transaction, so a journal makes it all or nothing. For a store in a
        folder the journal holds a RocksDB checkpoint of the store as it was (``Store.backup``: hard
        links to its immutable files, so it takes no space and no time to speak of); the graphs are
        dropped, the file is loaded and the journal deleted. If loading fails (a syntax error, a quad
        outside ``graphs``, a full disk, Ctrl-C or any other error) the store's files are swapped for
        the checkpoint's (renames: this needs no free space, so it works on a full disk) and the
        failed ones deleted; after a crash, the next writable open does the same
        (:meth:`_roll_back_interrupted_bulk_load`). Before anything is written, the free space is
        checked against what the load needs (:func:`_space_needed`). An in-memory store's journal
        is a copy of the replaced graphs, loaded back on failure.
        """
        names = [ox.NamedNode(iri) for iri in iris]
        with self._lock, tempfile.TemporaryDirectory(prefix="airkg-replace-") as scratch, self._writing():
            before = {name.value for name in self._db.named_graphs() if isinstance(name, ox.NamedNode)}
            self._check_space(source)
            try:
                journal = self._write_journal(iris, before, Path(scratch))
            except OSError as exc:
                raise StoreError(f"writing the bulk load's journal in {self.path or scratch} failed "
                                 f"({_os_reason(exc)}); nothing was changed") from None
            try:
                existing = [name for name in names if name.value in before]
                if existing:
                    self._db.update(" ;\n".join(f"DROP SILENT GRAPH <{name.value}>" for name in existing))
                _bulk_load_nquads(self._db, source, lenient=lenient)
                self._check_bulk_loaded(set(iris), before)
                self._db.flush()
            except BaseException as exc:  # whatever it was (MemoryError, Ctrl-C, SIGTERM), the load is undone
                traceback.clear_frames(exc.__traceback__)  # their locals hold the store open
                try:
                    self._undo(names, before, journal)
                except Exception as undo:  # noqa: BLE001
                    log.error("undoing the bulk load into %s failed: %r (after %r)", self.path, undo, exc)
                    raise StoreError(
                        f"loading into {self.path or 'the store'} failed ({_reason(exc)}) and putting it back failed "
                        f"too ({_reason(undo)}); it is rolled back from its journal when next opened for writing"
                    ) from None
                shutil.rmtree(journal, ignore_errors=True)
                if isinstance(exc, AirkgError) or not isinstance(exc, Exception):
                    raise
                if isinstance(exc, SyntaxError):
                    raise InputError(f"{source} could not be read as N-Quads: {exc}") from None
                raise StoreError(f"loading into {self.path or 'the store'} failed ({_reason(exc)}); "
                                 "nothing was changed") from None
            shutil.rmtree(journal, ignore_errors=True)

    def _check_space(self, source: str | os.PathLike[str]) -> None:
        """Refuse a load the store's disk has not room for (see :func:`_space_needed`); nothing is written."""
        if self.path is None:
            return
        try:
            free = shutil.disk_usage(self.path).free
            needed = _space_needed(os.path.getsize(source))
        except OSError:
            return
        if free < needed:
            raise StoreError(f"not enough disk space for the load in {self.path}: about {needed / 1_048_576:.0f} MB "
                             f"needed, {free / 1_048_576:.0f} MB free; nothing was changed")

    def _write_journal(self, iris: list[str], before: set[str], scratch: Path) -> Path:
        """What a bulk load needs to be undone: the graphs it replaces, those there before, and a
        checkpoint of the store (for an in-memory store, a copy of the replaced graphs). Kept in the
        store's folder (made complete, then renamed into place, so a journal is never half-written);
        in ``scratch`` for an in-memory store."""
        final = (self.path / BULK_JOURNAL) if self.path else scratch / BULK_JOURNAL
        building = final.with_name(final.name + ".new")
        shutil.rmtree(building, ignore_errors=True)
        try:
            building.mkdir()
            if self.path is not None:
                self._db.flush()
                self._db.backup(str(building / _CHECKPOINT))  # hard links to the store's files
            else:
                self._copy_graphs([ox.NamedNode(iri) for iri in iris if iri in before], building / "before.nq")
            (building / "graphs.json").write_text(json.dumps({"replaced": iris, "before": sorted(before)}))
            building.rename(final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return final

    def _undo(self, names: list[ox.NamedNode], before: set[str], journal: Path) -> None:
        """Put the store back as the journal has it, at once (the load failed in this process)."""
        if (journal / _CHECKPOINT).is_dir():
            self._reopen_from_checkpoint(journal)
            return
        self._undo_bulk_load(names, before, journal / "before.nq")
        self._db.flush()

    def _reopen_from_checkpoint(self, journal: Path) -> None:
        """Close the store, swap its files for the checkpoint's, open it again."""
        assert self.path is not None
        self._store = None
        gc.collect()  # pyoxigraph closes RocksDB (and lets go of its lock) with the last reference
        if _lock_holder(self.path / "LOCK") == os.getpid():  # something still holds it: never swap under it
            raise StoreError(f"{self.path} is still open in this process; it is rolled back from its journal "
                             "when next opened for writing")
        _swap_in_checkpoint(self.path, journal)
        try:
            self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(_open_error(self.path, exc)) from None

    def _claim(self) -> None:
        """Sweep what a restore cut short left behind, once this process holds the store."""
        if self.path is not None:
            shutil.rmtree(self.path / (BULK_JOURNAL + ".old"), ignore_errors=True)

    def _roll_back_interrupted_bulk_load(self) -> None:
        """Put the store back as it was before a bulk load that a crash cut short (its journal is there)."""
        journal = self.path / BULK_JOURNAL if self.path else None
        if journal is None:
            return
        shutil.rmtree(journal.with_name(journal.name + ".new"), ignore_errors=True)  # crashed before loading
        if not journal.is_dir():
            return
        try:
            graphs = json.loads((journal / "graphs.json").read_text())
            log.warning("%s: rolling back a bulk load that was interrupted (%d graphs)", self.path,
                        len(graphs["replaced"]))
            if (journal / _CHECKPOINT).is_dir() or (journal / _RESTORING).exists():
                self._reopen_from_checkpoint(journal)
                return
            self._undo_bulk_load([ox.NamedNode(iri) for iri in graphs["replaced"]], set(graphs["before"]),
                                 journal / "before.nq")
            self._db.flush()
            shutil.rmtree(journal)
        except Exception as exc:  # noqa: BLE001 - a full disk, a damaged journal: one line, the journal kept
            self._store = None
            raise StoreError(f"{self.path} holds a bulk load that was interrupted, and rolling it back failed "
                             f"({_reason(exc)}); fix that and open it for writing again") from None

    def _copy_graphs(self, names: list[ox.NamedNode], target: Path) -> None:
        with target.open("wb") as out:
            for name in names:
                ox.serialize(self._db.quads_for_pattern(None, None, None, name), out, format=ox.RdfFormat.N_QUADS)

    def _check_bulk_loaded(self, wanted: set[str], before: set[str]) -> None:
        """Refuse quads the bulk load put outside ``wanted`` (in the default graph or another graph)."""
        stray = [name for name in self._db.named_graphs()
                 if not (isinstance(name, ox.NamedNode) and (name.value in wanted or name.value in before))]
        if stray or self._holds_quads(ox.DefaultGraph()):
            raise InputError(f"the N-Quads hold quads outside the graphs to replace ({', '.join(map(str, stray[:3])) or 'the default graph'})")

    def _undo_bulk_load(self, names: list[ox.NamedNode], before: set[str], backup: Path) -> None:
        for name in [*names, *(n for n in self._db.named_graphs() if not (isinstance(n, ox.NamedNode) and n.value in before))]:
            self._db.remove_graph(name)
        self._db.clear_graph(ox.DefaultGraph())
        if backup.exists() and backup.stat().st_size:
            _bulk_load_nquads(self._db, backup)
