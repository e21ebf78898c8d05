"""Pollutants and sectors named in a measure: the SKOS labels of ``ontology/pollutants.ttl`` and
``ontology/sectors.ttl`` matched in text (longest label wins; a false friend such as 臭氧层 is an
``airkg:excludedContext`` of its concept), and what a stated sector implies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.models import Basis, ConceptMention, Span
from kg.vocabulary import AIRKG, RES, vocabulary_graph

_CODE_LABEL = re.compile(r"^[A-Za-z0-9.₂₃]+$")


@dataclass(frozen=True)
class Concept:
    code: str
    iri: URIRef
    labels: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    emits: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()


class ConceptScheme:
    """The concepts of one scheme and a matcher over their labels (longest label wins)."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = {concept.code: concept for concept in concepts}
        self._label_code = {label: c.code for c in concepts for label in c.labels}
        labels = sorted(self._label_code, key=len, reverse=True)
        self._pattern = re.compile("|".join(_label_regex(label) for label in labels)) if labels else None
        self._excluded = {c.code: re.compile("|".join(map(re.escape, c.excluded))) for c in concepts if c.excluded}
        self._regex_code = [(re.compile(_label_regex(label)), code) for label, code in self._label_code.items()]

    def find(self, text: str, offset: int = 0) -> list[tuple[str, Span]]:
        """Every label occurrence in ``text`` as (code, span); ``offset`` shifts spans into the document."""
        return [(code, Span(start=offset + start, end=offset + end, text=text[start:end]))
                for code, start, end in self._occurrences(text)]

    def _occurrences(self, text: str) -> Iterator[tuple[str, int, int]]:
        if self._pattern is None:
            return
        excluded: dict[str, list[tuple[int, int]]] = {}  # looked for only once the concept is named
        for match in self._pattern.finditer(text):
            code = self._code_of(match.group(0))
            start, end = match.span()
            if code in self._excluded:
                if code not in excluded:
                    excluded[code] = [m.span() for m in self._excluded[code].finditer(text)]
                if any(s <= start and end <= e for s, e in excluded[code]):
                    continue  # 臭氧 inside 消耗臭氧层物质 does not name ozone
            yield code, start, end

    def _code_of(self, matched: str) -> str:
        if matched in self._label_code:
            return self._label_code[matched]
        return next(code for regex, code in self._regex_code if regex.fullmatch(matched))

    def stated(self, text: str, offset: int = 0) -> list[ConceptMention]:
        """One stated mention per concept, at its first occurrence."""
        mentions: dict[str, ConceptMention] = {}
        for code, start, end in self._occurrences(text):
            if code not in mentions:
                span = Span(start=offset + start, end=offset + end, text=text[start:end])
                mentions[code] = ConceptMention(code=code, basis=Basis.stated, span=span)
        return list(mentions.values())


def _label_regex(label: str) -> str:
    """Chinese labels match as written; codes (PM2.5, NOx, SO2) case-blind, as whole tokens, spaces allowed inside.

    A code becomes one alternative per way of writing its first character (P, p), with the look at
    the character before the token made after that first character: when every alternative of the
    scheme's pattern opens with a plain character, ``re`` skips straight to the places where one can
    start, instead of trying each code at every position of the text.
    """
    if not _CODE_LABEL.match(label):
        return re.escape(label)
    parts = []
    for index, char in enumerate(label[1:], 1):
        if char.isdigit() != label[index - 1].isdigit():
            parts.append(r"\s*")
        parts.append(_code_char(char))
    rest = "".join(parts) + r"(?![A-Za-z0-9₂₃]|\.\d)"
    return "|".join(re.escape(first) + r"(?<![A-Za-z0-9.].)" + rest for first in _spellings(label[0]))


def _code_char(char: str) -> str:
    if char in "2₂":
        return "[2₂]"
    if char in "3₃":
        return "[3₃]"
    if char.isalpha():
        return f"[{char.upper()}{char.lower()}]"
    return re.escape(char)


def _spellings(char: str) -> list[str]:
    """The characters :func:`_code_char` accepts for ``char``."""
    if char in "2₂":
        return ["2", "₂"]
    if char in "3₃":
        return ["3", "₃"]
    if char.isalpha():
        return list(dict.fromkeys((char.upper(), char.lower())))
    return [char]


def _concepts(scheme: URIRef) -> list[Concept]:
    graph = vocabulary_graph()
    concepts = []
    for iri in sorted(graph.subjects(SKOS.inScheme, scheme)):
        code = str(graph.value(iri, SKOS.notation) or str(iri).rsplit("/", 1)[-1])
        concepts.append(Concept(
            code=code,
            iri=iri,
            labels=tuple(sorted(_matchable_labels(graph, iri))),
            excluded=tuple(str(o) for o in graph.objects(iri, AIRKG.excludedContext)),
            emits=tuple(sorted(_code(graph, o) for o in graph.objects(iri, AIRKG.mainlyEmits))),
            broader=tuple(sorted(_code(graph, o) for o in graph.objects(iri, SKOS.broader))),
        ))
    return concepts


def _matchable_labels(graph: Graph, iri: URIRef) -> set[str]:
    labels = set()
    for predicate in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation):
        for label in graph.objects(iri, predicate):
            if not isinstance(label, Literal):
                continue
            text = str(label).strip()
            if label.language in (None, "zh") and re.search(r"[\u4e00-\u9fff]", text):
                labels.add(text)
            elif _CODE_LABEL.match(text) and any(c.isupper() for c in text):
                labels.add(text)
    return labels


def _code(graph: Graph, iri: URIRef) -> str:
    return str(graph.value(iri, SKOS.notation) or str(iri).rsplit("/", 1)[-1])


@cache
def pollutants() -> ConceptScheme:
    return ConceptScheme(_concepts(RES["scheme/pollutants"]))


@cache
def sectors() -> ConceptScheme:
    return ConceptScheme(_concepts(RES["scheme/sectors"]))


def concept_mentions(text: str, offset: int = 0) -> tuple[list[ConceptMention], list[ConceptMention]]:
    """Pollutants and sectors of a measure: stated ones, then those inferred through the sector scheme.

    A sector stated implies the pollutants it mainly emits and the sector groups above it.
    """
    stated_pollutants = pollutants().stated(text, offset)
    stated_sectors = sectors().stated(text, offset)
    pollutant_codes = {m.code for m in stated_pollutants}
    sector_codes = {m.code for m in stated_sectors}
    inferred_pollutants: dict[str, ConceptMention] = {}
    inferred_sectors: dict[str, ConceptMention] = {}
    for mention in stated_sectors:
        concept = sectors().concepts[mention.code]
        for code in concept.emits:
            if code not in pollutant_codes and code not in inferred_pollutants:
                inferred_pollutants[code] = ConceptMention(code=code, basis=Basis.inferred, via=mention.code)
        for code in concept.broader:
            if code not in sector_codes and code not in inferred_sectors:
                inferred_sectors[code] = ConceptMention(code=code, basis=Basis.inferred, via=mention.code)
    return (stated_pollutants + list(inferred_pollutants.values()),
            stated_sectors + list(inferred_sectors.values()))
