#!/usr/bin/env python3
"""Peer of `landreg import spots` with the whole overlay table: per spot the area on each 三大类 land class (the
store's landuse_three_classes crosswalk, longest code prefix), on basic farmland, on the eco red line, outside the
urban development boundary, and the approval coverage (approvals dated on or before detection), with shapely 2
(STRtree queries + intersection areas) from the same store. Usage: peer_breakdown.py STORE.gpkg SPOTS.geojson;
prints the totals in m²."""
import json
import sqlite3
import sys

import numpy as np
import shapely

from peer_common import gpkg_wkb

store, spots_file = sys.argv[1:3]
con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
classes = {(s, c): k for s, c, k in con.execute("SELECT system, code, class FROM landuse_three_classes")}


def land_class(system, code):
    for n in range(len(code), 0, -1):
        k = classes.get((system, code[:n]))
        if k:
            return k
    return None


rows = con.execute("SELECT geom, land_use_system, land_use FROM parcels WHERE retired_at IS NULL AND land_use IS NOT NULL").fetchall()
parcels = shapely.from_wkb(np.array([gpkg_wkb(g) for g, _, _ in rows], dtype=object))
parcel_class = np.array([land_class(s, c) or "" for _, s, c in rows])


def zones(kind):
    blobs = [gpkg_wkb(g) for (g,) in con.execute("SELECT geom FROM zones WHERE retired_at IS NULL AND kind = ?", (kind,))]
    return shapely.from_wkb(np.array(blobs, dtype=object)) if blobs else np.array([], dtype=object)


zone_sets = {k: zones(k) for k in ("basic-farmland", "eco-redline", "urban-boundary")}
approval_rows = con.execute("SELECT geom, approval_date FROM approvals WHERE retired_at IS NULL").fetchall()
approvals = shapely.from_wkb(np.array([gpkg_wkb(g) for g, _ in approval_rows], dtype=object))
approval_dates = np.array([d for _, d in approval_rows])
con.close()

texts, detected = [], []
with open(spots_file, encoding="utf-8") as f:
    for line in f:
        if line.startswith('{"type":"Feature"'):
            feature = json.loads(line.rstrip().rstrip(","))
            texts.append(json.dumps(feature["geometry"]))
            detected.append(feature["properties"].get("detected_date") or "9999-12-31")
spots = shapely.from_geojson(np.array(texts, dtype=object))
detected = np.array(detected)
spot_area = shapely.area(spots)

si, pi = shapely.STRtree(parcels).query(spots, predicate="intersects")
pieces = shapely.area(shapely.intersection(spots[si], parcels[pi]))
totals = {k: float(pieces[parcel_class[pi] == k].sum()) for k in ("farmland", "agricultural", "construction", "unused")}
for kind, geoms in zone_sets.items():
    if len(geoms) == 0:
        totals[kind] = 0.0
        continue
    s, z = shapely.STRtree(geoms).query(spots, predicate="intersects")
    totals[kind] = float(shapely.area(shapely.intersection(spots[s], geoms[z])).sum())
totals["outside-urban-boundary"] = float(spot_area.sum()) - totals["urban-boundary"]
covered = np.zeros(len(spots))
if len(approvals):
    s, a = shapely.STRtree(approvals).query(spots, predicate="intersects")
    keep = approval_dates[a] <= detected[s]
    np.add.at(covered, s[keep], shapely.area(shapely.intersection(spots[s[keep]], approvals[a[keep]])))
coverage = np.minimum(1.0, covered / spot_area)
print(f"{len(spots)} spots, {len(parcels)} parcels: " + ", ".join(f"{k} {v:.3f} m²" for k, v in totals.items())
      + f", mean approval coverage {coverage.mean():.4f}")
