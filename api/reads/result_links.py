"""Result tables that lead somewhere: every IRI of a saved query's (or the editor's) answer as a link to
its local page with its label, each row's measures (the filter its values and the query's parameters
make, or the measure itself and its sentence in the plan), the whole answer as a graph, and the query
text with its parameters filled in for the SPARQL editor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from rdflib import URIRef

from api.models import QueryResultPublic
from api.reads.common import RES, select, values_block
from kg.errors import AirkgError
from kg.queries import resolve_params, saved_query
from viz.links import subgraph_url

_LABELS = """SELECT ?x ?label ?id WHERE {{ {values}
  OPTIONAL {{ ?x rdfs:label|dcterms:title|skos:prefLabel|foaf:name ?label FILTER(lang(?label) = "zh" || lang(?label) = "") }}
  OPTIONAL {{ ?x dcterms:identifier ?id }} }}"""
#: Row variables whose value narrows the measures list, and the filter field each one sets.
_ROW_FILTERS = {"agency": "agency", "plan": "plan", "planNode": "plan", "pollutant": "pollutant", "sector": "sector",
                "region": "region", "lead": "agency", "supporter": "agency"}
#: The roles a saved query counts, where it counts only some: its rows' measures are those.
_QUERY_ROLES = {"lead-agencies": "lead,responsible"}
#: Saved queries whose rows' measures no filter of the list can select exactly (two agencies in two roles),
#: and the saved query listing exactly a row's measures: its parameters are the query's own and the row's
#: values (row variable -> parameter).
_DRILL_DOWNS = {"supporting-agencies": ("supported-measures", {"supporter": "supporter"})}
#: Query parameters that are also filters of the measures list.
_PARAM_FILTERS = {"region": "region", "pollutant": "pollutant", "sector": "sector", "basis": "basis",
                  "agency": "agency", "role": "role"}


#: Row variables that hold a name (a label, a title) rather than an IRI, and the kind of entity named.
_NAMED = {"agency": "agency", "lead": "agency", "supporter": "agency", "supporting": "agency", "plan": "plan",
          "planTitle": "plan", "title": "plan"}


def _by_name(store, kind: str, name: str) -> str | None:
    """The IRI of the agency or plan ``name`` names exactly (kg.query_params), else None."""
    from kg.query_params import _normal, _store_names  # noqa: PLC2701 — the one name table

    found = _store_names(store, kind)[0].get(_normal(name))
    return str(next(iter(found))) if found and len(found) == 1 else None


@dataclass
class Cell:
    text: str
    href: str | None = None
    title: str | None = None


@dataclass
class LinkedRow:
    cells: list[Cell]
    measures: str | None = None
    source: str | None = None


@dataclass
class LinkedResult:
    vars: list[str]
    rows: list[LinkedRow] = field(default_factory=list)
    graph: str | None = None


def local_path(iri: str) -> str:
    """``https://airkg.example.org/id/…`` -> ``/id/…`` (a browser is sent on to the entity's page)."""
    return "/id/" + iri[len(RES):]


def _page(iri: str) -> str:
    rest = iri[len(RES):]
    if rest.count("/") == 3 and "/measure/" in rest:
        plan, _, path = rest.partition("/measure/")
        return f"/measures/{plan.removeprefix('plan/')}:{path}"
    return local_path(iri)


def link_rows(store, result: QueryResultPublic, params: Mapping[str, str] | None = None,
              defaults: Mapping[str, str | None] | None = None, query_name: str | None = None) -> LinkedResult:
    """The result with links: labels for the IRIs, and per row the measures it stands for."""
    iris = sorted({v for row in result.rows for v in row.values() if v and v.startswith(RES)})
    labels: dict[str, str] = {}
    for start in range(0, len(iris), 500):
        chunk = [URIRef(i) for i in iris[start:start + 500]]
        for row in select(store, _LABELS.format(values=values_block("x", chunk))):
            key = str(row["x"])
            if row["id"] is not None and "/measure/" in key:
                labels.setdefault(key, f"{row['id']} {row['label'] or ''}".strip())
            elif row["label"] is not None:
                labels.setdefault(key, str(row["label"]))
    given = {**{k: v for k, v in (defaults or {}).items() if v}, **{k: v for k, v in (params or {}).items() if v}}
    base = {field: given[name] for name, field in _PARAM_FILTERS.items()
            if name in given and (name == "basis" or given[name].strip().casefold() not in ("any", "*", "all"))}
    if "basis" not in base:
        base["basis"] = "stated"
    if name_roles := _QUERY_ROLES.get(query_name or ""):
        base["role"] = name_roles
    out = LinkedResult(result.vars)
    named: set[str] = set()
    for row in result.rows:
        cells, narrow, measure = [], dict(base), None
        for var in result.vars:
            value = row.get(var)
            if value is None:
                cells.append(Cell(""))
                continue
            if value.startswith(RES):
                cells.append(Cell(labels.get(value, value[len(RES):]), _page(value), value))
                if "/measure/" in value and value.count("/") == RES.count("/") + 3:
                    measure = value
            elif var in _NAMED and (found := _by_name(store, _NAMED[var], value)) is not None:
                cells.append(Cell(value, _page(found), found))  # a name the query returned: its entity's page
                named.add(found)
            else:
                cells.append(Cell(value))
            field_name = _ROW_FILTERS.get(var)
            if field_name:
                narrow[field_name] = value.rsplit("/", 1)[-1] if value.startswith(RES) else value
        linked = LinkedRow(cells)
        plan_iri = next((c.title for var, c in zip(result.vars, cells) if var == "plan" and c.title), None)
        path = row.get("path")
        if measure is None and plan_iri and path and not path.startswith(RES):
            measure = f"{plan_iri}/measure/{path}"  # a row naming a plan (title) and a path is one measure
            for var, cell in zip(result.vars, cells):
                if var in ("measure", "path") and cell.href is None:
                    cell.href = _page(measure)
        drill = _DRILL_DOWNS.get(query_name or "")
        if measure is not None:
            rest = measure[len(RES):].removeprefix("plan/")
            plan, _, path = rest.partition("/measure/")
            linked.measures, linked.source = f"/measures/{plan}:{path}", f"/plans/{plan}#text-{path}"
        elif drill is not None:
            target, from_row = drill
            wanted = {**given, **{param: row[var] for var, param in from_row.items() if row.get(var)}, "run": "1"}
            linked.measures = f"/queries/{target}?" + urlencode(wanted)
        elif len(narrow) > len(base) or any(k in narrow for k in ("agency", "plan")):
            linked.measures = "/measures?" + urlencode(narrow)
        out.rows.append(linked)
    entities = sorted(named) + [i for i in iris if "/measure/" in i or i[len(RES):].split("/")[0] in ("agency", "plan", "pollutant",
                                                                                       "sector", "region")]
    if entities:
        out.graph = subgraph_url(entities[:200])
    return out


def editor_text(name: str, params: Mapping[str, str], folder=None, store=None) -> str | None:
    """The saved query's text with its parameters written in (a VALUES block), to open in the editor (None when
    a parameter does not resolve; an agency or plan parameter is looked up in ``store``)."""
    try:
        query = saved_query(name, folder)
        bindings = resolve_params(query, dict(params), store)
        from kg.store import _shape, _with_values  # noqa: PLC2701 — the store's own placing of bindings

        return _with_values(query.sparql, _shape(query.sparql), bindings)
    except (AirkgError, ImportError):
        return None
