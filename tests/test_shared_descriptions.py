"""Agencies and people described once, in a graph of their own, whatever the number of plans naming them; a
description goes with the last plan naming it (removed, or replaced by a version that no longer names it).

Read from the documents: both Zibo plans (``tests/documents/compare_zibo_202{3,4}.txt``, 淄博市) give measures to
市生态环境局 and 市公安局 ("（市公安局牵头，市应急管理局配合）", measure 八 of 2024); the Zhoucun seed
(``seeds/002_…``, 周村区 of 淄博市) names neither, it gives its measures to 周村区's own bodies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.loading import ingest_bytes, ingest_files, remove_plan
from kg.rdf_building import agency_iri, description_graph_iri
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
ZIBO_2023 = ROOT / "tests" / "documents" / "compare_zibo_2023.txt"
ZIBO_2024 = ROOT / "tests" / "documents" / "compare_zibo_2024.txt"
ZHOUCUN = ROOT / "seeds" / "002_833ca56d4879db5a.txt"
ZIBO = "370300"
ENVIRONMENT = str(agency_iri("淄博市生态环境局", ZIBO))
POLICE = str(agency_iri("淄博市公安局", ZIBO))
TRANSPORT = str(agency_iri("淄博市交通运输局", ZIBO))


def _quads_about(store: OxigraphStore, node: str) -> list[tuple[str, str, str]]:
    rows = store.query(f"SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ <{node}> ?p ?o }} }}").rows
    return sorted((str(r["g"]), str(r["p"]), str(r["o"])) for r in rows)


def _described(store: OxigraphStore, node: str) -> bool:
    return description_graph_iri(node) in store.graph_iris()


def _zh_labels(store: OxigraphStore, node: str) -> list[str]:
    rows = store.query(f'SELECT ?g ?l WHERE {{ GRAPH ?g {{ <{node}> rdfs:label ?l FILTER(lang(?l) = "zh") }} }}').rows
    return [str(r["l"]) for r in rows]


@pytest.fixture()
def store(tmp_path: Path) -> OxigraphStore:
    store = OxigraphStore(str(tmp_path / "store"))
    ingest_files(store, [ZIBO_2023, ZIBO_2024, ZHOUCUN])
    yield store
    store.close()


def test_an_agency_two_plans_name_is_described_once(store: OxigraphStore) -> None:
    assert _zh_labels(store, ENVIRONMENT) == ["淄博市生态环境局"]
    graphs = {g for g, _, _ in _quads_about(store, ENVIRONMENT)}
    plan_graphs = {g for g in graphs if "/graph/plan/" in g}
    # the description graph, and the plan graphs only for how each plan wrote the name
    assert graphs - plan_graphs == {description_graph_iri(ENVIRONMENT)}
    assert {p for g, p, _ in _quads_about(store, ENVIRONMENT) if g in plan_graphs} == {
        "https://airkg.example.org/ontology#nameVariant"}
    assert len(plan_graphs) == 2


def test_a_description_goes_with_the_last_plan_naming_it(store: OxigraphStore) -> None:
    zhoucun_bodies = {str(r["a"]) for r in store.query(
        "SELECT DISTINCT ?a WHERE { GRAPH <https://airkg.example.org/id/graph/plan/002_833ca56d4879db5a> "
        "{ ?x airkg:agency ?a } }").rows}
    assert zhoucun_bodies and ENVIRONMENT not in zhoucun_bodies
    remove_plan(store, ZIBO_2023.stem)
    assert _described(store, ENVIRONMENT) and _zh_labels(store, ENVIRONMENT) == ["淄博市生态环境局"]
    remove_plan(store, ZIBO_2024.stem)
    assert not _described(store, ENVIRONMENT) and _quads_about(store, ENVIRONMENT) == []
    assert all(_described(store, body) for body in zhoucun_bodies)


def test_a_replaced_plan_that_no_longer_names_an_agency_takes_its_description(store: OxigraphStore) -> None:
    remove_plan(store, ZIBO_2023.stem)
    assert _described(store, POLICE) and not _described(store, TRANSPORT)
    text = ZIBO_2024.read_text(encoding="utf-8").replace("市公安局牵头", "市交通运输局牵头")
    assert "公安局" not in text
    report = ingest_bytes(store, ZIBO_2024.name, text.encode("utf-8"))
    assert report.replaced == [ZIBO_2024.stem]
    assert not _described(store, POLICE) and _quads_about(store, POLICE) == []
    assert _zh_labels(store, TRANSPORT) == ["淄博市交通运输局"]


def test_every_plan_naming_an_agency_writes_the_same_description() -> None:
    """The description graphs are replaced by each plan that names the agency or person, so they must not
    depend on the plan: checked over every document of the tests and the seeds (18 plans, 5 regions)."""
    from collections import defaultdict

    from kg.extract.assembly import extract_plan
    from kg.extract.reading import read_document
    from kg.rdf_building import plan_nquads

    descriptions: dict[str, set[bytes]] = {}
    shared = 0
    for path in sorted([*(ROOT / "seeds").glob("*.txt"), *(ROOT / "tests" / "documents").glob("*.txt")]):
        document = read_document(path)
        built = plan_nquads(extract_plan(document), document.text)
        lines: dict[str, set[bytes]] = defaultdict(set)
        for line in built.data.splitlines():
            graph = line.rsplit(b" ", 2)[-2][1:-1].decode()
            if graph in built.described:
                lines[graph].add(line)
        assert set(lines) == set(built.described)
        for graph, described in lines.items():
            shared += graph in descriptions
            assert descriptions.setdefault(graph, described) == described, graph
    # both Zibo plans give measures to the same ten 市 bodies (市生态环境局, 市住房和城乡建设局, 市公安局 …)
    assert shared >= 10
