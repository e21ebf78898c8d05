"""The read-only guard every query passes before a store runs it: no update, no SERVICE, no remote FROM.

pyoxigraph runs ``SERVICE`` (even ``SERVICE SILENT``) as soon as ``Store.query`` is called, and
has no switch to stop it; rdflib fetches ``SERVICE`` and ``FROM`` IRIs over HTTP; a remote
endpoint may do either. So a query is parsed *before* it runs, by rdflib's SPARQL 1.1 parser
(which, as the spec asks, expands ``\\u`` escapes first, so ``SERVI\\u0043E`` is seen for what it
is), and its parse tree is walked:

* text that parses as an update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY)
  and not as a query is refused;
* any ``SERVICE`` pattern, at any depth (sub-queries, EXISTS, OPTIONAL ...), is refused;
* ``FROM`` / ``FROM NAMED`` may only name the store's own graphs (IRIs under its graph prefix);
* a prefixed name whose prefix is neither declared nor implicit is reported by name.

Text rdflib cannot parse is refused as malformed: the guard fails closed, so a query written
in an engine's extension of SPARQL 1.1 is refused too.

>>> check_read_only("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
>>> check_read_only("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.ForbiddenQuery: SERVICE <http://example.org/sparql> is not allowed: this server never fetches remote data
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from kg.errors import ForbiddenQuery, QuerySyntaxError

class PreciseSyntaxError(QuerySyntaxError):
    """A mistake the guard can name exactly (an undeclared prefix): its message beats the engine's."""


#: The graphs a FROM clause may name unless the caller says otherwise.
LOCAL_GRAPHS = "https://airkg.example.org/id/graph/"


def check_read_only(
    sparql: str,
    prefixes: tuple[tuple[str, str], ...] = (),
    local_graphs: str = LOCAL_GRAPHS,
) -> None:
    """Refuse anything but a read-only query over the store's own graphs.

    Args:
        sparql: The query text, as the user sent it.
        prefixes: ``(prefix, namespace)`` pairs the query may use undeclared.
        local_graphs: FROM and FROM NAMED IRIs must start with this.

    Raises:
        ForbiddenQuery: An update, a SERVICE pattern, or a FROM naming a graph elsewhere.
        QuerySyntaxError: Not a SPARQL 1.1 query (rdflib's message, with line and column).
    """
    _check(sparql, prefixes, local_graphs)


@lru_cache(maxsize=512)
def _check(sparql: str, prefixes: tuple[tuple[str, str], ...], local_graphs: str) -> None:
    try:
        parsed = parseQuery(sparql)
    except ParseBaseException as error:
        if not sparql.strip():
            raise QuerySyntaxError("the query is empty") from None
        if _is_update(sparql):
            raise ForbiddenQuery(
                "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY) is not allowed: "
                "this endpoint is read-only"
            ) from None
        raise QuerySyntaxError(f"{error.msg} at line {error.lineno}, column {error.col}") from None
    for node in _nodes(parsed):
        if node.name == "ServiceGraphPattern":
            raise ForbiddenQuery(f"SERVICE {_n3(node['term'])} is not allowed: this server never fetches remote data")
    prologue = translatePrologue(parsed[0], None, dict(prefixes))
    for node in _nodes(parsed):
        if node.name == "DatasetClause":
            _check_dataset(node, prologue, local_graphs)
        elif node.name == "pname" and not _declared(prologue, node):
            raise PreciseSyntaxError(f"the prefix {_field(node, 'prefix') or ''}: of {_n3(node)} is not declared "
                                     "(add a PREFIX line)")


def _is_update(sparql: str) -> bool:
    """True if the text is an update with at least one operation (a bare prologue is not)."""
    try:
        update = parseUpdate(sparql)
    except ParseBaseException:
        return False
    return bool(_field(update, "request"))


def _field(node: CompValue, key: str) -> Any:
    """A field of a parse node, None when absent (``CompValue.get`` returns the key itself then)."""
    return dict.get(node, key)


def _declared(prologue: Any, pname: CompValue) -> bool:
    return prologue.namespace_manager.store.namespace(_field(pname, "prefix") or "") is not None


def _check_dataset(clause: CompValue, prologue: Any, local_graphs: str) -> None:
    keyword = "FROM NAMED" if "named" in clause else "FROM"
    raw = clause["named"] if "named" in clause else clause["default"]
    if isinstance(raw, CompValue) and not _declared(prologue, raw):
        raise PreciseSyntaxError(f"{keyword} {_n3(raw)}: the prefix {_field(raw, 'prefix') or ''}: is not declared")
    iri = str(prologue.absolutize(raw))
    if not iri.startswith(local_graphs):
        raise ForbiddenQuery(
            f"{keyword} <{iri}> is not allowed: only this store's graphs ({local_graphs}…) may be named; "
            "the server never fetches remote data"
        )


def _nodes(value: Any) -> Iterator[CompValue]:
    """Every CompValue in a parse tree, depth first."""
    if isinstance(value, CompValue):
        yield value
        for item in value.values():
            yield from _nodes(item)
    elif isinstance(value, (list, tuple)) or type(value).__name__ == "ParseResults":
        for item in value:
            yield from _nodes(item)


def _n3(term: Any) -> str:
    if isinstance(term, Variable):
        return term.n3()
    if isinstance(term, CompValue) and term.name == "pname":
        return f"{_field(term, 'prefix') or ''}:{_field(term, 'localname') or ''}"
    return f"<{term}>" if term is not None else "?"
