#!/usr/bin/env python3
"""Peer of `landreg report survey-change` / `farmland-balance`: the overlay of two survey versions of a landreg
store with shapely 2 (STRtree query + intersection areas, planar), accumulated into the land-use transition matrix
or the farmland ledger. Usage: peer_survey.py STORE.gpkg FROM TO matrix|ledger; prints the total overlay area."""
import sqlite3
import sys
from collections import defaultdict

import numpy as np
import shapely

from peer_common import gpkg_wkb


def version(con, year):
    """Land uses and geometries of the rows live just after the latest import of survey `year`."""
    (moment,) = con.execute("SELECT max(imported_at) FROM survey_versions WHERE year = ?", (year,)).fetchone()
    rows = con.execute("SELECT land_use, geom FROM parcels WHERE created_at <= ? AND (retired_at IS NULL OR retired_at > ?)",
                       (moment, moment)).fetchall()
    return [r[0] or "" for r in rows], shapely.from_wkb(np.array([gpkg_wkb(r[1]) for r in rows], dtype=object))


def main():
    store, year_from, year_to, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    uses_a, geoms_a = version(con, year_from)
    uses_b, geoms_b = version(con, year_to)
    classes = sorted(con.execute("SELECT code, class FROM landuse_balance_classes").fetchall(), key=lambda r: -len(r[0]))
    con.close()
    tree = shapely.STRtree(geoms_a)
    ib, ia = tree.query(geoms_b, predicate="intersects")
    areas = shapely.area(shapely.intersection(geoms_a[ia], geoms_b[ib]))
    cells = defaultdict(float)
    if mode == "matrix":
        for a, b, x in zip(ia, ib, areas):
            if x > 0:
                cells[(uses_a[a][:2], uses_b[b][:2])] += x
    else:
        cls = {}
        def classify(code):
            if code not in cls:
                cls[code] = next((c for p, c in classes if code.startswith(p)), "unclassified")
            return cls[code]
        for a, b, x in zip(ia, ib, areas):
            ca, cb = classify(uses_a[a]), classify(uses_b[b])
            if x > 0 and (ca == "farmland") != (cb == "farmland"):
                cells[("out", cb) if ca == "farmland" else ("in", ca)] += x
    print(f"{len(cells)} cells, {sum(cells.values()):.1f} m²")


main()
