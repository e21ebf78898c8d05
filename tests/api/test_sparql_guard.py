"""kg.sparql_guard: what is refused before any query runs, and what passes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import ForbiddenQuery, QuerySyntaxError
from kg.sparql_guard import PreciseSyntaxError, check_read_only
from kg.store import QUERY_PREFIXES

PREFIXES = tuple(QUERY_PREFIXES.items())


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
    "ASK {}",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <https://airkg.example.org/id/sector/steel>",
    "SELECT * WHERE { ?r airkg:parentRegion* res:nothing }",
    "SELECT * FROM <https://airkg.example.org/id/graph/regions> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s rdfs:label 'SERVICE' } # SERVICE <http://x/> in a comment",
    "SELECT * WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, \"LOAD <http://x/>\")) }",
])
def test_read_only_queries_pass(query: str) -> None:
    check_read_only(query, PREFIXES)


@pytest.mark.parametrize(("query", "reason"), [
    ("SELECT * { SERVICE <http://x.example/sparql> { ?s ?p ?o } }", "SERVICE <http://x.example/sparql>"),
    ("SELECT * { SERVICE SILENT ?endpoint { ?s ?p ?o } }", "SERVICE ?endpoint"),
    ("SELECT * { SERVI\\u0043E <http://x.example/> { } }", "SERVICE"),
    ("SELECT * { ?s ?p ?o MINUS { SERVICE <http://x.example/> { ?s ?p ?o } } }", "SERVICE"),
    ("SELECT * FROM <http://x.example/g> { ?s ?p ?o }", "FROM <http://x.example/g>"),
    ("SELECT * FROM NAMED <file:///etc/passwd> { ?s ?p ?o }", "FROM NAMED <file:///etc/passwd>"),
    ("BASE <http://x.example/> SELECT * FROM <g> { ?s ?p ?o }", "FROM <http://x.example/g>"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
    ("LOAD <http://x.example/data.ttl>", "read-only"),
    ("PREFIX ex: <urn:x:> DELETE WHERE { ?s ex:p ?o }", "read-only"),
])
def test_fetching_and_writing_forms_are_forbidden(query: str, reason: str) -> None:
    with pytest.raises(ForbiddenQuery, match=reason.replace("?", r"\?").replace("(", r"\(")):
        check_read_only(query, PREFIXES)


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty"),
    ("SELEC * {}", "line 1, column 1"),
    ("SELECT * { ?s nope:p ?o }", "nope:"),
    ("SELECT * FROM nope:g { ?s ?p ?o }", "nope:"),
    ("PREFIX a: <urn:a:>", "line 1"),
])
def test_malformed_queries_say_where(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        check_read_only(query, PREFIXES)


def test_undeclared_prefixes_are_precise_errors() -> None:
    with pytest.raises(PreciseSyntaxError):
        check_read_only("SELECT * { ?s nope:p ?o }", PREFIXES)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_accepted_or_refused_with_a_domain_error(text: str) -> None:
    try:
        check_read_only(text, PREFIXES)
    except (ForbiddenQuery, QuerySyntaxError):
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="SELECT*{}?sSERVICE<>:/\\u0043 #\"'.;()", max_size=60))
def test_keyword_soup_is_accepted_or_refused_with_a_domain_error(text: str) -> None:
    try:
        check_read_only(text, PREFIXES)
    except (ForbiddenQuery, QuerySyntaxError):
        pass
