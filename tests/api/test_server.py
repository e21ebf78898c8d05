"""`airkg serve` for real: a subprocess on a free loopback port, an empty store filled from seeds/ on first
start, queried with a real SPARQL client (SPARQLWrapper) and with httpx."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import httpx
import pytest
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from rdflib import Graph

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("served") / "store"
    port = free_port()
    log = (tmp_path_factory.mktemp("log") / "serve.log").open("w+")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRKG_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"airkg serve exited with {process.returncode}:\n{log.read()}")
            try:
                if httpx.get(f"{url}/api/plans", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("airkg serve did not answer within 120 s")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()


@pytest.mark.server
def test_sparqlwrapper_queries_the_served_store(server: str) -> None:
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery("SELECT ?plan ?title WHERE { ?plan a airkg:Plan ; dcterms:title ?title } ORDER BY ?plan")
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert len(rows) == 5 and rows[0]["title"]["value"] == "山东省2023年大气环境质量巩固提升行动方案"

    client.setMethod(POST)
    client.setReturnFormat(CSV)
    assert client.queryAndConvert().decode("utf-8").splitlines()[0] == "plan,title"

    client.setQuery("CONSTRUCT { ?plan dcterms:title ?title } WHERE { ?plan a airkg:Plan ; dcterms:title ?title }")
    client.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=client.queryAndConvert(), format="turtle")) == 5

    client.setQuery("SELEC nothing")
    with pytest.raises(QueryBadFormed):
        client.queryAndConvert()
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")  # SPARQLWrapper sends it as update=
    with pytest.raises(HTTPError) as refused:
        client.queryAndConvert()
    assert refused.value.code == 403


@pytest.mark.server
def test_the_served_app_answers_rest_linked_data_and_pages(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30, trust_env=False) as http:
        assert http.get("/api/measures", params={"limit": 1}).json()["count"] > 100
        turtle = http.get("/id/sector/steel", headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle")
        assert "钢铁" in http.get("/sectors/steel").text
        assert http.get("/docs").status_code == 200
