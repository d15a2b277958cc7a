#!/usr/bin/env bash
# Installs what `make dev` and `make test` need on a fresh machine: uv (from PyPI) and the locked Python env.
set -euo pipefail
cd "$(dirname "$0")/.."

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
