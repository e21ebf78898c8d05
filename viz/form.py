"""The choices offered by the filter form of ``/graph``: plans, pollutants, sectors, roles, and suggestions
for regions and agencies (typed, with a list to pick from)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.store import Store
from viz.facts import chunks, text, values
from viz.links import compact_id
from viz.style import ROLES

MAX_SUGGESTIONS = 400
#: Plans offered in a list at most; with more, the plan is typed (id or part of the title).
MAX_PLAN_OPTIONS = 300

_PLAN_COUNT = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a airkg:Plan }"
_PLANS = "SELECT ?p ?t WHERE { ?p a airkg:Plan . OPTIONAL { ?p dcterms:title ?t } } ORDER BY ?t"
_CONCEPTS = """
SELECT ?c ?code ?zh ?en WHERE {
  ?c skos:inScheme res:scheme\\/%s ; skos:notation ?code .
  OPTIONAL { ?c skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?c skos:prefLabel ?en FILTER(lang(?en) = "en") }
} ORDER BY ?code"""
#: The agencies with the most assignments, then their names. An agency's label is repeated in every plan
#: graph naming it, so joining labels to all assignments multiplied the rows (44 s at 10,000 plans). Sorting
#: on the IRI as well took 5 s more; ties are sorted by name in Python.
_BUSIEST_AGENCIES = """
SELECT ?agency (COUNT(?a) AS ?n) WHERE { ?a airkg:agency ?agency } GROUP BY ?agency ORDER BY DESC(?n) LIMIT %d"""
_AGENCY_NAMES = """
SELECT ?agency (SAMPLE(?l) AS ?label) WHERE {
  %s
  ?agency rdfs:label ?l FILTER(lang(?l) = "zh")
} GROUP BY ?agency"""
#: The regions of plans first (a few thousand), then up their hierarchy: the path from each of 10,000 plans
#: cost 1.3 s.
_REGIONS = """
SELECT DISTINCT ?label WHERE {
  { SELECT DISTINCT ?planRegion WHERE { ?plan a airkg:Plan ; airkg:region ?planRegion } }
  ?planRegion airkg:parentRegion* ?r . ?r rdfs:label ?label FILTER(lang(?label) = "zh")
  FILTER NOT EXISTS { ?r airkg:level res:level\\/national }
} ORDER BY ?label"""


@dataclass
class FormChoices:
    """(value, text) pairs for the selects, and plain suggestions for the typed fields.

    ``plans`` lists every plan when there are at most :data:`MAX_PLAN_OPTIONS` of them (``plan_count``);
    with more it is empty and the form asks for a plan id or part of a title instead."""

    plans: list[tuple[str, str]] = field(default_factory=list)
    plan_count: int = 0
    pollutants: list[tuple[str, str]] = field(default_factory=list)
    sectors: list[tuple[str, str]] = field(default_factory=list)
    roles: tuple[str, ...] = ROLES
    regions: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)

    @property
    def plans_listed(self) -> bool:
        """True when ``plans`` holds every plan (a select), False when the plan must be typed."""
        return len(self.plans) >= self.plan_count


def form_choices(store: Store) -> FormChoices:
    """What the store holds to filter by."""
    choices = FormChoices(plan_count=int(str(store.query(_PLAN_COUNT).rows[0]["n"])))
    if choices.plan_count <= MAX_PLAN_OPTIONS:
        choices.plans = [(compact_id(text(r["p"])).removeprefix("plan/"), text(r["t"]) or compact_id(text(r["p"])))
                         for r in store.query(_PLANS).rows]
    for scheme, target in (("pollutants", choices.pollutants), ("sectors", choices.sectors)):
        for row in store.query(_CONCEPTS % scheme).rows:
            names = " · ".join(n for n in (text(row["zh"]), text(row["en"])) if n)
            target.append((text(row["code"]), f"{text(row['code'])} — {names}" if names else text(row["code"])))
    choices.regions = [text(r["label"]) for r in store.query(_REGIONS).rows]
    choices.agencies = busiest_agency_names(store, MAX_SUGGESTIONS)
    return choices


def busiest_agency_names(store: Store, count: int) -> list[str]:
    """The Chinese names of the ``count`` agencies with the most assignments, most first, then by name (a name
    shared by several of them comes once; which of equally busy agencies make the cut is up to the store)."""
    busiest = {text(row["agency"]): int(str(row["n"])) for row in store.query(_BUSIEST_AGENCIES % count).rows}
    names: dict[str, str] = {}
    for chunk in chunks(sorted(busiest)):
        names.update((text(row["agency"]), text(row["label"]))
                     for row in store.query(_AGENCY_NAMES % values("agency", chunk)).rows)
    ranked = sorted((-n, names[iri]) for iri, n in busiest.items() if names.get(iri))
    return list(dict.fromkeys(name for _, name in ranked))
