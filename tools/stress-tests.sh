#!/usr/bin/env bash
# Runs the whole test suite N times with Swift Testing's default parallelism (tests interleave in one process)
# and reports every run that crashed or failed. The README's test command runs serially, so that CI is
# deterministic; this is the check for races between in-process tests (import pipelines, GEOS/PROJ contexts,
# store connections) to run after touching anything threaded.
#
#   tools/stress-tests.sh [N]        # default 10 runs, about 45 s each on 2 cores
#
# Logs: /tmp/landreg-stress-<run>.log. Exit status: the number of bad runs (0 when all passed).
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
swift build --build-tests 2>&1 | tail -1
bad=0
for i in $(seq 1 "$runs"); do
  log="/tmp/landreg-stress-$i.log"
  # No backtracer: on a heap-corruption abort it can hang for its 30 s timeout per thread.
  SWIFT_BACKTRACE=enable=no timeout 900 swift test --skip-build > "$log" 2>&1
  status=$?
  crash="$(grep -m1 -E 'malloc|tcache|double free|free\(\): |Segmentation|Fatal error|signal code' "$log" || true)"
  if [ "$status" -ne 0 ]; then
    bad=$((bad + 1))
    echo "run $i/$runs: FAILED (exit $status) ${crash:-see $log}"
  else
    echo "run $i/$runs: passed ($(tail -1 "$log" | grep -oE 'after [0-9.]+ seconds'))"
  fi
done
echo "$bad of $runs runs failed"
exit "$bad"
