"""A session fixture giving the URL of a Virtuoso SPARQL endpoint.

Import it into a test module (``from fixtures_virtuoso import virtuoso_url``); it is kept
out of ``conftest.py`` on purpose. It uses ``AIRKG_VIRTUOSO_URL`` if set, else starts a
private Virtuoso with ``scripts/virtuoso.sh`` on free loopback ports and stops it at the
end. It skips only when ``AIRKG_SKIP_VIRTUOSO=1``; a Virtuoso that fails to start fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The /sparql URL of a running Virtuoso that accepts anonymous updates."""
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
