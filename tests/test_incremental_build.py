"""``airkg build`` is incremental (kg/incremental.py): unchanged plans skipped, changed ones replaced, plans whose
files are gone removed, everything re-extracted when the extractor changes; the store as a fresh build makes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kg.incremental
from kg.incremental import MANIFEST_GRAPH, build_corpus, read_manifest
from kg.rdf_building import plan_graph_iri
from kg.store import OxigraphStore
from tests.conftest import SEEDS

PLANS = ["000_aa781de31b5c5cff", "001_2b08b5de9d9ff43a", "003_922dca89c0e37589"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for plan_id in PLANS:
        shutil.copy(SEEDS / f"{plan_id}.txt", folder)
    return folder


def quads(store: OxigraphStore) -> set[str]:
    return set(store.export("nquads").decode("utf-8").splitlines())


def without_manifest(lines: set[str]) -> set[str]:
    """The quads but the manifest's, and the vocabulary's blank nodes (labelled anew by each load)."""
    return {line for line in lines if not line.endswith(f"<{MANIFEST_GRAPH}> .")
            and not (line.endswith("/graph/vocabulary> .") and "_:" in line)}


def test_a_second_build_of_an_unchanged_corpus_loads_nothing(corpus: Path, tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        first = build_corpus(store, corpus)
        assert sorted(first.added) == PLANS and not first.replaced and not first.unchanged
        before, generation = quads(store), store.generation
        again = build_corpus(store, corpus)
        assert not again.plans and not again.added and not again.replaced and not again.removed
        assert sorted(again.unchanged) == PLANS
        assert again.lines()[-1].startswith("0 plans loaded (0 new, 0 replaced), 3 unchanged (skipped), 0 removed")
        assert store.generation == generation  # nothing written
        assert quads(store) == before
        assert sorted(read_manifest(store)) == PLANS


def test_a_changed_file_is_the_only_plan_replaced(corpus: Path, tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        build_corpus(store, corpus)
        changed = corpus / f"{PLANS[1]}.txt"
        changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        report = build_corpus(store, corpus)
        assert report.replaced == [PLANS[1]] and not report.added and not report.removed
        assert sorted(report.unchanged) == [PLANS[0], PLANS[2]]
        assert read_manifest(store)[PLANS[1]].sha256 != read_manifest(store)[PLANS[0]].sha256
        after = quads(store)
    with OxigraphStore(tmp_path / "fresh") as fresh:  # the same store as a fresh build of the changed corpus
        build_corpus(fresh, corpus)
        assert without_manifest(quads(fresh)) == without_manifest(after)


def test_a_removed_file_takes_its_plan_out(corpus: Path, tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        build_corpus(store, corpus)
        (corpus / f"{PLANS[2]}.txt").unlink()
        report = build_corpus(store, corpus)
        assert report.removed == [PLANS[2]] and not report.plans
        assert f"removed {PLANS[2]} (its file is gone from the corpus)" in report.lines()
        assert str(plan_graph_iri(PLANS[2])) not in store.graph_iris()
        assert sorted(read_manifest(store)) == PLANS[:2]
        after = quads(store)
    with OxigraphStore(tmp_path / "fresh") as fresh:  # relations included: as if the plan had never been there
        build_corpus(fresh, corpus)
        assert without_manifest(quads(fresh)) == without_manifest(after)


def test_a_new_extractor_version_re_extracts_every_plan(corpus: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        build_corpus(store, corpus)
        before = without_manifest(quads(store))
        monkeypatch.setattr(kg.incremental, "extractor_version", lambda: "a-newer-extractor")
        report = build_corpus(store, corpus)
        assert sorted(report.replaced) == PLANS and not report.unchanged
        assert {entry.extractor for entry in read_manifest(store).values()} == {"a-newer-extractor"}
        assert without_manifest(quads(store)) == before


def test_plans_ingested_otherwise_are_left_alone(corpus: Path, tmp_path: Path) -> None:
    from kg.loading import ingest_files

    with OxigraphStore(tmp_path / "store") as store:
        ingest_files(store, [SEEDS / "004_686603e2450627ea.txt"])
        build_corpus(store, corpus)
        (corpus / f"{PLANS[0]}.txt").unlink()
        report = build_corpus(store, corpus)
        assert report.removed == [PLANS[0]]
        assert str(plan_graph_iri("004_686603e2450627ea")) in store.graph_iris()
