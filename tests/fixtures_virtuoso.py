"""Session fixtures giving the URLs of a Virtuoso SPARQL endpoint.

Import them into a test module (``from fixtures_virtuoso import virtuoso_url``); they are kept
out of ``conftest.py`` on purpose. They use ``AIRKG_VIRTUOSO_URL`` if set (the loading URL,
``http://airkg_loader:PASSWORD@host:port/sparql``), else start a private Virtuoso with
``scripts/virtuoso.sh`` on free loopback ports and stop it at the end. They skip only when
``AIRKG_SKIP_VIRTUOSO=1``; a Virtuoso that fails to start fails.

``virtuoso_url`` is the loading account's URL (updates go to the digest-authenticated
``/sparql-auth`` and ``/sparql-graph-crud-auth``); ``virtuoso_read_url`` the anonymous, read-only
``/sparql`` that a server is meant to be given.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "virtuoso.sh"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script(action: str, http: int, sql: int, folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AIRKG_VIRTUOSO_DIR=str(folder))
    return subprocess.run(
        ["bash", str(SCRIPT), action, str(http), str(sql)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The loading account's /sparql URL (``user:password@``): it may update."""
    if os.environ.get("AIRKG_SKIP_VIRTUOSO") == "1":
        pytest.skip("AIRKG_SKIP_VIRTUOSO=1")
    given = os.environ.get("AIRKG_VIRTUOSO_URL")
    if given:
        yield given
        return
    http, sql = _free_port(), _free_port()
    folder = tmp_path_factory.mktemp("virtuoso")
    started = _script("start", http, sql, folder)
    if started.returncode != 0:
        pytest.fail(f"scripts/virtuoso.sh start failed:\n{started.stdout}\n{started.stderr}", pytrace=False)
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        _script("stop", http, sql, folder)


@pytest.fixture(scope="session")
def virtuoso_read_url(virtuoso_url: str) -> str:
    """The anonymous, read-only /sparql URL (the same endpoint without credentials), as a server is given it.

    Import it together with ``virtuoso_url``.
    """
    return without_userinfo(virtuoso_url)
