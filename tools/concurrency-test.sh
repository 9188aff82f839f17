#!/usr/bin/env bash
# Concurrency: WRITERS landreg processes at once, each applying WRITES spot status changes one after another to
# the same store (its own spot: verify → illegal, rectify, then progress reports; each one transaction and one
# audit event). Checks that every change succeeded, that the audit log holds exactly WRITERS × WRITES new spot
# events (WRITES per actor), and that `landreg check` passes afterwards.
#   tools/concurrency-test.sh [WRITERS=8] [WRITES=50]        (LANDREG=path/to/landreg to choose the binary)
set -euo pipefail
writers=${1:-8}; writes=${2:-50}
repo=$(cd "$(dirname "$0")/.." && pwd)
landreg=${LANDREG:-$repo/.build/release/landreg}
[ -x "$landreg" ] || landreg=$repo/.build/debug/landreg
work=$(mktemp -d /tmp/landreg-concurrency.XXXXXX)
cd "$work"
"$landreg" init --store busy.gpkg >/dev/null
features=""
for w in $(seq 0 $((writers - 1))); do
  x=$((580000 + w * 30)); y=3360000
  f=$(printf '{"type":"Feature","properties":{"code":"W%d"},"geometry":{"type":"Polygon","coordinates":[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]}}' \
      "$w" $x $y $((x + 20)) $y $((x + 20)) $((y + 20)) $x $((y + 20)) $x $y)
  features="${features:+$features,}$f"
done
printf '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[%s]}\n' "$features" > spots.geojson
"$landreg" import spots spots.geojson --batch concurrency --quiet --store busy.gpkg >/dev/null
count() { /usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' busy.gpkg "$1"; }
before=$(count "SELECT count(*) FROM events")
start=$(date +%s.%N)
pids=()
for w in $(seq 0 $((writers - 1))); do
  ( failed=0
    for i in $(seq 0 $((writes - 1))); do
      case $i in
        0) step=(verify "W$w" --judgement illegal --on 2026-01-05) ;;
        1) step=(rectify "W$w" --measure demolish-restore --deadline 2026-12-31 --on 2026-01-06) ;;
        *) step=(progress "W$w" --recultivated "$i" --on 2026-01-07) ;;
      esac
      LANDREG_ACTOR=writer-$w "$landreg" spots "${step[@]}" --store busy.gpkg >/dev/null 2>>"w$w.err" || failed=$((failed + 1))
    done
    exit $failed ) &
  pids+=($!)
done
failures=0
for p in "${pids[@]}"; do wait "$p" || failures=$((failures + $?)); done
seconds=$(printf "%.1f" "$(echo "$(date +%s.%N) - $start" | bc)")
after=$(count "SELECT count(*) FROM events")
per_actor=$(count "SELECT group_concat(n) FROM (SELECT count(*) AS n FROM events WHERE entity = 'spot' AND actor LIKE 'writer-%' GROUP BY actor)")
"$landreg" check --store busy.gpkg >check.txt && checked=ok || checked=FAILED
new=$((after - before))
echo "$writers writers × $writes writes in ${seconds} s: $failures failed, $new new events (expected $((writers * writes))), per writer: $per_actor, check: $checked"
[ "$failures" -eq 0 ] && [ "$new" -eq $((writers * writes)) ] && [ "$checked" = ok ] || { cat w*.err check.txt | head -40; exit 1; }
rm -rf "$work"
