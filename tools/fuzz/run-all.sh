#!/usr/bin/env bash
# Builds every libFuzzer harness in tools/fuzz/harnesses (swiftc -sanitize=fuzzer,address, each with only the
# source files it needs) and runs each in turn, one process per harness.
#   tools/fuzz/run-all.sh [SECONDS]
# With SECONDS, each harness runs that long. Without, each runs 1,000,000 inputs (libFuzzer's -runs), capped at
# $FUZZ_MAX_SECONDS (default 1800) per harness.
# Environment:
#   FUZZ_DIR        work folder (default /tmp/landreg-fuzz): $FUZZ_DIR/<harness>/{fuzzer,corpus,last-run.log,crash-*}
#   FUZZ_HARNESSES  which harnesses, space-separated (default: geojson csv wkb options shapefile xlsx)
#   FUZZ_SANITIZE   swiftc -sanitize= value (default fuzzer,address; "fuzzer" alone measures without ASan)
#   FUZZ_NICE       nice level of the fuzzing processes (default 10: the machine is shared)
# The committed seed corpus, tools/fuzz/corpus/<harness>/, is read and never written: new inputs go to
# $FUZZ_DIR/<harness>/corpus. Prints one line per harness (executions, seconds, crashes) and exits non-zero when
# any harness crashed, leaked, timed out, ran out of memory or failed a property (artifacts: $FUZZ_DIR/<harness>/).
set -euo pipefail
seconds=${1:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${FUZZ_DIR:-/tmp/landreg-fuzz}
harnesses=${FUZZ_HARNESSES:-geojson csv wkb options shapefile xlsx}
sanitize=${FUZZ_SANITIZE:-fuzzer,address}
niceness=${FUZZ_NICE:-10}
max_seconds=${FUZZ_MAX_SECONDS:-1800}

core_sources() { find "$repo/Sources/LandGeometryCore" -name '*.swift' | sort | tr '\n' ' '; }
geojson_sources() { find "$repo/Sources/LandGeoJSON" -name '*.swift' | sort | tr '\n' ' '; }
geometry_sources() { find "$repo/Sources/LandGeometry" -name '*.swift' | sort | tr '\n' ' '; }
formats_sources() { find "$repo/Sources/LandFormats" -name '*.swift' | sort | tr '\n' ' '; }

# The harness file and the sources compiled with it, as one module.
sources_for() {
  case "$1" in
    # LandGeoJSON has no C dependency: against LandGeometryCore (pure Swift) only, no GEOS or PROJ.
    geojson) echo "$here/harnesses/GeoJSONFuzzHarness.swift $(geojson_sources)" ;;
    csv)     echo "$here/harnesses/CSVFuzzHarness.swift $repo/Sources/LandRegistry/Import/CSVReader.swift" ;;
    wkb)     echo "$here/harnesses/WKBFuzzHarness.swift $(geometry_sources)" ;;
    # Clock.swift imports LandGeometry and LandGeoJSON (and declares an internal JSONText, as LandGeoJSON does):
    # against those modules (see build).
    options) echo "$here/harnesses/OptionsFuzzHarness.swift $repo/Sources/LandRegistry/Support/Clock.swift" ;;
    # LandFormats (GDAL's C API) imports LandGeometry and LandGeoJSON: built against them, like options.
    shapefile) echo "$here/harnesses/ShapefileFuzzHarness.swift $(formats_sources)" ;;
    xlsx)      echo "$here/harnesses/XLSXFuzzHarness.swift $(formats_sources)" ;;
    *) echo "unknown harness $1 (known: geojson csv wkb options shapefile xlsx)" >&2; exit 2 ;;
  esac
}
# The library modules a harness is built against, in build order (each against those before it).
modules_for() {
  case "$1" in
    geojson|wkb) echo "LandGeometryCore" ;;
    csv) echo "" ;;
    options|shapefile|xlsx) echo "LandGeometryCore LandGeoJSON LandGeometry" ;;
  esac
}
module_sources() {
  case "$1" in
    LandGeometryCore) core_sources ;; LandGeoJSON) geojson_sources ;; LandGeometry) geometry_sources ;;
  esac
}
# Whether the harness links GEOS and PROJ (geojson and csv must build without them).
needs_geos() { case "$1" in geojson|csv) return 1 ;; *) return 0 ;; esac; }
max_len_for() {
  # shapefile / xlsx: the seeds are 2.3–3.7 KB / 4.8–5.5 KB and GDAL costs 10–60 ms an input: longer inputs only slow it.
  case "$1" in geojson) echo 65536 ;; csv) echo 16384 ;; wkb) echo 16384 ;; options) echo 4096 ;;
               shapefile) echo 4096 ;; xlsx) echo 8192 ;; esac
}

build() {
  local name=$1 out=$2 sources modules m
  sources=$(sources_for "$name")
  modules=$(modules_for "$name")
  # Rebuild only when a source, this build recipe or the sanitizer set changed.
  local stamp
  # shellcheck disable=SC2046,SC2086
  stamp=$( { cat $sources; for m in $modules; do cat $(module_sources "$m"); done; declare -f build needs_geos
             echo "$sanitize"; } | sha256sum | cut -d' ' -f1)
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  echo "building the $name harness (swiftc -sanitize=$sanitize) ..." >&2
  rm -f "$out"
  local flags=(-O -g -parse-as-library -sanitize="$sanitize" -diagnostic-style llvm)
  local c_libs=()
  if needs_geos "$name"; then
    flags+=(-I "$repo/Sources/CGEOS" -I "$repo/Sources/CPROJ" -I "$repo/Sources/CGDAL")
    c_libs=(-lgeos_c -lproj)
  fi
  local module=LandGeometry extra=() lib
  lib="$(dirname "$out")/lib"
  mkdir -p "$lib"
  # Each library module as an instrumented static library and module, then the harness against them.
  for m in $modules; do
    # shellcheck disable=SC2046
    nice -n "$niceness" swiftc "${flags[@]}" -I "$lib" -module-name "$m" -emit-library -static -emit-module \
      -emit-module-path "$lib/$m.swiftmodule" -o "$lib/lib$m.a" $(module_sources "$m") 2>&1 \
      | { grep -v "Cannot export local symbol '__asan" || true; }
    [ -f "$lib/lib$m.a" ] || { echo "the $m module of the $name harness did not build" >&2; return 1; }
  done
  # Static libraries last on the line, the one depending on the others first.
  for m in $modules; do extra=("$lib/lib$m.a" "${extra[@]}"); done
  [ -n "$modules" ] && extra=(-I "$lib" "${extra[@]}")
  case "$name" in
    geojson) module=LandGeoJSON ;; options) module=OptionsFuzz ;; shapefile) module=ShapefileFuzz ;; xlsx) module=XLSXFuzz ;;
  esac
  if [ "$name" = shapefile ] || [ "$name" = xlsx ]; then
    local include
    for include in $(pkg-config --cflags-only-I gdal); do extra+=(-Xcc "$include"); done
    # LandFormats also writes office workbooks through libxlsxwriter (OfficeWorkbookWriter) and reads photos' EXIF
    # through libexif (PhotoEXIF).
    extra+=(-I "$repo/Sources/CXLSXWriter" -I "$repo/Sources/CExif" -lgdal -lxlsxwriter -lexif)
  fi
  # shellcheck disable=SC2086  # $sources is a list of paths without spaces (the repository's own files)
  nice -n "$niceness" swiftc "${flags[@]}" -module-name "$module" $sources "${extra[@]}" "${c_libs[@]}" -o "$out" 2>&1 \
    | { grep -v "Cannot export local symbol '__asan" || true; }
  [ -x "$out" ] || { echo "the $name harness did not build" >&2; return 1; }
  echo "$stamp" > "$out.stamp"
}

failed=0
summary=()
for name in $harnesses; do
  dir="$work/$name"
  mkdir -p "$dir/corpus"
  build "$name" "$dir/fuzzer"
  if [ -n "$seconds" ]; then limit=(-max_total_time="$seconds"); else limit=(-runs=1000000 -max_total_time="$max_seconds"); fi
  crashes_before=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
  start=$(date +%s.%N)
  set +e
  # New inputs go to the first folder ($dir/corpus); the committed seeds are only read.
  # GEOS's C++ (Debian's libgeos, no frame pointers) leaves ASan's fast unwinder two frames per allocation, too few
  # for lsan.supp to tell GEOS's own leak (see there) from a GEOS object landreg forgot to destroy, and unwinding
  # fully makes a make-valid input 20× slower. So wkb fuzzes without leak checks, then replays its corpus once with
  # full unwinding and leak checks (below).
  # (-detect_leaks=0 stops libFuzzer's checks after each input, ASAN_OPTIONS=detect_leaks=0 the one at exit.)
  leaks=(); asan=${ASAN_OPTIONS:-}
  [ "$name" = wkb ] && { leaks=(-detect_leaks=0); asan="detect_leaks=0${asan:+:$asan}"; }
  # Swift's own crash backtracer would run inside ASan's report of a failed property; libFuzzer's report is enough.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="$asan" LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    nice -n "$niceness" "$dir/fuzzer" "$dir/corpus" "$here/corpus/$name" "${limit[@]}" "${leaks[@]}" \
    -max_len="$(max_len_for "$name")" -timeout=20 -rss_limit_mb=4096 -artifact_prefix="$dir/" -print_final_stats=1 \
    > "$dir/last-run.log" 2>&1
  status=$?
  if [ "$name" = wkb ] && [ "$status" -eq 0 ] && [[ "$sanitize" == *address* ]]; then
    # Each corpus input once, in one process; LeakSanitizer checks at exit.
    find "$dir/corpus" "$here/corpus/$name" -type f | sort > "$dir/leak-replay.list"
    xargs -a "$dir/leak-replay.list" env SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=fast_unwind_on_malloc=0 \
      LSAN_OPTIONS="suppressions=$here/lsan.supp" nice -n "$niceness" "$dir/fuzzer" -timeout=600 \
      > "$dir/leak-replay.log" 2>&1
    status=$?
    echo "wkb leak replay: $(wc -l < "$dir/leak-replay.list") corpus inputs with full unwinding, exit $status" \
      "(log $dir/leak-replay.log)"
  fi
  set -e
  end=$(date +%s.%N)
  runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$dir/last-run.log")
  crashes_after=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
  crashes=$((crashes_after - crashes_before))
  line=$(printf '%-8s %10s executions %8.1f s %3d crashes  exit %d  (%s, log %s)' "$name" "${runs:-?}" \
         "$(echo "$end - $start" | bc)" "$crashes" "$status" "-sanitize=$sanitize" "$dir/last-run.log")
  echo "$line"
  summary+=("$line")
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    grep -E "^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error:)" "$dir/last-run.log" | head -5 || true
  fi
done
[ "${#summary[@]}" -gt 1 ] && printf '%s\n' "" "summary:" "${summary[@]}"
exit "$failed"
