#!/usr/bin/env bash
# Ask every service whether it is ready (/ready: its database, broker, object store ... answer) and print
# a table; exits 1 when any is not ready. `make check-health` runs it.
#
#   scripts/health-check.sh                    # make dev / compose development: ports from DEV_PORT_BASE
#   scripts/health-check.sh --compose [-f FILE] # a compose deployment (no published ports needed): asks each
#                                              # container from inside, and adds every container's health
# Environment: HEALTH_TARGETS="name=url ..." replaces the default list; HEALTH_TIMEOUT (seconds, default 5).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

timeout=${HEALTH_TIMEOUT:-5}
failed=0
row() { printf '%-18s %-10s %s\n' "$1" "$2" "$3"; }
summary() { # the /ready body: {"status": ..., "checks": {...}} -> "database=ok objects=ok"
  python3 -c 'import json,sys
try:
    body = json.load(sys.stdin)
    print(" ".join(f"{k}={v}" for k, v in (body.get("checks") or {}).items()) or body.get("status", ""))
except ValueError:
    print("(no JSON answer)")' 2>/dev/null
}

row SERVICE STATUS DETAIL
if [ "${1:-}" = "--compose" ]; then
  shift
  compose=(docker compose "$@")
  for svc_port in api-gateway:8000 auth-service:8001 image-service:8002 gallery-service:8003; do
    svc=${svc_port%%:*}; port=${svc_port##*:}
    if body=$("${compose[@]}" exec -T "$svc" python -c "import urllib.request as u, urllib.error as e
try: print(u.urlopen('http://127.0.0.1:$port/ready', timeout=$timeout).read().decode())
except e.HTTPError as x: print(x.read().decode()); raise SystemExit(1)" 2>/dev/null); then
      row "$svc" ready "$(summary <<<"$body")"
    else row "$svc" NOT-READY "$(summary <<<"$body")"; failed=1; fi
  done
  # every other container: Docker's own health check (or just its state when it has none)
  while IFS=$'\t' read -r svc state health; do
    case "$svc" in api-gateway|auth-service|image-service|gallery-service|migrate|minio-init|"") continue ;; esac
    if [ "$state" = running ] && { [ -z "$health" ] || [ "$health" = healthy ]; }; then
      row "$svc" ok "${health:-running}"
    else
      row "$svc" NOT-READY "$state ${health}"; failed=1
    fi
  done < <("${compose[@]}" ps --all --format '{{.Service}}{{"\t"}}{{.State}}{{"\t"}}{{.Health}}' 2>/dev/null)
else
  base=${DEV_PORT_BASE:-8000}
  targets=${HEALTH_TARGETS:-"api-gateway=http://127.0.0.1:$base auth-service=http://127.0.0.1:$((base + 1)) image-service=http://127.0.0.1:$((base + 2)) gallery-service=http://127.0.0.1:$((base + 3))"}
  for target in $targets; do
    name=${target%%=*}; url=${target#*=}
    body=$(curl -s -m "$timeout" -w '\n%{http_code}' "$url/ready")
    code=${body##*$'\n'}; body=${body%$'\n'*}
    if [ "$code" = 200 ]; then row "$name" ready "$(summary <<<"$body")"
    elif [ "$code" = 000 ]; then row "$name" DOWN "no answer from $url"; failed=1
    else row "$name" NOT-READY "HTTP $code $(summary <<<"$body")"; failed=1; fi
  done
fi
exit $failed
