#!/usr/bin/env python3
"""Writes a second survey version of the sample district with planted changes (deterministic).

usage: survey_version.py PARCELS.geojson SPOTS.geojson OUT.geojson [--plan PLAN.json]

Planted, each on the first parcel (by code) that fits:
  spot-farmland     farmland under a violation spot → 0601 industrial (reported: the spot subtracts it)
  free-farmland     farmland under no spot → 0702 rural housing (unreported construction)
  to-orchard        farmland → 0201 orchard (the balance owes it)
  to-farmland       orchard → 0101 paddy (farmland in)
  split             a parcel cut in two by a vertical line: two new codes, its own code gone
  merge             two touching parcels become one under the first code; the second code gone
  retired           a parcel left out of the file
The plan (which codes got what) is written next to OUT as JSON for tests.
"""
import json
import sys

from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union


def main():
    parcels_path, spots_path, out_path = sys.argv[1:4]
    src = json.load(open(parcels_path))
    spots = unary_union([shape(f["geometry"]) for f in json.load(open(spots_path))["features"]])
    feats = sorted(src["features"], key=lambda f: f["properties"]["BSM"])
    geo = {f["properties"]["BSM"]: shape(f["geometry"]) for f in feats}
    used = set()
    plan = {}

    def pick(name, cond):
        for f in feats:
            code = f["properties"]["BSM"]
            if code not in used and cond(f, geo[code]):
                used.add(code)
                plan[name] = code
                return f
        raise SystemExit(f"no parcel for {name}")

    farmland = lambda f: f["properties"]["DLBM"] in ("0101", "0102", "0103")
    f = pick("spot-farmland", lambda f, g: farmland(f) and g.intersection(spots).area > 10)
    f["properties"].update(DLBM="0601", DLMC="工业用地")
    f = pick("free-farmland", lambda f, g: farmland(f) and not g.intersects(spots))
    f["properties"].update(DLBM="0702", DLMC="农村宅基地")
    f = pick("to-orchard", lambda f, g: farmland(f) and not g.intersects(spots))
    f["properties"].update(DLBM="0201", DLMC="果园")
    f = pick("to-farmland", lambda f, g: f["properties"]["DLBM"] == "0201")
    f["properties"].update(DLBM="0101", DLMC="水田")

    out = []
    split = pick("split", lambda f, g: f["properties"]["DLBM"] == "0301")
    merge_a = pick("merge", lambda f, g: f["properties"]["DLBM"] == "0702")
    merge_b = None
    for f in feats:
        c = f["properties"]["BSM"]
        if c not in used and f["properties"]["DLBM"] == "0702" and geo[c].touches(geo[merge_a["properties"]["BSM"]]) \
                and geo[c].intersection(geo[merge_a["properties"]["BSM"]]).length > 1:
            merge_b = f
            used.add(c)
            plan["merged-away"] = c
            break
    if merge_b is None:
        raise SystemExit("no neighbour to merge")
    retired = pick("retired", lambda f, g: f["properties"]["DLBM"] == "1104")

    for f in feats:
        code = f["properties"]["BSM"]
        if code in (retired["properties"]["BSM"], merge_b["properties"]["BSM"]):
            continue
        g = geo[code]
        if code == split["properties"]["BSM"]:
            minx, miny, maxx, maxy = g.bounds
            mid = (minx + maxx) / 2
            for i, half in enumerate([g.intersection(box(minx - 1, miny - 1, mid, maxy + 1)),
                                      g.intersection(box(mid, miny - 1, maxx + 1, maxy + 1))]):
                p = dict(f["properties"], BSM=code + f"-{i + 1}", TBMJ=round(half.area, 2))
                out.append({"type": "Feature", "properties": p, "geometry": mapping(half)})
            plan["split-into"] = [code + "-1", code + "-2"]
            continue
        if code == merge_a["properties"]["BSM"]:
            g = unary_union([g, geo[merge_b["properties"]["BSM"]]])
            f = dict(f, properties=dict(f["properties"], TBMJ=round(g.area, 2)))
        out.append({"type": "Feature", "properties": f["properties"], "geometry": mapping(g)})

    doc = {"type": "FeatureCollection", "name": "parcels-2024", "crs": src["crs"], "features": out}
    with open(out_path, "w") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    with open(out_path.rsplit(".", 1)[0] + "-plan.json", "w") as fh:
        json.dump(plan, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
