"""The airkg command, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS


def airkg(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


def test_extract_json_has_the_documented_fields() -> None:
    result = airkg("extract", str(SEEDS / "001_2b08b5de9d9ff43a.txt"), "--format", "json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["title"] == "2023年空气质量改善进位行动细化措施实施方案"
    measure = plan["measures"][0]
    assert {"id", "number", "title", "text", "span", "agencies", "leaders", "deadlines", "pollutants", "sectors",
            "targets"} <= set(measure)
    assert measure["number"] == "1." and measure["title"] == "严格项目准入"
    assert {"start", "end"} <= set(measure["span"])
    assert measure["agencies"][0] == measure["agencies"][0] | {"name": "环评科", "role": "lead"}
    assert {"name", "canonical", "role"} <= set(measure["agencies"][0])
    assert measure["deadlines"][0] | {"date": "2023-03-01", "kind": "from", "text": "2023年3月起"} == measure["deadlines"][0]
    assert all({"code", "basis"} <= set(p) for p in measure["pollutants"] + measure["sectors"])


@pytest.mark.slow
def test_build_reports_counts_per_plan_and_export_validates(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    built = airkg("build", "--store", store)
    assert built.returncode == 0, built.stderr
    assert "001_2b08b5de9d9ff43a.txt: 2023年空气质量改善进位行动细化措施实施方案 — 41 measures" in built.stdout
    assert "5 plans loaded" in built.stdout
    exported = airkg("export", "--format", "nquads", "--store", store)
    assert exported.returncode == 0
    quads = exported.stdout.splitlines()
    # every plan graph and its relations graph, the vocabulary and the regions, in N-Quads
    assert {line.rsplit(" ", 2)[-2] for line in quads} >= {
        f"<https://airkg.example.org/id/graph/{kind}/{plan}>" for kind in ("plan", "relations")
        for plan in ("000_aa781de31b5c5cff", "001_2b08b5de9d9ff43a", "004_686603e2450627ea")}
    assert len(quads) > 10000
    removed = airkg("remove", "004_686603e2450627ea", "--store", store)
    assert removed.returncode == 0, removed.stderr
    again = airkg("remove", "004_686603e2450627ea", "--store", store)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "no plan" in again.stderr


def test_malformed_sparql_is_one_line_and_status_2(tmp_path: Path) -> None:
    result = airkg("sparql", "SELECT * WHERE {", "--store", str(tmp_path / "empty"))
    assert result.returncode == 2
    assert result.stderr.startswith("airkg: malformed sparql:") and result.stderr.count("\n") == 1


def test_extract_of_a_missing_file_is_one_line() -> None:
    result = airkg("extract", "no-such-plan.txt")
    assert result.returncode == 2 and result.stderr.strip() == "airkg: unreadable document: no-such-plan.txt: no such file"


def test_evaluate_prints_scores_for_every_golden_file() -> None:
    result = airkg("evaluate")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if " agencies " in line]
    assert len(lines) >= 10
    assert all(float(line.split()[4]) >= 0.95 for line in lines)


@pytest.mark.slow
def test_read_commands_work_while_another_process_holds_the_store(tmp_path: Path) -> None:
    from kg.store import OxigraphStore

    store = str(tmp_path / "store")
    assert airkg("build", "--store", store).returncode == 0
    holder = OxigraphStore(store)  # as `airkg serve` would hold it
    try:
        counted = airkg("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?m a airkg:Measure }", "--format", "csv",
                        "--store", store)
        assert counted.returncode == 0, counted.stderr
        assert counted.stdout.split() == ["n", "159"]
        blocked = airkg("remove", "000_aa781de31b5c5cff", "--store", store)
        assert blocked.returncode == 2 and "store unavailable" in blocked.stderr
    finally:
        holder.close()


#: A cross product of every triple with itself, twice: it runs for hours on any store.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.slow
def test_sparql_has_the_servers_time_limit(tmp_path: Path) -> None:
    """``airkg sparql`` stops a query past its time limit (--timeout, else AIRKG_QUERY_TIMEOUT as the server):
    the worker is killed, one line, exit 2 (issue 13); ``--timeout 0`` lets a query run as long as it takes."""
    from kg.loading import extract_files, graphs_to_load
    from kg.store import OxigraphStore

    store = OxigraphStore(str(tmp_path / "store"))
    store.replace_graphs(graphs_to_load(extract_files([SEEDS / "001_2b08b5de9d9ff43a.txt"])))
    store.close()
    started = time.monotonic()
    stopped = airkg("sparql", "--store", str(tmp_path / "store"), "--timeout", "2", HEAVY)
    assert stopped.returncode == 2 and time.monotonic() - started < 120, stopped.stderr
    assert stopped.stderr.strip().splitlines() == [
        "airkg: query too slow: the query ran past 2 s and was stopped; give it more with --timeout SECONDS "
        "(0: no limit)"]
    env = {**os.environ, "AIRKG_QUERY_TIMEOUT": "1"}
    from_env = subprocess.run([sys.executable, "-m", "kg.cli", "sparql", "--store", str(tmp_path / "store"), HEAVY],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert from_env.returncode == 2 and "ran past 1 s" in from_env.stderr, from_env.stderr
    unlimited = airkg("sparql", "--store", str(tmp_path / "store"), "--timeout", "0", "ASK { ?s ?p ?o }")
    assert unlimited.returncode == 0 and unlimited.stdout.strip() == "yes", unlimited.stderr


@pytest.mark.slow
def test_a_saved_query_has_the_servers_time_limit_too(tmp_path: Path) -> None:
    """``airkg query`` runs a saved query as ``airkg sparql`` runs any query: in a worker, stopped past the time
    limit with one line and exit 2; a quick one answers as before."""
    from kg.loading import extract_files, graphs_to_load
    from kg.store import OxigraphStore

    store = OxigraphStore(str(tmp_path / "store"))
    store.replace_graphs(graphs_to_load(extract_files([SEEDS / "001_2b08b5de9d9ff43a.txt"])))
    store.close()
    folder = tmp_path / "queries"
    folder.mkdir()
    header = "# title: {0}\n# title_zh: {0}\n# description: {0}\n"
    (folder / "everything-thrice.rq").write_text(header.format("a cross product") + HEAVY + "\n", encoding="utf-8")
    (folder / "plans.rq").write_text(header.format("plans") + "SELECT ?plan WHERE { ?plan a airkg:Plan }\n",
                                     encoding="utf-8")
    env = {**os.environ, "AIRKG_QUERIES_DIR": str(folder)}

    def query(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kg.cli", "query", *args, "--store", str(tmp_path / "store")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)

    stopped = query("everything-thrice", "--timeout", "2")
    assert stopped.returncode == 2 and stopped.stderr.strip().splitlines() == [
        "airkg: query too slow: the query ran past 2 s and was stopped; give it more with --timeout SECONDS "
        "(0: no limit)"], stopped.stderr
    answered = query("plans", "--format", "csv")
    assert answered.returncode == 0 and answered.stdout.split() == ["plan",
        "https://airkg.example.org/id/plan/001_2b08b5de9d9ff43a"], answered.stderr
