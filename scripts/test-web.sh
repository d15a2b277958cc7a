#!/usr/bin/env bash
# The web stage of `make test`: API types match the services, TypeScript and Vitest (every workspace: libs/web,
# the web app, the admin app), a production build of each app, then Playwright in Debian's Chromium against
# the real platform running both (tests/e2e-web).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

if ! command -v node >/dev/null 2>&1; then
  echo "web tests: Node.js >= 20.9 is required (the web app's tests cannot run without it)" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "web tests: Debian's chromium is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "web tests: installing Debian's chromium (npx playwright install cannot download browsers here)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

echo "web tests: API types against the services' OpenAPI"
./scripts/gen-api-types.sh --check
echo "web tests: TypeScript"
npm run --silent typecheck
echo "web tests: Vitest"
npx --no-install vitest run
./scripts/build-frontend.sh
echo "web tests: the production images copy what the builds made"
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
ZIMAGE_WEB_BUILT=1 $UV run --frozen --no-sync pytest -q -p no:cacheprovider \
  tests/ops/test_web_image.py -k test_the_standalone_build_holds_what_the_image_copies
echo "web tests: Playwright (Chromium) against the platform"
npx --no-install playwright test -c tests/e2e-web/playwright.config.ts
