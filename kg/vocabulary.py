"""The ontology and its SKOS schemes (pollutants, sectors, agency types, roles, quality flags), read from ``ontology/``.

The Turtle files are the one place labels are written; this module only reads them.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from rdflib import Graph, Namespace

AIRKG = Namespace("https://airkg.example.org/ontology#")
RES = Namespace("https://airkg.example.org/id/")
ONTOLOGY_FILES = ("airkg.ttl", "pollutants.ttl", "sectors.ttl", "agency-types.ttl", "roles.ttl", "quality-flags.ttl")


def ontology_dir() -> Path:
    return Path(os.environ.get("AIRKG_ONTOLOGY_DIR", Path(__file__).resolve().parent.parent / "ontology"))


@cache
def vocabulary_graph() -> Graph:
    """The ontology and every scheme, parsed once."""
    graph = Graph()
    for name in ONTOLOGY_FILES:
        graph.parse(ontology_dir() / name, format="turtle")
    return graph
