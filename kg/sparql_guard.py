"""The read-only guard every query passes before a store runs it: no update, no SERVICE, no remote FROM,
no function but SPARQL's own, and nothing too long or too deep to parse safely.

pyoxigraph runs ``SERVICE`` (even ``SERVICE SILENT``) as soon as ``Store.query`` is called, and
has no switch to stop it; rdflib fetches ``SERVICE`` and ``FROM`` IRIs over HTTP; a remote
endpoint may do either, and Virtuoso also fetches (``bif:http_get``) or writes (``bif:exec``) through
its own functions. So a query is parsed *before* it runs, by rdflib's SPARQL 1.1 parser
(which, as the spec asks, expands ``\\u`` escapes first, so ``SERVI\\u0043E`` is seen for what it
is), and its parse tree is walked:

* text that parses as an update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY)
  and not as a query is refused;
* any ``SERVICE`` pattern, at any depth (sub-queries, EXISTS, OPTIONAL ...), is refused;
* ``FROM`` / ``FROM NAMED`` may only name the store's own graphs (IRIs under its graph prefix); a
  query naming them runs over exactly those graphs (on both backends: Virtuoso does so, and the
  embedded store is then not given the union of all graphs); FROM with a GRAPH pattern but no FROM
  NAMED is refused, as the backends disagree on it (no named graph, per SPARQL; every graph, on Virtuoso);
* a function may be called only when it is a SPARQL 1.1 built-in (``STRLEN``, ``REGEX`` ...) or
  an XSD cast (``xsd:integer(?x)`` ...): any other function IRI (Virtuoso's ``bif:http_get``,
  ``sql:…``, ``<http://www.openlinksw.com/…>``, any prefix, wherever the call is: FILTER, BIND,
  SELECT expressions, ORDER BY, GROUP BY, HAVING, sub-queries, EXISTS) is refused (an allow-list);
  so is any IRI at all in Virtuoso's ``bif:`` / ``sql:`` schemes or OpenLink's namespace;
* a prefixed name whose prefix is neither declared nor implicit is reported by name.

Text rdflib cannot parse is refused as malformed: the guard fails closed, so a query written
in an engine's extension of SPARQL 1.1 is refused too.

Before anything parses it, :func:`check_bounds` reads the raw text once, without recursion: its
length, how deeply ``{ ( [`` nest and how many operator characters it holds (outside strings, IRIs
and comments) are bounded, since both rdflib's parser (RecursionError) and pyoxigraph's (a stack
overflow: SIGSEGV, at ~10,000 ``!`` or ``+1``) recurse on them. A RecursionError of the parser
(a group of thousands of patterns) is reported as :class:`~kg.errors.QueryTooComplex` (400), never
raised.

>>> check_read_only("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
Verdict(dataset=False)
>>> check_read_only("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.ForbiddenQuery: SERVICE <http://example.org/sparql> is not allowed: this server never fetches remote data
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from kg.errors import ForbiddenQuery, QuerySyntaxError, QueryTextTooLong, QueryTooComplex


class PreciseSyntaxError(QuerySyntaxError):
    """A mistake the guard can name exactly (an undeclared prefix): its message beats the engine's."""


#: The graphs a FROM clause may name unless the caller says otherwise.
LOCAL_GRAPHS = "https://airkg.example.org/id/graph/"

#: Most characters of any query text (the API's own queries carry pages of IRIs in VALUES blocks).
MAX_QUERY_LENGTH = 1_000_000
#: Most characters of a query a user sends (``/sparql``, ``airkg sparql``).
MAX_USER_QUERY_LENGTH = 100_000
#: Deepest nesting of ``{``, ``(`` and ``[`` outside strings, IRIs and comments.
MAX_NESTING = 64
#: Most operator characters (``! & | = < > + - * / ^``) outside strings, IRIs and comments: pyoxigraph's
#: parser recurses once per operator of a chain (``1+1+1…``, ``!!!…``) and overflows its stack near 10,000.
MAX_OPERATORS = 2_000

XSD = "http://www.w3.org/2001/XMLSchema#"
#: The only function IRIs a query may call: the XSD constructor casts of SPARQL 1.1 (section 17.5)
#: and the date, time and duration types pyoxigraph also casts to. Every other call must be a built-in.
ALLOWED_FUNCTIONS = frozenset(XSD + name for name in (
    "boolean", "double", "float", "decimal", "integer", "string", "dateTime",
    "date", "time", "duration", "yearMonthDuration", "dayTimeDuration",
))
#: IRIs no query may hold anywhere: Virtuoso's built-in (``bif:``) and SQL (``sql:``) function
#: names, and OpenLink's own namespace, through which Virtuoso also names them.
_VENDOR_IRI = re.compile(r"(?:bif|sql):|https?://(?:www\.)?openlinksw\.com/", re.IGNORECASE)

#: The raw text for :func:`check_bounds`: strings, IRIs and comments as single tokens (skipped), then
#: brackets and runs of operator characters. One left-to-right pass, no recursion.
_BOUNDS_TOKEN = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"
    r'|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*"
    r"|(?P<open>[{(\[])|(?P<close>[})\]])|(?P<ops>[!&|=<>+\-*/^]+)",
    re.DOTALL,
)


@dataclass(frozen=True)
class Verdict:
    """What the guard learnt of a query it let through.

    Attributes:
        dataset: The query names its dataset (``FROM`` or ``FROM NAMED``): it must run over exactly
            those graphs, not over the union of all graphs.
    """

    dataset: bool = False


def check_bounds(sparql: str, max_length: int = MAX_QUERY_LENGTH) -> None:
    """Refuse a text too long, too deeply nested or with too many operators, before any parser sees it.

    >>> check_bounds("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000)
    Traceback (most recent call last):
    ...
    kg.errors.QueryTooComplex: the query nests { ( [ more than 64 deep (at character 79); write it flatter

    Raises:
        QueryTextTooLong: More than ``max_length`` characters (413).
        QueryTooComplex: Nested deeper than :data:`MAX_NESTING`, or more than :data:`MAX_OPERATORS`
            operator characters (400).
    """
    if len(sparql) > max_length:
        raise QueryTextTooLong(f"the query is {len(sparql)} characters long; at most {max_length} are accepted")
    text = sparql
    if "\\" in sparql:
        try:
            text = expandUnicodeEscapes(sparql)
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from None
    depth = operators = 0
    for match in _BOUNDS_TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryTooComplex(f"the query nests {{ ( [ more than {MAX_NESTING} deep (at character "
                                      f"{match.start()}); write it flatter")
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "ops":
            operators += len(match.group())
            if operators > MAX_OPERATORS:
                raise QueryTooComplex(f"the query holds more than {MAX_OPERATORS} operators (! && || = < > + - * / ^, "
                                      f"at character {match.start()}); write it shorter")


def check_read_only(
    sparql: str,
    prefixes: tuple[tuple[str, str], ...] = (),
    local_graphs: str = LOCAL_GRAPHS,
) -> Verdict:
    """Refuse anything but a read-only query over the store's own graphs that calls only allowed functions.

    Args:
        sparql: The query text, as the user sent it.
        prefixes: ``(prefix, namespace)`` pairs the query may use undeclared.
        local_graphs: FROM and FROM NAMED IRIs must start with this.

    Returns:
        What the guard learnt of the query (whether it names its dataset).

    Raises:
        ForbiddenQuery: An update, a SERVICE pattern, a FROM naming a graph elsewhere, a call of a
            function that is neither a SPARQL 1.1 built-in nor an XSD cast, or a Virtuoso ``bif:``
            / ``sql:`` name.
        QuerySyntaxError: Not a SPARQL 1.1 query (rdflib's message, with line and column);
            :class:`~kg.errors.QueryTooComplex` when nested too deeply or too big for the parser.
        QueryTextTooLong: Longer than :data:`MAX_QUERY_LENGTH`.
    """
    check_bounds(sparql)
    return _check(sparql, prefixes, local_graphs)


_TOO_COMPLEX = ("the query is too deeply nested, or holds too many patterns in one group, for the SPARQL parser; "
                "write it flatter or split it")


@lru_cache(maxsize=512)
def _check(sparql: str, prefixes: tuple[tuple[str, str], ...], local_graphs: str) -> Verdict:
    try:
        return _check_parsed(sparql, prefixes, local_graphs)
    except RecursionError:
        raise QueryTooComplex(_TOO_COMPLEX) from None


def _check_parsed(sparql: str, prefixes: tuple[tuple[str, str], ...], local_graphs: str) -> Verdict:
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
    except ValueError as error:  # an escape naming no code point
        raise QuerySyntaxError(str(error)) from None
    for node in _nodes(parsed):
        if node.name == "ServiceGraphPattern":
            raise ForbiddenQuery(f"SERVICE {_n3(node['term'])} is not allowed: this server never fetches remote data")
    prologue = translatePrologue(parsed[0], None, dict(prefixes))
    dataset = graph_pattern = False
    named = 0
    for node in _nodes(parsed):
        if node.name == "Function":
            _check_function(node, prologue)
        elif node.name == "GraphGraphPattern":
            graph_pattern = True
        elif node.name == "DatasetClause":
            _check_dataset(node, prologue, local_graphs)
            dataset = True
            named += "named" in node
        elif node.name == "pname":
            if not _declared(prologue, node):
                raise PreciseSyntaxError(f"the prefix {_field(node, 'prefix') or ''}: of {_n3(node)} is not declared "
                                         "(add a PREFIX line)")
            _check_iri(str(prologue.absolutize(node)))
    for iri in _iris(parsed):
        _check_iri(str(iri))
    if dataset and graph_pattern and not named:
        # SPARQL 1.1 gives such a query no named graph at all (pyoxigraph does so); Virtuoso gives it every
        # graph. Rather than answer differently on the two backends, ask for the graphs to be named.
        raise PreciseSyntaxError("a query with FROM and a GRAPH pattern must name the graphs GRAPH may match with "
                                 "FROM NAMED (without it, SPARQL gives GRAPH no graph at all)")
    return Verdict(dataset=dataset)


def _is_update(sparql: str) -> bool:
    """True if the text is an update with at least one operation (a bare prologue is not)."""
    try:
        update = parseUpdate(sparql)
    except (ParseBaseException, ValueError):
        return False
    return bool(_field(update, "request"))


def _check_function(node: CompValue, prologue: Any) -> None:
    """Refuse a call of anything but an XSD cast (built-ins are parsed as ``Builtin_…``, never ``Function``)."""
    raw = node["iri"]
    if isinstance(raw, CompValue) and not _declared(prologue, raw):
        name = _n3(raw)
    else:
        iri = str(prologue.absolutize(raw))
        if iri in ALLOWED_FUNCTIONS:
            return
        name = f"<{iri}>"
    raise ForbiddenQuery(f"the function {name} is not allowed: only SPARQL 1.1 built-ins and XSD casts "
                         "(xsd:integer(…), xsd:string(…) …) may be called")


def _check_iri(iri: str) -> None:
    if _VENDOR_IRI.match(iri):
        raise ForbiddenQuery(f"<{iri}> is not allowed: Virtuoso's bif: and sql: names (and OpenLink's) are "
                             "never passed on")


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


def _iris(value: Any) -> Iterator[URIRef]:
    """Every IRI written whole (``<…>``, after BASE) in a parse tree."""
    if isinstance(value, URIRef):
        yield value
    elif isinstance(value, CompValue):
        for item in value.values():
            yield from _iris(item)
    elif isinstance(value, (list, tuple)) or type(value).__name__ == "ParseResults":
        for item in value:
            yield from _iris(item)


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
