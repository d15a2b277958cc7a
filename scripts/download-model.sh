#!/usr/bin/env bash
# Fetch Z-Image-Turbo (~33 GB in diffusers layout) into MODEL_PATH (default ./data/models/Z-Image-Turbo).
# Resumable: run it again after an interruption. Fails within seconds when the Hugging Face Hub is unreachable.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
exec $UV run --frozen --no-sync python -m zimage_worker.download "$@"
