"""The read-only guard's view of a query and the text actually run: a SPARQL tokenizer, the query's shape
(form, WHERE clause, declared prefixes, dataset), the refusals made before anything runs, bindings placed
as a ``VALUES`` block, and the prefixes every query may use undeclared (:data:`QUERY_PREFIXES`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, expandUnicodeEscapes_re
from rdflib.term import Node

from kg.errors import ForbiddenQuery, InputError, QuerySyntaxError
from kg.sparql_guard import Verdict, check_read_only
from kg.store.base import DEFAULT_GRAPH_PREFIX, Bindings, QueryKind
from kg.store.terms import _VAR_NAME, EXPORT_PREFIXES, sparql_term

#: Prefixes every query may use undeclared, on both backends (a query's own PREFIX wins).
QUERY_PREFIXES: dict[str, str] = {
    **EXPORT_PREFIXES,
    "res": "https://airkg.example.org/id/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": "http://www.w3.org/ns/shacl#",
}


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*")'
    r"|(?P<var>[?$]\w+)"
    r"|(?P<brace>[{}])"
    r"|(?P<word>[^\s{}()<>\"'#,;?$=!&|+*/\[\]^@]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_FORBIDDEN_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "SERVICE"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(sparql: str) -> list[_Token]:
    """The significant tokens of a query: comments, strings and IRIs are single tokens."""
    out = []
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append(_Token(kind, match.group(), match.start(), match.end()))
    return out


@dataclass(frozen=True)
class _QueryShape:
    """What the store needs to know of a query without parsing it properly."""

    kind: QueryKind
    form: int  # offset of the SELECT/ASK/CONSTRUCT/DESCRIBE keyword
    where: int | None  # offset just after the "{" opening the WHERE clause
    declared: frozenset[str]  # prefixes the query declares itself
    dataset: bool = False  # the query names its dataset (FROM / FROM NAMED): not run over the union


#: rdflib's SPARQL grammar (pyparsing) is not thread-safe: parsed from several threads at once while
#: its parse actions are new, it breaks for good (every later parse fails with "postParse2() missing
#: 1 required positional argument"), e.g. when a fresh server takes concurrent requests. So the
#: guard's parse (the only use of that grammar while serving) runs under this lock.
_GUARD_LOCK = threading.Lock()


@lru_cache(maxsize=1024)
def _shape(sparql: str) -> _QueryShape:
    """Find the query form and the WHERE clause; refuse updates and SERVICE.

    Memoized by text (a refused or malformed text raises again each time: exceptions are not
    cached), as the guard's parse is: the API sends the same few texts with other bindings.

    The parse-based guard (:func:`~kg.sparql_guard.check_read_only`) decides first; a scan of the
    tokens for update keywords and SERVICE is a second, independent check, and also what refuses
    text the guard cannot parse but which holds such a keyword (``SELECT … ; CLEAR ALL``).

    Raises:
        QuerySyntaxError: Not a query; no SELECT, ASK, CONSTRUCT or DESCRIBE where one must be.
        ForbiddenQuery: An update, SERVICE, or a FROM naming a graph elsewhere.
    """
    tokens = _tokens(sparql)
    try:
        verdict = _check_read_only(sparql, tokens)
    except ForbiddenQuery:
        raise
    except QuerySyntaxError:
        _refuse_keywords(tokens)
        raise
    _refuse_keywords(tokens)
    index = _form_index(tokens)
    kind: QueryKind = tokens[index].text.lower()  # type: ignore[assignment]
    declared = frozenset(
        tokens[i + 1].text.rstrip(":") for i in range(index) if tokens[i].text.upper() == "PREFIX"
    )
    return _QueryShape(kind, tokens[index].start, _where_offset(tokens, index), declared, verdict.dataset)


def _check_read_only(sparql: str, tokens: list[_Token]) -> Verdict:
    """:func:`~kg.sparql_guard.check_read_only`, parsing the text with its VALUES data cut short.

    rdflib's parse costs 5-60 ms, so the guard remembers its verdict by text; but the API's queries
    differ by the IRIs of a VALUES block (a page of measures), and would be parsed anew for every
    page. The guard's verdict does not depend on the rows of a block made only of IRIs, integers
    and UNDEF (no SERVICE, FROM, update or prefixed name can be there), so it is given the text with
    each such block cut to one row (:func:`_guard_text`): one parse per query shape. A syntax error
    is reported from the text as sent, so that its line and column are right.
    """
    prefixes = tuple(QUERY_PREFIXES.items())
    with _GUARD_LOCK:
        try:
            return check_read_only(_guard_text(sparql, tokens), prefixes, DEFAULT_GRAPH_PREFIX)
        except QuerySyntaxError:
            check_read_only(sparql, prefixes, DEFAULT_GRAPH_PREFIX)
            raise


_VALUE_WORD = re.compile(r"[0-9]+|UNDEF", re.IGNORECASE)
_PLACEHOLDER = "<urn:airkg:value>"


def _guard_text(sparql: str, tokens: list[_Token]) -> str:
    """``sparql`` with each ``VALUES`` block whose data is only IRIs (``<…>``), unsigned integers and
    ``UNDEF`` cut to one row of placeholders of its arity; unchanged if it holds a backslash.

    Without a backslash there is no ``\\u`` escape, so the tokens seen here (strings, comments and
    IRIs whole) are the ones every SPARQL parser sees, and what is replaced is data and nothing else.
    """
    if "\\" in sparql:
        return sparql
    out: list[str] = []
    last = i = 0
    while i < len(tokens):
        if not (tokens[i].kind == "word" and tokens[i].text.upper() == "VALUES"):
            i += 1
            continue
        j, arity, listed = i + 1, 0, False
        if j < len(tokens) and tokens[j].kind == "var":
            arity, j = 1, j + 1
        elif j < len(tokens) and tokens[j].text == "(":
            listed, j = True, j + 1
            while j < len(tokens) and tokens[j].kind == "var":
                arity, j = arity + 1, j + 1
            if j >= len(tokens) or tokens[j].text != ")":
                i += 1
                continue
            j += 1
        if j >= len(tokens) or tokens[j].text != "{" or (arity == 0 and not listed):
            i += 1
            continue
        opening = j
        j += 1
        while j < len(tokens) and (tokens[j].kind == "iri" or tokens[j].text in ("(", ")") or (
                tokens[j].kind == "word" and _VALUE_WORD.fullmatch(tokens[j].text))):
            j += 1
        if j >= len(tokens) or tokens[j].text != "}":
            i += 1
            continue
        row = " ".join([_PLACEHOLDER] * arity)
        out += [sparql[last:tokens[opening].start], f"{{ ({row}) }}" if listed else f"{{ {row} }}"]
        last, i = tokens[j].end, j + 1
    return "".join(out) + sparql[last:]


def _refuse_keywords(tokens: list[_Token]) -> None:
    for token in tokens:
        if token.kind == "word" and token.text.upper() in _FORBIDDEN_WORDS:
            raise ForbiddenQuery(f"{token.text.upper()} is not allowed: queries are read-only and never fetch remote data")
        if token.kind in ("word", "iri") and _VENDOR_NAME.match(token.text):
            raise ForbiddenQuery(f"{token.text} is not allowed: Virtuoso's bif: and sql: names (and OpenLink's) "
                                 "are never passed on")


#: Virtuoso's function namespaces as a token spells them (a second check besides the guard's parse).
_VENDOR_NAME = re.compile(r"<?(?:bif|sql):|<https?://(?:www\.)?openlinksw\.com/", re.IGNORECASE)


def _expanded(sparql: str) -> str:
    """The text with its ``\\u`` / ``\\U`` escapes expanded exactly as the guard's parser (rdflib) expands
    them, sent so to an endpoint, so that it runs what the guard read whatever its own handling of escapes.

    Raises:
        QuerySyntaxError: An escape that names no character, or one that expands into another escape.
    """
    if "\\" not in sparql or not expandUnicodeEscapes_re.search(sparql):
        return sparql
    try:
        text = expandUnicodeEscapes(sparql)
    except ValueError:
        raise QuerySyntaxError("the query holds a \\u escape that names no character") from None
    if expandUnicodeEscapes_re.search(text):
        raise QuerySyntaxError("the query holds a \\u escape that writes another escape; write the character itself")
    return text


def _form_index(tokens: list[_Token]) -> int:
    """Index of the query-form keyword, after the prologue (BASE, PREFIX, Virtuoso's DEFINE)."""
    i = 0
    while i < len(tokens):
        word = tokens[i].text.upper() if tokens[i].kind == "word" else ""
        if word in _QUERY_FORMS:
            return i
        if word == "BASE":
            i += 2
        elif word in ("PREFIX", "DEFINE"):
            i += 3
        else:
            found = tokens[i].text[:40]
            raise QuerySyntaxError(f"expected a SELECT, ASK, CONSTRUCT or DESCRIBE query, found {found!r}")
    raise QuerySyntaxError("expected a SELECT, ASK, CONSTRUCT or DESCRIBE query, found nothing")


def _where_offset(tokens: list[_Token], form: int) -> int | None:
    """Offset just after the brace that opens the WHERE group, None if there is none."""
    i = form + 1
    is_construct = tokens[form].text.upper() == "CONSTRUCT"
    if is_construct and not (i < len(tokens) and tokens[i].text.upper() == "WHERE"):
        i = _skip_group(tokens, i)  # the template
    for token in tokens[i:]:
        if token.text == "{":
            return token.end
    return None


def _skip_group(tokens: list[_Token], i: int) -> int:
    """Index after the brace group starting at or after ``i``."""
    depth = 0
    while i < len(tokens):
        if tokens[i].text == "{":
            depth += 1
        elif tokens[i].text == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _check_bindings(bindings: Bindings | None, shape: _QueryShape) -> dict[str, Node]:
    """Bindings keyed by bare variable name, each an IRI or literal.

    Raises:
        InputError: A bad variable name or value, or nowhere to put the bindings.
    """
    out: dict[str, Node] = {}
    for key, value in (bindings or {}).items():
        name = str(key).lstrip("?$")
        if not _VAR_NAME.fullmatch(name):
            raise InputError(f"not a SPARQL variable name: {key!r}")
        if not isinstance(value, (URIRef, Literal)):
            raise InputError(f"binding for ?{name} must be an IRI or a literal, not {value!r}")
        out[name] = value
    if out and shape.where is None:
        raise InputError("bindings need a query with a WHERE clause")
    return out


def _with_values(sparql: str, shape: _QueryShape, bindings: Mapping[str, Node]) -> str:
    """The query with a ``VALUES`` block for ``bindings`` opening its WHERE clause."""
    if not bindings or shape.where is None:
        return sparql
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(sparql_term(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    return sparql[: shape.where] + block + sparql[shape.where :]


def _with_prefixes(sparql: str, shape: _QueryShape) -> str:
    """The query with a PREFIX line, just before its form keyword, for each of
    :data:`QUERY_PREFIXES` it does not declare (for endpoints; pyoxigraph takes them as an
    argument)."""
    missing = [f"PREFIX {name}: <{iri}>\n" for name, iri in QUERY_PREFIXES.items() if name not in shape.declared]
    return sparql[: shape.form] + "".join(missing) + sparql[shape.form :]
