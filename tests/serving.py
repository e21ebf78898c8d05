"""A real ``airkg serve`` for the server-backed tests: started on a free loopback port with a clean
environment, waited for until ``/api/plans`` answers, and stopped with its process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def airkg_serve(store: str, log_dir: Path, env: dict[str, str] | None = None,
                probe_timeout: float = 2) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``airkg serve --store STORE`` (no inherited ``AIRKG_`` settings, ``env`` added) and yield its URL and
    process; its output goes to ``log_dir/serve.log`` and is shown if it exits before answering."""
    port = free_port()
    settings = {k: v for k, v in os.environ.items() if not k.startswith("AIRKG_")} | (env or {})
    with (log_dir / "serve.log").open("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--store", store, "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=settings, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_answering(url, process, log, probe_timeout)
            yield url, process
        finally:
            _stop(process)


def _wait_until_answering(url: str, process: subprocess.Popen, log, probe_timeout: float) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"airkg serve exited with {process.returncode}:\n{log.read()}")
        try:
            if httpx.get(f"{url}/api/plans", timeout=probe_timeout, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"airkg serve did not answer within {START_TIMEOUT} s")
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
