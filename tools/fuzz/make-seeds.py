#!/usr/bin/python3
"""Writes the committed seed corpus, tools/fuzz/corpus/<harness>/, from GeoData/, seeds/ and GDAL.

Run with Debian's Python (python3-gdal): /usr/bin/python3 tools/fuzz/make-seeds.py [STORE.gpkg]
With STORE (a store built by `landreg demo --store STORE`), the first blob of each of its feature tables is added too.
WKB and GeoPackage seeds are written by GDAL/OGR (ExportToIsoWkb / ExportToWkb, and blobs of a GeoPackage
written by gdal.VectorTranslate), not by landreg, so that the fuzzers start from what another tool writes.
Every seed is small (real samples are cut to their first features or rows); the whole corpus stays well under 1 MB.
"""
import glob
import json
import os
import sqlite3
import struct
import sys
import tempfile

from osgeo import gdal, ogr

gdal.UseExceptions()
here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
corpus = os.path.join(here, "corpus")


def put(harness, name, data):
    folder = os.path.join(corpus, harness)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def clear():
    """Removes the generated seeds; inputs that once crashed a harness (crash-*) stay."""
    for path in glob.glob(os.path.join(corpus, "*", "*")):
        if not os.path.basename(path).startswith("crash-"):
            os.remove(path)


# --- GeoJSON: the first two features of every sample file as a whole FeatureCollection, a GeoJSONSeq, hostile shapes.
def geojson_seeds():
    for path in sorted(glob.glob(os.path.join(repo, "GeoData", "*.geojson"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        cut = dict(doc, features=doc["features"][:2])
        base = os.path.splitext(os.path.basename(path))[0]
        put("geojson", base + ".geojson", json.dumps(cut, ensure_ascii=False))
        if base in ("parcels", "spots-2024-01-4326"):
            put("geojson", base + ".geojsonl",
                "".join("\x1e" + json.dumps(f, ensure_ascii=False) + "\n" for f in doc["features"][:2]))
    put("geojson", "hostile-numbers", '{"type":"Feature","properties":{"a":1e999,"b":[[[[]]]],"c":-0.0,"d":1E-400},'
        '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}')
    put("geojson", "hostile-bom-escapes", '\ufeff{"type":"FeatureCollection","features":[{"type":"Feature",'
        '"properties":{"\\u0000":"\\ud800","k\\"":"\\u4e2d"},"geometry":null}]}')
    put("geojson", "hostile-deep", '{"type":"Feature","properties":{"a":' + "[" * 70 + "]" * 70 + '},"geometry":null}')
    put("geojson", "hostile-multipolygon-hole", '{"type":"FeatureCollection","features":[{"type":"Feature","id":7,'
        '"properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[10,0],[10,10],[0,10],[0,0]],'
        '[[2,2],[2,3],[3,3],[2,2]]],[]]}},{"type":"Feature","id":"x","properties":null,"geometry":'
        '{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2,3,4]}]}}]}')


# --- CSV: the head of every sample and seed table, and the dialect's corners.
def csv_seeds():
    paths = sorted(glob.glob(os.path.join(repo, "GeoData", "*.csv")) + glob.glob(os.path.join(repo, "seeds", "*.csv")))
    for path in paths:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")[:12]
        put("csv", os.path.basename(path), b"\n".join(lines) + b"\n")
    put("csv", "quoted-newlines.csv", 'code,note\nA1,"line one\nline two"\nA2,"say ""hi"", twice"\n')
    put("csv", "bom-crlf.csv", "\ufeffcredit_code,name\r\n91330110MANN6LRU7B,\"杭州,盛鑫\"\r\n\r\n")
    put("csv", "cr-in-quotes.csv", 'a,b\r\n"x\r\ny",2\r\n')
    put("csv", "ragged.csv", "a,b,c\n1,2\n")
    put("csv", "unterminated.csv", 'a,b\n1,"open\n')
    put("csv", "quote-in-field.csv", 'a,b\n1,x"y\n"q"z,2\n')
    put("csv", "no-final-newline.csv", " a , b \n1,2")
    put("csv", "not-utf8.csv", b"name\n\xba\xbc\xd6\xdd\n")   # GBK bytes, as a Chinese office export may have


def ogr_geometry(wkt):
    g = ogr.CreateGeometryFromWkt(wkt)
    if g is None:
        sys.exit("GDAL could not read " + wkt)
    return g


WKT_SEEDS = {
    "polygon": "POLYGON ((518946.754 3341463.814,518990.675 3341448.775,519005.568 3341511.224,"
               "518959.184 3341529.337,518946.754 3341463.814))",
    "polygon-hole": "POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2))",
    "multipolygon": "MULTIPOLYGON (((0 0,1 0,1 1,0 1,0 0)),((5 5,6 5,6 6,5 6,5 5),(5.2 5.2,5.2 5.4,5.4 5.4,5.2 5.2)))",
    "bowtie": "POLYGON ((0 0,10 10,10 0,0 10,0 0))",
    "polygon-empty": "POLYGON EMPTY",
    "multipolygon-empty": "MULTIPOLYGON EMPTY",
    "point-empty": "POINT EMPTY",
    "point": "POINT (120.1 30.2)",
    "linestring": "LINESTRING (0 0,1 1,2 0)",
    "multipoint": "MULTIPOINT ((0 0),(1 1))",
    "multilinestring": "MULTILINESTRING ((0 0,1 1),(2 2,3 3))",
    "collection": "GEOMETRYCOLLECTION (POINT (1 2),POLYGON ((0 0,1 0,1 1,0 0)),GEOMETRYCOLLECTION (LINESTRING (0 0,1 1)))",
    "polygon-z": "POLYGON Z ((0 0 1,1 0 2,1 1 3,0 1 4,0 0 1))",
    "polygon-m": "POLYGON M ((0 0 1,1 0 2,1 1 3,0 1 4,0 0 1))",
    "polygon-zm": "POLYGON ZM ((0 0 1 5,1 0 2 6,1 1 3 7,0 1 4 8,0 0 1 5))",
    "multipolygon-z": "MULTIPOLYGON Z (((0 0 1,1 0 1,1 1 1,0 0 1)))",
    "unclosed": "LINESTRING (0 0,1 0,1 1)",
}


# --- WKB: GDAL's ISO WKB (little and big endian), its old 2.5D codes, and a parcel from the sample data.
def wkb_seeds():
    for name, wkt in WKT_SEEDS.items():
        g = ogr_geometry(wkt)
        put("wkb", name + ".wkb", bytes(g.ExportToIsoWkb(ogr.wkbNDR)))
        if name in ("polygon-hole", "multipolygon", "polygon-zm", "collection"):
            put("wkb", name + "-xdr.wkb", bytes(g.ExportToIsoWkb(ogr.wkbXDR)))
        if name in ("polygon-z", "multipolygon-z"):
            put("wkb", name + "-25d.wkb", bytes(g.ExportToWkb(ogr.wkbNDR)))   # 0x80000000 flag, as EWKB has
    ewkb = bytearray(ogr_geometry(WKT_SEEDS["polygon-hole"]).ExportToIsoWkb(ogr.wkbNDR))
    put("wkb", "ewkb-srid.wkb", bytes(ewkb[:1]) + struct.pack("<I", 3 | 0x20000000) + struct.pack("<I", 4549) + bytes(ewkb[5:]))


# --- GeoPackage blobs: geometry blobs of GeoPackages written by GDAL from the samples and from WKT_SEEDS.
def geopackage_seeds():
    tmp = tempfile.mkdtemp(prefix="landreg-seeds-")
    samples = []
    for layer in ("parcels", "zones-village-4326", "spots-2024-01"):
        samples.append(os.path.join(tmp, layer + ".gpkg"))
        gdal.VectorTranslate(samples[-1], os.path.join(repo, "GeoData", layer + ".geojson"), format="GPKG",
                             layerName=layer.replace("-", "_"), limit=2)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(os.path.join(tmp, "shapes.gpkg"))
    layer = ds.CreateLayer("shapes", geom_type=ogr.wkbUnknown)
    for name, wkt in WKT_SEEDS.items():
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr_geometry(wkt))
        layer.CreateFeature(f)
    ds = None
    for path in samples + [os.path.join(tmp, "shapes.gpkg")]:
        db = sqlite3.connect(path)
        tables = [r[0] for r in db.execute("SELECT table_name FROM gpkg_geometry_columns")]
        for t in tables:
            for fid, blob in db.execute('SELECT fid, geom FROM "%s" WHERE geom IS NOT NULL' % t):
                put("wkb", "gpkg-%s-%d.blob" % (t, fid), bytes(blob))
        db.close()


# --- Options: first byte 0 CRS text, 1 date, 2 "--decimals N;" then little-endian doubles.
def option_seeds():
    for i, text in enumerate(["EPSG:4549", "epsg:4326", "4490", "urn:ogc:def:crs:EPSG::4549",
                              "urn:ogc:def:crs:EPSG:6.6:4549", "http://www.opengis.net/def/crs/EPSG/0/4549",
                              "urn:ogc:def:crs:OGC:1.3:CRS84", "CRS84", " EPSG:3857 ", "EPSG:4979", "EPSG:999999",
                              "EPSG:-1", "EPSG:"]):
        put("options", "crs-%02d" % i, b"\x00" + text.encode())
    for i, text in enumerate(["2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2024-12-31", "2024-13-01",
                              "2024-1-01", "0000-01-01", "9999-12-31", "2024-04-31", "२०२४-०१-०१", "2024-+1-01", "+999-01-01"]):
        put("options", "day-%02d" % i, b"\x01" + text.encode())
    coordinates = struct.pack("<4d", 518946.7544, 3341463.8149, 120.123456789, 30.987654321)
    for n in ("0", "3", "7", "15", "16", "-1"):
        put("options", "decimals-" + n, b"\x02" + n.encode() + b";" + coordinates)


def store_seeds(store):
    db = sqlite3.connect(store)
    for t in [r[0] for r in db.execute("SELECT table_name FROM gpkg_geometry_columns ORDER BY table_name")]:
        row = db.execute('SELECT fid, geom FROM "%s" WHERE geom IS NOT NULL ORDER BY fid LIMIT 1' % t).fetchone()
        if row:
            put("wkb", "landreg-%s-%d.blob" % (t, row[0]), bytes(row[1]))
    db.close()


clear()
if len(sys.argv) > 1:
    store_seeds(sys.argv[1])
geojson_seeds()
csv_seeds()
wkb_seeds()
geopackage_seeds()
option_seeds()
total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(corpus, "*", "*")))
print("%d seeds, %d bytes" % (len(glob.glob(os.path.join(corpus, "*", "*"))), total))
