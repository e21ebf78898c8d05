"""Serializing a :class:`~kg.store.QueryResult` in the media type the client chose.

SELECT and ASK: SPARQL 1.1 results as JSON, XML, CSV or TSV (CSV and TSV have no form for ASK).
CONSTRUCT and DESCRIBE: Turtle, JSON-LD, N-Triples or RDF/XML.
"""

from __future__ import annotations

import json

from rdflib import Variable
from rdflib.query import Result

from api.negotiation import choose
from kg.results import results_csv, results_json
from kg.store import EXPORT_PREFIXES, QueryResult, sparql_term

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
N_TRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"

SOLUTION_TYPES = (JSON, XML, CSV, TSV, "application/json")
BOOLEAN_TYPES = (JSON, XML, "application/json")
GRAPH_TYPES = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
_RDFLIB_FORMAT = {TURTLE: "turtle", JSON_LD: "json-ld", N_TRIPLES: "nt", RDF_XML: "xml"}


def offers(kind: str) -> tuple[str, ...]:
    if kind == "ask":
        return BOOLEAN_TYPES
    return GRAPH_TYPES if kind in ("construct", "describe") else SOLUTION_TYPES


def render(result: QueryResult, accept: str | None) -> tuple[bytes, str]:
    """The result's bytes and media type (with charset) for the ``Accept`` header.

    Raises:
        NotAcceptable: No media type the client accepts fits this kind of result.
    """
    media_type = choose(accept, offers(result.kind))
    if media_type == "application/json":
        media_type = JSON
    if result.kind in ("construct", "describe"):
        graph = result.graph
        assert graph is not None
        for prefix, namespace in EXPORT_PREFIXES.items():
            graph.bind(prefix, namespace)
        return graph.serialize(format=_RDFLIB_FORMAT[media_type], encoding="utf-8"), f"{media_type}; charset=utf-8"
    if media_type == JSON:
        body = json.dumps(results_json(result), ensure_ascii=False).encode("utf-8")
    elif media_type == XML:
        body = _rdflib_result(result).serialize(format="xml", encoding="utf-8") or b""
    elif media_type == CSV:
        body = results_csv(result).encode("utf-8")
    else:
        body = results_tsv(result).encode("utf-8")
    return body, f"{media_type}; charset=utf-8"


def results_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: a header of ``?vars``, then each term in Turtle syntax, tab-separated."""
    lines = ["\t".join(f"?{name}" for name in result.vars)]
    for row in result.rows:
        lines.append("\t".join("" if row.get(name) is None else sparql_term(row[name]) for name in result.vars))
    return "\n".join(lines) + "\n"


def _rdflib_result(result: QueryResult) -> Result:
    if result.kind == "ask":
        answer = Result("ASK")
        answer.askAnswer = bool(result.boolean)
        return answer
    answer = Result("SELECT")
    answer.vars = [Variable(name) for name in result.vars]
    answer.bindings = [{Variable(k): v for k, v in row.items() if v is not None} for row in result.rows]
    return answer
