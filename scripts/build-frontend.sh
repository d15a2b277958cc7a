#!/usr/bin/env bash
# Builds the web app (next build) when its sources changed since the last build; `make dev` starts that build.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

if ! command -v node >/dev/null 2>&1; then
  echo "frontend: Node.js (>= 20.9) not found; the web app is skipped (the API still runs)"
  exit 0
fi
build_id=services/frontend/.next/BUILD_ID
sources=(services/frontend/src services/frontend/next.config.ts services/frontend/package.json
         services/frontend/postcss.config.mjs services/frontend/tsconfig.json libs/web/src libs/web/package.json
         package-lock.json)
if [ -f "$build_id" ] && [ -z "$(find "${sources[@]}" -newer "$build_id" -print -quit)" ]; then
  echo "frontend: build is up to date"
  exit 0
fi
echo "frontend: building the web app (next build)"
npm run --silent build -w @zimage/frontend
