"""What the API reads over the whole store is reused until the store is written, and only then."""

from __future__ import annotations

import pytest

from api.reads import common
from api.reads.common import reused


class FakeStore:
    """All ``reused`` looks at: the write count."""

    def __init__(self, generation: int | None) -> None:
        self.generation = generation


def counting_reader() -> tuple[list[str], object]:
    calls: list[str] = []

    def read() -> int:
        calls.append("read")
        return len(calls)
    return calls, read


def test_reused_until_the_store_is_written() -> None:
    store = FakeStore(0)
    calls, read = counting_reader()
    assert [reused(store, "k", read) for _ in range(3)] == [1, 1, 1]
    store.generation = 1
    assert reused(store, "k", read) == 2 and len(calls) == 2


def test_nothing_is_reused_when_the_store_keeps_no_count() -> None:
    store = FakeStore(None)
    calls, read = counting_reader()
    assert [reused(store, "k", read) for _ in range(3)] == [1, 2, 3]


def test_stores_and_keys_are_apart() -> None:
    one, other = FakeStore(0), FakeStore(0)
    assert reused(one, "k", lambda: "one") == "one"
    assert reused(other, "k", lambda: "other") == "other"
    assert reused(one, "j", lambda: "j") == "j" and reused(one, "k", lambda: "again") == "one"


def test_the_least_recently_used_goes_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "MAX_REUSED", 2)
    store = FakeStore(0)
    reused(store, "a", lambda: "a1")
    reused(store, "b", lambda: "b1")
    assert reused(store, "a", lambda: "a2") == "a1"  # a is now the most recent
    reused(store, "c", lambda: "c1")  # b, the least recent, goes
    assert reused(store, "a", lambda: "a3") == "a1" and reused(store, "b", lambda: "b2") == "b2"
