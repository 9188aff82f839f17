#!/usr/bin/env python3
"""check_district.py DIR [--seeds SEEDS_DIR] [--no-ogrinfo]

Validates a directory written by tools/gen_district.py: every polygon valid (shapely), parcels a valid
coverage (GEOS coverage validation; sum of areas == coverage-union area to 1e-6 relative), BSM unique,
TBBH unique per village, DLBM/DLMC in seeds/landuse-gb21010.csv, TBMJ == geodesic area (CGCS2000) of the
4549 geometry, 4549 and 4326 files agree, ogrinfo reads every GeoJSON with the right CRS and count,
credit codes pass GB 32100-2015, sites/tenancies/years reference known codes, one site over-leased.
Exit status 0 when everything holds; problems are listed on stderr.
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import time

import numpy as np
import shapely
from pyproj import Geod, Transformer

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gendistrict.credit import uscc_valid  # noqa: E402

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LL = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)
problems = []


def bad(msg):
    problems.append(msg)
    print("PROBLEM:", msg, file=sys.stderr)


def read_features(path):
    """Feature strings of a generator FeatureCollection (one per line) or GeoJSON sequence."""
    feats = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip().lstrip("\x1e")
            if line.startswith('{"type":"Feature"'):
                feats.append(line.rstrip(","))
    return feats


def load(path):
    feats = read_features(path)
    docs = [json.loads(s) for s in feats]
    props = [d["properties"] for d in docs]
    geoms = np.array([None] * len(feats), dtype=object)
    has = np.array([d["geometry"] is not None for d in docs], dtype=bool)
    if has.any():
        geoms[has] = shapely.from_geojson([s for s, h in zip(feats, has) if h])
    return props, geoms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seeds", default=os.path.join(os.path.dirname(__file__), "..", "..", "seeds"))
    ap.add_argument("--no-ogrinfo", action="store_true")
    a = ap.parse_args()
    d = a.dir
    t0 = time.time()
    lu = {}
    with open(os.path.join(a.seeds, "landuse-gb21010.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            lu[r["code"]] = r["name_zh"]

    # ---- ogrinfo on every GeoJSON
    if not a.no_ogrinfo:
        for path in sorted(glob.glob(os.path.join(d, "*.geojson*"))):
            out = subprocess.run(["ogrinfo", "-ro", "-al", "-so", path], capture_output=True, text=True)
            if out.returncode != 0:
                bad(f"{path}: ogrinfo failed: {out.stderr.strip()}")
                continue
            n_ogr = int(out.stdout.split("Feature Count: ")[1].split()[0])
            n_lines = len(read_features(path))
            want = "4326" if ("-4326" in path or path.endswith((".geojsons", ".geojsonl"))) else "4549"
            crs_ok = ('ID["EPSG",4549]' in out.stdout) if want == "4549" else ("WGS 84" in out.stdout)
            if n_ogr != n_lines or not crs_ok:
                bad(f"{path}: ogrinfo count {n_ogr} vs {n_lines} features, crs ok {crs_ok}")
        print(f"ogrinfo: ok ({time.time() - t0:.1f}s)")

    # ---- parcels
    props, geoms = load(os.path.join(d, "parcels.geojson"))
    n = len(props)
    valid = shapely.is_valid(geoms)
    if not valid.all():
        bad(f"parcels: {int((~valid).sum())} invalid, e.g. {props[int(np.argmin(valid))]['BSM']}: "
            f"{shapely.is_valid_reason(geoms[int(np.argmin(valid))])}")
    if len(set(p["BSM"] for p in props)) != n:
        bad("parcels: duplicate BSM")
    if len(set((p["ZLDWDM"], p["TBBH"]) for p in props)) != n:
        bad("parcels: TBBH not unique within village")
    for p in props:
        if lu.get(p["DLBM"]) != p["DLMC"]:
            bad(f"parcel {p['BSM']}: DLBM {p['DLBM']} / DLMC {p['DLMC']} not in seeds")
            break
    area = shapely.area(geoms)
    if hasattr(shapely, "coverage_is_valid"):
        if not shapely.coverage_is_valid(geoms):
            bad("parcels: GEOS coverage validation failed (gaps/overlaps/not noded)")
    union = shapely.coverage_union_all(geoms)
    rel = abs(area.sum() - union.area) / union.area
    if rel > 1e-6 or not union.is_valid:
        bad(f"parcels: sum of areas vs union area differ by {rel:.2e} (union valid {union.is_valid})")
    # TBMJ vs geodesic of the 4549 geometry (unrounded lon/lat)
    ll = shapely.transform(geoms, lambda c: np.stack(TO_LL.transform(c[:, 0], c[:, 1]), axis=1))
    step = max(1, n // 20000)
    worst = 0.0
    for k in range(0, n, step):
        ga = abs(GEOD.geometry_area_perimeter(ll[k])[0])
        worst = max(worst, abs(ga - props[k]["TBMJ"]))
    if worst > 0.005 + 1e-9:
        bad(f"parcels: TBMJ differs from the geodesic area by up to {worst:.4f} m2")
    codes = np.array([p["DLBM"] for p in props])
    farm = np.isin(codes, ["0101", "0102", "0103"])
    holes = int(sum(1 for g in geoms if len(g.interiors)))
    mu = area / (10000 / 15)
    print(f"parcels: {n}, union area {union.area / 1e6:.3f} km2 ({union.geom_type}), coverage rel. error {rel:.1e}, "
          f"TBMJ max abs. error {worst:.4f} m2, farmland {farm.mean():.1%} by count / "
          f"{area[farm].sum() / area.sum():.1%} by area, holes {holes}, farmland 亩 median "
          f"{np.median(mu[farm]):.1f} [{mu[farm].min():.1f}-{mu[farm].max():.1f}], industrial ha "
          f"{np.median(area[codes == '0601']) / 1e4 if (codes == '0601').any() else 0:.2f} "
          f"[{area[codes == '0601'].min() / 1e4 if (codes == '0601').any() else 0:.2f}-"
          f"{area[codes == '0601'].max() / 1e4 if (codes == '0601').any() else 0:.2f}] ({time.time() - t0:.1f}s)")
    bsms = set(p["BSM"] for p in props)
    p4326 = os.path.join(d, "parcels-4326.geojson")
    if os.path.exists(p4326):
        props2, geoms2 = load(p4326)
        v2 = shapely.is_valid(geoms2)
        if not v2.all():
            bad(f"parcels-4326: {int((~v2).sum())} invalid")
        if [p["BSM"] for p in props2] != [p["BSM"] for p in props]:
            bad("parcels-4326: BSMs differ from parcels.geojson")
        if hasattr(shapely, "coverage_is_valid") and not shapely.coverage_is_valid(geoms2):
            bad("parcels-4326: coverage validation failed")
        print(f"parcels-4326: ok ({time.time() - t0:.1f}s)")
    del geoms, ll

    # ---- zones
    for kind in ("village", "basic-farmland", "development-area", "grid"):
        zp, zg = load(os.path.join(d, f"zones-{kind}.geojson"))
        if not shapely.is_valid(zg).all():
            bad(f"zones-{kind}: invalid polygons")
        if any(p["kind"] != kind for p in zp) or len(set(p["code"] for p in zp)) != len(zp):
            bad(f"zones-{kind}: kind/code problem")
        if kind in ("village", "grid"):
            u = shapely.union_all(zg)
            rel = abs(u.area - union.area) / union.area
            if rel > 1e-6 or abs(shapely.area(zg).sum() - u.area) / u.area > 1e-6:
                bad(f"zones-{kind}: do not partition the district (rel {rel:.1e})")
        print(f"zones-{kind}: {len(zp)}")

    # ---- spots
    allcodes = set()
    for path in sorted(glob.glob(os.path.join(d, "spots-*.geojson"))):
        if path.endswith("-4326.geojson"):
            continue
        sp, sg = load(path)
        if not shapely.is_valid(sg).all() or any(g.geom_type != "Polygon" for g in sg):
            bad(f"{path}: invalid or non-polygon spots")
        for p in sp:
            if p["code"] in allcodes:
                bad(f"spot code {p['code']} repeated")
            allcodes.add(p["code"])
        print(f"{os.path.basename(path)}: {len(sp)} spots, {sum('area_declared_m2' in p for p in sp)} with declared "
              f"area, {sum('previous_code' in p for p in sp)} re-detections")

    # ---- enterprises, sites, tenancies
    with open(os.path.join(d, "enterprises.csv"), encoding="utf-8") as f:
        ents = list(csv.DictReader(f))
    ecodes = set(e["credit_code"] for e in ents)
    for e in ents:
        if not uscc_valid(e["credit_code"]) or e["credit_code"][:8] != "91330110":
            bad(f"enterprise {e['credit_code']}: bad credit code")
    if len(ecodes) != len(ents):
        bad("enterprises: duplicate credit codes")
    with open(os.path.join(d, "enterprise-years.csv"), encoding="utf-8") as f:
        years = list(csv.DictReader(f))
    if any(y["credit_code"] not in ecodes for y in years):
        bad("enterprise-years: unknown credit code")
    sp_, sg_ = load(os.path.join(d, "sites.geojson"))
    sites = {}
    for p, g in zip(sp_, sg_):
        if p["holder"] not in ecodes:
            bad(f"site {p['code']}: unknown holder")
        if g is None:
            if not p.get("parcels") or any(b not in bsms for b in p["parcels"]):
                bad(f"site {p['code']}: null geometry needs known parcels")
        elif not g.is_valid:
            bad(f"site {p['code']}: invalid geometry")
        sites[p["code"]] = p
    with open(os.path.join(d, "tenancies.csv"), encoding="utf-8") as f:
        ten = list(csv.DictReader(f))
    leased = {}
    for t in ten:
        if t["site"] not in sites or t["tenant"] not in ecodes or t["tenant"] == sites[t["site"]]["holder"]:
            bad(f"tenancy {t}: bad reference")
        if t["end"] and t["end"] < t["start"]:
            bad(f"tenancy {t}: ends before it starts")
        if t["start"] <= "2026-06-30" and (not t["end"] or t["end"] >= "2026-06-30"):
            leased[t["site"]] = leased.get(t["site"], 0.0) + float(t["floor_area_m2"])
    over = [s for s, v in leased.items() if v > sites[s]["floor_area_m2"]]
    if len(over) != 1:
        bad(f"tenancies: {len(over)} over-leased sites on 2026-06-30 (want 1)")
    print(f"enterprises {len(ents)}, years {len(years)}, sites {len(sites)} "
          f"({sum(1 for g in sg_ if g is None)} by parcels), tenancies {len(ten)}, over-leased {over}")
    print(f"check: {'OK' if not problems else f'{len(problems)} problem(s)'} ({time.time() - t0:.1f}s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
