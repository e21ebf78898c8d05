"""The benchmark runs: a 10-plan corpus through the whole pipeline with tiny repetitions.

Only that it produces figures is checked, never how fast anything is (the machine may be busy).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.txt"))}


@pytest.mark.slow
def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        done = _bench("generate", "--scale", "10", "--seed", seed, "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    first, again, other = (_files(tmp_path / name) for name in "abc")
    assert len(first) == 10 and first == again
    assert first != other


@pytest.mark.slow
def test_a_run_at_10_plans_produces_figures(tmp_path: Path) -> None:
    done = _bench("run", "--scale", "10", "--out", str(tmp_path), "--repeat", "1", "--rdflib-repeat", "1",
                  "--stages-sample", "3", "--wrk-seconds", "1", "--wrk-connections", "2", "--graph-repeat", "1",
                  "--skip", "virtuoso,rdflib")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    results = json.loads((tmp_path / "results-10.json").read_text())
    assert results["corpus"]["plans"] == 10
    assert [run["jobs"] for run in results["extraction"]["runs"]] == [1, 2]
    assert all(run["plans_per_s"] > 0 and run["chars_per_s"] > 0 for run in results["extraction"]["runs"])
    assert results["stages"]["ms_per_plan"]["extract"] > 0
    for path in ("bulk", "cli", "transaction", "graphs"):
        build = results["build"][path]
        assert build["quads"] > 20_000 and build["store_bytes"] > 0 and build["memory"]["self_mib"] > 0
    assert len({results["build"][path]["quads"] for path in ("bulk", "cli", "transaction", "graphs")}) == 1
    if "queries" not in results["skipped"]:
        timed = {name: q for name, q in results["queries"]["oxigraph"].items() if "skipped" not in q}
        assert timed and all(q["runs"] == 1 for q in timed.values())
        # the only queries not run: those whose default agency (济宁市生态环境局) the generated plans never name
        assert set(results["queries"]["oxigraph"]) - set(timed) <= {"supported-measures", "supporting-agencies"}
    assert results["skipped"]["virtuoso"] == "--skip"
    markdown = (tmp_path / "results-10.md").read_text()
    assert "### Scale: 10 plans" in markdown and "Build to a ready store" in markdown

    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# prose before\n\n<!-- bench:generated: `python -m bench all` rewrites what follows, up to "
                      "the end mark -->\nstale figures\n<!-- bench:generated:end -->\nprose after\n")
    assert _bench("report", "--out", str(tmp_path), "--write", str(target)).returncode == 0
    written = target.read_text()
    assert written.startswith("# prose before") and written.endswith("<!-- bench:generated:end -->\nprose after\n")
    assert "stale figures" not in written and "### Every scale side by side" in written
    assert "### Scale: 10 plans" in written
