"""Fixtures of the API tests: one app per test module over the (read-only) seed store, and a store holding
one hostile plan for the escaping tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kg.loading import extract_files, graphs_to_load
from kg.store import OxigraphStore

from api_cases import HOSTILE_ID, HOSTILE_PLAN, make_app


@pytest.fixture(scope="module")
def app(seed_store: OxigraphStore) -> FastAPI:
    return make_app(seed_store)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over a store holding only a plan whose text is full of markup."""
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / f"{HOSTILE_ID}.txt"
    source.write_text(HOSTILE_PLAN, encoding="utf-8")
    store = OxigraphStore(folder / "store")
    store.replace_graphs(graphs_to_load(extract_files([source])))
    with TestClient(make_app(store)) as test_client:
        yield test_client
    store.close()
