#!/usr/bin/env bash
# The GeoJSON reader's fuzzer alone, for SECONDS (default 180): a thin wrapper over run-all.sh, which builds and
# runs every harness (see tools/fuzz/README.md).
#   tools/fuzz/run-fuzz.sh [SECONDS]
set -euo pipefail
FUZZ_HARNESSES=geojson exec "$(dirname "$0")/run-all.sh" "${1:-180}"
