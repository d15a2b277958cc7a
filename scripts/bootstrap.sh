#!/usr/bin/env bash
# Installs what `make dev` and `make test` need on a fresh machine: uv (from PyPI), the locked Python env
# and, where Node.js is installed, the web apps' locked npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--ops-tools" ]; then
  # tests/ops checks monitoring/ with promtool and amtool and the shell scripts with shellcheck; they fail
  # (never skip) without them. Debian packages: prometheus, prometheus-alertmanager, shellcheck.
  missing=()
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  [ ${#missing[@]} -eq 0 ] && exit 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    echo "bootstrap: tests/ops needs ${missing[*]} (Debian packages); install them, or tests/ops fails" >&2
  fi
  exit 0
fi

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "bootstrap: installing uv from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check uv || python3 -m pip install --quiet --user uv
fi
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")

stamp=.venv/.zimage-synced
if [ ! -f "$stamp" ] || [ uv.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: syncing the Python environment (uv sync --frozen)"
  $UV sync --frozen --all-packages
  touch "$stamp"
fi

npm_stamp=node_modules/.zimage-installed
if command -v node >/dev/null 2>&1 && { [ ! -f "$npm_stamp" ] || [ package-lock.json -nt "$npm_stamp" ]; }; then
  echo "bootstrap: installing the web apps' packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi
