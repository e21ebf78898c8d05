"""The one set-up of the browser tests (tests/api/test_browser.py, tests/api/test_analyst_browser.py): the app
over the seed store served by uvicorn on a free loopback port, one headless Chromium per module (Debian's,
driven over CDP by tests/viz/cdp_browser.py), a fresh page per test, the folder screenshots go to
(``AIRKG_SCREENSHOT_DIR`` when set, else the test's temporary folder), and the few steps every test takes.

A test module imports the fixtures it uses by name (``from browser_pages import base_url, browser, page``) and
marks itself with :data:`BROWSER_MARKS`."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api_cases import make_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viz"))  # cdp_browser: headless Chromium over CDP
from cdp_browser import Chromium, Page, chromium_available  # noqa: E402

#: The marks of a module of browser tests: browser, server, and skipped without Debian's chromium.
BROWSER_MARKS = [pytest.mark.browser, pytest.mark.server,
                 pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium")]


@pytest.fixture(scope="module")
def base_url(seed_store) -> Iterator[str]:
    """The app over the seed store, served on a free loopback port for the module's tests."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(make_app(seed_store), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(15)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Chromium) -> Iterator[Page]:
    opened = browser.new_page()
    yield opened
    browser.close_page(opened)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("AIRKG_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def go(page: Page, url: str) -> None:
    page.navigate(url)
    page.wait_for("document.readyState === 'complete'")


def click(page: Page, selector: str) -> str:
    """Click the first element matching ``selector`` as a user would (a real navigation); its href."""
    href = page.evaluate(f"document.querySelector({json.dumps(selector)}).href")
    page.evaluate("window.__before = true")
    page.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
    page.wait_for("!window.__before && document.readyState === 'complete'", 30)
    return href


def text(page: Page, selector: str) -> str:
    return page.evaluate(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''")


def foreign(page: Page, base_url: str) -> list[str]:
    """What the page asked of any host but this server."""
    return [u for u in page.requested_urls() if not u.startswith((base_url, "data:", "blob:", "about:"))]
