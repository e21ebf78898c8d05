"""Linked data: every entity IRI (https://airkg.example.org/id/…) dereferences under /id/… on this server.

A browser (Accept: text/html) is sent to the entity's page; RDF clients get the entity's own
triples plus the labels of the nodes it links to, as Turtle, JSON-LD or N-Triples.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import StoreDep, TemplatesDep
from api.errors import not_found
from api.negotiation import choose
from api.reads.common import RES, READ_TIMEOUT
from api.sparql_results import GRAPH_TYPES, render
from kg.store import QueryResult, is_iri
from rdflib import URIRef

router = APIRouter(tags=["linked data"])

HTML = "text/html"
#: The entity's own triples with the labels of what they point to, and the triples of the nodes that are
#: parts of it (a measure's assignments, deadlines, targets and flags), with the labels of what those point
#: to: who does what is said by assignments, so a measure's agencies are two links away.
_DESCRIBE = """
CONSTRUCT { ?entity ?p ?o . ?o ?labelling ?label . ?part ?q ?v . ?v ?partLabelling ?partLabel }
WHERE {
  { ?entity ?p ?o .
    OPTIONAL { VALUES ?labelling { rdfs:label skos:prefLabel dcterms:title skos:notation } ?o ?labelling ?label } }
  UNION
  { VALUES ?has { airkg:hasAssignment airkg:hasDeadline airkg:hasTarget airkg:qualityFlag }
    ?entity ?has ?part . ?part ?q ?v .
    OPTIONAL { VALUES ?partLabelling { rdfs:label skos:prefLabel dcterms:title skos:notation } ?v ?partLabelling ?partLabel } }
}
"""
#: ``?format=`` for links a browser follows (it sends Accept: text/html): the RDF it names.
_FORMATS = {"ttl": GRAPH_TYPES[0], "turtle": GRAPH_TYPES[0], "jsonld": GRAPH_TYPES[1], "nt": GRAPH_TYPES[2]}
#: Entity kinds with a page of their own: IRI path prefix -> page path prefix.
PAGES = {"plan/": "/plans/", "agency/": "/agencies/", "pollutant/": "/pollutants/", "sector/": "/sectors/",
         "region/": "/regions/"}


def describe(store, iri: URIRef) -> QueryResult:
    """The entity's outgoing triples plus labels of what they point to; NotFound when it has none."""
    result = store.query(_DESCRIBE, bindings={"entity": iri}, timeout=READ_TIMEOUT)
    if result.graph is None or len(result.graph) == 0:
        raise not_found("resource", str(iri))
    return result


def page_for(path: str) -> str | None:
    """The web page of an entity path like ``plan/000_x`` or ``plan/000_x/measure/2.1``, else None."""
    measure = re.fullmatch(r"plan/([^/]+)/measure/([^/]+)", path)
    if measure:
        return f"/measures/{measure[1]}:{measure[2]}"
    for prefix, page in PAGES.items():
        rest = path[len(prefix):]
        if path.startswith(prefix) and rest and "/" not in rest:
            return page + rest
    return None


@router.get("/id/{path:path}", response_model=None, responses={
    200: {"description": "The entity", "content": {media: {} for media in (*GRAPH_TYPES, HTML)}},
    303: {"description": "A browser is sent to the entity's page"},
    404: {"description": "Nothing in the graph has this IRI"},
    406: {"description": "No acceptable format"},
})
def dereference(
    request: Request, store: StoreDep, templates: TemplatesDep,
    path: str = Path(description="The IRI path after /id/, e.g. plan/000_aa781de31b5c5cff/measure/2.1"),
) -> Response:
    """The entity whose IRI is https://airkg.example.org/id/{path}: HTML, Turtle, JSON-LD or N-Triples by Accept."""
    media_type = _FORMATS.get(request.query_params.get("format", "")) or choose(
        request.headers.get("accept"), (*GRAPH_TYPES, HTML))
    iri = RES + path
    if not is_iri(iri):  # a path no IRI of the graph has (%zz, a second #, a control character)
        raise not_found("resource", iri)
    result = describe(store, URIRef(iri))
    if media_type == HTML:
        page = page_for(path)
        if page is not None:
            return RedirectResponse(page, status_code=303, headers={"Vary": "Accept"})
        return templates.TemplateResponse(request, "resource.html", resource_context(iri, result),
                                          headers={"Vary": "Accept"})
    body, content_type = render(result, media_type)
    return Response(body, media_type=content_type, headers={"Vary": "Accept"})


def resource_context(iri: str, result: QueryResult) -> dict:
    """Rows (property, value, label of the value) for the generic resource page."""
    graph = result.graph
    assert graph is not None
    subject = URIRef(iri)
    labels: dict = {}
    for s, p, o in graph:
        if s != subject:
            labels.setdefault(s, str(o))
    rows = sorted(((str(p), o, labels.get(o)) for p, o in graph.predicate_objects(subject)),
                  key=lambda row: (row[0], str(row[1])))
    return {"iri": iri, "rows": rows, "res": RES}
