"""Plans: the list with counts, one plan, and its document's full text."""

from __future__ import annotations

from rdflib import URIRef

from api.errors import not_found
from api.models import PlanPublic
from api.models import Ref
from api.reads.common import Row, entity_iri, integer, local_id, ref, reused, select, text, date, values_block
from api.reads.flags import flags_of
from kg.store import Store

_PLAN_IRIS = "SELECT ?plan WHERE { ?plan a airkg:Plan }"
#: The plans of a page with their counts: given by a VALUES block (``{plans}``), as counting the measures,
#: agencies and deadlines of every plan takes seconds at 10,000 plans.
_PLANS = """
SELECT ?plan ?title ?identifier ?issued ?year ?level ?region ?regionLabel ?file
       (COUNT(DISTINCT ?m) AS ?measures) (COUNT(DISTINCT ?agency) AS ?agencies) (COUNT(DISTINCT ?d) AS ?deadlines)
WHERE {{
  {plans}
  ?plan a airkg:Plan ; dcterms:title ?title .
  OPTIONAL {{ ?plan dcterms:identifier ?identifier }}
  OPTIONAL {{ ?plan dcterms:issued ?issued }}
  OPTIONAL {{ ?plan airkg:year ?year }}
  OPTIONAL {{ ?plan airkg:level ?level }}
  OPTIONAL {{ ?plan airkg:region ?region
             OPTIONAL {{ ?region rdfs:label ?regionLabel FILTER(lang(?regionLabel) = "zh") }} }}
  OPTIONAL {{ ?plan airkg:sourceDocument/dcterms:identifier ?file }}
  OPTIONAL {{
    ?m airkg:partOfPlan ?plan .
    OPTIONAL {{ ?m airkg:hasAssignment/airkg:agency ?agency }}
    OPTIONAL {{ ?m airkg:hasDeadline ?d }}
  }}
}}
GROUP BY ?plan ?title ?identifier ?issued ?year ?level ?region ?regionLabel ?file
ORDER BY ?plan
"""

_DOCUMENT = """
SELECT ?text ?file WHERE {
  ?plan airkg:sourceDocument ?doc . ?doc airkg:fullText ?text .
  OPTIONAL { ?doc dcterms:identifier ?file }
}
"""


def _plan(row: Row) -> PlanPublic:
    year = text(row["year"])
    return PlanPublic(
        id=local_id(row["plan"], "plan"),
        iri=str(row["plan"]),
        title=str(row["title"]),
        identifier=text(row["identifier"]),
        issued=date(row["issued"]),
        year=int(year[:4]) if year and year[:4].isdigit() else None,
        level=local_id(row["level"], "level") if row["level"] else None,
        region=ref(row["region"], "region", row["regionLabel"]),
        source_file=text(row["file"]),
        measure_count=integer(row["measures"]),
        agency_count=integer(row["agencies"]),
        deadline_count=integer(row["deadlines"]),
    )


def plan_iris(store: Store) -> list[URIRef]:
    """Every plan's IRI, in the order of their text (sorted here: ORDER BY costs 0.7 s at 10,000 plans)."""
    return reused(store, "plan_iris", lambda: sorted(
        {row["plan"] for row in select(store, _PLAN_IRIS) if isinstance(row["plan"], URIRef)}, key=str))


def list_plans(store: Store, limit: int, offset: int = 0) -> tuple[list[PlanPublic], int]:
    """One page of the plans in the order of their IRI, with their counts, and how many plans there are."""
    every = plan_iris(store)
    return plans_by_iri(store, every[offset:offset + limit]), len(every)


def plans_by_iri(store: Store, iris: list[URIRef]) -> list[PlanPublic]:
    """The plans ``iris`` (read from the store or built by :func:`plan_iri`) with their counts and quality
    flags, in that order; an IRI that is no plan is left out."""
    if not iris:
        return []
    found = {row["plan"]: _plan(row) for row in select(store, _PLANS.format(plans=values_block("plan", iris)))}
    plans = [found[iri] for iri in iris if iri in found]
    for plan, flags in zip(plans, flags_of(store, [URIRef(plan.iri) for plan in plans])):
        plan.quality_flags = flags
    return plans


def plan_iri(plan_id: str) -> URIRef:
    return entity_iri("plan", plan_id)


def get_plan(store: Store, plan_id: str) -> PlanPublic:
    """Raises NotFound for an unknown id."""
    found = plans_by_iri(store, [plan_iri(plan_id)])
    if not found:
        raise not_found("plan", plan_id)
    return found[0]


_PLAN_REGIONS = """SELECT DISTINCT ?region ?label WHERE {
  { SELECT DISTINCT ?region WHERE { ?plan a airkg:Plan ; airkg:region ?region } }
  OPTIONAL { ?region rdfs:label ?label FILTER(lang(?label) = "zh") } }"""


def plan_regions(store: Store) -> list[Ref]:
    """The regions plans are issued for, by code."""
    found = {row["region"]: row["label"] for row in select(store, _PLAN_REGIONS)}
    return sorted((ref(region, "region", label) for region, label in found.items()), key=lambda r: r.id)  # type: ignore[union-attr]


def plan_text(store: Store, plan_id: str) -> tuple[str, str | None]:
    """The full text of the plan's source document and its file name."""
    rows = select(store, _DOCUMENT, {"plan": plan_iri(plan_id)})
    if not rows:
        raise not_found("plan", plan_id)
    return str(rows[0]["text"]), text(rows[0]["file"])
