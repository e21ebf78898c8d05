"""Store micro-benchmark: rdflib in memory vs oxrdflib vs pyoxigraph used directly.

Generates plan-shaped data (plans -> measures -> agencies, deadlines with xsd:date,
pollutants, a region hierarchy; deterministic for a seed), loads it into

* ``rdflib``: an in-memory ``rdflib.Dataset`` (union default graph),
* ``oxrdflib``: an ``rdflib.Dataset`` over oxrdflib's store on a pyoxigraph ``Store(path)``,
* ``pyoxigraph``: ``kg.store.OxigraphStore`` on a folder, i.e. pyoxigraph used directly,
  terms converted to rdflib at the boundary (what airkg ships),

and times loading, replacing every graph (same and changed content), and four representative queries (results
materialized as rdflib terms on every backend), taking the median of repeated runs. Prints a
Markdown report.

Usage::

    python bench/store_backends.py --triples 100000
    python bench/store_backends.py --triples 1000000 --repeat 3 --load-repeat 1
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from oxrdflib import OxigraphStore as OxrdflibStore
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg.store import DEFAULT_GRAPH_PREFIX, OxigraphStore  # noqa: E402

AIRKG = Namespace("https://airkg.example.org/ontology#")
RES = Namespace("https://airkg.example.org/id/")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
POLLUTANTS = ["PM2.5", "PM10", "SO2", "NOx", "VOCs", "O3", "CO", "NH3"]
TOPICS = ["扬尘污染治理", "挥发性有机物综合治理", "柴油货车污染治理", "燃煤锅炉整治", "秸秆禁烧", "工业炉窑提标改造", "重污染天气应对"]
MEASURES_PER_PLAN = 150
AGENCIES_PER_PLAN = 20

PREFIXES = """PREFIX airkg: <https://airkg.example.org/ontology#>
PREFIX res: <https://airkg.example.org/id/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

QUERIES: dict[str, str] = {
    "join + date FILTER (5 patterns)": PREFIXES
    + """SELECT ?m ?agency ?due WHERE {
  ?m a airkg:Measure ; airkg:leadAgency ?agency ; airkg:hasDeadline ?d .
  ?d airkg:dueDate ?due .
  ?agency airkg:jurisdiction ?r .
  FILTER(?due >= "2025-01-01"^^xsd:date && ?due < "2025-07-01"^^xsd:date)
}""",
    "GROUP BY pollutant, COUNT": PREFIXES
    + """SELECT ?p (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m airkg:statedPollutant ?p } GROUP BY ?p ORDER BY DESC(?n)""",
    "path mentionsRegion/parentRegion*": PREFIXES
    + """SELECT DISTINCT ?m WHERE { ?m airkg:mentionsRegion ?r . ?r airkg:parentRegion* <https://airkg.example.org/id/region/110000> }""",
    "text CONTAINS": PREFIXES + """SELECT ?m WHERE { ?m airkg:text ?t FILTER(CONTAINS(?t, "扬尘")) }""",
}


# --------------------------------------------------------------------------- data


def graph_iri(name: str) -> str:
    return f"{DEFAULT_GRAPH_PREFIX}{name}"


def region_graph(rnd: random.Random, provinces: int, cities: int, counties: int) -> tuple[Graph, list[URIRef]]:
    """A national -> province -> city -> county hierarchy; returns it and the city/county IRIs."""
    graph = Graph()
    local: list[URIRef] = []

    def add(code: int, level: str, label: str, parent: URIRef | None) -> URIRef:
        region = RES[f"region/{code}"]
        graph.add((region, RDF.type, AIRKG.Region))
        graph.add((region, RDFS.label, Literal(label, lang="zh")))
        graph.add((region, AIRKG.adminCode, Literal(str(code))))
        graph.add((region, AIRKG.level, RES[f"level/{level}"]))
        if parent is not None:
            graph.add((region, AIRKG.parentRegion, parent))
        return region

    nation = add(100000, "national", "全国", None)
    for p in range(provinces):
        province = add(110000 + p * 10000, "province", f"省{p}", nation)
        for c in range(cities):
            city = add(110000 + p * 10000 + (c + 1) * 100, "city", f"市{p}-{c}", province)
            local.append(city)
            for k in range(counties):
                local.append(add(110000 + p * 10000 + (c + 1) * 100 + k + 1, "county", f"县{p}-{c}-{k}", city))
    rnd.shuffle(local)
    return graph, local


def plan_graph(rnd: random.Random, n: int, regions: list[URIRef]) -> Graph:
    """One plan: ~2,300 triples of measures, agencies and deadlines."""
    graph = Graph()
    plan = RES[f"plan/p{n}"]
    region = regions[n % len(regions)]
    graph.add((plan, RDF.type, AIRKG.Plan))
    graph.add((plan, AIRKG.title, Literal(f"第{n}号空气质量持续改善行动计划", lang="zh")))
    graph.add((plan, AIRKG.issued, Literal(f"{2023 + n % 3}-{1 + n % 12:02d}-15", datatype=XSD_DATE)))
    graph.add((plan, AIRKG.region, region))
    agencies = [RES[f"agency/p{n}-{a}"] for a in range(AGENCIES_PER_PLAN)]
    for a, agency in enumerate(agencies):
        graph.add((agency, RDF.type, AIRKG.Agency))
        graph.add((agency, RDFS.label, Literal(f"第{n}号计划机构{a}", lang="zh")))
        graph.add((agency, AIRKG.jurisdiction, region))
    for m in range(MEASURES_PER_PLAN):
        add_measure(graph, rnd, plan, f"{m // 10 + 1}.{m % 10 + 1}", agencies, regions)
    return graph


def add_measure(graph: Graph, rnd: random.Random, plan: URIRef, path: str, agencies: list[URIRef], regions: list[URIRef]) -> None:
    measure = URIRef(f"{plan}/measure/{path}")
    topic = rnd.choice(TOPICS)
    graph.add((measure, RDF.type, AIRKG.Measure))
    graph.add((measure, AIRKG.partOfPlan, plan))
    graph.add((measure, AIRKG.number, Literal(path)))
    graph.add((measure, AIRKG.title, Literal(topic, lang="zh")))
    graph.add((measure, AIRKG.text, Literal(f"深入开展{topic}，加强监管执法，确保完成{rnd.randrange(100)}项任务。", lang="zh")))
    graph.add((measure, AIRKG.leadAgency, rnd.choice(agencies)))
    for agency in rnd.sample(agencies, rnd.randint(1, 2)):
        graph.add((measure, AIRKG.responsibleAgency, agency))
    for pollutant in rnd.sample(POLLUTANTS, rnd.randint(1, 2)):
        graph.add((measure, AIRKG.statedPollutant, RES[f"pollutant/{pollutant}"]))
    graph.add((measure, AIRKG.mentionsRegion, rnd.choice(regions)))
    deadline = URIRef(f"{measure}/deadline/1")
    graph.add((measure, AIRKG.hasDeadline, deadline))
    graph.add((deadline, RDF.type, AIRKG.Deadline))
    due = f"{rnd.randint(2024, 2027)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    graph.add((deadline, AIRKG.dueDate, Literal(due, datatype=XSD_DATE)))
    graph.add((deadline, AIRKG.deadlineKind, RES["deadline-kind/by"]))


def generate(triples: int, seed: int) -> dict[str, Graph]:
    """Named graphs holding about ``triples`` triples: regions, then plans until enough."""
    rnd = random.Random(seed)
    provinces, cities, counties = (31, 10, 6) if triples >= 100_000 else (31, 2, 2)
    regions, local = region_graph(rnd, provinces, cities, counties)
    graphs = {graph_iri("regions"): regions}
    total, n = len(regions), 0
    while total < triples:
        plan = plan_graph(rnd, n, local)
        graphs[graph_iri(f"plan/p{n}")] = plan
        total += len(plan)
        n += 1
    return graphs


# --------------------------------------------------------------------------- backends


class Backend(Protocol):
    name: str

    def load(self, graphs: dict[str, Graph]) -> None: ...

    def replace(self, graphs: dict[str, Graph]) -> None: ...

    def select(self, sparql: str) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class RdflibBackend:
    name = "rdflib (memory)"

    def __init__(self, folder: Path) -> None:
        self.dataset = Dataset(default_union=True)

    def load(self, graphs: dict[str, Graph]) -> None:
        for iri, graph in graphs.items():
            context = self.dataset.graph(URIRef(iri))
            self.dataset.addN((s, p, o, context) for s, p, o in graph)

    def replace(self, graphs: dict[str, Graph]) -> None:
        for iri in graphs:
            self.dataset.remove_graph(URIRef(iri))
        self.load(graphs)

    def select(self, sparql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.dataset.query(sparql)]

    def close(self) -> None:
        self.dataset.close()


class OxrdflibBackend(RdflibBackend):
    name = "oxrdflib (disk)"

    def __init__(self, folder: Path) -> None:
        self.dataset = Dataset(store=OxrdflibStore(store=ox.Store(str(folder))), default_union=True)


class PyoxigraphBackend:
    name = "pyoxigraph direct (disk)"

    def __init__(self, folder: Path) -> None:
        self.store = OxigraphStore(folder)

    def load(self, graphs: dict[str, Graph]) -> None:
        self.store.replace_graphs(graphs)

    def replace(self, graphs: dict[str, Graph]) -> None:
        self.store.replace_graphs(graphs)

    def select(self, sparql: str) -> list[tuple[Any, ...]]:
        result = self.store.query(sparql)
        return [tuple(row[name] for name in result.vars) for row in result.rows]

    def close(self) -> None:
        self.store.close()


BACKENDS: dict[str, Callable[[Path], Backend]] = {
    "rdflib": RdflibBackend,
    "oxrdflib": OxrdflibBackend,
    "pyoxigraph": PyoxigraphBackend,
}


# --------------------------------------------------------------------------- timing


@dataclass
class Timings:
    """Wall-clock and CPU seconds (``time.process_time``: every thread of this process)."""

    seconds: dict[str, dict[str, list[float]]] = field(default_factory=lambda: {"wall": {}, "cpu": {}})
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, operation: str, spent: tuple[float, float]) -> None:
        self.seconds["wall"].setdefault(operation, []).append(spent[0])
        self.seconds["cpu"].setdefault(operation, []).append(spent[1])

    def median(self, operation: str, clock: str) -> float:
        return statistics.median(self.seconds[clock][operation])


def timed(work: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """((wall seconds, CPU seconds), result) of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = work()
    return (time.perf_counter() - wall, time.process_time() - cpu), value


@dataclass
class Options:
    triples: int
    seed: int
    repeat: int
    load_repeat: int
    backends: list[str]


LOADS = ["load into an empty store", "replace all, same content", "replace all, changed content"]


def measure(key: str, graphs: dict[str, Graph], changed: dict[str, Graph], options: Options) -> Timings:
    """Load/replace/query timings of one backend, each on a fresh temporary folder."""
    timings = Timings()
    for _ in range(options.load_repeat):
        with scratch() as folder:
            backend = BACKENDS[key](folder)
            timings.add(LOADS[0], timed(lambda: backend.load(graphs))[0])
            timings.add(LOADS[1], timed(lambda: backend.replace(graphs))[0])
            timings.add(LOADS[2], timed(lambda: backend.replace(changed))[0])
            backend.close()
    with scratch() as folder:
        backend = BACKENDS[key](folder)
        backend.load(graphs)
        for name, sparql in QUERIES.items():
            backend.select(sparql)  # warm-up, not timed
            for _ in range(options.repeat):
                spent, rows = timed(lambda: backend.select(sparql))
                timings.add(name, spent)
            timings.rows[name] = len(rows)
        backend.close()
    return timings


class scratch:  # noqa: N801 - a context manager used like a function
    """A temporary folder removed afterwards."""

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="airkg-bench-"))
        return self.path / "store"

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


# --------------------------------------------------------------------------- report


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; rdflib {version('rdflib')}, pyoxigraph {version('pyoxigraph')}, "
        f"oxrdflib {version('oxrdflib')}"
    )


def report(results: dict[str, Timings], options: Options, quads: int, graphs: int) -> Iterator[str]:
    yield f"{quads:,} quads in {graphs:,} named graphs (seed {options.seed}); {machine()}."
    yield (
        f"Median of {options.load_repeat} load(s) and {options.repeat} run(s) of each query (after one "
        "untimed run). 'x' columns: that backend's time divided by pyoxigraph direct's (>1: slower). "
        "'replace all' writes every graph again: with the same triples (a rebuild), then with those of "
        "the next seed (same IRIs, other values); rdflib and oxrdflib remove each graph and add it back, "
        "pyoxigraph direct is OxigraphStore.replace_graphs (one transaction carrying the differences). "
        f"Load average at the end: {os.getloadavg()[0]:.1f}."
    )
    for clock, title in (("cpu", "CPU seconds (process time, all threads)"), ("wall", "Wall-clock seconds")):
        yield ""
        yield f"{title}:"
        yield ""
        yield from table(results, clock)


def table(results: dict[str, Timings], clock: str) -> Iterator[str]:
    keys = list(results)
    names = [BACKENDS[key].name for key in keys]  # type: ignore[attr-defined]
    others = [key for key in keys if key != "pyoxigraph"] if "pyoxigraph" in keys else []
    header = ["operation", "rows", *names] + [f"{key} x" for key in others]
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"
    for operation in [*LOADS, *QUERIES]:
        rows = {results[key].rows.get(operation) for key in keys} - {None}
        row_text = "/".join(str(r) for r in sorted(rows)) if rows else ""
        medians = {key: results[key].median(operation, clock) for key in keys}
        cells = [f"{medians[key]:.3f}" for key in keys]
        cells += [f"{medians[key] / medians['pyoxigraph']:.1f}" for key in others]
        yield "| " + " | ".join([operation, row_text, *cells]) + " |"


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000, help="about this many quads (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query (default 5)")
    parser.add_argument("--load-repeat", type=int, default=3, help="loads per backend (default 3)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated subset of " + ",".join(BACKENDS))
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    return Options(args.triples, args.seed, args.repeat, args.load_repeat, backends)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    graphs = generate(options.triples, options.seed)
    changed = generate(options.triples, options.seed + 1)  # same graph and entity IRIs, other values
    quads = sum(len(g) for g in graphs.values())
    print(f"generated {quads:,} quads in {len(graphs):,} graphs", file=sys.stderr)
    results: dict[str, Timings] = {}
    for key in options.backends:
        print(f"timing {key} ...", file=sys.stderr, flush=True)
        results[key] = measure(key, graphs, changed, options)
    counts = {name: {results[k].rows[name] for k in results} for name in QUERIES}
    for name, seen in counts.items():
        if len(seen) > 1:
            print(f"WARNING: backends disagree on the rows of {name!r}: {seen}", file=sys.stderr)
    print("\n".join(report(results, options, quads, len(graphs))))


if __name__ == "__main__":
    main()
