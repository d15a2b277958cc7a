#!/usr/bin/env bash
# Builds the web apps (next build) — services/frontend and services/admin-ui — each only when its sources (or the
# shared libs/web and the lock) changed since its last build; `make dev` starts those builds.
# Each app builds Next.js's standalone output (its next.config.ts), the server deploy/docker/web.Dockerfile ships;
# like the image, this puts .next/static and public/ beside its server.js, and `make dev` runs that server.
#   scripts/build-frontend.sh                  both apps
#   scripts/build-frontend.sh admin-ui         only the named ones (frontend, admin-ui)
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

if ! command -v node >/dev/null 2>&1; then
  echo "frontend: Node.js (>= 20.9) not found; the web apps are skipped (the API still runs)"
  exit 0
fi

build() {
  local name=$1 app=services/$1
  local build_id=$app/.next/BUILD_ID
  local standalone=$app/.next/standalone/$app
  local sources=("$app/src" "$app/next.config.ts" "$app/package.json" "$app/postcss.config.mjs" "$app/tsconfig.json"
                 libs/web/src libs/web/package.json package-lock.json)
  if [ -d "$app/public" ]; then sources+=("$app/public"); fi
  if [ -f "$build_id" ] && [ -f "$standalone/server.js" ] && [ -d "$standalone/.next/static" ] \
     && [ -z "$(find "${sources[@]}" -newer "$build_id" -print -quit)" ]; then
    echo "$name: build is up to date"
    return 0
  fi
  echo "$name: building (next build)"
  # explicit returns: errexit does not apply inside a function called from `||`
  npm run --silent build -w "@zimage/$name" || return 1
  rm -rf "$standalone/.next/static" "$standalone/public" || return 1
  cp -R "$app/.next/static" "$standalone/.next/static" || return 1
  if [ -d "$app/public" ]; then cp -R "$app/public" "$standalone/public" || return 1; fi
}

apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then apps=(frontend admin-ui); fi
failed=()
for name in "${apps[@]}"; do
  case $name in
    frontend | admin-ui) build "$name" || failed+=("$name") ;;
    *) echo "build-frontend.sh: unknown app $name (frontend, admin-ui)" >&2; exit 2 ;;
  esac
done
# one app's broken build does not keep the other from building; the exit status still says it failed
if [ ${#failed[@]} -gt 0 ]; then
  echo "web apps: the build of ${failed[*]} failed (see above)" >&2
  exit 1
fi
