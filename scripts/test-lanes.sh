#!/usr/bin/env bash
# The tests of `make test` in three lanes at once, so waits in one (fault injection sleeps through outages,
# leases and restarts; browser tests wait for pages) overlap work in the others on a 2-core machine:
#   services  every pytest suite but the two below (services, libs, e2e, ops, smoke)
#   faults    tests/reliability and tests/security (each starts whole platforms and breaks them)
#   web       scripts/test-web.sh (API types, tsc, Vitest, builds, Playwright)
# Each lane has its own Redis database and log; a lane's log is printed when it ends, and the run fails if any
# lane failed. PYTEST_ARGS reaches both pytest lanes. TEST_LANES=serial runs the same three one after another.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST="$UV run --frozen --no-sync pytest"
REDIS_BASE=${TEST_REDIS_BASE:-redis://127.0.0.1:6379}
logs=$(mktemp -d "${TMPDIR:-/tmp}/zimage-test-lanes.XXXXXX")
read -r -a extra <<< "${PYTEST_ARGS:-}"

# shellcheck disable=SC2317  # the lanes are called as "lane_$name"
lane_services() {
  # test_web_image's build check runs in the web lane after its build; here a build may be half written
  TEST_REDIS_URL="$REDIS_BASE/15" $PYTEST "${extra[@]}" --ignore=tests/reliability --ignore=tests/security \
    --deselect "tests/ops/test_web_image.py::test_the_standalone_build_holds_what_the_image_copies"
}
# shellcheck disable=SC2317
lane_faults() { TEST_REDIS_URL="$REDIS_BASE/14" $PYTEST "${extra[@]}" tests/reliability tests/security; }
# shellcheck disable=SC2317
lane_web() { ./scripts/test-web.sh; }

LANES=(services faults web)
declare -A pid started status
run_lane() {
  local lane=$1
  started[$lane]=$SECONDS
  echo "test lanes: $lane started"
  "lane_$lane" > "$logs/$lane.log" 2>&1 &
  pid[$lane]=$!
}
finish_lane() {
  local lane=$1 rc=$2
  status[$lane]=$rc
  echo
  echo "==================== lane $lane: $([ "$rc" = 0 ] && echo passed || echo "FAILED (exit $rc)") in $((SECONDS - started[$lane])) s ===================="
  cat "$logs/$lane.log"
}

if [ "${TEST_LANES:-parallel}" = serial ]; then
  for lane in "${LANES[@]}"; do
    run_lane "$lane"
    wait "${pid[$lane]}"
    finish_lane "$lane" $?
  done
else
  for lane in "${LANES[@]}"; do run_lane "$lane"; done
  remaining=("${LANES[@]}")
  last_note=$SECONDS
  while [ ${#remaining[@]} -gt 0 ]; do
    still=()
    for lane in "${remaining[@]}"; do
      if kill -0 "${pid[$lane]}" 2>/dev/null; then
        still+=("$lane")
      else
        wait "${pid[$lane]}"
        finish_lane "$lane" $?
      fi
    done
    remaining=("${still[@]}")
    if [ ${#remaining[@]} -gt 0 ] && [ $((SECONDS - last_note)) -ge 60 ]; then
      echo "test lanes: still running after $SECONDS s: ${remaining[*]}"
      last_note=$SECONDS
    fi
    sleep 2
  done
fi

echo
failed=0
for lane in "${LANES[@]}"; do
  echo "test lanes: $lane $([ "${status[$lane]}" = 0 ] && echo passed || echo FAILED)"
  [ "${status[$lane]}" = 0 ] || failed=1
done
echo "test lanes: done in $SECONDS s"
rm -rf "$logs"
exit $failed
