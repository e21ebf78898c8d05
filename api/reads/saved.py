"""Saved queries (``queries/*.rq``, :mod:`kg.queries`) as the API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from api.models import QueryParameterPublic, QueryResultPublic, SavedQueryPublic
from kg.queries import QueryPage, SavedQuery, load_saved_queries, queries_dir, run_saved_page, run_saved_query, saved_query
from kg.results import plain
from kg.store import QueryResult, Store


def _public(query: SavedQuery) -> SavedQueryPublic:
    return SavedQueryPublic(
        name=query.name, title=query.title, title_zh=query.title_zh, description=query.description,
        sparql=query.sparql,
        parameters=[QueryParameterPublic(name=p.name, type=p.type, default=p.default, optional=p.optional,
                                         description=p.description) for p in query.params],
    )


def list_saved(folder: Path | None) -> list[SavedQueryPublic]:
    return [_public(query) for query in load_saved_queries(folder or queries_dir()).values()]


def get_saved(name: str, folder: Path | None) -> SavedQueryPublic:
    """Raises InputError (400) listing the names there are when ``name`` is not one."""
    return _public(saved_query(name, folder))


def run_saved(store: Store, name: str, params: Mapping[str, str], timeout: float, folder: Path | None) -> QueryResult:
    return run_saved_query(store, name, dict(params), timeout=timeout, folder=folder)


def run_saved_paged(store: Store, name: str, params: Mapping[str, str], limit: int, offset: int, timeout: float,
                    folder: Path | None) -> QueryPage:
    """One page of a saved query's answer and its total (:func:`kg.queries.run_saved_page`)."""
    return run_saved_page(store, name, dict(params), limit, offset, timeout=timeout, folder=folder)


def result_public(name: str, result: QueryResult, page: QueryPage | None = None) -> QueryResultPublic:
    if result.kind == "ask":
        return QueryResultPublic(name=name, vars=["boolean"], rows=[{"boolean": str(bool(result.boolean)).lower()}],
                                 count=1, total=1)
    rows = [{var: (plain(row.get(var)) if row.get(var) is not None else None) for var in result.vars}
            for row in result.rows]
    if page is None:
        return QueryResultPublic(name=name, vars=result.vars, rows=rows, count=len(rows), total=len(rows))
    return QueryResultPublic(name=name, vars=result.vars, rows=rows, count=len(rows), total=page.total,
                             limit=page.limit, offset=page.offset)
