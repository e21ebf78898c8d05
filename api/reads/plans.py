"""Plans: the list with counts, one plan, and its document's full text."""

from __future__ import annotations

from rdflib import URIRef

from api.errors import not_found
from api.models import PlanPublic
from api.reads.common import Row, entity_iri, integer, local_id, ref, select, text, date
from kg.store import Store

_PLANS = """
SELECT ?plan ?title ?identifier ?issued ?year ?level ?region ?regionLabel ?file
       (COUNT(DISTINCT ?m) AS ?measures) (COUNT(DISTINCT ?agency) AS ?agencies) (COUNT(DISTINCT ?d) AS ?deadlines)
WHERE {
  ?plan a airkg:Plan ; dcterms:title ?title .
  OPTIONAL { ?plan dcterms:identifier ?identifier }
  OPTIONAL { ?plan dcterms:issued ?issued }
  OPTIONAL { ?plan airkg:year ?year }
  OPTIONAL { ?plan airkg:level ?level }
  OPTIONAL { ?plan airkg:region ?region OPTIONAL { ?region rdfs:label ?regionLabel FILTER(lang(?regionLabel) = "zh") } }
  OPTIONAL { ?plan airkg:sourceDocument/dcterms:identifier ?file }
  OPTIONAL {
    ?m airkg:partOfPlan ?plan .
    OPTIONAL { ?m airkg:hasAssignment/airkg:agency ?agency }
    OPTIONAL { ?m airkg:hasDeadline ?d }
  }
}
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


def list_plans(store: Store) -> list[PlanPublic]:
    return [_plan(row) for row in select(store, _PLANS)]


def plan_iri(plan_id: str) -> URIRef:
    return entity_iri("plan", plan_id)


def get_plan(store: Store, plan_id: str) -> PlanPublic:
    """Raises NotFound for an unknown id."""
    rows = select(store, _PLANS, {"plan": plan_iri(plan_id)})
    if not rows:
        raise not_found("plan", plan_id)
    return _plan(rows[0])


def plan_text(store: Store, plan_id: str) -> tuple[str, str | None]:
    """The full text of the plan's source document and its file name."""
    rows = select(store, _DOCUMENT, {"plan": plan_iri(plan_id)})
    if not rows:
        raise not_found("plan", plan_id)
    return str(rows[0]["text"]), text(rows[0]["file"])
