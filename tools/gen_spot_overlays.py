#!/usr/bin/env python3
"""Writes the sample district's approvals and its eco red line / urban development boundary zones.

Deterministic, from the generated spots and parcels in GeoData/ (EPSG:4549): rerunning reproduces the files byte
for byte. Needs shapely (the repository's .venv):

    .venv/bin/python3 tools/gen_spot_overlays.py GeoData

- approvals.geojson (import with --kind farmland-conversion): documents covering a few spots fully (dated before
  their detection), one partly (the western half), one dated after its spot's detection.
- zones-eco-redline.geojson: one 生态保护红线 polygon, its edge through a spot.
- zones-urban-boundary.geojson: one 城镇开发边界 polygon, the eastern half of the district.
"""
import json
import sys

from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union

CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}

# (spot code, document number, approval date, cover: full | west-half)
APPROVALS = [
    ("JC2023-07-0006", "浙土字〔2022〕105号", "2022-05-10", "full"),
    ("JC2023-07-0012", "浙土字〔2022〕111号", "2022-06-18", "full"),
    ("JC2023-07-0018", "浙土字〔2022〕117号", "2022-07-02", "west-half"),
    ("JC2023-07-0024", "浙土字〔2023〕301号", "2023-09-15", "full"),  # after the spot's detection (2023-07)
    ("JC2024-01-0001", "浙土字〔2023〕201号", "2023-03-08", "full"),
    ("JC2024-01-0006", "浙土字〔2023〕206号", "2023-04-12", "full"),
    ("JC2024-01-0011", "浙土字〔2023〕211号", "2023-05-20", "full"),
    ("JC2024-01-0016", "浙土字〔2023〕216号", "2023-06-30", "full"),
]


def rounded(geom):
    """GeoJSON geometry with coordinates rounded to the millimetre (MultiPolygon)."""
    m = mapping(geom)
    polys = [m["coordinates"]] if m["type"] == "Polygon" else m["coordinates"]
    return {
        "type": "MultiPolygon",
        "coordinates": [[[[round(x, 3), round(y, 3)] for x, y in ring] for ring in poly] for poly in polys],
    }


def write(path, features):
    doc = {"type": "FeatureCollection", "crs": CRS, "features": features}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main(folder):
    spots = {}
    for batch in ("2023-07", "2024-01"):
        with open(f"{folder}/spots-{batch}.geojson", encoding="utf-8") as f:
            for feat in json.load(f)["features"]:
                spots[feat["properties"]["code"]] = shape(feat["geometry"])
    with open(f"{folder}/parcels.geojson", encoding="utf-8") as f:
        district = unary_union([shape(p["geometry"]) for p in json.load(f)["features"]])

    features = []
    for code, doc, day, cover in APPROVALS:
        s = spots[code]
        if cover == "full":
            g = s.buffer(2.0, join_style=2)
        else:
            minx, miny, maxx, maxy = s.bounds
            g = s.intersection(box(minx - 1, miny - 1, (minx + maxx) / 2, maxy + 1))
        features.append({
            "type": "Feature",
            "properties": {"doc_number": doc, "approval_date": day, "registered_area_m2": round(g.area, 2),
                           "project": f"{code} 所在地块农用地转用"},
            "geometry": rounded(g),
        })
    write(f"{folder}/approvals.geojson", features)

    # The red line: a strip whose eastern edge cuts spot JC2023-07-0019 in half.
    minx, miny, maxx, maxy = spots["JC2023-07-0019"].bounds
    red = box(minx - 60, miny - 60, (minx + maxx) / 2, maxy + 60)
    write(f"{folder}/zones-eco-redline.geojson", [{
        "type": "Feature", "properties": {"code": "STHX-0001", "name": "生态保护红线片区0001", "kind": "eco-redline"},
        "geometry": rounded(red),
    }])
    dminx, dminy, dmaxx, dmaxy = district.bounds
    boundary = box((dminx + dmaxx) / 2, dminy - 10, dmaxx + 10, dmaxy + 10)
    write(f"{folder}/zones-urban-boundary.geojson", [{
        "type": "Feature",
        "properties": {"code": "CKBJ-0001", "name": "城镇开发边界0001", "kind": "urban-boundary"},
        "geometry": rounded(boundary),
    }])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "GeoData")
