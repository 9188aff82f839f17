#!/usr/bin/env bash
# Installs what landreg needs to build (GEOS, PROJ, SQLite and OpenSSL headers) and what its tests and
# benchmarks compare against (GDAL's ogr2ogr/ogrinfo and GeoPackage validator, shapely, pyproj).
# Idempotent: it installs only what is missing, and runs apt-get update only when it must install.
set -euo pipefail

apt_packages=(pkg-config libgeos-dev libproj-dev proj-data libsqlite3-dev libssl-dev sqlite3 libgdal-dev libxlsxwriter-dev
              gdal-bin python3-gdal python3-qgis qgis-providers)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "install-deps: apt-get install ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# shapely and pyproj go into the python3 on PATH (a separate CPython with pip, not Debian's).
if ! python3 -c 'import shapely, pyproj' 2>/dev/null; then
  echo "install-deps: pip install shapely pyproj" >&2
  python3 -m pip install -q 'shapely>=2' pyproj
fi
echo "install-deps: ok" >&2
