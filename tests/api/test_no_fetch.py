"""No query may make the server fetch a URL: a listener on a loopback port must receive no connection.

pyoxigraph runs SERVICE (even SERVICE SILENT) as soon as a query is handed to it, and LOAD in updates,
so the guard must refuse these before anything runs, whatever their spelling.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kg.errors import AirkgError


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def fetching_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVI\\u0043E SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"\\u0053ELECT * WHERE {{ SERVI\\u0043E SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?q ?r }} }} }} LIMIT 1",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE SILENT <{url}> {{ ?s ?q ?r }} }} }} LIMIT 1",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <{url}> SELECT * WHERE {{ SERVICE SILENT remote: {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * WHERE {{ SERVICE SILENT <> {{ ?s ?p ?o }} }}",
        # the token pre-check reads "#b ..." as a comment, rdflib cannot parse \\#: the engine must not see it
        f"PREFIX ex: <http://e.example/> SELECT * {{ ?s ex:a\\#b ?o . SERVICE SILENT <{url}> {{ }} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{url}>",
        f"LOAD SILENT <{url}> INTO GRAPH <urn:g>",
    ]


def test_no_protocol_form_makes_the_server_connect_anywhere(client, listener: Listener) -> None:
    url = f"http://127.0.0.1:{listener.port}/sparql"
    statuses = []
    for query in fetching_queries(url):
        for response in (
            client.get("/sparql", params={"query": query}),
            client.post("/sparql", data={"query": query}),
            client.post("/sparql", data={"update": query}),
            client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}),
            client.get("/editor", params={"query": query}),
        ):
            statuses.append(response.status_code)
            assert 400 <= response.status_code < 500, (query, response.status_code, response.text[:300])
    time.sleep(0.5)
    assert listener.connections == 0
    assert 403 in statuses


def test_the_store_itself_refuses_them(seed_store, listener: Listener) -> None:
    """The guard sits in Store.query, so the CLI and every other caller get it too."""
    url = f"http://127.0.0.1:{listener.port}/"
    for query in fetching_queries(url):
        with pytest.raises(AirkgError) as caught:
            seed_store.query(query)
        assert 400 <= caught.value.status < 500
    time.sleep(0.5)
    assert listener.connections == 0


def test_the_listener_does_count_connections(listener: Listener) -> None:
    """The control: a plain connection is seen, so zero above means nothing connected."""
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections == 1
