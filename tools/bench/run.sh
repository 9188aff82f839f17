#!/usr/bin/env bash
# landreg's benchmark suite against the tools a GIS engineer would otherwise use (ogr2ogr, ogrinfo, shapely).
#
#   tools/bench/run.sh [--quick] [--reps N] [--rows import-100k,export-100k,...] [--no-build]
#
# Builds landreg in release mode, generates the synthetic districts (cached in tools/bench/out/, git-ignored),
# runs landreg and the peer on the same input in the same run, alternating, N times, and prints per row the
# medians, the ratio landreg/peer, the target and the peak RSS. The table is also written to
# tools/bench/out/latest.md. --quick (a few minutes): 100,000 parcels only, 1 repetition, 100 look-ups.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build=1
for a in "$@"; do [ "$a" = "--no-build" ] && build=0; done
if [ "$build" = 1 ]; then
  echo "bench: swift build -c release" >&2
  (cd "$repo" && swift build -c release 2>&1 | tail -1) >&2
fi
args=()
for a in "$@"; do [ "$a" != "--no-build" ] && args+=("$a"); done
# The project venv (tools/install-deps.sh) has shapely 2 and pyproj; Debian's python3 has neither.
py="$repo/.venv/bin/python3"
[ -x "$py" ] || { echo "bench: $py is missing: run tools/install-deps.sh (needs .venv with shapely, pyproj, openpyxl)" >&2; exit 2; }
exec "$py" "$here/bench.py" --landreg "$repo/.build/release/landreg" --repo "$repo" "${args[@]+"${args[@]}"}"
