"""Shared fixtures: the seed documents, their extracted plans, and a store built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.assembly import extract_plan
from kg.loading import extract_files, graphs_to_load
from kg.models import Plan
from kg.extract.reading import SourceDocument, read_document
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DOCUMENTS = ROOT / "tests" / "documents"
GOLDEN = ROOT / "tests" / "golden"


def source_of(document_name: str) -> Path:
    for folder in (SEEDS, DOCUMENTS):
        if (folder / document_name).exists():
            return folder / document_name
    raise FileNotFoundError(document_name)


@pytest.fixture(scope="session")
def seed_documents() -> dict[str, SourceDocument]:
    return {path.stem: read_document(path) for path in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_plans(seed_documents: dict[str, SourceDocument]) -> dict[str, Plan]:
    return {stem: extract_plan(document) for stem, document in seed_documents.items()}


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """An embedded store holding the five seeds, the vocabularies and the regions (read-only in tests)."""
    store = OxigraphStore(str(tmp_path_factory.mktemp("store")))
    store.replace_graphs(graphs_to_load(extract_files(sorted(SEEDS.glob("*.txt")))))
    yield store
    store.close()
