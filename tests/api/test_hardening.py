"""Issue 13, the query side, against a real ``airkg serve`` (a uvicorn subprocess on loopback): every
crash or exhaustion of findings 2-5 and 9, and that during and after each the server still answers
``/api/plans?limit=1`` promptly and its store holds exactly the same triples.

The figures (latency of /api/plans during the attacks, the server's memory) are printed; run with
``-s`` to see them. On this project's 2-core test machine /api/plans answered within 1 s; the bound
asserted is 2 s, as other test processes share the cores.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kg.store import OxigraphStore
from tests.serving import ROOT, airkg_serve

TIMEOUT = 4  # AIRKG_QUERY_TIMEOUT of the server under test
PLANS_BOUND = 2.0  # seconds /api/plans may take during an attack (1 s measured; see the module docstring)

pytestmark = pytest.mark.server


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    store: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    store = tmp_path_factory.mktemp("hardened") / "store"
    limits = dict(AIRKG_QUERY_TIMEOUT=str(TIMEOUT), AIRKG_QUERY_MEMORY_MB="1024", AIRKG_MAX_RESPONSE_BYTES="5000000",
                  AIRKG_QUERY_WORKERS="2", AIRKG_QUERY_QUEUE="2")
    with airkg_serve(str(store), tmp_path_factory.mktemp("log"), limits) as (url, process):
        yield Served(url, process, store)


@pytest.fixture(scope="module")
def before(served: Served) -> str:
    return triples_hash(served.store)


def triples_hash(store: Path) -> str:
    """SHA-256 of the store's quads, sorted (read beside the running server, read-only)."""
    reader = OxigraphStore(store, read_only=True)
    try:
        lines = sorted(reader.export("nquads").splitlines())
    finally:
        reader.close()
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, out, todo = children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def workers(pid: int) -> list[int]:
    """The query workers: children of the forkserver, itself a child of the server."""
    tree = children()
    out = []
    for child in tree.get(pid, []):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"forkserver" in cmdline:
            out += tree.get(child, [])
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Prober:
    """Asks /api/plans?limit=1 every 0.2 s in a thread; records each answer's time."""

    url: str
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30, trust_env=False) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    response = http.get("/api/plans", params={"limit": 1})
                    if response.status_code != 200:
                        self.failures.append(str(response.status_code))
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                self.times.append(time.monotonic() - started)
                self._stop.wait(0.2)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


def plans_once(url: str) -> float:
    started = time.monotonic()
    response = httpx.get(f"{url}/api/plans", params={"limit": 1}, timeout=30, trust_env=False)
    assert response.status_code == 200
    return time.monotonic() - started


def attack(url: str, query: str, timeout: float = 60) -> httpx.Response:
    return httpx.post(f"{url}/sparql", content=query.encode(), timeout=timeout, trust_env=False,
                      headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})


def check_unharmed(served: Served, before: str, prober: Prober, what: str) -> None:
    after = plans_once(served.url)
    worst = max(prober.times, default=0.0)
    print(f"\n[{what}] /api/plans during: {len(prober.times)} requests, max {worst:.3f} s; after: {after:.3f} s; "
          f"server RSS {rss_mb(served.process.pid):.0f} MB")
    assert served.process.poll() is None, "the server died"
    assert not prober.failures, prober.failures
    assert worst < PLANS_BOUND and after < PLANS_BOUND, (worst, after)
    assert triples_hash(served.store) == before


CRASHERS = {
    "FILTER( 10,000 ! true)": "ASK { FILTER(" + "!" * 10_000 + "true) }",
    "1 and 10,000 +1": "SELECT (1" + "+1" * 10_000 + " AS ?x) WHERE {}",
    "10,000 nested {": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "5,000 flat patterns": "SELECT * WHERE { " + " . ".join(f"?s{i} ?p ?o" for i in range(5_000)) + " }",
}


@pytest.mark.parametrize("name", list(CRASHERS))
def test_queries_that_crashed_the_server_are_refused(served: Served, before: str, name: str) -> None:
    """Findings 2 and 9: a stack overflow of pyoxigraph's parser (SIGSEGV) and RecursionError in the guard."""
    with Prober(served.url) as prober:
        response = attack(served.url, CRASHERS[name])
    assert response.status_code in ((400, 503) if name == "5,000 flat patterns" else (400,)), response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    check_unharmed(served, before, prober, name)


def test_a_worker_the_engine_kills_is_replaced(served: Served, before: str) -> None:
    """Finding 2, the crash itself: a worker dying by SIGSEGV mid-query answers 503; the server goes on."""
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    assert attack(served.url, "ASK { ?s ?p ?o }").status_code == 200  # the workers are up
    with Prober(served.url) as prober, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(attack, served.url, heavy)
        time.sleep(1.0)
        running = workers(served.process.pid)
        assert running, "no query worker found"
        for pid in running:
            os.kill(pid, signal.SIGSEGV)
        response = pending.result()
    assert response.status_code == 503, response.text
    assert "SIGSEGV" in response.json()["detail"]
    check_unharmed(served, before, prober, "SIGSEGV in a worker")
    assert attack(served.url, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_memory_exhaustion_kills_only_the_worker(served: Served, before: str) -> None:
    """Finding 3: a 70-character query took the server from 217 MB to 3.1 GB."""
    query = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f LIMIT 1"
    server_before = rss_mb(served.process.pid)
    started = time.monotonic()
    with Prober(served.url) as prober:
        response = attack(served.url, query)
    took = time.monotonic() - started
    server_after = rss_mb(served.process.pid)
    print(f"\n[ORDER BY] {response.status_code} in {took:.1f} s: {response.json()['detail']}; "
          f"server RSS {server_before:.0f} MB -> {server_after:.0f} MB")
    assert response.status_code == 503
    assert took < TIMEOUT + 5
    assert server_after < server_before + 50
    check_unharmed(served, before, prober, "ORDER BY memory attack")


def test_the_time_limit_holds_and_frees_the_core(served: Served, before: str) -> None:
    """Finding 4: a query rdflib cannot parse was re-run in the request thread without a limit (44 s), and a
    timed-out query kept a core busy for a minute after its 503."""
    values = " ".join(str(i) for i in range(90))
    unparseable = ("ASK { VALUES ?a { %s } VALUES ?b { %s } VALUES ?c { %s } VALUES ?d { %s } "
                   "FILTER(?a + ?b + ?c + ?d < 0 && ?a != <<( <urn:a> <urn:b> <urn:c> )>>) }") % ((values,) * 4)
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    for name, query in (("unparseable by rdflib", unparseable), ("cross product", heavy)):
        started = time.monotonic()
        with Prober(served.url) as prober:
            response = attack(served.url, query)
        took = time.monotonic() - started
        print(f"\n[{name}] {response.status_code} after {took:.1f} s: {response.text[:120]}")
        assert response.status_code in (400, 503), response.text
        assert took < TIMEOUT + 3
        time.sleep(0.5)
        spent = cpu_seconds(descendants(served.process.pid))
        time.sleep(2)
        idle = cpu_seconds(descendants(served.process.pid)) - spent
        print(f"[{name}] CPU used by the server's processes in the 2 s after the answer: {idle:.2f} s")
        assert idle < 1.0  # a killed query keeps no core busy (a replacement worker starting costs ~0.3 s)
        check_unharmed(served, before, prober, name)


def test_heavy_queries_do_not_starve_the_api(served: Served, before: str) -> None:
    """Finding 4: 50 heavy queries at once pushed /api/plans to 12-25 s."""
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    with Prober(served.url) as prober, ThreadPoolExecutor(50) as pool:
        statuses = [response.status_code for response in pool.map(lambda _: attack(served.url, heavy), range(50))]
    took = time.monotonic() - started
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    print(f"\n[50 heavy queries] statuses {counts} in {took:.1f} s")
    assert set(statuses) <= {503}
    assert took < 3 * (TIMEOUT + 2)
    check_unharmed(served, before, prober, "50 heavy queries")


def test_a_huge_answer_is_a_413(served: Served, before: str) -> None:
    """Finding 5: 1,000 rows of concatenated full texts made a 308 MB response and +1 GB of server memory."""
    query = "SELECT (CONCAT(?t, ?t, ?t) AS ?x) WHERE { ?doc airkg:fullText ?t . ?m airkg:partOfPlan ?plan } LIMIT 1000"
    server_before = rss_mb(served.process.pid)
    with Prober(served.url) as prober:
        responses = [attack(served.url, query)] + [
            httpx.get(f"{served.url}/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60,
                      trust_env=False) for accept in ("text/csv", "application/sparql-results+xml")]
    for response in responses:
        assert response.status_code == 413, response.text[:200]
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "5,000,000 bytes" in response.json()["detail"]
        assert len(response.content) < 1000
    server_after = rss_mb(served.process.pid)
    print(f"\n[1,000 rows of full texts] 413; server RSS {server_before:.0f} MB -> {server_after:.0f} MB")
    assert server_after < server_before + 50
    check_unharmed(served, before, prober, "huge answer")


def test_the_cli_survives_the_same_queries(served: Served) -> None:
    """Finding 2 and 9 in ``airkg sparql``: exit 139 and a traceback before; one line and exit 2 now."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRKG_")}
    env["AIRKG_QUERY_MEMORY_MB"] = "1024"
    queries = [CRASHERS["FILTER( 10,000 ! true)"], CRASHERS["1 and 10,000 +1"], CRASHERS["10,000 nested {"],
               "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f LIMIT 1"]
    for query in queries:
        done = subprocess.run([sys.executable, "-m", "kg.cli", "sparql", "--store", str(served.store), query],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2, (query[:60], done.returncode, done.stderr[-500:])
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
