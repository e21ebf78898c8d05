"""An upload read and extracted in a child process with capped memory and time (:func:`extract_isolated`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kg.errors import DocumentError
from kg.extract.assembly import PlanOverrides
from kg.loading.documents import printable
from kg.loading.extraction import PlanQuads, plan_quads
from kg.regions import gazetteer
from kg.extract.reading import (
    READ_SECONDS,
    DocumentTooLarge,
    document_from_bytes,
)


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
        child = "from kg.loading.isolation import _extract_in_child; _extract_in_child()"
        return subprocess.Popen([sys.executable, "-c", child],
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
