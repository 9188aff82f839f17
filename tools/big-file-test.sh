#!/usr/bin/env bash
# A very large file, streamed: generates ~SIZE_GB GB (default 2) of GeoJSON parcels whose last feature is invalid
# (a bow tie), imports it into a store that holds committed data, and checks that
#   - the import is refused (exit 1) with the last feature named,
#   - memory stays bounded (peak RSS from /usr/bin/time, printed),
#   - the store is byte for byte unchanged.
#   tools/big-file-test.sh [SIZE_GB=2]     (LANDREG=path/to/landreg; WORK=dir, default /tmp/landreg-big-file)
set -euo pipefail
size_gb=${1:-2}
repo=$(cd "$(dirname "$0")/.." && pwd)
landreg=${LANDREG:-$repo/.build/release/landreg}
[ -x "$landreg" ] || { echo "build first: swift build -c release" >&2; exit 2; }
work=${WORK:-/tmp/landreg-big-file}
mkdir -p "$work"
big=$work/big-$size_gb.geojson
if [ ! -s "$big" ]; then
  echo "generating ~$size_gb GB …"
  python3 - "$big" "$size_gb" <<'PY'
import math, sys
path, size = sys.argv[1], float(sys.argv[2]) * 1e9
# 64-vertex circles of 10 m radius on a 30 m grid (EPSG:4549), with a long note: ~2.6 KB per feature.
ring = [(10 * math.cos(2 * math.pi * k / 64), 10 * math.sin(2 * math.pi * k / 64)) for k in range(64)]
note = "长文本" * 150
with open(path, "w", buffering=1 << 22) as f:
    f.write('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[\n')
    i = 0
    while f.tell() < size:
        x, y = 500000 + (i % 2000) * 30, 3300000 + (i // 2000) * 30
        coords = ",".join(f"[{x + dx:.3f},{y + dy:.3f}]" for dx, dy in ring + ring[:1])
        f.write(f'{{"type":"Feature","properties":{{"code":"BIG-{i}","land_use":"0101","note":"{note}"}},'
                f'"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}},\n')
        i += 1
    f.write('{"type":"Feature","properties":{"code":"BAD-LAST","land_use":"0101"},"geometry":{"type":"Polygon",'
            '"coordinates":[[[520000,3340000],[520100,3340100],[520100,3340000],[520000,3340100],[520000,3340000]]]}}\n]}\n')
    print(f"{i + 1} features")
PY
fi
bytes=$(stat -c %s "$big")
features=$(grep -c '"type":"Feature"' "$big" || true)
store=$work/store.gpkg
rm -f "$store" "$store-wal" "$store-shm"
"$landreg" init --store "$store" >/dev/null
"$landreg" import parcels "$repo/GeoData/parcels.geojson" --profile sandiao --store "$store" --quiet >/dev/null
before=$(sha256sum "$store" | cut -d' ' -f1)
set +e
/usr/bin/time -v "$landreg" import parcels "$big" --store "$store" --quiet >"$work/out.txt" 2>"$work/err.txt"
status=$?
set -e
after=$(sha256sum "$store" | cut -d' ' -f1)
rss_kb=$(grep "Maximum resident set size" "$work/err.txt" | awk '{print $NF}')
elapsed=$(grep "Elapsed (wall clock)" "$work/err.txt" | awk '{print $NF}')
named=$(grep -c "feature $((features - 1)) (code BAD-LAST).*Self-intersection" "$work/err.txt" || true)
echo "file: $bytes bytes, $features features; import exit $status in $elapsed; peak RSS $((rss_kb / 1024)) MiB;" \
     "last feature named: $([ "$named" -ge 1 ] && echo yes || echo NO); store unchanged: $([ "$before" = "$after" ] && echo yes || echo NO)"
grep -v "^\s" "$work/err.txt" | head -3
[ "$status" -eq 1 ] && [ "$named" -ge 1 ] && [ "$before" = "$after" ]
