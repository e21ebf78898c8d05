"""Quads a corpus writes against the quads a store keeps (the distinct ones): what describing agencies and
people once (``res:graph/agency/…``) saves, whatever the number of plans naming them.

    .venv/bin/python -m bench.distinct_quads bench/out/compact-graph/corpus-1000
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.extract.assembly import extract_plan
from kg.extract.reading import read_document
from kg.rdf_building import plan_nquads


def count(corpus: Path) -> tuple[int, int, int]:
    """Plans, quads written (each plan's graphs), distinct quads (what a store of them all holds)."""
    files = sorted(corpus.glob("*.txt"))
    seen: set[int] = set()  # hashes of the lines: the corpus' N-Quads would not fit in memory as text
    written = 0
    for path in files:
        document = read_document(path)
        built = plan_nquads(extract_plan(document), document.text)
        written += built.quads
        seen.update(hash(line) for line in built.data.splitlines())
    return len(files), written, len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    plans, written, distinct = count(parser.parse_args().corpus)
    print(f"{plans} plans: {written:,} quads written ({written / plans:,.0f} a plan), {distinct:,} distinct "
          f"({distinct / plans:,.0f} a plan, {distinct / written:.3f})")


if __name__ == "__main__":
    main()
