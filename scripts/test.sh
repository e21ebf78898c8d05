#!/usr/bin/env bash
# Set up and run the whole test suite: unit, golden, store (embedded and Virtuoso), API,
# and browser tests. Extra arguments go to pytest.
#
# Usage: bash scripts/test.sh [PYTEST_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
exec .venv/bin/python -m pytest -n 2 "$@"
