#!/usr/bin/env bash
# Builds the GeoJSON reader fuzzer (libFuzzer, swiftc -sanitize=fuzzer,address) against the current
# Sources/LandGeometry and runs it for N seconds (default 180) in one process.
#   tools/fuzz/run-fuzz.sh [SECONDS]
# The corpus grows in $FUZZ_DIR/corpus (default /tmp/landreg-fuzz); crashes are written there as crash-*.
# Prints the number of inputs run and exits non-zero when libFuzzer found a crash.
set -euo pipefail
seconds=${1:-180}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${FUZZ_DIR:-/tmp/landreg-fuzz}
mkdir -p "$work/corpus"
# Seed the corpus with the sample data's first features and a few hostile shapes.
if [ -z "$(ls -A "$work/corpus")" ]; then
  for f in "$repo"/GeoData/*.geojson; do head -c 4000 "$f" > "$work/corpus/seed-$(basename "$f")"; done
  printf '{"type":"Feature","properties":{"a":1e999,"b":[[[[]]]]},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}' > "$work/corpus/seed-hostile"
  printf '\xef\xbb\xbf{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"\\u0000":"\\ud800"},"geometry":null}]}' > "$work/corpus/seed-bom"
fi
# One module: the harness plus every LandGeometry source, instrumented for coverage and address errors.
swiftc -O -g -parse-as-library -sanitize=fuzzer,address -module-name LandGeometryFuzz \
  -I "$repo/Sources/CGEOS" -I "$repo/Sources/CPROJ" \
  "$here/GeoJSONFuzzHarness.swift" $(find "$repo/Sources/LandGeometry" -name '*.swift' | sort) \
  -lgeos_c -lproj -o "$work/fuzzer" 2>&1 | { grep -v "Cannot export local symbol '__asan" || true; }
set +e
"$work/fuzzer" "$work/corpus" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$work/crash-" -print_final_stats=1 2>&1 | tee "$work/last-run.log" | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" 
status=${PIPESTATUS[0]}
set -e
runs=$(grep -E '^stat::number_of_executed_units' "$work/last-run.log" | awk '{print $2}')
echo "fuzzed the GeoJSON reader for ${seconds} s: ${runs:-?} inputs, exit ${status} (log: $work/last-run.log)"
exit "$status"
