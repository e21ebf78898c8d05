#!/usr/bin/env bash
# Set up everything airkg needs on a fresh Debian machine: a virtualenv with the project and its
# test tools, and (with --system) the Debian packages the server-backed tests use.
#
# Usage: bash scripts/setup.sh [--system]
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# Installed again only when pyproject.toml changed (its hash in .venv/.airkg-installed, shared with serve.sh).
stamp=.venv/.airkg-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "test $want" ] || [ ! -x .venv/bin/airkg ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  echo "test $want" > "$stamp"
fi

if [ "${1:-}" = "--system" ]; then
  need=()
  command -v virtuoso-t >/dev/null || need+=(virtuoso-opensource)
  command -v chromium >/dev/null || need+=(chromium)
  # a CJK font for the tests that print plans to PDF (tests/document_formats.py)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
  if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
    # Debian starts a system-wide Virtuoso on 0.0.0.0; the tests run a private one on loopback.
    $sudo_cmd service virtuoso-opensource-7 stop >/dev/null 2>&1 || true
  fi
fi
