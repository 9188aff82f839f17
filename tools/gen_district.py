#!/usr/bin/env python3
"""gen_district.py - a deterministic synthetic 街道 (subdistrict) near Hangzhou for landreg.

USAGE
  python3 tools/gen_district.py --parcels N --seed S --out DIR
        [--crs 4549|4326|both] [--format geojson|geojsons|geojsonl|both|all]
        [--spots K] [--sites M] [--enterprises E] [--tenancies T] [--quiet]

Same arguments -> byte-identical files. Needs python3 with numpy, shapely>=2.1 and pyproj.
Memory and time grow linearly with N; parcels are streamed to disk (N = 1,000,000 takes a few
minutes and well under 2 GB of RAM; see the timing table printed at the end of a run).
Defaults: --crs both, --format geojson, --spots min(10000, max(10, N/100)) per batch,
--sites clamp(N/33, 3, 2000), --enterprises about 3.4 x sites, --tenancies about 2.5 x sites.

THE DISTRICT
  County 330110, street 330110001 (云溪街道, fictitious), centred near 120.2E 30.2N. Parcels are a
  warped, jittered rectilinear field system: road lines (农村道路 8 m, 公路 20 m), field columns
  25-50 m, field rows 40-80 m and narrow 3-5 m rows (沟渠 / 田坎). A superblock (the cells between
  road lines) gets one class by spatial clusters: industrial (工业/仓储 0601/0604, 0.5-7 ha
  parcels), urban (0701, 05H1, 08H1, 08H2, 0810), village settlements (0702 宅基地 ...), hills
  (0201/0202/0301/0302/0307), fish ponds (1104) and farmland (0101/0102/0103, 1-10 亩, with
  1104/1202/0201 cells and 1107/1203 strips). A few farmland parcels have a hole holding a pond
  parcel. The district boundary is an irregular star-shaped outline; the N parcels nearest its
  centre (in the outline's metric) are kept, so the boundary runs along parcel edges as real
  街道 boundaries run along field edges and roads.
  Coverage: every parcel ring walks through every grid vertex on its boundary, so neighbours
  share identical vertices (a *noded* coverage: GEOS CoverageUnion works); vertices are rounded
  once (mm in EPSG:4549, then 1e-8 deg in EPSG:4326 from the rounded metres) and shared, so
  rounding keeps the coverage noded, gap-free, overlap-free and valid. Holes are convex polygons
  well inside their cell; the hole ring of the host and the exterior of the pond are the same
  vertices.

OUTPUT FILES (in DIR; "-4326" files when --crs 4326|both; 4549 files when --crs 4549|both)
  parcels.geojson            EPSG:4549 FeatureCollection with the legacy member written by
                             ogr2ogr: "crs": {"type": "name", "properties": {"name":
                             "urn:ogc:def:crs:EPSG::4549"}}; x = easting, y = northing, 3 decimals
  parcels-4326.geojson       RFC 7946 lon/lat, 8 decimals, no crs member
  *.geojsons                 RFC 8142 GeoJSON text sequence: RS (0x1E) + one Feature + LF per line
                             (only with --format geojsons|both|all). GDAL's GeoJSONSeq driver always
                             assumes WGS 84, so the EPSG:4549 .geojsons needs --crs EPSG:4549 /
                             -a_srs EPSG:4549 on import.
  *.geojsonl                 the same without RS, newline-delimited (--format geojsonl|all)
  Every polygon layer is written the same way (4549 NAME.geojson, 4326 NAME-4326.geojson):
  zones-village, zones-basic-farmland, zones-development-area, zones-grid, spots-2023-07,
  spots-2024-01, sites. Polygons: exterior rings counter-clockwise, holes clockwise. One feature
  per line inside the FeatureCollection. Plus enterprises.csv, enterprise-years.csv, tenancies.csv.

PROPERTIES
  parcels (三调 DLTB style, in this order):
    BSM     string, 16 digits "330110" + 10-digit sequence, unique ("3301100000000001")
    TBBH    string, 图斑编号, 1.. unique within the village (ZLDWDM)
    DLBM    string, GB/T 21010-2017 / 三调 land-use code ("0101", "05H1", ...)
    DLMC    string, its official Chinese name
    QSXZ    string, 权属性质: "10" state-owned, "30" collective
    QSDWDM  string, 19 digits: village code (12) + "0000000" for collective land; for state land
            the street's code "330110001000" + "0000000"
    QSDWMC  string, village name (collective) or "云溪街道" (state-owned)
    ZLDWDM  string, 19 digits, 坐落单位 = the village code + "0000000"
    ZLDWMC  string, the village name
    TBMJ    number, 2 decimals: ellipsoidal area in m2 on the CGCS2000 ellipsoid (pyproj.Geod with
            a=6378137, f=1/298.257222101) of the EPSG:4549 geometry (mm vertices) taken to lon/lat,
            holes subtracted. Identical in the 4549 and 4326 files.
  zones-*: code, name, kind (village | basic-farmland | development-area | grid)
    village: code = 12-digit village code "330110001201".., name "前溪村" / "..社区"; partition the
             district exactly along parcel edges (noded with the parcels)
    basic-farmland: code "JBNT-0001".., name "永久基本农田保护片区0001"; cover most farmland, not
             aligned to parcels
    development-area: code "KFQ-01".., name "..工业功能区"; around each industrial cluster
    grid: code "WG-001".., name "第1网格"; square cells partitioning the district
  spots-BATCH (BATCH = 2023-07 and 2024-01):
    code "JC2023-07-0001" (unique across batches), batch, detected_date "YYYY-MM-DD",
    clue_code "XS-330110-202307-0001", village (name containing the spot's centroid), current_use
    (实际用途), area_declared_m2 (number, 2 decimals; ABSENT on about 30 % of spots),
    previous_code (ONLY on 2024-01 spots that re-detect a 2023-07 spot).
    Mostly over farmland; some over roads/industry; some straddling the basic-farmland boundary;
    some over a site's own polygon where it encroaches on farmland (double counting in reclaimable).
  sites: code "EC-001", name "<holder name>厂区", holder (credit code), industry, footprint_m2,
    floor_area_m2, planned_far, low_efficiency_type (亩均税收低 | 亩均增加值低 | 容积率低 | 闲置 |
    高耗低效), mode (acquisition-storage | capacity-increase | re-greening | swap | self-renewal |
    recovery), stage (identified | assessed | planned | implementing | completed), village,
    parcels (array of BSM strings; ONLY when "geometry": null - the site is the union of those
    parcels). A third of the sites have null geometry + parcels, a third the exact union of their
    parcels, a third their own surveyed polygon (a little larger; several encroach on a farmland
    parcel next to them and are in a reclaimable mode/stage).
  enterprises.csv: credit_code,name,industry,scale
    credit_code passes GB 32100-2015 (91 + 330110 + GB 11714 organisation code + check);
    industry in seeds/industry-min-far.csv keys; scale above|below (规上 = revenue >= 2000万元)
  enterprise-years.csv: credit_code,year,tax_yuan,value_added_yuan,revenue_yuan,energy_tce,employees,rd_yuan
    years 2024 and 2025 for every enterprise; yuan as integers, energy_tce 2 decimals
  tenancies.csv: site,tenant,floor_area_m2,start,end,use
    landlords are the site holders; tenants are other enterprises; floor_area_m2 2 decimals;
    start/end YYYY-MM-DD, end empty = open-ended; use production|storage|office. Some leases ended
    (2024-2025), some start in the future (2027), and exactly one site is over-leased: its leases
    active on 2026-06-30 sum to more than its floor area (it is printed in the run summary).

CHECK
  python3 tools/gendistrict/check_district.py DIR   validates every file (shapely validity, coverage
  validity, unique codes, credit-code checksums, codes present in seeds/).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import shapely
import shapely.affinity
from pyproj import Geod, Transformer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gendistrict import credit, landuse as LU, layout  # noqa: E402

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LL = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)
FROM_LL = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
CRS_MEMBER = '"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4549" } },\n'
COUNTY = "330110"
STREET_CODE = "330110001"
STREET_NAME = "云溪街道"
BATCHES = ("2023-07", "2024-01")
AVG_PARCEL_M2 = 3300.0   # calibrated: outline area per parcel

T0 = time.time()
QUIET = False


def log(msg):
    if not QUIET:
        print(f"[{time.time() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# GeoJSON writing

class LayerWriter:
    """Writes one layer to every requested CRS x format, streaming."""

    def __init__(self, outdir, name, crss, formats):
        self.files = []
        for crs in crss:
            stem = name if crs == 4549 else f"{name}-4326"
            for fmt in formats:
                f = open(os.path.join(outdir, f"{stem}.{fmt}"), "w", encoding="utf-8", newline="\n",
                         buffering=1 << 20)
                if fmt == "geojson":
                    f.write('{\n"type": "FeatureCollection",\n"name": "%s",\n' % name)
                    if crs == 4549:
                        f.write(CRS_MEMBER)
                    f.write('"features": [\n')
                self.files.append([crs, fmt, f, True])

    def write(self, props_json, geom4549, geom4326):
        for rec in self.files:
            crs, fmt, f, first = rec
            g = geom4549 if crs == 4549 else geom4326
            feat = '{"type":"Feature","properties":%s,"geometry":%s}' % (props_json, g)
            if fmt == "geojson":
                f.write(feat if first else ",\n" + feat)
                rec[3] = False
            elif fmt == "geojsons":
                f.write("\x1e" + feat + "\n")
            else:
                f.write(feat + "\n")

    def close(self):
        for crs, fmt, f, first in self.files:
            if fmt == "geojson":
                f.write("\n]\n}\n")
            f.close()


def ring_json(xs, ys, fmt):
    return "[" + ",".join([fmt % xy for xy in zip(xs, ys)]) + "]"


def geom_json(g, digits):
    """Shapely (Multi)Polygon -> GeoJSON geometry text, exterior CCW, holes CW, fixed decimals."""
    if g is None:
        return "null"
    fmt = "[%." + str(digits) + "f,%." + str(digits) + "f]"
    g = shapely.orient_polygons(g)

    def poly(p):
        rings = [p.exterior] + list(p.interiors)
        return "[" + ",".join(ring_json(*np.asarray(r.coords).T.tolist(), fmt) for r in rings) + "]"
    if g.geom_type == "Polygon":
        return '{"type":"Polygon","coordinates":%s}' % poly(g)
    return '{"type":"MultiPolygon","coordinates":[%s]}' % ",".join(poly(p) for p in g.geoms)


def to_4326(g):
    def f(c):
        lon, lat = TO_LL.transform(c[:, 0], c[:, 1])
        return np.stack([np.round(lon, 8), np.round(lat, 8)], axis=1)
    out = shapely.transform(g, f)
    if not out.is_valid:
        out = shapely.make_valid(out)
    return out


def snap_mm(g):
    g = shapely.set_precision(g, 0.001)
    return g


def polygons_only(g):
    """Keep the polygonal part of a geometry (after an overlay) as Polygon or MultiPolygon, or None."""
    if g is None or g.is_empty:
        return None
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def dumps(d):
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------------------------------

VILLAGE_A = list("前后上下东西南北新大小高沙石黄杨林桥塘湖溪山河云金青白龙凤长安和平兴荷桃梅竹柳枫")
VILLAGE_B = list("溪塘山桥湾浦港庄墩埠坞湖坝园家林田岭洋头门口堰圩渚漾")
FIRM_A = list("恒鑫华盛宏泰康达丰源瑞嘉隆顺利祥新天中永振德信诚亿创汇明科凯金宇星海润博远通力美锦绿川越亚联旭晨弘富昌宝万荣佳捷")
INDUSTRY_WORD = {"textiles": "纺织", "garments": "服饰", "chemicals": "化工", "pharmaceuticals": "制药",
                 "machinery": "机械", "electronics": "电子", "plastics": "塑业", "metal-products": "五金",
                 "food": "食品", "furniture": "家具"}
INDUSTRY_W = {"textiles": 0.22, "garments": 0.14, "chemicals": 0.08, "pharmaceuticals": 0.06, "machinery": 0.16,
              "electronics": 0.12, "plastics": 0.07, "metal-products": 0.07, "food": 0.04, "furniture": 0.04}
MIN_FAR = {"textiles": 0.8, "garments": 1.0, "chemicals": 0.6, "pharmaceuticals": 0.7, "machinery": 0.7,
           "electronics": 1.0, "plastics": 1.0, "metal-products": 0.7, "food": 1.0, "furniture": 0.8}
MODES = ["acquisition-storage", "capacity-increase", "re-greening", "swap", "self-renewal", "recovery"]
STAGES = ["identified", "assessed", "planned", "implementing", "completed"]
LOW_TYPES = ["亩均税收低", "亩均增加值低", "容积率低", "闲置", "高耗低效"]
USES_FARM = ["临时建筑", "硬化场地", "堆场", "养殖棚", "厂房", "住宅", "种植大棚", "停车场"]
USES_BUILT = ["厂房", "仓库", "硬化场地", "道路", "临时建筑"]


def main(argv=None):
    global QUIET
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parcels", type=int, required=True, help="number of parcels N (>= 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--crs", choices=["4549", "4326", "both"], default="both")
    ap.add_argument("--format", choices=["geojson", "geojsons", "geojsonl", "both", "all"], default="geojson",
                    help="both = geojson + geojsons; all = geojson + geojsons + geojsonl")
    ap.add_argument("--spots", type=int, help="spots per batch")
    ap.add_argument("--sites", type=int, help="redevelopment sites")
    ap.add_argument("--enterprises", type=int, help="enterprises (at least holders + 3)")
    ap.add_argument("--tenancies", type=int, help="tenancy rows")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    QUIET = a.quiet
    N = a.parcels
    if N < 50:
        ap.error("--parcels must be at least 50")
    crss = {"4549": [4549], "4326": [4326], "both": [4549, 4326]}[a.crs]
    formats = {"geojson": ["geojson"], "geojsons": ["geojsons"], "geojsonl": ["geojsonl"],
               "both": ["geojson", "geojsons"], "all": ["geojson", "geojsons", "geojsonl"]}[a.format]
    K = a.spots if a.spots is not None else min(10000, max(10, N // 100))
    M = a.sites if a.sites is not None else min(2000, max(3, N // 33))
    os.makedirs(a.out, exist_ok=True)
    seed = a.seed
    timings = {}

    # ------------------------------------------------------------------ layout, sized to N
    n_vill = int(min(700, max(3, round(math.sqrt(N) / 5))))
    r0 = math.sqrt(N * AVG_PARCEL_M2 * 1.08 / math.pi)
    for attempt in range(8):
        L = layout.build(seed, r0, n_vill, hole_rate=0.06 if N < 5000 else 0.02, small=N < 5000)
        inside = int(np.count_nonzero(L.pd <= 1.0))
        if inside >= N:
            break
        r0 *= math.sqrt(N / max(inside, 1)) * 1.04
    else:
        raise SystemExit("could not size the district")
    P = L.P
    nall = len(P["i0"])
    keep = layout.grow(L, N)
    kp = {k: v[keep] for k, v in P.items()}
    n = len(keep)
    if n != N:
        raise SystemExit(f"could only place {n} of {N} parcels")
    # map old parcel index -> new
    newidx = np.full(nall, -1, dtype=np.int64); newidx[keep] = np.arange(n)
    holes = [(int(newidx[h]), int(newidx[p]), i, j, nv, rot, hs) for (h, p, i, j, nv, rot, hs) in L.holes
             if newidx[h] >= 0 and newidx[p] >= 0]
    log(f"layout: grid {L.nx}x{L.ny}, {len(L.sb_k)} superblocks, {nall} parcels generated, {n} kept "
        f"(r0 {r0:.0f} m)")

    # ------------------------------------------------------------------ coordinates
    rng = np.random.default_rng([seed, 2])
    lam1, lam2 = rng.uniform(900, 1800, 2)
    amp1, amp2 = rng.uniform(12, 28, 2)
    ph1, ph2 = rng.uniform(0, 2 * math.pi, 2)
    theta = math.radians(float(rng.uniform(-25, 25)))
    lon0 = 120.2 + float(rng.uniform(-0.03, 0.03)); lat0 = 30.2 + float(rng.uniform(-0.03, 0.03))
    x0, y0 = FROM_LL.transform(lon0, lat0)
    Uw = L.U + amp1 * np.sin(2 * math.pi * L.V / lam1 + ph1)
    Vw = L.V + amp2 * np.sin(2 * math.pi * L.U / lam2 + ph2)
    X = np.round(x0 + math.cos(theta) * Uw - math.sin(theta) * Vw, 3)
    Y = np.round(y0 + math.sin(theta) * Uw + math.cos(theta) * Vw, 3)
    del Uw, Vw, L.U, L.V
    LON, LAT = TO_LL.transform(X, Y)
    LONr, LATr = np.round(LON, 8), np.round(LAT, 8)
    NY1 = L.ny + 1
    Xf, Yf, LONf, LATf, LONrf, LATrf = (a_.ravel() for a_ in (X, Y, LON, LAT, LONr, LATr))

    def ring_idx(i0, i1, j0, j1):
        b = [i * NY1 + j0 for i in range(i0, i1 + 1)]
        r = [i1 * NY1 + j for j in range(j0 + 1, j1 + 1)]
        t = [i * NY1 + j1 for i in range(i1 - 1, i0 - 1, -1)]
        lft = [i0 * NY1 + j for j in range(j1 - 1, j0, -1)]
        return b + r + t + lft + [b[0]]

    def parcel_poly(p):
        idx = ring_idx(int(kp["i0"][p]), int(kp["i1"][p]), int(kp["j0"][p]), int(kp["j1"][p]))
        return shapely.Polygon(np.stack([Xf[idx], Yf[idx]], axis=1))

    # hole rings: per host parcel, vertices in 4549 (mm) and lon/lat
    hole_of = {}
    for (h, pnd, i, j, nv, rot, hs) in holes:
        c = np.array([[X[i, j], Y[i, j]], [X[i + 1, j], Y[i + 1, j]], [X[i + 1, j + 1], Y[i + 1, j + 1]],
                      [X[i, j + 1], Y[i, j + 1]]])
        ctr = c.mean(axis=0)
        side = min(np.hypot(*(c[1] - c[0])), np.hypot(*(c[2] - c[1])), np.hypot(*(c[3] - c[2])),
                   np.hypot(*(c[0] - c[3])))
        hr = np.random.default_rng(hs)
        ang = rot + np.arange(nv) * 2 * math.pi / nv
        rad = side * 0.2 * hr.uniform(0.8, 1.0, nv)
        hx = np.round(ctr[0] + rad * np.cos(ang), 3); hy = np.round(ctr[1] + rad * np.sin(ang), 3)
        hx = np.append(hx, hx[0]); hy = np.append(hy, hy[0])  # CCW, closed
        hlon, hlat = TO_LL.transform(hx, hy)
        hole_of[h] = hole_of[pnd] = (hx, hy, np.asarray(hlon), np.asarray(hlat))
    timings["layout"] = time.time() - T0
    log(f"coordinates: {X.size} grid vertices; {len(holes)} parcels with holes")

    # ------------------------------------------------------------------ villages
    sbv = L.sb_village[kp["sb"]]
    used = np.unique(sbv)
    seeds_xy = L.village_seeds[used]
    vorder = used[np.lexsort((seeds_xy[:, 0], -seeds_xy[:, 1]))]  # north to south, west to east
    vremap = np.full(len(L.village_seeds), -1); vremap[vorder] = np.arange(len(vorder))
    pv = vremap[sbv]
    nv = len(vorder)
    vr = np.random.default_rng([seed, 3])
    pairs = [a_ + b_ for a_ in VILLAGE_A for b_ in VILLAGE_B if a_ != b_]
    vnames_base = [pairs[int(k)] for k in vr.choice(len(pairs), size=nv, replace=False)]
    # the village nearest the (first) urban centre is a 社区
    urb = L.urb_centers[0]
    d_urb = np.hypot(L.village_seeds[vorder][:, 0] - urb[0], L.village_seeds[vorder][:, 1] - urb[1])
    vnames = [b + ("社区" if k == int(np.argmin(d_urb)) else "村") for k, b in enumerate(vnames_base)]
    vcodes = [f"{STREET_CODE}{201 + k:03d}" for k in range(nv)]

    # ------------------------------------------------------------------ cells -> zones
    notpond = np.flatnonzero(kp["kind"] != 2)
    ci0, ci1, cj0, cj1 = (kp[k][notpond] for k in ("i0", "i1", "j0", "j1"))
    ncell = (ci1 - ci0) * (cj1 - cj0)
    rep = np.repeat(np.arange(len(notpond)), ncell)
    off = np.arange(ncell.sum()) - np.repeat(np.cumsum(ncell) - ncell, ncell)
    hgt = (cj1 - cj0)[rep]
    ci = ci0[rep] + off // hgt; cj = cj0[rep] + off % hgt
    cvill = pv[notpond][rep]
    vgeoms = []
    byv = np.argsort(cvill, kind="stable")
    bounds_ = np.searchsorted(cvill[byv], np.arange(nv + 1))
    for k in range(nv):   # one village at a time keeps memory flat
        sel_ = byv[bounds_[k]:bounds_[k + 1]]
        a_i, a_j = ci[sel_], cj[sel_]
        vi = np.stack([a_i * NY1 + a_j, (a_i + 1) * NY1 + a_j, (a_i + 1) * NY1 + a_j + 1, a_i * NY1 + a_j + 1,
                       a_i * NY1 + a_j], 1)
        vgeoms.append(shapely.coverage_union_all(shapely.polygons(np.stack([Xf[vi], Yf[vi]], axis=2))))
    del byv, ci, cj, rep, off, hgt
    outline = shapely.coverage_union_all(np.array(vgeoms))
    log(f"zones: {nv} villages from {len(cvill)} cells; district area {outline.area / 1e6:.3f} km2")

    # basic farmland: farmland superblocks (inner corners), most of them, buffered, not parcel-aligned
    zr = np.random.default_rng([seed, 4])
    kept_sb = np.unique(kp["sb"])
    fsb = kept_sb[L.sb_cls[kept_sb] == LU.FARM]
    fsb = fsb[zr.random(len(fsb)) > 0.18]

    def sb_quad(sbs, inner):
        k = L.sb_k[sbs]; m = L.sb_m[sbs]
        ia = L.rx[k] + (1 if inner else 0); ib = L.rx[k + 1] + (0 if inner else 1)
        ja = L.ry[m] + (1 if inner else 0); jb = L.ry[m + 1] + (0 if inner else 1)
        v = np.stack([ia * NY1 + ja, ib * NY1 + ja, ib * NY1 + jb, ia * NY1 + jb, ia * NY1 + ja], 1)
        return shapely.polygons(np.stack([Xf[v], Yf[v]], axis=2))

    bf = []
    if len(fsb):
        u = shapely.union_all(sb_quad(fsb, True))
        u = u.buffer(6, join_style="mitre").buffer(-14, join_style="mitre").simplify(1.0)
        u = polygons_only(snap_mm(u.intersection(outline)))
        if u is not None:
            bf = sorted([p for p in shapely.get_parts(u) if p.area > 3000],
                        key=lambda p: (-round(p.centroid.y, 3), round(p.centroid.x, 3)))
    bf_union = shapely.union_all(bf) if bf else shapely.Polygon()

    # development areas: industrial superblocks grouped by nearest industrial centre
    isb = kept_sb[L.sb_cls[kept_sb] == LU.IND]
    dev = []
    if len(isb):
        grp = layout._nearest(L.sb_center[isb], L.ind_centers)[0]
        for gidx in np.unique(grp):
            u = shapely.union_all(sb_quad(isb[grp == gidx], False))
            u = u.buffer(30, join_style="mitre").buffer(-10, join_style="mitre").simplify(2.0)
            u = polygons_only(snap_mm(u.intersection(outline)))
            if u is not None:
                dev.append(u)

    # grid cells: squares over the district
    minx, miny, maxx, maxy = outline.bounds
    n_grid = max(8, N // 1000)
    cell = max(300.0, math.ceil(math.sqrt(outline.area / n_grid) / 100) * 100)
    gx0 = math.floor(minx / cell) * cell; gy0 = math.floor(miny / cell) * cell
    grid = []
    shapely.prepare(outline)
    yy = gy0
    while yy < maxy:
        xx = gx0
        while xx < maxx:
            sq = shapely.box(xx, yy, xx + cell, yy + cell)
            if shapely.contains(outline, sq):
                grid.append(sq)
            elif shapely.intersects(outline, sq):
                gpart = polygons_only(snap_mm(sq.intersection(outline)))
                if gpart is not None and gpart.area > 1.0:
                    grid.append(gpart)
            xx += cell
        yy += cell
    grid.sort(key=lambda p: (-round(shapely.bounds(p)[3], 3), round(shapely.bounds(p)[0], 3)))
    log(f"zones: {len(bf)} basic-farmland, {len(dev)} development-area, {len(grid)} grid cells ({cell:.0f} m)")

    # ------------------------------------------------------------------ parcel attributes
    lu = kp["lu"].copy()
    ar = np.random.default_rng([seed, 5])
    coll_ind = ar.random(n) < 0.2
    bsm = [f"{COUNTY}{k + 1:010d}" for k in range(n)]

    # ------------------------------------------------------------------ sites and enterprises
    sr = np.random.default_rng([seed, 6])
    ind_codes = (LU.IDX["0601"], LU.IDX["0604"])
    cand = np.flatnonzero(np.isin(lu, ind_codes) & (kp["kind"] == 0) & (kp["grp"] >= 0))
    groups = {}
    for p in cand:
        groups.setdefault(int(kp["grp"][p]), []).append(int(p))
    gkeys = sorted(groups)
    gkeys = [gkeys[i] for i in sr.permutation(len(gkeys))]
    site_parcels = []
    usedp = set()
    for gk in gkeys:
        plist = groups[gk]
        q = 0
        while q < len(plist) and len(site_parcels) < M:
            run = int(sr.integers(1, 3))
            chunk = [p for p in plist[q:q + run]]
            # must be horizontally consecutive in the group
            ok = all(kp["i1"][chunk[t]] == kp["i0"][chunk[t + 1]] for t in range(len(chunk) - 1))
            if not ok:
                chunk = chunk[:1]
            site_parcels.append(chunk); usedp.update(chunk)
            q += len(chunk) + (int(sr.integers(0, 2)) if len(cand) > 3 * M else 0)
        if len(site_parcels) >= M:
            break
    M = len(site_parcels)
    if M == 0:
        log("warning: no industrial parcels, no sites")
    # industrial parcels by superblock for neighbour search
    sb_parcels = {}
    for p in np.flatnonzero(np.isin(kp["sb"], isb) & (kp["kind"] == 0)):
        if LU.CODES[lu[p]] not in ("1003", "1004", "1006"):
            sb_parcels.setdefault(int(kp["sb"][p]), []).append(int(p))

    # enterprises: holders (a few hold two sites), then others
    E_default = max(M + 3, int(round(M * 3.4)))
    E = max(a.enterprises or E_default, M + 3)
    inds = list(INDUSTRY_W)
    iw = np.array([INDUSTRY_W[k] for k in inds]); iw /= iw.sum()
    ent = []
    names_used = set()
    codes_used = set()
    fr = np.random.default_rng([seed, 7])
    for e in range(E):
        ind = inds[int(fr.choice(len(inds), p=iw))]
        tries = 0
        while True:
            k = 2 if tries < 20 else 3          # 3-character 字号 once the 2-character ones run out
            zh = "".join(FIRM_A[int(fr.integers(len(FIRM_A)))] for _ in range(k))
            nm = ("杭州" if fr.random() < 0.8 else "浙江") + zh + INDUSTRY_WORD[ind] + "有限公司"
            tries += 1
            if nm not in names_used and len(set(zh)) == k:
                break
        names_used.add(nm)
        while True:
            cc = credit.make(fr)
            if cc not in codes_used:
                break
        codes_used.add(cc)
        ent.append({"credit_code": cc, "name": nm, "industry": ind})
    holders = []
    n_holders = max(1, M - M // 8)
    for s in range(M):
        holders.append(s if s < n_holders else int(fr.integers(0, n_holders)))

    sites = []
    own_enc = []   # (site index, neighbour parcel, encroached polygon)
    for s, plist in enumerate(site_parcels):
        polys = [parcel_poly(p) for p in plist]
        union = shapely.coverage_union_all(np.array(polys))
        geom_mode = s % 3
        geom = None
        enc = None
        if geom_mode == 1:
            geom = union
        elif geom_mode == 2:
            sbp = sb_parcels.get(int(kp["sb"][plist[0]]), [])
            nbrs = [p for p in sbp if p not in usedp and p not in plist]
            touching = [p for p in nbrs if parcel_poly(p).intersects(union.buffer(0.5))]
            g = union
            if touching:
                nb = touching[int(sr.integers(len(touching)))]
                nbp = parcel_poly(nb)
                part = nbp.intersection(union.buffer(18, join_style="mitre"))
                g = shapely.union_all([union, part])
                if sr.random() < 0.75 and nbp.area <= 10000 / 15 * 10:
                    lu[nb] = LU.IDX["0103" if sr.random() < 0.6 else "0101"]
                    enc = nb
                usedp.add(nb)
            geom = snap_mm(g.buffer(1.5, join_style="mitre").simplify(0.5))
            if geom.geom_type != "Polygon" or not geom.is_valid:
                geom = union
            if enc is not None:
                own_enc.append((s, enc, geom.intersection(parcel_poly(enc))))
        land = (geom if geom is not None else union).area
        holder = ent[holders[s]]
        ind = holder["industry"]
        lowt = LOW_TYPES[int(sr.integers(len(LOW_TYPES)))]
        cov = float(sr.uniform(0.25, 0.58))
        if lowt == "容积率低":
            far = MIN_FAR[ind] * float(sr.uniform(0.35, 0.85))
        else:
            far = float(sr.uniform(0.7, 1.8))
        far = max(far, cov * 1.05)
        mode = MODES[s % 6] if M >= 6 else MODES[int(sr.integers(6))]
        stage = STAGES[(s // 2) % 5]
        if enc is not None:
            mode = ("acquisition-storage", "recovery", "re-greening")[len(own_enc) % 3]
            stage = ("assessed", "planned", "implementing")[len(own_enc) % 3]
        planned = float(sr.uniform(1.6, 2.6)) if mode == "capacity-increase" else \
            max(MIN_FAR[ind] + 0.2, round(far + float(sr.uniform(0.2, 1.0)), 2))
        w = max(3, len(str(M)))
        props = {"code": f"EC-{s + 1:0{w}d}", "name": holder["name"] + "厂区", "holder": holder["credit_code"],
                 "industry": ind, "footprint_m2": round(cov * land, 2), "floor_area_m2": round(far * land, 2),
                 "planned_far": round(planned, 2), "low_efficiency_type": lowt, "mode": mode, "stage": stage,
                 "village": vnames[int(pv[plist[0]])]}
        if geom is None:
            props["parcels"] = [bsm[p] for p in plist]
        sites.append({"props": props, "geom": geom, "union": union, "land": land})
    log(f"sites: {M} ({sum(1 for s_ in sites if s_['geom'] is None)} by parcels, "
        f"{len(own_enc)} encroaching on farmland)")

    # ------------------------------------------------------------------ enterprise years and tenancies
    holder_set = sorted(set(holders))
    land_of = {}
    for s, h in enumerate(holders):
        land_of[h] = land_of.get(h, 0.0) + sites[s]["land"]
    yr_rows = []
    for e, en in enumerate(ent):
        if e in land_of:
            mu = land_of[e] / (10000 / 15)
            cls_ = fr.choice(4, p=[0.25, 0.35, 0.25, 0.15])
            per_mu = [float(fr.uniform(30, 70)), float(fr.uniform(15, 30)), float(fr.uniform(5, 15)),
                      float(fr.uniform(0.3, 5))][cls_] * 1e4
            tax = per_mu * mu
            emp = int(fr.integers(30, 600))
        else:
            tax = float(np.exp(fr.uniform(np.log(2e4), np.log(3e6))))
            emp = int(fr.integers(5, 150))
        va = tax * float(fr.uniform(4, 9))
        rev = va * float(fr.uniform(3, 6))
        en["scale"] = "above" if rev >= 2e7 else "below"
        for y, f in ((2024, 1.0), (2025, float(fr.uniform(0.85, 1.2)))):
            t_ = tax * f; v_ = va * f * float(fr.uniform(0.95, 1.05)); r_ = rev * f * float(fr.uniform(0.95, 1.05))
            yr_rows.append((en["credit_code"], y, int(round(t_)), int(round(v_)), int(round(r_)),
                            round(r_ / 1e4 * float(fr.uniform(0.01, 0.08)), 2),
                            max(1, int(round(emp * float(fr.uniform(0.9, 1.1))))),
                            int(round(r_ * float(fr.uniform(0.002, 0.05))))))
    others = [e for e in range(len(ent)) if e not in land_of]
    T_default = int(round(M * 2.5))
    T = a.tenancies if a.tenancies is not None else T_default
    ten_rows = []
    if M and others and T > 0:
        tr = np.random.default_rng([seed, 8])
        over_site = int(tr.integers(M))
        per_site = [0] * M
        # spread T leases over sites; the over-leased site gets at least 3
        per_site[over_site] = 3
        for _ in range(max(0, T - 3)):
            per_site[int(tr.integers(M))] += 1
        ti = 0
        for s in range(M):
            k = per_site[s]
            if k == 0:
                continue
            fa = sites[s]["props"]["floor_area_m2"]
            shares = tr.dirichlet(np.ones(k)) * (1.18 if s == over_site else float(tr.uniform(0.45, 0.85)))
            for q in range(k):
                tenant = ent[others[(ti * 7 + int(tr.integers(len(others)))) % len(others)]]["credit_code"]
                ti += 1
                kindr = tr.random()
                if s == over_site:
                    kindr = 0.5   # all active on 2026-06-30
                if kindr < 0.2:      # ended
                    st = f"{int(tr.integers(2019, 2023))}-{int(tr.integers(1, 13)):02d}-01"
                    en_ = f"{int(tr.integers(2024, 2026))}-{int(tr.integers(1, 13)):02d}-{int(tr.integers(1, 29)):02d}"
                elif kindr < 0.32:   # future
                    st = f"2027-{int(tr.integers(1, 7)):02d}-01"
                    en_ = f"{int(tr.integers(2029, 2033))}-12-31"
                elif kindr < 0.55:   # open-ended
                    st = f"{int(tr.integers(2020, 2026))}-{int(tr.integers(1, 13)):02d}-01"
                    en_ = ""
                else:
                    st = f"{int(tr.integers(2020, 2026))}-{int(tr.integers(1, 6)):02d}-01"
                    en_ = f"{int(tr.integers(2027, 2031))}-{int(tr.integers(1, 13)):02d}-{int(tr.integers(1, 29)):02d}"
                use = ("production", "storage", "office")[int(tr.choice(3, p=[0.6, 0.3, 0.1]))]
                ten_rows.append((sites[s]["props"]["code"], tenant, f"{shares[q] * fa:.2f}", st, en_, use))
        log(f"tenancies: {len(ten_rows)}; over-leased site {sites[over_site]['props']['code']}")

    # ------------------------------------------------------------------ spots
    sp = np.random.default_rng([seed, 9])
    farm_idx = np.flatnonzero(np.isin(lu, [LU.IDX[c] for c in LU.FARMLAND]))
    built_idx = np.flatnonzero(np.isin(lu, [LU.IDX[c] for c in ("0601", "0604", "1003", "1004", "1006", "0702")]))
    prep_outline = outline
    shapely.prepare(prep_outline)
    vtree = shapely.STRtree(vgeoms)
    bf_bound = bf_union.boundary if not bf_union.is_empty else None

    def clip(g):
        if prep_outline.contains(g):
            return snap_mm(g)
        return polygons_only(snap_mm(g.intersection(prep_outline)))

    def star(cx, cy, r):
        nvx = int(sp.integers(5, 9))
        ang = (np.arange(nvx) + sp.uniform(-0.3, 0.3, nvx)) * 2 * math.pi / nvx + sp.uniform(0, 2 * math.pi)
        rad = r * sp.uniform(0.55, 1.0, nvx)
        return shapely.Polygon(np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1))

    def spot_radius():
        r = float(np.exp(sp.normal(math.log(22), 0.45)))
        return min(r, 90.0)

    def make_spot(kind_):
        for _ in range(50):
            r = spot_radius()
            if kind_ == "farm" and len(farm_idx):
                p = int(farm_idx[int(sp.integers(len(farm_idx)))])
                c = parcel_poly(p).centroid
                cx, cy = c.x + sp.uniform(-15, 15), c.y + sp.uniform(-15, 15)
                use = USES_FARM
            elif kind_ == "built" and len(built_idx):
                p = int(built_idx[int(sp.integers(len(built_idx)))])
                c = parcel_poly(p).centroid
                cx, cy = c.x + sp.uniform(-10, 10), c.y + sp.uniform(-10, 10)
                use = USES_BUILT
            elif kind_ == "bf" and bf_bound is not None:
                pt = bf_bound.interpolate(float(sp.uniform(0, bf_bound.length)))
                cx, cy = pt.x, pt.y
                use = USES_FARM
            elif kind_ == "big" and len(farm_idx):
                p = int(farm_idx[int(sp.integers(len(farm_idx)))])
                c = parcel_poly(p).centroid
                cx, cy = c.x, c.y
                r = float(sp.uniform(220, 260))
                use = ["硬化场地", "堆场", "厂房"]
            else:
                return None
            g = star(cx, cy, r)
            g = clip(g)
            if g is not None and g.geom_type == "Polygon" and g.area > 150 and g.is_valid:
                return g, use[int(sp.integers(len(use)))]
        return None

    spot_layers = {}
    prev = []
    for bi, batch in enumerate(BATCHES):
        yyyymm = batch.replace("-", "")
        feats = []
        n_enc = min(len(own_enc), max(1, K // 10)) if own_enc else 0
        for q in range(K):
            g = None
            prev_code = None
            if q < n_enc:
                s, nb, encp = own_enc[(q + bi) % len(own_enc)]
                pt = encp.representative_point() if not encp.is_empty else parcel_poly(nb).centroid
                r = float(sp.uniform(15, 28))
                g = clip(star(pt.x, pt.y, r))
                use = "厂房"
                if g is None or g.geom_type != "Polygon" or not g.is_valid:
                    g = None
            if g is None and bi == 1 and prev and sp.random() < 0.1:
                old_code, old_g = prev[int(sp.integers(len(prev)))]
                cand_g = shapely.affinity.scale(old_g, 1.15, 1.15)
                cand_g = clip(cand_g)
                if cand_g is not None and cand_g.geom_type == "Polygon" and cand_g.is_valid:
                    g, use, prev_code = cand_g, USES_FARM[int(sp.integers(len(USES_FARM)))], old_code
            if g is None:
                rr = sp.random()
                if q == K - 1 and K >= 20:
                    kind_ = "big"
                else:
                    kind_ = "farm" if rr < 0.72 else ("built" if rr < 0.88 else "bf")
                res = make_spot(kind_) or make_spot("farm")
                if res is None:
                    continue
                g, use = res
            code = f"JC{batch}-{len(feats) + 1:04d}"
            ctr = g.representative_point()
            hits = vtree.query(ctr, predicate="intersects")
            vname = vnames[int(hits[0])] if len(hits) else vnames[0]
            y_, m_ = batch.split("-")
            props = {"code": code, "batch": batch,
                     "detected_date": f"{y_}-{m_}-{int(sp.integers(1, 29)):02d}",
                     "clue_code": f"XS-{COUNTY}-{yyyymm}-{len(feats) + 1:04d}",
                     "village": vname, "current_use": use}
            if sp.random() < 0.7:
                ll = to_4326(g)
                ga = abs(GEOD.geometry_area_perimeter(ll)[0])
                props["area_declared_m2"] = round(ga * float(sp.uniform(0.985, 1.015)), 2)
            if prev_code:
                props["previous_code"] = prev_code
            feats.append((props, g))
            if bi == 0:
                prev.append((code, g))
        spot_layers[batch] = feats
    log(f"spots: {', '.join(f'{b} {len(f)}' for b, f in spot_layers.items())}")

    # ------------------------------------------------------------------ write small layers
    def write_layer(name, feats):
        w = LayerWriter(a.out, name, crss, formats)
        for props, g in feats:
            g4549 = geom_json(g, 3) if 4549 in crss else None
            g4326 = geom_json(to_4326(g) if g is not None else None, 8) if 4326 in crss else None
            w.write(dumps(props), g4549, g4326)
        w.close()

    write_layer("zones-village", [({"code": vcodes[k], "name": vnames[k], "kind": "village"}, vgeoms[k])
                                  for k in range(nv)])
    write_layer("zones-basic-farmland", [({"code": f"JBNT-{k + 1:04d}", "name": f"永久基本农田保护片区{k + 1:04d}",
                                           "kind": "basic-farmland"}, g) for k, g in enumerate(bf)])
    dev_feats = []
    for k, g in enumerate(dev):
        c = g.representative_point()
        hits = vtree.query(c, predicate="intersects")
        stem = vnames[int(hits[0])] if len(hits) else vnames[0]
        stem = stem[:-2] if stem.endswith("社区") else stem[:-1]
        dev_feats.append(({"code": f"KFQ-{k + 1:02d}", "name": f"{stem}工业功能区", "kind": "development-area"}, g))
    write_layer("zones-development-area", dev_feats)
    write_layer("zones-grid", [({"code": f"WG-{k + 1:03d}", "name": f"第{k + 1}网格", "kind": "grid"}, g)
                               for k, g in enumerate(grid)])
    for batch, feats in spot_layers.items():
        write_layer(f"spots-{batch}", feats)
    write_layer("sites", [(s_["props"], s_["geom"]) for s_ in sites])

    with open(os.path.join(a.out, "enterprises.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("credit_code,name,industry,scale\n")
        for en in ent:
            f.write(f"{en['credit_code']},{en['name']},{en['industry']},{en['scale']}\n")
    with open(os.path.join(a.out, "enterprise-years.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("credit_code,year,tax_yuan,value_added_yuan,revenue_yuan,energy_tce,employees,rd_yuan\n")
        for r in yr_rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5]:.2f},{r[6]},{r[7]}\n")
    with open(os.path.join(a.out, "tenancies.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("site,tenant,floor_area_m2,start,end,use\n")
        for r in ten_rows:
            f.write(",".join(r) + "\n")
    timings["other layers"] = time.time() - T0 - timings["layout"]
    log("written: zones, spots, sites, enterprises, tenancies")

    # ------------------------------------------------------------------ stream the parcels
    t1 = time.time()
    w = LayerWriter(a.out, "parcels", crss, formats)
    want4549, want4326 = 4549 in crss, 4326 in crss
    vill_frag = [(vcodes[k] + "0000000", vnames[k]) for k in range(nv)]
    state_frag = (STREET_CODE + "000" + "0000000", STREET_NAME)
    tbbh_ctr = [0] * nv
    I0, I1, J0, J1, KIND = (kp[k].tolist() for k in ("i0", "i1", "j0", "j1", "kind"))
    LUl = lu.tolist(); PV = pv.tolist(); COLL = coll_ind.tolist()
    area_fn = GEOD.polygon_area_perimeter
    F3 = "[%.3f,%.3f]"; F8 = "[%.8f,%.8f]"
    for p in range(n):
        code = LU.CODES[LUl[p]]
        v = PV[p]
        tbbh_ctr[v] += 1
        kd = KIND[p]
        if kd == 2:      # pond inside a hole
            hx, hy, hlon, hlat = hole_of[p]
            tbmj = abs(area_fn(hlon, hlat)[0])
            g1 = '{"type":"Polygon","coordinates":[%s]}' % ring_json(hx.tolist(), hy.tolist(), F3) if want4549 else None
            g2 = '{"type":"Polygon","coordinates":[%s]}' % ring_json(np.round(hlon, 8).tolist(),
                                                                      np.round(hlat, 8).tolist(), F8) if want4326 else None
        else:
            idx = ring_idx(I0[p], I1[p], J0[p], J1[p])
            tbmj = abs(area_fn(LONf[idx], LATf[idx])[0])
            g1 = g2 = None
            if want4549:
                g1 = ring_json(Xf[idx].tolist(), Yf[idx].tolist(), F3)
            if want4326:
                g2 = ring_json(LONrf[idx].tolist(), LATrf[idx].tolist(), F8)
            if kd == 1:
                hx, hy, hlon, hlat = hole_of[p]
                tbmj -= abs(area_fn(hlon, hlat)[0])
                if want4549:
                    g1 += "," + ring_json(hx[::-1].tolist(), hy[::-1].tolist(), F3)
                if want4326:
                    g2 += "," + ring_json(np.round(hlon, 8)[::-1].tolist(), np.round(hlat, 8)[::-1].tolist(), F8)
            if want4549:
                g1 = '{"type":"Polygon","coordinates":[%s]}' % g1
            if want4326:
                g2 = '{"type":"Polygon","coordinates":[%s]}' % g2
        state = code in LU.STATE_CODES or (code in ("0601", "0604") and not COLL[p])
        qdm, qmc = state_frag if state else vill_frag[v]
        zdm, zmc = vill_frag[v]
        props = ('{"BSM":"%s","TBBH":"%d","DLBM":"%s","DLMC":"%s","QSXZ":"%s","QSDWDM":"%s","QSDWMC":"%s",'
                 '"ZLDWDM":"%s","ZLDWMC":"%s","TBMJ":%.2f}') % (bsm[p], tbbh_ctr[v], code, LU.DLMC[code],
                                                               "10" if state else "30", qdm, qmc, zdm, zmc, tbmj)
        w.write(props, g1, g2)
        if not QUIET and p and p % 200000 == 0:
            log(f"parcels: {p} written")
    w.close()
    timings["parcels"] = time.time() - t1
    # summary
    cnt = np.bincount(lu, minlength=len(LU.CODES))
    farm = sum(int(cnt[LU.IDX[c]]) for c in LU.FARMLAND)
    log(f"parcels: {n} written ({farm / n:.1%} farmland by count) in {timings['parcels']:.1f}s")
    log("mix: " + " ".join(f"{c}:{int(cnt[i])}" for i, c in enumerate(LU.CODES) if cnt[i]))
    log(f"done in {time.time() - T0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
