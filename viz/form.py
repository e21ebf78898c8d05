"""The choices offered by the filter form of ``/graph``: plans, pollutants, sectors, roles, and suggestions
for regions and agencies (typed, with a list to pick from)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.store import Store
from viz.facts import text
from viz.links import compact_id
from viz.style import ROLES

MAX_SUGGESTIONS = 400

_PLANS = "SELECT ?p ?t WHERE { ?p a airkg:Plan . OPTIONAL { ?p dcterms:title ?t } } ORDER BY ?t"
_CONCEPTS = """
SELECT ?c ?code ?zh ?en WHERE {
  ?c skos:inScheme res:scheme\\/%s ; skos:notation ?code .
  OPTIONAL { ?c skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?c skos:prefLabel ?en FILTER(lang(?en) = "en") }
} ORDER BY ?code"""
_AGENCIES = """
SELECT ?label (COUNT(?a) AS ?n) WHERE {
  ?a airkg:agency ?agency . ?agency rdfs:label ?label FILTER(lang(?label) = "zh")
} GROUP BY ?label ORDER BY DESC(?n) LIMIT %d"""
_REGIONS = """
SELECT DISTINCT ?label WHERE {
  ?plan a airkg:Plan ; airkg:region/airkg:parentRegion* ?r . ?r rdfs:label ?label FILTER(lang(?label) = "zh")
  FILTER NOT EXISTS { ?r airkg:level res:level\\/national }
} ORDER BY ?label"""


@dataclass
class FormChoices:
    """(value, text) pairs for the selects, and plain suggestions for the typed fields."""

    plans: list[tuple[str, str]] = field(default_factory=list)
    pollutants: list[tuple[str, str]] = field(default_factory=list)
    sectors: list[tuple[str, str]] = field(default_factory=list)
    roles: tuple[str, ...] = ROLES
    regions: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)


def form_choices(store: Store) -> FormChoices:
    """What the store holds to filter by."""
    choices = FormChoices()
    choices.plans = [(compact_id(text(r["p"])).removeprefix("plan/"), text(r["t"]) or compact_id(text(r["p"])))
                     for r in store.query(_PLANS).rows]
    for scheme, target in (("pollutants", choices.pollutants), ("sectors", choices.sectors)):
        for row in store.query(_CONCEPTS % scheme).rows:
            names = " · ".join(n for n in (text(row["zh"]), text(row["en"])) if n)
            target.append((text(row["code"]), f"{text(row['code'])} — {names}" if names else text(row["code"])))
    choices.regions = [text(r["label"]) for r in store.query(_REGIONS).rows]
    choices.agencies = [text(r["label"]) for r in store.query(_AGENCIES % MAX_SUGGESTIONS).rows]
    return choices
