"""Quality flags of a page of plans or measures, read node by node (no query)."""

from __future__ import annotations

from rdflib import URIRef

from api.models import QualityFlagPublic, Span
from api.reads.common import AIRKG, local_id
from kg.models import FlagCode
from kg.source_spans import parse_span, span_words

_ORDER = {code.value: index for index, code in enumerate(FlagCode)}
_FLAG, _KIND, _MESSAGE, _COUNT, _SOURCE = (AIRKG + name for name in ("qualityFlag", "flagKind", "flagMessage",
                                                                     "flagCount", "source"))


def flags_of(store, iris: list[URIRef] | list[str]) -> list[list[QualityFlagPublic]]:
    """The quality flags of each plan or measure ``iris`` (IRIs read from the store or built by airkg), in
    that order; each one's flags in the order of their kinds (``kg.models.FlagCode``). A flag without a kind
    is left out; of a value given twice, the first read counts."""
    if not iris:
        return []
    flagged = [values.get(_FLAG, []) for values in store.node_values([str(iri) for iri in iris], (_FLAG,))]
    nodes = list(dict.fromkeys(flag for flags in flagged for flag in flags))
    details = dict(zip(nodes, store.node_values(nodes, (_KIND, _MESSAGE, _COUNT, _SOURCE))))
    words = span_words(store, (span for values in details.values() for span in values.get(_SOURCE, [])[:1]))
    out = []
    for flags in flagged:
        found = [_flag(details[flag], words) for flag in flags if details[flag].get(_KIND)]
        out.append(sorted(found, key=lambda flag: (_ORDER.get(flag.code, len(_ORDER)), flag.code)))
    return out


def _flag(values: dict[str, list[str]], words: dict[str, str]) -> QualityFlagPublic:
    first = {predicate: found[0] for predicate, found in values.items() if found}
    span = parse_span(first.get(_SOURCE))
    return QualityFlagPublic(
        code=local_id(first[_KIND], "quality-flag"), message=first.get(_MESSAGE),
        count=int(first[_COUNT]) if _COUNT in first else None,
        span=Span(start=span.start, end=span.end) if span else None, text=words.get(span.iri) if span else None)
