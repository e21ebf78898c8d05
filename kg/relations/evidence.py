"""The words two linked measures share, computed when a lineage link is shown (the plan page, the relations API,
the graph view), from the two measures' texts and concepts as their plans' graphs hold them, with the function
lineage has always used (:func:`kg.relations.matching.measure_evidence`). The relations graphs do not store it:
it was most of a link's quads and a fifth of the relations' CPU, for a few links ever looked at.
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.relations.features import MeasureInfo, plan_id_of, sparql_term_iri
from kg.relations.matching import Evidence, measure_evidence
from kg.store import Store
from kg.vocabulary import RES

_RES = str(RES)
_BATCH = 200


def read_measure_words(store: Store, measure_iris: Iterable[str]) -> dict[str, MeasureInfo]:
    """The measures of ``measure_iris`` with their text and concepts (what :func:`measure_evidence` compares), by
    IRI; a measure not in the store is left out."""
    iris = sorted(set(measure_iris))
    out: dict[str, MeasureInfo] = {}
    for first in range(0, len(iris), _BATCH):
        values = "VALUES ?m { " + " ".join(sparql_term_iri(i) for i in iris[first:first + _BATCH]) + " }"
        for row in store.query(f"""
            SELECT ?m ?path ?title ?text WHERE {{
              {values} ?m airkg:path ?path ; dcterms:title ?title ; airkg:text ?text }}""").rows:
            iri = str(row["m"])
            out[iri] = MeasureInfo(iri, plan_id_of(iri), str(row["path"]), str(row["title"]), str(row["text"]))
        for row in store.query(f"""
            SELECT ?m ?concept WHERE {{
              {values}
              {{ ?m airkg:statedPollutant ?concept }} UNION {{ ?m airkg:inferredPollutant ?concept }}
              UNION {{ ?m airkg:statedSector ?concept }} UNION {{ ?m airkg:inferredSector ?concept }} }}""").rows:
            measure = out.get(str(row["m"]))
            if measure is not None:
                measure.codes.add(str(row["concept"])[len(_RES):])
    return out


def link_evidence(store: Store, links: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Evidence]:
    """The evidence of each (lower measure, higher measure) link of ``links``, as lineage computes it; a link
    one of whose measures is not in the store gets none."""
    pairs = sorted(set(links))
    measures = read_measure_words(store, (iri for pair in pairs for iri in pair))
    return {(lower, higher): measure_evidence(measures[lower], measures[higher])
            for lower, higher in pairs if lower in measures and higher in measures}
