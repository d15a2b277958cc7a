#!/usr/bin/env bash
# Builds the web app (next build) when its sources changed since the last build; `make dev` starts that build.
# The app builds Next.js's standalone output (next.config.ts), the server deploy/docker/web.Dockerfile ships;
# like the image, this puts .next/static and public/ beside its server.js, and `make dev` runs that server.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

if ! command -v node >/dev/null 2>&1; then
  echo "frontend: Node.js (>= 20.9) not found; the web app is skipped (the API still runs)"
  exit 0
fi
app=services/frontend
build_id=$app/.next/BUILD_ID
standalone=$app/.next/standalone/$app
sources=("$app/src" "$app/next.config.ts" "$app/package.json" "$app/postcss.config.mjs" "$app/tsconfig.json"
         libs/web/src libs/web/package.json package-lock.json)
if [ -d "$app/public" ]; then sources+=("$app/public"); fi
if [ -f "$build_id" ] && [ -f "$standalone/server.js" ] && [ -d "$standalone/.next/static" ] \
   && [ -z "$(find "${sources[@]}" -newer "$build_id" -print -quit)" ]; then
  echo "frontend: build is up to date"
  exit 0
fi
echo "frontend: building the web app (next build)"
npm run --silent build -w @zimage/frontend
rm -rf "$standalone/.next/static" "$standalone/public"
cp -R "$app/.next/static" "$standalone/.next/static"
if [ -d "$app/public" ]; then cp -R "$app/public" "$standalone/public"; fi
