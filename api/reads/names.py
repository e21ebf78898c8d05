"""Names in filters: every filter of the API and the pages goes through ``kg.query_params``, the resolver
the CLI, the saved queries and ``/graph`` use, so ``region=山东省``, ``Shandong``, ``山东`` and ``370000`` are
one filter, and a name that matches nothing is a 400 naming the closest ones (``did you mean …``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from api.models import MeasureFilter
from kg.errors import InputError
from kg.query_params import (concept_code, entity_label, resolve_agency, resolve_plan, resolve_region,
                             resolve_status)
from kg.store import Store


@dataclass
class Resolved:
    """A filter with every name replaced by its code or id, and what each value was read as (for the page)."""

    filter: MeasureFilter
    shown: dict[str, str] = field(default_factory=dict)


def _local(iri: object, kind: str) -> str:
    return str(iri).rsplit(f"/{kind}/", 1)[-1]


def resolve_filter(store: Store, wanted: MeasureFilter) -> Resolved:
    """``wanted`` with plan, region, pollutant, sector and agency as the ids and codes the reads take.

    Raises:
        InputError: A value names nothing (or several things); the message names the field.
    """
    changes: dict[str, str] = {}
    shown: dict[str, str] = {}
    try:
        if wanted.plan:
            where = "plan"
            iri = resolve_plan(store, wanted.plan)
            changes["plan"] = _local(iri, "plan")
            shown["plan"] = entity_label(store, "plan", iri) or changes["plan"]
        if wanted.region:
            where = "region"
            region = resolve_region(wanted.region)
            changes["region"] = region.code
            shown["region"] = f"{region.name} ({region.code})"
        for kind in ("pollutant", "sector"):
            value = getattr(wanted, kind)
            if value:
                where = kind
                changes[kind] = concept_code(kind, value)
                shown[kind] = changes[kind]
        if wanted.agency:
            where = "agency"
            iri = resolve_agency(store, wanted.agency)
            changes["agency"] = _local(iri, "agency")
            shown["agency"] = entity_label(store, "agency", iri) or changes["agency"]
        if wanted.status:
            where = "status"
            changes["status"] = resolve_status(wanted.status)
            changes["as_of"] = wanted.as_of or dt.date.today()  # the day is part of the filter (and of its reuse)
            shown["status"] = f"{changes['status']} on {changes['as_of'].isoformat()}"
    except InputError as error:
        raise InputError(f"{where}: {error.detail}") from None
    return Resolved(wanted.model_copy(update=changes), shown)
