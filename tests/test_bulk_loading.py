"""The bulk path to the store: N-Quads from the builder, the store's bulk load, and the faster region matcher.

Each fast path must give exactly what the slow one gives: the same quads as ``build_plan_graph``,
the same store as ``extract_files`` + ``replace_graphs``, the same matches as the regular
expression ``Gazetteer.find`` used to be.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from kg.errors import DocumentError, InputError
from kg.extract.assembly import extract_plan
from kg.loading import bulk_load_files, extract_files, graphs_to_load
from kg.relations.graph import rebuild as rebuild_relations
from kg.rdf_building import (
    REGIONS_GRAPH,
    build_plan_graphs,
    build_regions_graph,
    plan_graph_iri,
    plan_nquads,
    regions_nquads,
)
from kg.extract.reading import read_document
from kg.regions import gazetteer
from kg.store import OxigraphStore, _to_ox
from tests.conftest import DOCUMENTS, SEEDS

DOCUMENT_FILES = sorted(SEEDS.glob("*.txt")) + sorted(DOCUMENTS.glob("*.txt"))


def _triples(graph: Graph) -> set[ox.Triple]:
    return {ox.Triple(*(_to_ox(term) for term in triple)) for triple in graph}


def _nquads(data: bytes) -> list[ox.Quad]:
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


@pytest.mark.parametrize("path", DOCUMENT_FILES, ids=lambda p: p.stem)
def test_plan_nquads_are_the_triples_of_the_plan_graphs(path: Path) -> None:
    document = read_document(path)
    plan = extract_plan(document)
    graphs = build_plan_graphs(plan, document.text)
    built = plan_nquads(plan, document.text)
    quads = _nquads(built.data)
    assert built.quads == len(quads) == sum(len(graph) for graph in graphs.values())
    assert list(graphs) == [str(plan_graph_iri(plan.id)), *built.described]
    for name, graph in graphs.items():
        assert {q.triple for q in quads if q.graph_name == ox.NamedNode(name)} == _triples(graph)


def test_region_nquads_are_the_region_graph() -> None:
    data, count = regions_nquads()
    quads = _nquads(data)
    graph = build_regions_graph()
    assert count == len(quads) == len(graph) > 15_000
    assert {quad.graph_name for quad in quads} == {ox.NamedNode(str(REGIONS_GRAPH))}
    assert {quad.triple for quad in quads} == _triples(graph)


def _all_quads(store: OxigraphStore) -> set[str]:
    """The store's whole content as N-Quads lines, blank node labels masked (they differ between loads)."""
    quads = store._db.quads_for_pattern(None, None, None, None)  # noqa: SLF001 - the store's whole content
    return {re.sub(r"_:\S+", "_:b", str(quad)) for quad in quads}


@pytest.mark.slow
def test_bulk_load_gives_the_store_replace_graphs_gives(tmp_path: Path) -> None:
    files = sorted(SEEDS.glob("*.txt"))
    with OxigraphStore(tmp_path / "graphs") as slow, OxigraphStore(tmp_path / "bulk") as fast:
        slow.replace_graphs(graphs_to_load(extract_files(files)))
        rebuild_relations(slow)  # the relations graphs every load path writes with the plans (kg/relations)
        report = bulk_load_files(fast, files, jobs=2, spool_dir=tmp_path)
        assert _all_quads(fast) == _all_quads(slow)
        assert [p.plan_id for p in report.plans] == [p.stem for p in files]
        assert report.quads == sum(p.quads for p in report.plans) > 5_000
        assert set(report.seconds) == {"extract", "relations", "load"}
        assert not list(tmp_path.glob("airkg-spool-*")), "the spool is deleted"
        before = _all_quads(fast)
        bulk_load_files(fast, files[:2], spool_dir=tmp_path)  # the plans exist: replaced whole
        assert _all_quads(fast) == before


def test_a_bad_file_leaves_the_store_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "docs" / "empty.txt"
    bad.parent.mkdir()
    bad.write_text("   ", encoding="utf-8")
    with OxigraphStore(tmp_path / "store") as store:
        with pytest.raises(DocumentError, match="nothing was loaded"):
            bulk_load_files(store, [SEEDS / "000_aa781de31b5c5cff.txt", bad])
        assert store.graph_iris() == []


def test_replace_graphs_nquads_refuses_quads_outside_the_graphs_and_restores(tmp_path: Path) -> None:
    graph_a = "https://airkg.example.org/id/graph/test/a"
    graph_b = "https://airkg.example.org/id/graph/test/b"
    with OxigraphStore(tmp_path / "store") as store:
        old = Graph()
        old.add((URIRef("urn:x:s"), URIRef("urn:x:p"), URIRef("urn:x:old")))
        store.replace_graphs({graph_a: old})
        before = _all_quads(store)
        stray = tmp_path / "stray.nq"
        stray.write_text(f"<urn:x:s> <urn:x:p> <urn:x:new> <{graph_a}> .\n"
                         f"<urn:x:s> <urn:x:p> <urn:x:o> <{graph_b}> .\n")
        with pytest.raises(InputError, match="outside"):
            store.replace_graphs_nquads(stray, [graph_a])
        assert _all_quads(store) == before
        broken = tmp_path / "broken.nq"
        broken.write_text(f"<urn:x:s> <urn:x:p> <urn:x:new> <{graph_a}> .\n"
                          f"<urn:x:s> <urn:x:p> \"unterminated <{graph_a}> .\n")
        with pytest.raises(InputError, match="N-Quads"):
            store.replace_graphs_nquads(broken, [graph_a])
        assert _all_quads(store) == before
        good = tmp_path / "good.nq"
        good.write_text(f"<urn:x:s> <urn:x:p> <urn:x:new> <{graph_a}> .\n")
        store.replace_graphs_nquads(good, [graph_a, graph_b])
        assert {q.object.value for q in store._db.quads_for_pattern(None, None, None, None)} == {"urn:x:new"}  # noqa: SLF001


def _reference_find(text: str, within: str | None, short_names: bool) -> list[tuple[int, int, str]]:
    """What Gazetteer.find did before: one regular expression alternating every name, longest first."""
    places = gazetteer()
    names = places._names_within(within, short_names)  # noqa: SLF001 - the candidate names
    if not names:
        return []
    pattern = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))
    return [(m.start(), m.end(), names[m.group(0)][0]) for m in pattern.finditer(text)]


@pytest.mark.parametrize("within", [None, "100000", "370000", "370800", "110000", "440111", "999999"])
@pytest.mark.parametrize("short_names", [False, True])
def test_region_matching_is_the_regular_expression_it_replaced(within: str | None, short_names: bool) -> None:
    places = gazetteer()
    for path in DOCUMENT_FILES:
        text = path.read_text(encoding="utf-8")
        for piece in (text, text[:25], text[-4:], "济宁", "北京市朝阳区和平街道"):
            matches = places.find(piece, within=within, short_names=short_names)
            found = [(m.start, m.end, m.region.code) for m in matches]
            assert found == _reference_find(piece, within, short_names)
