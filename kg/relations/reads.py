"""What the pages and the API show of one plan's relations: status, citations both ways, previous and next
plans, and per measure its counterparts above (the measures it carries out) and below (those carrying it out)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from rdflib import URIRef

from kg.rdf_building import plan_iri
from kg.relations.evidence import link_evidence
from kg.relations.features import plan_id_of
from kg.relations.plan_status import plan_statuses
from kg.source_spans import span_words
from kg.store import Store


def _s(term: object) -> str | None:
    return None if term is None else str(term)


def _links(store: Store, node: dict, sparql: str, lower_is_own: bool) -> dict[str, list[dict]]:
    """The lineage links the query finds, by the path of the plan's own measure (``?m``); each with the (lower,
    higher) measure pair it joins, under ``pair``, till :func:`_add_shared_words` replaces it."""
    out: dict[str, list[dict]] = defaultdict(list)
    for r in store.query(sparql, bindings=node).rows:
        own, other = str(r["m"]), str(r["other"])
        out[str(r["path"])].append({"plan": plan_id_of(r["other"]), "plan_title": str(r["otherPlanTitle"]),
                                    "path": str(r["otherPath"]), "title": str(r["otherTitle"]),
                                    "score": float(str(r["score"])), "link": str(r["link"]),
                                    "pair": (own, other) if lower_is_own else (other, own)})
    return out


def _add_shared_words(store: Store, groups: list[list[dict]]) -> None:
    """Each link's ``shared`` words (at most six, longest first), computed from its two measures' texts; the links
    of a group sorted by score, best first."""
    shared = link_evidence(store, (link["pair"] for links in groups for link in links))
    for links in groups:
        for link in links:
            found = shared.get(link.pop("pair"))
            link["shared"] = list(found.phrases[:6]) if found else []
        links.sort(key=lambda link: -link["score"])


def plan_relations(store: Store, plan_id: str, as_of: dt.date | None = None) -> dict:
    """The relations of plan ``plan_id`` (empty lists when it has none, or is unknown)."""
    as_of = as_of or dt.date.today()
    node = {"plan": URIRef(str(plan_iri(plan_id)))}
    statuses = plan_statuses(store, as_of, [plan_id])
    status = statuses.get(plan_id)
    cite_rows = store.query("""
        SELECT ?c ?title ?number ?span ?cited ?citedTitle ?how ?path WHERE {
          ?plan airkg:hasCitation ?c . ?c airkg:citedTitle ?title .
          OPTIONAL { ?c airkg:citedIdentifier ?number }
          OPTIONAL { ?c airkg:source ?span }
          OPTIONAL { ?c airkg:citedPlan ?cited . ?cited dcterms:title ?citedTitle . OPTIONAL { ?c airkg:resolvedBy ?how } }
          OPTIONAL { ?c airkg:inMeasure ?m . ?m airkg:path ?path }
        } ORDER BY ?c""", bindings=node).rows
    words = span_words(store, (r["span"] for r in cite_rows))
    cites = [{"title": str(r["title"]), "identifier": _s(r["number"]), "text": words.get(str(r["span"])),
              "plan": plan_id_of(r["cited"]) if r["cited"] is not None else None,
              "plan_title": _s(r["citedTitle"]), "resolved_by": _s(r["how"]),
              "measure": _s(r["path"])}
             for r in cite_rows]
    cited_by = sorted({(plan_id_of(r["other"]), str(r["title"])) for r in store.query("""
        SELECT ?other ?title WHERE { ?other airkg:cites ?plan ; dcterms:title ?title }""", bindings=node).rows})
    def plans(sparql: str) -> list[dict]:
        return [{"id": plan_id_of(r["other"]), "title": str(r["title"])}
                for r in store.query(sparql, bindings=node).rows]
    up = _links(store, node, """
        SELECT ?path ?m ?link ?other ?otherPath ?otherTitle ?score ?otherPlanTitle WHERE {
          ?m airkg:partOfPlan ?plan ; airkg:path ?path ; airkg:hasLineage ?link .
          ?link airkg:higherMeasure ?other ; airkg:score ?score .
          ?other airkg:path ?otherPath ; dcterms:title ?otherTitle ; airkg:partOfPlan ?op .
          ?op dcterms:title ?otherPlanTitle .
        }""", lower_is_own=True)
    down = _links(store, node, """
        SELECT ?path ?m ?link ?other ?otherPath ?otherTitle ?score ?otherPlanTitle WHERE {
          ?m airkg:partOfPlan ?plan ; airkg:path ?path .
          ?other airkg:hasLineage ?link . ?link airkg:higherMeasure ?m ; airkg:score ?score .
          ?other airkg:path ?otherPath ; dcterms:title ?otherTitle ; airkg:partOfPlan ?op .
          ?op dcterms:title ?otherPlanTitle .
        }""", lower_is_own=False)
    _add_shared_words(store, [*up.values(), *down.values()])
    lower_plans = plans("SELECT DISTINCT ?other ?title WHERE { ?other airkg:higherPlan ?plan ; dcterms:title ?title }")
    paths = [str(r["path"]) for r in store.query("SELECT ?path WHERE { ?m airkg:partOfPlan ?plan ; airkg:path ?path }",
                                                 bindings=node).rows]
    # per measure, the plans below that were compared with this one and carry it out nowhere
    not_taken_up = {path: [p for p in lower_plans if p["id"] not in {link["plan"] for link in down.get(path, [])}]
                    for path in paths} if lower_plans else {}
    return {
        "plan": plan_id,
        "as_of": as_of.isoformat(),
        "status": status.status if status else None,
        "period": [status.start, status.end] if status else None,
        "superseded_by": list(status.superseded_by) if status else [],
        "overdue_measures": status.overdue_measures if status else 0,
        "cites": cites,
        "cited_by": [{"id": i, "title": t} for i, t in cited_by],
        "previous": plans("SELECT ?other ?title WHERE { ?plan airkg:previousPlan ?other . ?other dcterms:title ?title }"),
        "next": plans("SELECT ?other ?title WHERE { ?other airkg:previousPlan ?plan ; dcterms:title ?title }"),
        "supersedes": plans("SELECT ?other ?title WHERE { ?plan airkg:supersedes ?other . ?other dcterms:title ?title }"),
        "higher_plans": plans("SELECT ?other ?title WHERE { ?plan airkg:higherPlan ?other . ?other dcterms:title ?title }"),
        "lower_plans": lower_plans,
        "up": dict(up),
        "down": dict(down),
        "not_taken_up_by": {path: found for path, found in not_taken_up.items() if found},
    }
