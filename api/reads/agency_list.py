"""The agencies list with filters: a name (Chinese, English, as written; a part of it), a jurisdiction
(region by name or code, its sub-regions included) and a functional type (code or label)."""

from __future__ import annotations

from rdflib import URIRef

from api.models import AgencyPublic
from api.reads.common import reused, select
from api.reads.entities import agencies_by_iri, agency_ranking
from kg.query_params import _normal, _store_names, concept_code, resolve_region  # noqa: PLC2701
from kg.regions import gazetteer
from kg.store import Store

_FACTS = """SELECT ?a ?jurisdiction ?type WHERE { ?a a airkg:Agency .
  OPTIONAL { ?a airkg:jurisdiction ?jurisdiction } OPTIONAL { ?a airkg:functionalType ?type } }"""


def _facts(store: Store) -> dict[URIRef, tuple[str | None, str | None]]:
    def read() -> dict[URIRef, tuple[str | None, str | None]]:
        out = {}
        for row in select(store, _FACTS):
            where = str(row["jurisdiction"]).rsplit("/", 1)[-1] if row["jurisdiction"] else None
            kind = str(row["type"]).rsplit("/", 1)[-1] if row["type"] else None
            out[row["a"]] = (where, kind)
        return out
    return reused(store, "agency facts", read)


def find_agencies(store: Store, limit: int, offset: int = 0, q: str | None = None, region: str | None = None,
                  agency_type: str | None = None) -> tuple[list[AgencyPublic], int, dict[str, str]]:
    """A page of the agencies matching the filters, the most often assigned first, their number, and what
    each filter was read as. Raises InputError for a region or type that names nothing."""
    ranking = agency_ranking(store)
    shown: dict[str, str] = {}
    keep = None
    if q and q.strip():
        needle = _normal(q)
        by_name, _ = _store_names(store, "agency")
        keep = {iri for name, iris in by_name.items() if needle in name for iri in iris}
    facts = _facts(store) if (region or agency_type) else {}
    if region and region.strip():
        place = resolve_region(region)
        shown["region"] = f"{place.name} ({place.code})"
        places = gazetteer()
        inside = {iri for iri, (where, _) in facts.items() if where and places.is_within(where, place.code)}
        keep = inside if keep is None else keep & inside
    if agency_type and agency_type.strip():
        code = concept_code("agency_type", agency_type)
        shown["type"] = code
        typed = {iri for iri, (_, kind) in facts.items() if kind == code}
        keep = typed if keep is None else keep & typed
    chosen = ranking if keep is None else [(iri, n) for iri, n in ranking if iri in keep]
    page = chosen[offset:offset + limit]
    return agencies_by_iri(store, [iri for iri, _ in page], dict(page)), len(chosen), shown
