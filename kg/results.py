"""Rendering a :class:`~kg.store.QueryResult` as a text table, CSV or JSON (SPARQL 1.1 results JSON)."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError
from kg.store import QueryResult

FORMATS = ("table", "csv", "json")


def plain(term: Node | None) -> str:
    """A term as a cell: an IRI or the literal's lexical form."""
    return "" if term is None else str(term)


def term_json(term: Node) -> dict[str, str]:
    """One binding in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype:
        value["datatype"] = str(term.datatype)
    return value


def results_json(result: QueryResult) -> dict:
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [{name: term_json(value) for name, value in row.items() if value is not None} for row in result.rows]
    return {"head": {"vars": result.vars}, "results": {"bindings": bindings}}


def results_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([plain(row.get(name)) for name in result.vars])
    return buffer.getvalue()


def results_table(result: QueryResult) -> str:
    if result.kind == "ask":
        return "yes" if result.boolean else "no"
    cells = [[plain(row.get(name)) for name in result.vars] for row in result.rows]
    widths = [max([_width(name)] + [_width(row[i]) for row in cells]) for i, name in enumerate(result.vars)]
    lines = ["  ".join(_pad(name, widths[i]) for i, name in enumerate(result.vars)),
             "  ".join("-" * width for width in widths)]
    lines += ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)) for row in cells]
    lines.append(f"({len(cells)} rows)")
    return "\n".join(lines)


def render(result: QueryResult, format: str) -> str:
    """Render ``result`` for a terminal; CONSTRUCT/DESCRIBE results come back as Turtle."""
    if result.kind in ("construct", "describe") and result.graph is not None:
        return result.graph.serialize(format="turtle")
    if format == "json":
        return json.dumps(results_json(result), ensure_ascii=False, indent=2)
    if format == "csv":
        return results_csv(result)
    if format == "table":
        return results_table(result)
    raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= char <= "\ufe4f" or "\uff00" <= char <= "\uffef" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
