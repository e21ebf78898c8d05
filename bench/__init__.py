"""airkg's benchmarks at national scale: a synthetic corpus (:mod:`bench.corpus`), and one command that
measures extraction, builds, saved queries on three backends, the API and ``/graph`` (:mod:`bench.run`).

Usage (from the repository root)::

    .venv/bin/python -m bench run --scale 1000      # or: bash bench/run.sh 1000
    .venv/bin/python -m bench run --scale seeds
    .venv/bin/python -m bench generate --scale 100 --out /tmp/corpus
    .venv/bin/python -m bench report                # every scale side by side

Results go to ``bench/out/`` (not committed): ``results-SCALE.json`` and ``results-SCALE.md``.
"""
