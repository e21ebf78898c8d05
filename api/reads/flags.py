"""Quality flags of a page of plans or measures, read in one query."""

from __future__ import annotations

from rdflib import URIRef

from api.models import QualityFlagPublic, Span
from api.reads.common import integer, local_id, select, text
from kg.models import FlagCode
from kg.source_spans import parse_span, span_words
from kg.store import sparql_term

#: The flags of the subjects given by position ``?i``, with their kind, message, count and first span.
_FLAGS = """SELECT ?i ?flag ?kind ?message ?count ?span WHERE {{ {values}
  ?s airkg:qualityFlag ?flag . ?flag airkg:flagKind ?kind .
  OPTIONAL {{ ?flag airkg:flagMessage ?message }}
  OPTIONAL {{ ?flag airkg:flagCount ?count }}
  OPTIONAL {{ ?flag airkg:source ?span }}
}}"""
_ORDER = {code.value: index for index, code in enumerate(FlagCode)}


def flags_of(store, iris: list[URIRef]) -> list[list[QualityFlagPublic]]:
    """The quality flags of each plan or measure ``iris`` (IRIs read from the store or built by airkg), in
    that order; each one's flags in the order of their kinds (``kg.models.FlagCode``)."""
    if not iris:
        return []
    values = "VALUES (?s ?i) { " + " ".join(f"({sparql_term(iri)} {n})" for n, iri in enumerate(iris)) + " }"
    found: list[dict[str, QualityFlagPublic]] = [{} for _ in iris]
    rows = select(store, _FLAGS.format(values=values))
    words = span_words(store, (row["span"] for row in rows))
    for row in rows:
        span = parse_span(row["span"])
        found[int(str(row["i"]))].setdefault(str(row["flag"]), QualityFlagPublic(
            code=local_id(row["kind"], "quality-flag"), message=text(row["message"]),
            count=integer(row["count"]) if row["count"] is not None else None,
            span=Span(start=span.start, end=span.end) if span else None,
            text=words.get(span.iri) if span else None))
    return [sorted(flags.values(), key=lambda flag: (_ORDER.get(flag.code, len(_ORDER)), flag.code))
            for flags in found]
