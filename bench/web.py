"""The server under load: ``airkg serve`` on a loopback port, hit by ``wrk`` (Debian's package).

Each endpoint gets a fixed, bounded load (``connections`` open connections on ``threads`` threads
for ``seconds``), one endpoint at a time; wrk's own latency distribution gives p50 and p99, and
non-2xx answers plus socket errors are counted as errors. ``/graph`` is timed separately, one
request at a time, with the size of the page.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.machine import percentile

ROOT = Path(__file__).resolve().parent.parent

SPARQL = ("SELECT ?plan ?title WHERE { ?plan a airkg:Plan ; dcterms:title ?title ; airkg:region ?r . "
          "?r airkg:parentRegion* <https://airkg.example.org/id/region/370000> } LIMIT 20")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``airkg serve --store STORE`` on a free loopback port, for the duration of a ``with``."""

    def __init__(self, store: Path, log: Path) -> None:
        self.store, self.log = store, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s: float | None = None

    def __enter__(self) -> Server:
        airkg = Path(sys.executable).with_name("airkg")
        command = [str(airkg), "serve", "--store", str(self.store), "--port", str(self.port),
                   "--seeds", str(ROOT / "seeds")]
        started = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                            env=dict(os.environ, AIRKG_STORE=str(self.store)))
        deadline = started + 900
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"airkg serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/api/plans?limit=1", timeout=5).status_code == 200:
                    self.startup_s = round(time.perf_counter() - started, 2)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("airkg serve did not answer within 900 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sample_targets(base: str) -> dict[str, str]:
    """One URL per endpoint under test, chosen from what the store holds."""
    agencies = httpx.get(base + "/api/agencies?limit=1", timeout=60).json()
    agency = agencies["data"][0]["id"] if agencies.get("data") else None
    return {
        "measures (filtered)": "/api/measures?pollutant=VOCs&role=lead&limit=20",
        "entity page": f"/agencies/{agency}" if agency else "/regions/370000",
        "saved query": "/api/queries/lead-agencies",
        "sparql": "/sparql?query=" + quote(SPARQL),
    }


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, connections: int, threads: int, seconds: int) -> dict[str, Any]:
    """wrk's figures for one URL: requests/s, p50/p99 (ms), requests and errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    out = done.stdout
    percentiles = {f"p{m.group(1)}_ms": round(float(m.group(2)) * _UNITS[m.group(3)], 2)
                   for m in _LATENCY.finditer(out)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if requests == 0:  # nothing answered within the run: wrk's percentiles are zeros, not latencies
        percentiles = {key: None for key in percentiles}
    return {"requests": requests, "requests_per_s": round(rps, 1), **percentiles, "errors": errors,
            "connections": connections, "threads": threads, "seconds": seconds}


def check_once(url: str) -> dict[str, Any]:
    """The first request to ``url``: its status, size and time (what the server may then reuse, it reads here)."""
    started = time.perf_counter()
    response = httpx.get(url, timeout=300)
    return {"status": response.status_code, "bytes": len(response.content),
            "ms": round((time.perf_counter() - started) * 1000, 1)}


def api_load(base: str, connections: int, threads: int, seconds: int) -> dict[str, Any]:
    """Each endpoint under wrk's load, after one request checked for status 200."""
    results: dict[str, Any] = {}
    for name, path in sample_targets(base).items():
        first = check_once(base + path)
        results[name] = {"path": path, "first": first, **run_wrk(base + path, connections, threads, seconds)}
    return results


def graph_page(base: str, repeat: int) -> dict[str, Any]:
    """``/graph`` (the page with its default view) and ``/graph/data``: time to answer and size."""
    out: dict[str, Any] = {}
    for path in ("/graph", "/graph/data"):
        times, size, status = [], 0, 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = httpx.get(base + path, timeout=600)
            times.append((time.perf_counter() - started) * 1000)
            size, status = len(response.content), response.status_code
        out[path] = {"status": status, "bytes": size, "runs": repeat, "median_ms": round(statistics.median(times), 1),
                     "p95_ms": round(percentile(times, 0.95), 1)}
    return out
