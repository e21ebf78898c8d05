"""The limits a query runs under: a time limit (queries run in reused daemon threads, abandoned past
it), a row cap and a byte cap on the answer."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from kg.errors import AirkgError, QueryTimeout, QueryTooLarge

_T = TypeVar("_T")


# --------------------------------------------------------------------------- timeouts


class _QueryThreads:
    """Daemon threads that run queries, each kept for the next query once it is done.

    Starting a thread per query costs ~0.3 ms of CPU and a wake-up; a thread that finished its
    query waits here for the next one instead (for ``idle_seconds``, then ends). A query that runs
    past its timeout keeps its thread, as a thread of its own would have been kept: a new one is
    started whenever no thread is free, so an abandoned query never delays another.
    """

    def __init__(self, idle_seconds: float = 60.0) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._free = 0
        self._idle_seconds = idle_seconds

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            start = self._free == 0
            if not start:
                self._free -= 1
        self._jobs.put(job)
        if start:
            threading.Thread(target=self._serve, name="airkg-query", daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._free > 0:  # no job was promised to this thread: leave
                        self._free -= 1
                        return
                continue  # a job is on its way (submit counted this thread as taken)
            job()
            del job
            with self._lock:
                self._free += 1


_QUERY_THREADS = _QueryThreads()


def _run_with_timeout(work: Callable[[float | None], _T], timeout: float | None) -> _T:
    """Run ``work(deadline)``; past ``timeout`` seconds raise QueryTimeout.

    pyoxigraph cannot cancel a query, but it releases the GIL while evaluating, so the
    query runs in a daemon thread (:class:`_QueryThreads`) that is abandoned on timeout (it
    stops at the next row it yields, since ``work`` checks the deadline, or when the engine
    finishes).
    """
    if timeout is None:
        return work(None)
    deadline = time.monotonic() + timeout
    box: dict[str, Any] = {}
    done = threading.Event()

    def job() -> None:
        try:
            box["value"] = work(deadline)
        except AirkgError as exc:
            # Dropped here, not in the caller's thread: the traceback's frames hold pyoxigraph
            # results, which may only be freed by the thread that made them.
            box["error"] = exc.with_traceback(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    _QUERY_THREADS.submit(job)
    if not done.wait(timeout):
        raise QueryTimeout(f"query ran past {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _too_large(max_rows: int, what: str) -> str:
    return f"the result has more than {max_rows} {what}, the most this server returns; add a LIMIT"


def _capped(items: Iterable[_T], max_rows: int | None) -> Iterator[_T]:
    """The items, raising QueryTooLarge past ``max_rows`` of them."""
    for count, item in enumerate(items):
        if max_rows is not None and count >= max_rows:
            raise QueryTooLarge(_too_large(max_rows, "triples"))
        yield item


def _too_many_bytes(max_bytes: int) -> str:
    return (f"the result is larger than {max_bytes:,} bytes, the most this server returns; select fewer or "
            "shorter values, or add a LIMIT")


def _term_size(term: Any) -> int:
    """About what a term of a result weighs once serialized (its value, plus room for syntax)."""
    if term is None:
        return 0
    value = getattr(term, "value", None)
    if not isinstance(value, str):
        return 16
    return 16 + (len(value) if value.isascii() else 3 * len(value))  # UTF-8: at most 3 bytes a BMP character


def _triple_size(triple: Any) -> int:
    return _term_size(triple.subject) + _term_size(triple.predicate) + _term_size(triple.object)


def _bytes_capped(items: Iterable[_T], max_bytes: int | None, size: Callable[[_T], int]) -> Iterator[_T]:
    """The items, raising QueryTooLarge once their ``size`` adds up to more than ``max_bytes``."""
    total = 0
    for item in items:
        if max_bytes is not None:
            total += size(item)
            if total > max_bytes:
                raise QueryTooLarge(_too_many_bytes(max_bytes))
        yield item


def _check_deadline(deadline: float | None, timeout: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout(f"query ran past {timeout:g} s")
