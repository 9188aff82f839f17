#!/usr/bin/env bash
# Installs what landreg needs to build (GEOS, PROJ, SQLite, OpenSSL, cairo and pango headers, and the Noto CJK
# fonts maps are set in) and what its tests and benchmarks compare against (GDAL's ogr2ogr/ogrinfo and GeoPackage
# validator, shapely, pyproj, openpyxl; strace for the kill tests; poppler's pdftotext and pdffonts,
# Pillow for the map tests; libexif to read photo evidence, exiftool to write test photos; libpq for the PostGIS
# store, and PostgreSQL 15 + PostGIS 3 whose throw-away clusters the PostGIS tests start, tools/pg/cluster.sh).
# Idempotent: it installs only what is missing, and runs apt-get update only when it must install.
set -euo pipefail

apt_packages=(pkg-config libgeos-dev libproj-dev proj-data libsqlite3-dev libssl-dev sqlite3 libgdal-dev libxlsxwriter-dev
              gdal-bin python3-gdal python3-venv strace python3-qgis qgis-providers
              libcairo2-dev libpango1.0-dev fonts-noto-cjk poppler-utils python3-pil
              libexif-dev libimage-exiftool-perl
              libpq-dev postgresql-15 postgresql-15-postgis-3 postgresql-client-15)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "install-deps: apt-get install ${missing[*]}" >&2
  # No system PostgreSQL service: Debian's package would create and start a cluster "15/main" on port 5432. The
  # tests start their own (tools/pg/cluster.sh). A drop-in (createcluster.conf includes createcluster.d/) rather
  # than an edit of the package's own file, which its installation would then ask about.
  if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "install ok installed"; then
    $sudo mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/landreg.conf >/dev/null
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Python test tools live in a project virtual environment, .venv at the repository root: Debian 12's python3
# refuses `pip install` (PEP 668). It is made from Debian's interpreter with --system-site-packages so that
# python3-gdal (osgeo, GDAL's validate_gpkg.py) stays importable; shapely 2 (Debian has 1.8), pyproj and openpyxl
# are pip-installed into it. shapely 2.2 (its wheel's GEOS 3.14) as the district generator was made with: under
# shapely 2.1 (GEOS 3.13) tools/gen_district.py writes a self-intersecting village zone at 10,000 parcels. It brings
# numpy 2 into the venv, so Debian's osgeo.gdal_array (built against numpy 1) does not import there; nothing uses it
# (gdal and ogr do import, and validate_gpkg.py needs only those).
# pyproj is pip's wheel, with its own PROJ data: Debian's pyproj 3.4 finds no data directory without proj-bin.
# Tests and tools run <repo>/.venv/bin/python3.
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/.venv"
venv_ok() {
  "$venv/bin/python3" -c 'import shapely, pyproj, openpyxl, numpy, sys
from osgeo import gdal, ogr
pyproj.datadir.get_data_dir(); pyproj.CRS.from_epsg(4549)
sys.exit(0 if tuple(map(int, shapely.__version__.split(".")[:2])) >= (2, 2) else 1)' 2>/dev/null
}
if ! venv_ok; then
  if [ ! -x "$venv/bin/python3" ]; then
    echo "install-deps: /usr/bin/python3 -m venv --system-site-packages $venv" >&2
    /usr/bin/python3 -m venv --system-site-packages "$venv"
  fi
  echo "install-deps: pip install shapely>=2.2 pyproj openpyxl into $venv" >&2
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check 'shapely>=2.2' 'pyproj>=3.6' openpyxl
  venv_ok || { echo "install-deps: $venv still lacks shapely>=2.2, pyproj, openpyxl or osgeo" >&2; exit 1; }
fi
echo "install-deps: ok" >&2
