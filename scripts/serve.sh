#!/usr/bin/env bash
# Set up, then serve airkg on 127.0.0.1:8000; the first start builds the graph from seeds/ into
# ./airkg-store when the store is empty.
#
# Usage: bash scripts/serve.sh [airkg serve options, e.g. --port 8080 --store PATH_OR_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/airkg serve "$@"
