"""What every read shares: entity IRIs, the store call, and turning rdflib terms into plain values."""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from rdflib import Literal, URIRef
from rdflib.term import Node

from api.models import Ref
from kg.errors import NotFound
from kg.store import Store, is_iri, sparql_term

RES = "https://airkg.example.org/id/"
AIRKG = "https://airkg.example.org/ontology#"
#: Seconds any read of the API may take (the user's own SPARQL has Settings.query_timeout).
READ_TIMEOUT = 30.0

Row = Mapping[str, Node | None]
_T = TypeVar("_T")


def entity_iri(kind: str, key: str) -> URIRef:
    """``res:{kind}/{key}``, e.g. ``entity_iri("agency", "76edf130b6dd")``.

    Raises:
        NotFound: ``key`` cannot be part of an IRI (``%zz``, a control or private-use character), so it
            names nothing in the graph: a 404, like any other key that names nothing.
    """
    iri = f"{RES}{kind}/{key}"
    if not is_iri(iri):
        raise NotFound(f"no {kind} {key!r} in the graph")
    return URIRef(iri)


def local_id(iri: Node | None, kind: str) -> str:
    """The part of ``iri`` after ``res:{kind}/``."""
    text = str(iri or "")
    prefix = f"{RES}{kind}/"
    return text[len(prefix):] if text.startswith(prefix) else text


def select(store: Store, sparql: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
    return store.query(sparql, bindings=dict(bindings or {}), timeout=READ_TIMEOUT).rows


#: Results kept per store at most (the least recently used goes first).
MAX_REUSED = 32
_REUSED: weakref.WeakKeyDictionary[Store, tuple[int, OrderedDict[str, object]]] = weakref.WeakKeyDictionary()
_REUSED_LOCK = threading.Lock()


def reused(store: Store, key: str, read: Callable[[], _T]) -> _T:
    """``read()``, or what it gave last time for ``key`` if the store has not been written to since
    (:attr:`~kg.store.Store.generation`): for reads over the whole store (every plan, every agency's
    count, the measures a filter matches) that pages then cut, which take seconds at 10,000 plans.
    At most :data:`MAX_REUSED` results are kept per store."""
    generation = store.generation
    if generation is None:
        return read()
    with _REUSED_LOCK:
        held = _REUSED.get(store)
        if held is None or held[0] != generation:
            held = _REUSED[store] = (generation, OrderedDict())
        if key in held[1]:
            held[1].move_to_end(key)
            return held[1][key]  # type: ignore[return-value]
    value = read()
    with _REUSED_LOCK:
        held[1][key] = value  # under the generation read before: a write since makes it unused
        while len(held[1]) > MAX_REUSED:
            held[1].popitem(last=False)
    return value


def is_reused(store: Store, key: str) -> bool:
    """Whether :func:`reused` holds ``key`` for the store as it is now (nothing is read)."""
    generation = store.generation
    with _REUSED_LOCK:
        held = _REUSED.get(store)
        return generation is not None and held is not None and held[0] == generation and key in held[1]


def values_block(var: str, iris: Iterable[URIRef]) -> str:
    """``VALUES ?var { <a> <b> }`` for IRIs read from the store (each validated by ``sparql_term``)."""
    return f"VALUES ?{var} {{ {' '.join(sparql_term(iri) for iri in iris)} }}"


def text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def integer(term: Node | None) -> int:
    return int(str(term)) if term is not None else 0


def boolean(term: Node | None) -> bool:
    return str(term).lower() in ("true", "1")


def date(term: Node | None) -> dt.date | None:
    if term is None:
        return None
    value = term.toPython() if isinstance(term, Literal) else None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(term)[:10])
    except ValueError:
        return None


def ref(iri: Node | None, kind: str, label: Node | None = None) -> Ref | None:
    if iri is None:
        return None
    return Ref(id=local_id(iri, kind), iri=str(iri), label=text(label))


def deadline_id(iri: str) -> str:
    """``res:plan/{plan}/measure/{path}/deadline/{n}`` -> ``{plan}:{path}:{n}``."""
    rest = local_id(iri, "plan")
    plan, _, tail = rest.partition("/measure/")
    path, _, number = tail.rpartition("/deadline/")
    return f"{plan}:{path}:{number}"


def deadline_iri(key: str) -> URIRef:
    """``{plan}:{path}:{n}`` -> the deadline's IRI (the plan id holds no colon, the path none either)."""
    plan, _, rest = key.partition(":")
    path, _, number = rest.rpartition(":")
    return URIRef(f"{RES}plan/{plan}/measure/{path}/deadline/{number}")
