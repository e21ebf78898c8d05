#!/usr/bin/env bash
# Set up what serving needs, then serve airkg on 127.0.0.1:8000; the first start builds the graph from
# seeds/ into ./airkg-store when the store is empty (with a progress bar).
#
# Only the project and its runtime dependencies are installed (`pip install -e .`: no test tools), and only
# when pyproject.toml changed since the last install (.venv/.airkg-installed holds its hash; scripts/setup.sh,
# which installs the test tools too, writes the same stamp). A second start goes straight to serving.
#
# Usage: bash scripts/serve.sh [airkg serve options, e.g. --port 8080 --store PATH_OR_URL]
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
stamp=.venv/.airkg-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ]; then
  echo "airkg: creating the virtualenv .venv" >&2
  "$python" -m venv .venv
fi
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$have" != "serve $want" ] && [ "$have" != "test $want" ] || [ ! -x .venv/bin/airkg ]; then
  echo "airkg: installing airkg and what serving needs into .venv (pip install -e .) …" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
  echo "serve $want" > "$stamp"
fi
exec .venv/bin/airkg serve "$@"
