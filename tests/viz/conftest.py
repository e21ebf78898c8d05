"""Fixtures of the graph view's tests: a minimal app with the viz router, served by uvicorn on a free
loopback port, and a headless Chromium driven over CDP (``cdp_browser``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp_browser import Chromium, Page, chromium_available
from viz_testing import HOSTILE_ID, HOSTILE_PLAN, make_app, serve

from kg.loading import extract_files, graphs_to_load
from kg.store import OxigraphStore


@pytest.fixture(scope="session")
def viz_server(seed_store: OxigraphStore) -> Iterator[str]:
    with serve(make_app(seed_store)) as url:
        yield url


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    """A store holding one plan whose text is full of markup and script."""
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / f"{HOSTILE_ID}.txt"
    source.write_text(HOSTILE_PLAN, encoding="utf-8")
    store = OxigraphStore(str(folder / "store"))
    store.replace_graphs(graphs_to_load(extract_files([source])))
    yield store
    store.close()


@pytest.fixture(scope="session")
def hostile_server(hostile_store: OxigraphStore) -> Iterator[str]:
    with serve(make_app(hostile_store)) as url:
        yield url


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/setup.sh --system installs it)")
        pytest.skip("chromium is not installed")
    browser = Chromium(tmp_path_factory.mktemp("chromium"))
    yield browser
    browser.close()


@pytest.fixture
def page(chromium: Chromium) -> Iterator[Page]:
    opened = chromium.new_page()
    yield opened
    chromium.close_page(opened)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``AIRKG_SCREENSHOT_DIR`` if set, else pytest's temporary folder."""
    wanted = os.environ.get("AIRKG_SCREENSHOT_DIR")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screenshots")

