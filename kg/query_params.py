"""Parameter values of saved queries, as users type them, resolved to RDF terms.

Each parameter type has a resolver turning text into one term: regions through the
gazetteer (Chinese or pinyin English names, short names, six-digit codes), pollutants,
sectors, agency types, roles, deadline kinds, quality flags and bases through the SKOS schemes of
``ontology/`` (code, Chinese or English label, case and ``-``/``_``/space blind), dates,
integers and plain strings. Anything that does not resolve raises
:class:`~kg.errors.InputError` saying what is accepted.

>>> str(resolve_value("pollutant", "挥发性有机物"))
'https://airkg.example.org/id/pollutant/VOCs'
>>> str(resolve_value("region", "Shandong"))
'https://airkg.example.org/id/region/370000'
>>> resolve_value("date", "2023年6月30日").toPython()
datetime.date(2023, 6, 30)
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from rdflib import XSD, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from kg.errors import InputError
from kg.models import Level, RegionRef
from kg.regions import CHINA, english_label, gazetteer
from kg.vocabulary import RES, vocabulary_graph

#: Values meaning "leave this parameter open" (for parameters declared optional).
ANY_VALUES = frozenset({"any", "*", "all", "全部", "任意"})

_SCHEMES = {
    "pollutant": "pollutants",
    "sector": "sectors",
    "agency_type": "agency-types",
    "role": "roles",
    "deadline_kind": "deadline-kinds",
    "level": "levels",
    "quality_flag": "quality-flags",
}
_BASES = {"stated": ("stated", "明确", "文中明确"), "inferred": ("inferred", "推断", "推定")}
_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
)
_CHINA_ALIASES = ("中国", "全国", "中华人民共和国", "china", "nationwide")
_EN_LEVEL_WORDS = re.compile(r" (Special Administrative Region|Autonomous Region|Autonomous Prefecture|Prefecture|"
                             r"Province|City|League)$")


def _normal(text: str) -> str:
    """Case-, space-, ``-``- and ``_``-blind form of a name (ü as pinyin's v: Lüliang = Lvliang)."""
    return re.sub(r"[\s_\-]+", " ", text.strip().casefold().replace("ü", "v")).strip()


def _suggest(value: str, names: dict[str, str]) -> str:
    """``did you mean …?`` naming what the closest known names (normalized -> shown) stand for."""
    close = difflib.get_close_matches(_normal(value), list(names), n=3, cutoff=0.6)
    shown = list(dict.fromkeys(names[name] for name in close))
    return f"did you mean {' or '.join(shown)}? " if shown else ""


# --------------------------------------------------------------------------- SKOS schemes


@dataclass(frozen=True)
class _Scheme:
    """One scheme's concepts: normalized label -> concept, and the codes to show in messages."""

    kind: str
    by_name: dict[str, URIRef]
    codes: dict[URIRef, str]
    shown: list[str]


@cache
def _scheme(kind: str) -> _Scheme:
    graph = vocabulary_graph()
    by_name: dict[str, URIRef] = {}
    codes: dict[URIRef, str] = {}
    shown = []
    for concept in sorted(graph.subjects(SKOS.inScheme, RES[f"scheme/{_SCHEMES[kind]}"])):
        code = codes[concept] = str(graph.value(concept, SKOS.notation) or str(concept).rsplit("/", 1)[-1])
        zh = next((str(label) for label in graph.objects(concept, SKOS.prefLabel) if label.language == "zh"), "")
        shown.append(f"{code} ({zh})" if zh else code)
        names = [code, *(str(label) for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
                         for label in graph.objects(concept, p))]
        for name in names:
            by_name.setdefault(_normal(name), concept)
    return _Scheme(kind, by_name, codes, shown)


def _concept(kind: str, value: str) -> URIRef:
    scheme = _scheme(kind)
    found = scheme.by_name.get(_normal(value))
    if found is None:
        label = kind.replace("_", " ")
        suggestions = {name: scheme.codes[concept] for name, concept in scheme.by_name.items()}
        raise InputError(f"unknown {label} {value!r}; {_suggest(value, suggestions)}"
                         f"use a code or a Chinese or English name: {', '.join(scheme.shown)}")
    return found


# --------------------------------------------------------------------------- regions


@cache
def _english_region_names() -> dict[str, list[str]]:
    """Normalized English (pinyin) names -> region codes: full labels for every region, and
    the bare stem (``Shandong``, ``Jining``) for provinces and cities."""
    names: dict[str, list[str]] = {}
    for region in gazetteer().all():
        label = english_label(region)
        keys = {_normal(label)}
        if region.level in (Level.province, Level.city):
            keys.add(_normal(_EN_LEVEL_WORDS.sub("", label)))
        for key in keys:
            names.setdefault(key, []).append(region.code)
    return names


def _describe(code: str) -> str:
    region = gazetteer().by_code(code)
    parents = gazetteer().ancestors(code)
    return f"{region.name} {code}" + (f" in {parents[0].name}" if parents else "")


def resolve_region(value: str) -> RegionRef:
    """The region a user means by ``value``: a code, a Chinese name (short names of provinces
    and cities too: 山东, 济宁) or an English one (``Shandong``, ``Shandong Province``).

    Raises:
        InputError: No such region, or the name is shared by several (their codes are listed).
    """
    text = value.strip()
    places = gazetteer()
    if re.fullmatch(r"\d{6}", text):
        try:
            return places.by_code(text)
        except KeyError:
            raise InputError(f"no region has the code {text}") from None
    if _normal(text) in _CHINA_ALIASES:
        return CHINA
    if re.search(r"[\u4e00-\u9fff]", text):
        codes = places.codes_named(text)
        found = places.resolve(text) if not codes else None
        if found is not None:
            return found
    else:
        codes = _english_region_names().get(_normal(text), [])
    if len(codes) == 1:
        return places.by_code(codes[0])
    if codes:
        raise InputError(f"region {value!r} is ambiguous: {'; '.join(map(_describe, codes))}; give its code")
    raise InputError(f"unknown region {value!r}; use a Chinese name (山东省, 山东, 济宁市), an English one "
                     "(Shandong, Shandong Province, Jining City), a six-digit code (370000) or China")


# --------------------------------------------------------------------------- literals


def _date(value: str) -> Literal:
    for form in _DATE_FORMS:
        match = form.fullmatch(value.strip())
        if match:
            try:
                day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError as exc:
                raise InputError(f"not a date: {value!r} ({exc})") from None
            return Literal(day.isoformat(), datatype=XSD.date)
    raise InputError(f"not a date: {value!r}; use YYYY-MM-DD (2023-06-30) or 2023年6月30日")


def _integer(value: str) -> Literal:
    if not re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        raise InputError(f"not an integer: {value!r}")
    return Literal(int(value.strip()))


def _string(value: str) -> Literal:
    if not value.strip():
        raise InputError("an empty string is not a value")
    return Literal(value.strip())


#: A plan's status on a day (kg/relations/status.py), by its code, English words or Chinese names.
_STATUSES = {
    "in_force": ("in force", "in_force", "inforce", "current", "现行", "有效", "现行有效", "施行中", "在施"),
    "superseded": ("superseded", "replaced", "已被替代", "被替代", "已替代", "已被取代", "被取代"),
    "expired": ("expired", "ended", "已过期", "过期", "已失效", "失效", "已到期", "到期"),
    "not_yet_issued": ("not yet issued", "not_yet_issued", "future", "尚未发布", "未发布", "尚未印发", "未印发"),
}


def resolve_status(value: str) -> str:
    """The status code (``in_force``, ``superseded``, ``expired``, ``not_yet_issued``) ``value`` names.

    >>> resolve_status("In force"), resolve_status("已被替代")
    ('in_force', 'superseded')

    Raises:
        InputError: No status has that name.
    """
    for code, names in _STATUSES.items():
        if _normal(value) in {_normal(name) for name in names}:
            return code
    names = {_normal(name): code for code, names in _STATUSES.items() for name in names}
    raise InputError(f"unknown status {value!r}; {_suggest(value, names)}use in_force (现行), superseded (已被替代), "
                     "expired (已过期) or not_yet_issued (尚未发布)")


def _basis(value: str) -> Literal:
    for basis, names in _BASES.items():
        if _normal(value) in names:
            return Literal(basis)
    raise InputError(f"unknown basis {value!r}; use stated (named in the text), inferred (implied by a "
                     "sector it names) or any")


_RESOLVERS: dict[str, Callable[[str], Node]] = {
    "region": lambda value: RES[f"region/{resolve_region(value).code}"],
    **{kind: (lambda value, kind=kind: _concept(kind, value)) for kind in _SCHEMES},
    "basis": _basis,
    "status": lambda value: Literal(resolve_status(value)),
    "date": _date,
    "integer": _integer,
    "string": _string,
}

#: Parameter types named by what the store holds (agencies, plans): resolved against a store.
STORE_PARAM_TYPES: tuple[str, ...] = ("agency", "plan")
#: The parameter types a saved query may declare.
PARAM_TYPES: tuple[str, ...] = (*_RESOLVERS, *STORE_PARAM_TYPES)


def resolve_value(kind: str, value: str, store=None) -> Node:
    """The RDF term for ``value`` read as a parameter of type ``kind``.

    Args:
        kind: One of :data:`PARAM_TYPES`.
        value: The text the user gave.
        store: The store whose agencies and plans name an ``agency`` or ``plan`` value (the same resolver
            as the filters of the lists, the API and ``/graph``: names, ids, IRIs, a unique part of a name).

    Raises:
        InputError: The value does not resolve (for an agency or a plan: ``did you mean …``); the message
            says what is accepted.
    """
    if kind in STORE_PARAM_TYPES:
        if store is None:
            raise InputError(f"a {kind} is looked up in the store, and none was given")
        return resolve_agency(store, value) if kind == "agency" else resolve_plan(store, value)
    return _RESOLVERS[kind](value)


# --------------------------------------------------------------------------- entities of the store
#
# Agencies and plans are named by what the store holds (not by a scheme of ontology/): these resolvers
# take the store. Their names are read once per store generation (``Store.generation``; a remote endpoint,
# which has none, is read again after a minute). One resolver for the CLI, the API, the pages and /graph.

_AGENCY_NAMES = """SELECT DISTINCT ?a ?l ?canonical WHERE { ?a a airkg:Agency .
  { ?a rdfs:label ?l BIND(true AS ?canonical) } UNION { ?a airkg:nameVariant ?l } }"""
_PLAN_NAMES = "SELECT DISTINCT ?p ?t WHERE { ?p a airkg:Plan . OPTIONAL { ?p dcterms:title ?t } }"
_NAMES_TTL = 60.0
_names_held: dict[tuple[int, str], tuple[object, float, dict[str, set[URIRef]], dict[URIRef, str]]] = {}


def _store_names(store, kind: str) -> tuple[dict[str, set[URIRef]], dict[URIRef, str]]:
    """Normalized name -> entities, and entity -> the name to show, of the store's agencies or plans."""
    import time

    key = (id(store), kind)
    generation = getattr(store, "generation", None)
    held = _names_held.get(key)
    now = time.monotonic()
    if held is not None and held[0] == generation and (generation is not None or now - held[1] < _NAMES_TTL):
        return held[2], held[3]
    by_name: dict[str, set[URIRef]] = {}
    shown: dict[URIRef, str] = {}
    locals_: dict[URIRef, str] = {}
    query = _AGENCY_NAMES if kind == "agency" else _PLAN_NAMES
    for row in store.query(query, timeout=30).rows:
        entity = row.get("a") if kind == "agency" else row.get("p")
        name = row.get("l") if kind == "agency" else row.get("t")
        if not isinstance(entity, URIRef):
            continue
        local = str(entity).rsplit(f"/{kind}/", 1)[-1]
        by_name.setdefault(_normal(local), set()).add(entity)
        if name is not None:
            by_name.setdefault(_normal(str(name)), set()).add(entity)
            if kind == "plan" or (row.get("canonical") is not None and getattr(name, "language", None) == "zh"):
                shown[entity] = str(name)
        locals_[entity] = local
    for entity, local in locals_.items():
        shown.setdefault(entity, local)
    _names_held[key] = (generation, now, by_name, shown)
    return by_name, shown


def _entity(store, kind: str, value: str, what: str) -> URIRef:
    text = value.strip()
    if not text:
        raise InputError(f"an empty {what} is not a value")
    by_name, shown = _store_names(store, kind)
    # an IRI, an /id/… path, kind/… or the bare id
    local = re.sub(rf"^(?:https?://[^/]+)?/?(?:id/)?{kind}/", "", text)
    found = by_name.get(_normal(local)) or by_name.get(_normal(text))
    needle = _normal(text)
    found = found or set()
    if not found and len(needle) >= (2 if re.search(r"[\u4e00-\u9fff]", needle) else 3):
        # a unique part of a name (生态环境厅 alone is ambiguous; 山东省生态环境 is not), or every word of it
        found = {entity for name, entities in by_name.items() if needle in name for entity in entities}
        words = needle.split()
        if not found and len(words) > 1:
            found = {entity for name, entities in by_name.items()
                     if all(word in name.split() for word in words) for entity in entities}
        if len(found) > 1:
            names = sorted({shown[entity] for entity in found})
            listed = "; ".join(names[:8]) + (f" … ({len(names)} in all)" if len(names) > 8 else "")
            raise InputError(f"{what} {value!r} is part of several names: {listed}; give the whole name "
                             f"(did you mean {names[0]}?)")
    if len(found) > 1:
        names = sorted(shown[entity] for entity in found)
        raise InputError(f"{what} {value!r} names several: {'; '.join(names[:8])}; give its id")
    if not found:
        suggestions = {name: shown[next(iter(entities))] for name, entities in by_name.items()}
        hint = _suggest(text, suggestions)
        raise InputError(f"unknown {what} {value!r}; {hint or 'no name is close; '}"
                         f"use its Chinese or English name, or its id")
    return next(iter(found))


def resolve_agency(store, value: str) -> URIRef:
    """The agency ``value`` names: its id (``76edf130b6dd``), IRI or ``agency/…`` path, its canonical
    Chinese or English name, a name as a plan wrote it, or a part of a name that only it holds.

    Raises:
        InputError: Nothing or several agencies match (with the closest names: ``did you mean …``).
    """
    return _entity(store, "agency", value, "agency")


def resolve_plan(store, value: str) -> URIRef:
    """The plan ``value`` names: its id, IRI, title, or a part of the title only it holds.

    Raises:
        InputError: Nothing or several plans match (with the closest titles).
    """
    return _entity(store, "plan", value, "plan")


def entity_label(store, kind: str, iri: URIRef) -> str | None:
    """The name shown for an agency or plan (its Chinese name, its title)."""
    return _store_names(store, kind)[1].get(iri)


def concept_code(kind: str, value: str) -> str:
    """The code (skos:notation) of the pollutant, sector or agency type ``value`` names."""
    return _scheme(kind).codes[_concept(kind, value)]


def concept_names(kind: str, concept: URIRef) -> list[str]:
    """Every label of a concept of a scheme (code, Chinese, English, alternatives): its synonyms."""
    return sorted({name for name, found in _scheme(kind).by_name.items() if found == concept})


def search_terms(text: str) -> list[str]:
    """What a search for ``text`` looks for: the text itself and, when it names a pollutant or a sector
    (VOCs, 挥发性有机物, volatile organic compounds; steel, 钢铁), every other name of that concept.

    >>> "钢铁" in search_terms("steel") and "挥发性有机物" in search_terms("vocs")
    True
    """
    terms = [text.strip()]
    for kind in ("pollutant", "sector"):
        concept = _scheme(kind).by_name.get(_normal(text))
        if concept is not None:
            terms += [name for name in concept_names(kind, concept) if len(name) >= 2]
    seen: dict[str, None] = {}
    for term in terms:
        if term and term.casefold() not in {t.casefold() for t in seen}:
            seen[term] = None
    return list(seen)[:16]
