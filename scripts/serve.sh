#!/usr/bin/env bash
# Set up, build the graph from seeds/ (when the store is empty) and serve it on 127.0.0.1:8000.
#
# Usage: bash scripts/serve.sh [airkg serve options, e.g. --port 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if .venv/bin/airkg --help | grep -q " serve "; then
  exec .venv/bin/airkg serve "$@"
fi
exec .venv/bin/airkg build "$@"
