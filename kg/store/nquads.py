"""N-Quads files: read per graph, and loaded or parsed whole even when a line is longer than pyoxigraph's
16 MiB read buffer (a plan's full text over ~16 MB)."""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import InputError
from kg.store.terms import _FromOx, _graph_of

def _quads_by_graph(source: str | os.PathLike[str], graphs: Collection[str]) -> dict[str, list[ox.Quad]]:
    """The quads of an N-Quads file per graph, every graph of ``graphs`` a key (empty if absent).

    Raises:
        InputError: The file does not parse, or holds a quad outside ``graphs``.
    """
    found: dict[str, list[ox.Quad]] = {iri: [] for iri in graphs}
    try:
        for quad in _parse_nquads(source):
            name = quad.graph_name
            quads = found.get(name.value) if isinstance(name, ox.NamedNode) else None
            if quads is None:
                raise InputError(f"{source} holds a quad outside the graphs to replace: {quad}")
            quads.append(quad)
    except (SyntaxError, OSError, MemoryError) as exc:
        raise InputError(f"{source} could not be read as N-Quads: {exc}") from exc
    return found


def _graphs_of_nquads(source: str | os.PathLike[str], graphs: Collection[str]) -> dict[str, Graph]:
    convert = _FromOx()
    return {iri: _graph_of((quad.triple for quad in quads), convert)
            for iri, quads in _quads_by_graph(source, graphs).items()}


# --------------------------------------------------------------------------- N-Quads files with long lines

#: pyoxigraph reads a file (or a stream) through a buffer of at most 16 MiB, so an N-Quads line longer than
#: that (a plan's full text over ~16 MB, ``docs/ingest.md``) cannot be parsed from one; from bytes in memory
#: its bulk loader takes any length. Lines from this length on are set aside and loaded one by one.
LONG_LINE = 8 * 1024 * 1024
_SCAN_BLOCK = 64 * 1024 * 1024


def _has_long_line(source: str | os.PathLike[str]) -> bool:
    """Whether the file holds a line of :data:`LONG_LINE` bytes or more (one read, in blocks)."""
    if os.path.getsize(source) < LONG_LINE:
        return False
    with open(source, "rb") as file:
        tail = b""
        while block := file.read(_SCAN_BLOCK):
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            if len(tail) >= LONG_LINE or max(map(len, lines), default=0) >= LONG_LINE:
                return True
    return False


class _ShortLines(io.RawIOBase):
    """A file without its lines of :data:`LONG_LINE` bytes or more, whose offsets it records in :attr:`long`
    as it passes them (see :func:`_long_lines`)."""

    def __init__(self, source: str | os.PathLike[str]) -> None:
        super().__init__()
        self._file = open(source, "rb")  # noqa: SIM115 - closed by close()
        self._offset = 0  # of the first byte of _pending in the file
        self._pending = b""  # an incomplete line
        self._ready = bytearray()
        self._skipping = False
        self.long: list[int] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._ready:
            block = self._file.read(1024 * 1024)
            if not block:
                if self._pending and not self._skipping:
                    self._ready += self._pending
                self._pending = b""
                break
            self._take(block)
        size = min(len(buffer), len(self._ready))
        buffer[:size] = self._ready[:size]
        del self._ready[:size]
        return size

    def _take(self, block: bytes) -> None:
        if self._skipping:
            end = block.find(b"\n")
            if end < 0:
                self._offset += len(block)
                return
            self._skipping = False
            self._offset += end + 1
            block = block[end + 1:]
        data = self._pending + block
        end = data.rfind(b"\n")
        if end >= 0:
            lines, self._pending = data[:end + 1], data[end + 1:]
            if len(lines) >= LONG_LINE:  # a long line may be among them (else one block of lines is shorter)
                start = 0
                for line in lines.split(b"\n")[:-1]:
                    if len(line) + 1 >= LONG_LINE:
                        self.long.append(self._offset + start)
                    else:
                        self._ready += line + b"\n"
                    start += len(line) + 1
            else:
                self._ready += lines
            self._offset += end + 1
        else:
            self._pending = data
        if len(self._pending) >= LONG_LINE:
            self.long.append(self._offset)
            self._offset += len(self._pending)
            self._pending = b""
            self._skipping = True

    def close(self) -> None:
        self._file.close()
        super().close()


def _long_lines(source: str | os.PathLike[str], offsets: list[int]) -> Iterator[bytes]:
    """The lines that start at ``offsets`` in the file, one at a time."""
    with open(source, "rb") as file:
        for offset in offsets:
            file.seek(offset)
            yield file.readline()


def _bulk_load_nquads(db: ox.Store, source: str | os.PathLike[str], *, lenient: bool = False) -> None:
    """pyoxigraph's bulk load of an N-Quads file, whatever the length of its lines (:data:`LONG_LINE`).

    A long line's blank nodes are not shared with other lines (the bulk loader names them anew per call);
    airkg's long lines are literals of IRI subjects.
    """
    if not _has_long_line(source):
        db.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS, lenient=lenient)
        return
    short = _ShortLines(source)
    with short:
        db.bulk_load(input=io.BufferedReader(short, 1024 * 1024), format=ox.RdfFormat.N_QUADS, lenient=lenient)
    for line in _long_lines(source, short.long):
        db.bulk_load(input=line, format=ox.RdfFormat.N_QUADS, lenient=lenient)


def _parse_nquads(source: str | os.PathLike[str]) -> Iterator[ox.Quad]:
    """The quads of an N-Quads file, whatever the length of its lines (as :func:`_bulk_load_nquads`)."""
    if not _has_long_line(source):
        yield from ox.parse(path=source, format=ox.RdfFormat.N_QUADS)
        return
    short = _ShortLines(source)
    with short:
        yield from ox.parse(input=io.BufferedReader(short, 1024 * 1024), format=ox.RdfFormat.N_QUADS)
    for line in _long_lines(source, short.long):
        scratch = ox.Store()
        scratch.bulk_load(input=line, format=ox.RdfFormat.N_QUADS)
        yield from scratch.quads_for_pattern(None, None, None, None)
