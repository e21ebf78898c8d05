"""The store's query path as the service uses it: the guard's parse under concurrency and for VALUES
data, the reused query threads, and the conversion of terms (kg/store/, ``OxigraphStore.query``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import ForbiddenQuery, QuerySyntaxError, QueryTimeout
from kg.sparql_guard import check_read_only
from kg.store import QUERY_PREFIXES, OxigraphStore, _check_read_only, _guard_text, _tokens

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_server_parses_concurrent_queries() -> None:
    """rdflib's SPARQL grammar breaks for good when first used from several threads at once (every
    later parse fails); a fresh process taking 16 queries at once must answer them all."""
    script = textwrap.dedent("""
        import threading
        from kg.store import OxigraphStore
        store = OxigraphStore(None)
        texts = [f"SELECT ?p ?o WHERE {{ <urn:x:{i}> ?p ?o OPTIONAL {{ ?o a ?t }} }} LIMIT {i + 1}" for i in range(48)]
        texts += [f"SELECT ?s (COUNT(?o) AS ?n) WHERE {{ ?s ?p ?o FILTER(?o > {i}) }} GROUP BY ?s" for i in range(48)]
        errors = []
        def work(part):
            for text in part:
                try:
                    store.query(text, timeout=30)
                except Exception as exc:
                    errors.append(repr(exc))
        threads = [threading.Thread(target=work, args=(texts[i::16],)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(len(errors), errors[:1])
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=True)
    assert done.stdout.startswith("0 "), done.stdout + done.stderr


PREFIXES = tuple(QUERY_PREFIXES.items())
PAGE = "VALUES (?m ?i) { (<https://airkg.example.org/id/plan/p/measure/1> 0) (<https://airkg.example.org/id/plan/p/measure/2> 1) }"


@pytest.mark.parametrize("query", [
    f"SELECT ?i ?p ?o WHERE {{ {PAGE} ?m ?p ?o }}",
    "SELECT * WHERE { VALUES ?x { <urn:a> <urn:b> UNDEF } ?x ?p ?o } VALUES (?y) { (<urn:c>) (<urn:d>) }",
    f"SELECT * WHERE {{ {PAGE} SERVICE <http://x.example/sparql> {{ ?m ?p ?o }} }}",
    f"SELECT * FROM <http://x.example/g> WHERE {{ {PAGE} ?m ?p ?o }}",
    f"SELECT * WHERE {{ {PAGE} ?m nope:p ?o }}",
    f"SELECT * WHERE {{ {PAGE} ?m ?p ?o }} LIMT 1",
    "SELECT * WHERE { VALUES ?x { <urn:a> } } # SERVICE <http://x.example/> { }",
    "SELECT * WHERE { VALUES ?x { 'SERVICE' <urn:a> } ?x ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } VALUES ?x { <urn:a> } ; CLEAR ALL",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> } ; SELECT * WHERE { VALUES ?x { <urn:a> } }",
    "SELECT * WHERE { \\u0023 VALUES ?x { <urn:a>\n } SERVI\\u0043E <http://x.example/> { ?s ?p ?o } }",
])
def test_cutting_values_data_keeps_the_guards_verdict(query: str) -> None:
    """The guard parses the text with its VALUES data cut to one row; it must refuse, accept and
    report exactly what it does for the text as sent."""
    def verdict(check) -> str:
        try:
            check()
        except (ForbiddenQuery, QuerySyntaxError) as error:
            return f"{type(error).__name__}: {error}"
        return "ok"

    assert verdict(lambda: _check_read_only(query, _tokens(query))) == verdict(lambda: check_read_only(query, PREFIXES))


def test_values_data_is_cut_only_where_it_is_plain_data() -> None:
    cut = _guard_text(f"SELECT * WHERE {{ {PAGE} ?m ?p ?o }}", _tokens(f"SELECT * WHERE {{ {PAGE} ?m ?p ?o }}"))
    assert cut == "SELECT * WHERE { VALUES (?m ?i) { (<urn:airkg:value> <urn:airkg:value>) } ?m ?p ?o }"
    for kept in ['SELECT * WHERE { VALUES ?x { "a" <urn:b> } }', "SELECT * WHERE { VALUES ?x { ex:a } }",
                 "SELECT * WHERE { ?s ?p '\\u0041' VALUES ?x { <urn:b> } }", "SELECT * WHERE { ?s ?p ?o } # VALUES ?x { <a> }"]:
        assert _guard_text(kept, _tokens(kept)) == kept


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["<urn:a>", "<https://airkg.example.org/id/x/1>", "7", "UNDEF"]),
                               st.sampled_from(["<urn:b>", "0", "UNDEF"])), max_size=4),
       tail=st.sampled_from(["?m ?p ?o", "SERVICE <http://x.example/> { ?m ?p ?o }", "?m nope:p ?o", "?m ?p ?o }{",
                             "GRAPH <urn:g> { ?m ?p ?o }"]))
def test_cut_values_never_change_a_verdict(rows: list[tuple[str, str]], tail: str) -> None:
    query = "SELECT * WHERE { VALUES (?m ?i) { " + " ".join(f"({a} {b})" for a, b in rows) + " } " + tail + " }"

    def verdict(check) -> str:
        try:
            check()
        except (ForbiddenQuery, QuerySyntaxError) as error:
            return type(error).__name__
        return "ok"

    assert verdict(lambda: _check_read_only(query, _tokens(query))) == verdict(lambda: check_read_only(query, PREFIXES))


def test_query_threads_are_reused_and_a_timeout_frees_nobody_else() -> None:
    store = OxigraphStore(None)
    try:
        for _ in range(50):
            store.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", timeout=10)
        assert sum(thread.name == "airkg-query" for thread in threading.enumerate()) <= 4
        slow = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 } "
                "VALUES ?b { 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 } "
                "VALUES ?c { 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 } "
                "VALUES ?d { 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 } "
                "VALUES ?e { 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 } }")
        with pytest.raises(QueryTimeout):
            store.query(slow, timeout=0.05)
        assert store.query("ASK { }", timeout=5).boolean is True  # answered while the slow one runs on
    finally:
        store.close()


def test_terms_come_back_equal_query_after_query(seed_store) -> None:
    query = ("SELECT ?m ?title ?start WHERE { ?m a airkg:Measure ; dcterms:title ?title ; "
             "airkg:source ?span . BIND(xsd:integer(STRBEFORE(STRAFTER(STR(?span), '#char='), ',')) AS ?start) } "
             "ORDER BY ?m LIMIT 5")
    first, again = seed_store.query(query).rows, seed_store.query(query, timeout=10).rows
    assert first == again and all(row["title"].language == "zh" for row in first)
    assert all(isinstance(row["start"].toPython(), int) for row in again)
