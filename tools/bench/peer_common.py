"""What the shapely peers share: reading GeoPackage geometry blobs and GeoJSON polygons."""
import json
import sqlite3

import numpy as np
import shapely

FARMLAND = ("0101", "0102", "0103")


def gpkg_wkb(blob):
    """The WKB inside a GeoPackage geometry blob (GeoPackage 1.2 §2.1.3: 8-byte header + optional envelope)."""
    indicator = (blob[3] >> 1) & 0x07
    return blob[8 + (0, 32, 48, 48, 64)[indicator]:]


def farmland_parcels(store):
    """Live farmland parcels (0101/0102/0103) of a landreg store, as a numpy array of shapely geometries."""
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    blobs = [gpkg_wkb(b) for (b,) in con.execute(
        "SELECT geom FROM parcels WHERE retired_at IS NULL AND land_use IN (?, ?, ?)", FARMLAND)]
    con.close()
    return shapely.from_wkb(np.array(blobs, dtype=object))


def geojson_polygons(path):
    """The geometries of a GeoJSON FeatureCollection written one feature per line (tools/gen_district.py)."""
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith('{"type":"Feature"'):
                texts.append(json.dumps(json.loads(line.rstrip().rstrip(","))["geometry"]))
    return shapely.from_geojson(np.array(texts, dtype=object))
