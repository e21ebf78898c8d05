#!/usr/bin/env bash
# Run the whole benchmark: bash bench/run.sh all [--store-backends]   (every scale, then BENCHMARKS.md rewritten)
# or at one scale:          bash bench/run.sh 1000 [more `python -m bench run` options]
# Installs Debian's wrk (the load generator) if it is missing; results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:?usage: bash bench/run.sh all|SCALE (10, 100, 1000, 10000 or seeds) [options]}"
shift
if ! command -v wrk >/dev/null; then
  sudo_=""
  [[ "$(id -u)" != 0 ]] && sudo_="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y wrk >/dev/null \
    || { $sudo_ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y wrk >/dev/null; }
fi
if [[ "$scale" == all ]]; then
  exec .venv/bin/python -m bench all "$@"
fi
exec .venv/bin/python -m bench run --scale "$scale" "$@"
