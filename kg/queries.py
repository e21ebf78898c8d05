"""Saved queries: ``queries/*.rq`` files with a metadata header, run with parameters.

Each file opens with a header of ``# key: value`` comment lines, then the SPARQL::

    # title: Lead agencies of measures on a pollutant in a region
    # title_zh: 某地区针对某污染物措施的牵头（负责）单位
    # description: Agencies that lead (牵头) or are responsible for (负责) …
    #   a line opening with "#" and two or more spaces continues the field above.
    # param: region (region, default 山东省) — the region; plans of its sub-regions count
    # param: basis (basis, default stated, optional) — stated, inferred or any
    SELECT …

``title``, ``title_zh`` and ``description`` are required, once each; ``param`` lines are
``NAME (TYPE[, default VALUE][, optional]) — DESCRIPTION`` with a type of
:data:`~kg.query_params.PARAM_TYPES`. A parameter without a default is required unless it
is ``optional``; an optional one passed as ``any`` (or left out, when it has no default)
stays unbound and matches everything. Values are resolved to IRIs or typed literals in
Python (:mod:`kg.query_params`) and reach the store as bindings (a ``VALUES`` block), never
as text pasted into the query.

Writing queries that answer alike on pyoxigraph and Virtuoso 7.2 (every saved query is
tested on both, ``tests/test_queries.py``):

* **A property path with ``*``, ``+`` or ``?`` and a ``lang()`` in the same query give wrong
  answers on Virtuoso**, usually no rows: ``?plan dcterms:title ?t ; airkg:region/airkg:parentRegion*
  ?r FILTER(lang(?t) = "zh")`` answers nothing, and so does ``BIND(lang(?t) AS ?l)``. Inlined
  sub-SELECTs do not help; a ``SELECT DISTINCT`` one fixes simple cases but not a query with a
  few more joins (then one row of 22). The region hierarchy is shallow (district, city,
  province, China), so region scopes are written as a UNION of zero to three
  ``airkg:parentRegion`` steps, each a triple pattern or a sub-SELECT (no paths), which both
  engines answer alike. (``airkg:withinRegion`` is declared in the ontology but not
  materialized.)
* Bindings open the WHERE clause, but a ``FILTER`` inside a UNION branch or sub-group is
  evaluated on its own: it sees a parameter unbound on pyoxigraph (as the standard says) and
  bound on Virtuoso. Parameters are joined on (a triple pattern or a VALUES row naming them) or
  filtered in the main WHERE clause, never filtered inside a nested group.
* Virtuoso does not accept escaped local names (``res:role\\/lead``): full IRIs are written.
* A query sees the union of the named graphs, and on both engines a triple held by two plan
  graphs (an agency or region two plans name) matches twice: counts are ``COUNT(DISTINCT …)``
  and lists ``DISTINCT``.
* A variable a parameter binds is never assigned with ``BIND … AS``: not in the main WHERE clause
  (the bindings open it), nor in a UNION branch (``BIND(?place AS ?region)``), which rdflib (the
  benchmark's in-memory backend) evaluates with the parameter already bound and overwrites, so the
  branch matched every region there. An identity is a join instead (two regions are the same when
  they share their ``airkg:adminCode``). An optional parameter is tested with ``!BOUND(?p) || …``.
* ``HAVING`` may only use grouped variables, so a parameter it compares with (``?min_plans``)
  is added to ``GROUP BY``.
* ``GROUP_CONCAT`` is avoided (the engines join the same values in different orders); ``ORDER BY`` on Chinese
  labels sorts by code point on both, and both give an ``xsd:date`` back as ``YYYY-MM-DD``.
* Virtuoso also drops rows when UNION branches holding sub-SELECTs share variable names, and when a
  sub-SELECT that projects a parameter (``?region``) wraps a UNION: each branch gets its own names
  (``?a0``, ``?b0 ?b1`` …) and the UNION stays in the main WHERE clause.

Writing queries that stay fast on pyoxigraph at national scale (measurements: ``bench/notes-queries.md``).
Its optimizer orders the joins of the WHERE clause greedily by a rough size estimate; it joins a triple
pattern by looking it up once per row so far (some 15–30 µs a look-up) and a sub-SELECT by reading it whole
and hashing (about 1 µs a row); inside a UNION branch or a sub-SELECT it orders patterns without knowing
what is bound outside (constants first, then the order written):

* Start from what the parameters select. A parameter joined on (in a triple pattern or a VALUES row) draws
  the engine to start there; one only compared in a FILTER does not, and that FILTER waits until everything
  it names is joined. A BIND's variable counts as joinable only when its expression cannot fail
  (``COALESCE(STRLANG(?lead, ?lang), "")``).
* A link read for a large share of all measures (``airkg:partOfPlan``, stated pollutants and sectors,
  deadlines, assignments) is a sub-SELECT of its own, ``{ SELECT ?m ?planNode WHERE { ?m airkg:partOfPlan
  ?planNode } }``: two triple patterns in one sub-SELECT are joined by look-ups again. A few hundred rows
  are cheaper looked up.
* Plans are scoped to a region by ``?planNode airkg:regionScope ?region``: the plan's region and every
  region containing it, written when the plan is loaded (``kg.rdf_building.region_scope``), so the scope is
  one index read on both backends. Where the query reads links whole in sub-SELECTs, compare the region
  instead (``?planNode airkg:regionScope ?scope . FILTER(?scope = ?region)``): joined on the bound region,
  pyoxigraph starts from the region's plans and evaluates those sub-SELECTs once per plan. Agencies and places are scoped by walking down from ``?region``, branch by
  branch, in the order written; a constant in such a branch (``?x a airkg:Region``) would be where the engine
  starts it, so such tests are FILTER EXISTS.
* An agency or a person is described once, in a graph of its own (``res:graph/agency/…``), so its name,
  type and jurisdiction are joined on like any other fact. (Before, the description was repeated in every
  plan graph naming it, and each repeat matched: the queries read names ``GRAPH ?g`` of the link.)
* Summing per-plan counts written at load time was tried and is no faster than counting the facts: read
  whole, every plan's counts are read for any region (``pollutant-coverage`` in Shandong at 1,000 plans:
  0.06 s counting, 0.4 s summing); looked up from the region's plans, the whole country is slower (4.4 s
  against 2.8 s). So no counts are written (``BENCHMARKS.md``, "Aggregates written at load time").
* No property path inside ``GRAPH ?g``: pyoxigraph evaluates it graph by graph.
* ``ORDER BY`` on a plan title costs a dictionary read per comparison (long strings are not stored inline):
  about a second for 10,000 rows.
"""

from __future__ import annotations

import difflib
import os
import re
import weakref
from collections.abc import Mapping
from functools import cache
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator
from rdflib.term import Node

from kg.errors import InputError
from kg.query_params import ANY_VALUES, PARAM_TYPES, resolve_value
from kg.store import QueryResult, Store

QUERIES_ENV_VAR = "AIRKG_QUERIES_DIR"
_FIELD = re.compile(r"#\s(?P<key>[a-z_]+):\s*(?P<value>.*)")
_CONTINUATION = re.compile(r"#\s{2,}(?P<value>\S.*)")
_PARAM = re.compile(
    r"(?P<name>[a-z][a-z0-9_]*)\s*\((?P<spec>[^()]*)\)\s*(?:—|--)\s*(?P<description>\S.*)"
)
_REQUIRED_FIELDS = ("title", "title_zh", "description")


class QueryParam(BaseModel):
    """One parameter of a saved query.

    Attributes:
        name: The SPARQL variable it binds (without ``?``).
        type: One of :data:`~kg.query_params.PARAM_TYPES`.
        default: The value used when the parameter is not given, as a user would type it.
        optional: Whether it may stay unbound (``any``), matching everything.
        description: One line for people.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    default: str | None = None
    optional: bool = False
    description: str

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in PARAM_TYPES:
            raise ValueError(f"unknown parameter type {value!r}; use one of {', '.join(PARAM_TYPES)}")
        return value


class SavedQuery(BaseModel):
    """A saved query: its metadata header and its SPARQL text (header included)."""

    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    title_zh: str
    description: str
    params: list[QueryParam]
    sparql: str

    def param(self, name: str) -> QueryParam:
        """The parameter called ``name`` (``-`` taken as ``_``).

        Raises:
            InputError: The query has no such parameter; the message lists those it has.
        """
        wanted = name.strip().replace("-", "_")
        for param in self.params:
            if param.name == wanted:
                return param
        known = ", ".join(p.name for p in self.params) or "none"
        raise InputError(f"query {self.name!r} has no parameter {name!r}; its parameters: {known}")


def queries_dir() -> Path:
    """The folder of saved queries: ``$AIRKG_QUERIES_DIR``, else ``queries/`` beside ``kg/``."""
    return Path(os.environ.get(QUERIES_ENV_VAR, Path(__file__).resolve().parent.parent / "queries"))


# --------------------------------------------------------------------------- reading .rq files


def _header(path: Path, lines: list[str]) -> tuple[dict[str, list[tuple[int, str]]], int]:
    """The header's fields (key -> [(line number, value)]) and the index of the first SPARQL line.

    Raises:
        InputError: A header line is neither ``# key: value`` nor a continuation.
    """
    fields: dict[str, list[tuple[int, str]]] = {}
    last: tuple[str, int] | None = None
    for index, line in enumerate(lines):
        if not line.startswith("#"):
            return fields, index
        continued = _CONTINUATION.fullmatch(line.rstrip())
        field = _FIELD.fullmatch(line.rstrip())
        if continued and last is not None:
            key, position = last
            number, value = fields[key][position]
            fields[key][position] = (number, f"{value} {continued['value'].strip()}")
        elif field:
            fields.setdefault(field["key"], []).append((index + 1, field["value"].strip()))
            last = (field["key"], len(fields[field["key"]]) - 1)
        elif line.strip() != "#":
            raise InputError(f"{path}:{index + 1}: expected a header line '# key: value', found {line.strip()!r}")
    return fields, len(lines)


def _param(path: Path, number: int, text: str) -> QueryParam:
    """One ``# param:`` line.

    Raises:
        InputError: The line does not follow ``NAME (TYPE[, default VALUE][, optional]) — DESCRIPTION``.
    """
    where = f"{path}:{number}"
    match = _PARAM.fullmatch(text)
    if not match:
        raise InputError(f"{where}: expected 'param: NAME (TYPE[, default VALUE][, optional]) — DESCRIPTION', "
                         f"found {text!r}")
    kind, *options = [part.strip() for part in match["spec"].split(",")]
    if kind not in PARAM_TYPES:
        raise InputError(f"{where}: unknown parameter type {kind!r}; use one of {', '.join(PARAM_TYPES)}")
    default, optional = None, False
    for option in options:
        if option == "optional":
            optional = True
        elif option.startswith("default ") and option[8:].strip():
            default = option[8:].strip()
        else:
            raise InputError(f"{where}: unknown parameter option {option!r}; use 'default VALUE' or 'optional'")
    return QueryParam(name=match["name"], type=kind, default=default, optional=optional,
                      description=match["description"].strip())


def parse_saved_query(path: Path) -> SavedQuery:
    """Read one ``.rq`` file.

    Args:
        path: The file; its stem is the query's name.

    Raises:
        InputError: The header is malformed or incomplete, a field repeats, a parameter is
            declared twice or never used as a variable, or no SPARQL follows the header. The
            message names the file and, where there is one, the line.
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    fields, body_start = _header(path, lines)
    for key, found in fields.items():
        if key not in (*_REQUIRED_FIELDS, "param"):
            raise InputError(f"{path}:{found[0][0]}: unknown header field {key!r}; use title, title_zh, "
                             "description, param")
        if key != "param" and len(found) > 1:
            raise InputError(f"{path}:{found[1][0]}: header field {key!r} given twice")
    missing = [key for key in _REQUIRED_FIELDS if not (fields.get(key) and fields[key][0][1])]
    if missing:
        raise InputError(f"{path}:{body_start + 1}: the header lacks {', '.join(missing)}")
    body = "\n".join(lines[body_start:])
    if not body.strip():
        raise InputError(f"{path}:{body_start + 1}: no SPARQL after the header")
    params = [_param(path, number, value) for number, value in fields.get("param", [])]
    _check_params(path, params, body, fields.get("param", []))
    return SavedQuery(name=path.stem, title=fields["title"][0][1], title_zh=fields["title_zh"][0][1],
                      description=fields["description"][0][1], params=params, sparql=text)


def _check_params(path: Path, params: list[QueryParam], body: str, lines: list[tuple[int, str]]) -> None:
    seen: set[str] = set()
    for param, (number, _) in zip(params, lines):
        if param.name in seen:
            raise InputError(f"{path}:{number}: parameter {param.name!r} declared twice")
        seen.add(param.name)
        if not re.search(rf"[?$]{param.name}\b", body):
            raise InputError(f"{path}:{number}: parameter {param.name!r} is not a variable of the query")


def load_saved_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every saved query in ``folder`` (default :func:`queries_dir`), by name, sorted.

    Raises:
        InputError: The folder is missing, or a file is malformed (see :func:`parse_saved_query`).
    """
    folder = Path(folder) if folder is not None else queries_dir()
    if not folder.is_dir():
        raise InputError(f"no folder of saved queries at {folder}")
    return {path.stem: parse_saved_query(path) for path in sorted(folder.glob("*.rq"))}


@cache
def _cached_queries(folder: Path, stamp: tuple[tuple[str, float], ...]) -> dict[str, SavedQuery]:
    return load_saved_queries(folder)


def saved_query(name: str, folder: Path | None = None) -> SavedQuery:
    """The saved query called ``name`` (files are re-read when they change).

    Raises:
        InputError: There is none; the message lists the names there are.
    """
    folder = Path(folder) if folder is not None else queries_dir()
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(folder.glob("*.rq"))) if folder.is_dir() else ()
    queries = _cached_queries(folder, stamp)
    if name not in queries:
        close = difflib.get_close_matches(name, list(queries), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise InputError(f"no saved query {name!r}{hint}; the saved queries are: {', '.join(queries) or 'none'}")
    return queries[name]


# --------------------------------------------------------------------------- running


def resolve_params(query: SavedQuery, raw: Mapping[str, str], store: Store | None = None) -> dict[str, Node]:
    """The bindings for ``query`` from the values a user typed.

    Args:
        query: The saved query.
        raw: Parameter name -> value as typed; parameters not given take their default.
        store: The store naming the agencies and plans of ``agency`` and ``plan`` parameters (needed only
            when the query has one).

    Returns:
        Variable name -> IRI or literal, for every parameter that is bound.

    Raises:
        InputError: An unknown parameter name, a required parameter missing, ``any`` for a
            parameter that cannot be left open, or a value that does not resolve (the
            message names the parameter and says what it accepts).

    >>> query = saved_query("lead-agencies")
    >>> resolve_params(query, {"region": "Shandong", "pollutant": "挥发性有机物"}) == resolve_params(query, {})
    True
    """
    given = {query.param(key).name: value for key, value in raw.items()}
    bindings: dict[str, Node] = {}
    for param in query.params:
        value = given.get(param.name, param.default)
        if value is None or value.strip().casefold() in ANY_VALUES or not value.strip():
            if not param.optional:
                got = "no value" if value is None else f"{value!r}"
                raise InputError(f"query {query.name!r} needs a value for {param.name} ({param.type}), got {got}")
            continue
        try:
            bindings[param.name] = resolve_value(param.type, value, store)
        except InputError as error:
            raise InputError(f"parameter {param.name}: {error.detail}") from None
    return bindings


def run_saved_query(
    store: Store,
    name: str,
    raw_params: Mapping[str, str] | None = None,
    timeout: float | None = None,
    folder: Path | None = None,
) -> QueryResult:
    """Run the saved query ``name`` with ``raw_params`` against ``store``.

    Args:
        store: The store to query.
        name: The query's name (its file stem).
        raw_params: Parameter name -> value as typed (see :func:`resolve_params`).
        timeout: Seconds before :class:`~kg.errors.QueryTimeout`; None for no limit.
        folder: Where the ``.rq`` files are (default :func:`queries_dir`).

    Raises:
        InputError: Unknown query, bad parameter or value (before the store is asked).
        QueryTimeout, StoreError: From the store.
    """
    query = saved_query(name, folder)
    return store.query(query.sparql, resolve_params(query, raw_params or {}, store), timeout=timeout)


# --------------------------------------------------------------------------- paging large answers

#: Rows a page holds when none is asked for (the API's and the web form's default).
DEFAULT_PAGE = 100
#: The most rows one page may hold.
MAX_PAGE = 10_000
_OWN_SLICE = re.compile(r"\b(LIMIT|OFFSET)\s+\d+\s*$", re.IGNORECASE)
#: A final ORDER BY (after the WHERE clause's last brace; no comment may follow it in a saved query).
_ORDER_BY = re.compile(r"\bORDER\s+BY\b[^{}#]*$", re.IGNORECASE)
#: Totals of answers, per store (gone with it) and per generation, query and bindings.
_totals: weakref.WeakKeyDictionary[Store, dict[tuple, int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class QueryPage:
    """One page of a saved query's answer: its rows, where it starts, and how many rows the answer has."""

    result: QueryResult
    total: int
    limit: int
    offset: int


def run_saved_page(
    store: Store,
    name: str,
    raw_params: Mapping[str, str] | None = None,
    limit: int = DEFAULT_PAGE,
    offset: int = 0,
    timeout: float | None = None,
    folder: Path | None = None,
) -> QueryPage:
    """Rows ``offset`` to ``offset + limit`` of the saved query ``name``, and the number of rows of its answer.

    The page is asked of the store with ``LIMIT`` and ``OFFSET`` after the query's own ``ORDER BY``, so no
    more than a page of rows is read into Python (at ~7 µs a row, most of a large answer's cost); the engine
    still evaluates, and sorts, the whole answer for it (pyoxigraph has no top-k sort). The total is a
    ``COUNT(*)`` over the query as a sub-SELECT, without its ``ORDER BY``, asked only when the page does not
    show it (a first page shorter than ``limit`` is the whole answer), and kept per store, store generation
    (an embedded store's writes bump it), query and parameters, so later pages do not count again.

    Raises:
        InputError: Unknown query, bad parameter or value, or a limit or offset out of range.
        QueryTimeout, StoreError: From the store.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    if offset < 0:
        raise InputError(f"offset must be 0 or more, not {offset}")
    query = saved_query(name, folder)
    bindings = resolve_params(query, raw_params or {}, store)
    text = query.sparql.rstrip()
    if _OWN_SLICE.search(text) or not re.search(r"^\s*SELECT\b", text, re.IGNORECASE | re.MULTILINE):
        whole = store.query(query.sparql, bindings, timeout=timeout)  # an ASK, or a query that slices itself
        rows = whole.rows[offset:offset + limit]
        return QueryPage(QueryResult(whole.kind, whole.vars, rows, whole.boolean, whole.graph),
                         len(whole.rows), limit, offset)
    page = store.query(f"{text}\nLIMIT {limit} OFFSET {offset}", bindings, timeout=timeout)
    if offset == 0 and len(page.rows) < limit:
        return QueryPage(page, len(page.rows), limit, offset)
    return QueryPage(page, _total(store, query, text, bindings, timeout), limit, offset)


def _total(store: Store, query: SavedQuery, text: str, bindings: Mapping[str, Node], timeout: float | None) -> int:
    """The number of rows of ``query``'s answer: ``COUNT(*)`` over it as a sub-SELECT (its bindings inside)."""
    from kg.store.query_shaping import _shape, _with_values  # noqa: PLC2701 — the store's own placing of bindings

    generation = getattr(store, "generation", None)
    key = (generation, query.name, query.sparql, tuple(sorted((k, str(v)) for k, v in bindings.items())))
    held = _totals.get(store) if generation is not None else None
    if held is not None and key in held:
        return held[key]
    unordered = _ORDER_BY.sub("", text)  # the order does not change the count, and sorting costs (titles: ~1 s a 10,000 rows)
    shape = _shape(unordered)
    bound = _with_values(unordered, shape, bindings)
    start = shape.form
    counted = f"{bound[:start]}SELECT (COUNT(*) AS ?total) WHERE {{\n{bound[start:]}\n}}"
    rows = store.query(counted, timeout=timeout).rows
    total = int(str(rows[0]["total"])) if rows and rows[0].get("total") is not None else 0
    if generation is not None:
        held = _totals.setdefault(store, {})
        if len(held) > 512:
            held.clear()
        held[key] = total
    return total


def parse_param_options(options: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings (the CLI's ``--param``) as a dict.

    Raises:
        InputError: An option without ``=`` or with an empty key, or a key given twice.
    """
    values: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param wants KEY=VALUE, got {option!r}")
        key = key.strip()
        if key in values:
            raise InputError(f"parameter {key!r} given twice")
        values[key] = value
    return values
