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


# --- Shapefiles: parcels cut to their first features by ogr2ogr (gdal.VectorTranslate), GBK with a .cpg, GBK with
# only the language-driver byte, GBK declaring nothing, UTF-8; packed as ShapefileFuzzHarness.swift reads them:
# a flags byte (1 .cpg, 2 .prj, 4 zip, 8 --layer x, 16 --encoding with bits 5-6 gbk/gb18030/utf-8/cp936, 128 upper-case
# extensions), then UInt16-LE-length-prefixed .shp, .shx, [.cpg], [.prj]; the rest is the .dbf.
def shapefile_seed(shp, shx, dbf, cpg=None, prj=None, flags=0):
    flags |= (1 if cpg is not None else 0) | (2 if prj is not None else 0)
    out = bytearray([flags])
    for part in [shp, shx] + [p for p in (cpg, prj) if p is not None]:
        out += struct.pack("<H", len(part)) + part
    return bytes(out + dbf)


def shapefile_seeds():
    tmp = tempfile.mkdtemp(prefix="landreg-seeds-")

    def write(name, source, count, encoding):
        folder = os.path.join(tmp, name)
        os.makedirs(folder)
        gdal.VectorTranslate(os.path.join(folder, "x.shp"), os.path.join(repo, "GeoData", source),
                             format="ESRI Shapefile", layerName="x", limit=count,
                             layerCreationOptions=["ENCODING=" + encoding])
        parts = {}
        for ext in ("shp", "shx", "dbf", "cpg", "prj"):
            path = os.path.join(folder, "x." + ext)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    parts[ext] = f.read()
        return parts

    gbk = write("gbk", "parcels.geojson", 3, "CP936")
    utf8 = write("utf8", "parcels.geojson", 2, "UTF-8")
    lonlat = write("lonlat", "parcels-4326.geojson", 2, "CP936")
    spots = write("spots", "spots-2024-01.geojson", 2, "CP936")
    dbf_bare = bytearray(gbk["dbf"])
    dbf_bare[29] = 0   # no language-driver byte (GDAL 3.6 writes none for CP936)
    dbf_ldid = bytearray(gbk["dbf"])
    dbf_ldid[29] = 0x4D   # code page 936, as ArcGIS on Chinese Windows writes it
    seeds = {
        "gbk-cpg-prj": shapefile_seed(gbk["shp"], gbk["shx"], gbk["dbf"], gbk.get("cpg"), gbk["prj"]),
        "gbk-ldid-prj": shapefile_seed(gbk["shp"], gbk["shx"], bytes(dbf_ldid), None, gbk["prj"]),
        "gbk-bare-prj": shapefile_seed(gbk["shp"], gbk["shx"], bytes(dbf_bare), None, gbk["prj"]),
        "gbk-bare-encoding-gbk": shapefile_seed(gbk["shp"], gbk["shx"], bytes(dbf_bare), None, gbk["prj"], 16),
        "gbk-cpg-encoding-gb18030-layer": shapefile_seed(gbk["shp"], gbk["shx"], gbk["dbf"], gbk.get("cpg"), gbk["prj"],
                                                         8 | 16 | (1 << 5)),
        "gbk-no-prj": shapefile_seed(gbk["shp"], gbk["shx"], gbk["dbf"], gbk.get("cpg")),
        "gbk-zip": shapefile_seed(gbk["shp"], gbk["shx"], gbk["dbf"], gbk.get("cpg"), gbk["prj"], 4),
        "gbk-zip-layer-upper": shapefile_seed(gbk["shp"], gbk["shx"], gbk["dbf"], gbk.get("cpg"), gbk["prj"], 4 | 8 | 128),
        "utf8-cpg-prj": shapefile_seed(utf8["shp"], utf8["shx"], utf8["dbf"], utf8.get("cpg"), utf8["prj"]),
        "utf8-no-cpg-upper": shapefile_seed(utf8["shp"], utf8["shx"], utf8["dbf"], None, utf8["prj"], 128),
        "lonlat-4326": shapefile_seed(lonlat["shp"], lonlat["shx"], lonlat["dbf"], lonlat.get("cpg"), lonlat["prj"]),
        "spots-zip": shapefile_seed(spots["shp"], spots["shx"], spots["dbf"], spots.get("cpg"), spots["prj"], 4),
        # GDAL printed "ERROR 1: missing ]" for this one and the import said "no .prj" (UnreadablePrjTests).
        "prj-truncated": shapefile_seed(gbk["shp"], gbk["shx"], gbk["dbf"], gbk.get("cpg"), gbk["prj"][:60]),
        "no-shx": shapefile_seed(gbk["shp"], b"", gbk["dbf"], gbk.get("cpg"), gbk["prj"]),
        "records-mismatch": shapefile_seed(gbk["shp"], gbk["shx"], utf8["dbf"], None, gbk["prj"]),
    }
    for name, data in seeds.items():
        put("shapefile", name, data)


# --- Workbooks: tables written by openpyxl (GDAL writes no formatted workbook, offices use Excel): a firms table
# with a text credit code, numbers and a date; two sheets; a header row only; an empty cell and a blank row.
def xlsx_seeds():
    import datetime
    import io
    import openpyxl
    import zipfile

    def save(name, sheets):
        book = openpyxl.Workbook()
        book.remove(book.active)
        book.properties.created = book.properties.modified = datetime.datetime(2026, 11, 30)   # same bytes each run
        for title, rows in sheets:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        # zipfile stamps each entry with the current time: rewritten with a fixed one, a seed is the same each run.
        fixed = io.BytesIO()
        with zipfile.ZipFile(buffer) as written, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
            for entry in written.infolist():
                out.writestr(zipfile.ZipInfo(entry.filename, date_time=(2026, 11, 30, 0, 0, 0)), written.read(entry),
                             compress_type=zipfile.ZIP_DEFLATED)
        put("xlsx", name, fixed.getvalue())
        # The same workbook in the harness's part-list layout (UInt8 name length, name, UInt16-LE length, contents),
        # which it zips itself; without the theme and docProps, which GDAL does not read.
        with zipfile.ZipFile(buffer) as written:
            listed = bytearray()
            for entry in sorted(written.infolist(), key=lambda e: e.filename != "[Content_Types].xml"):
                if entry.filename.startswith(("docProps/", "xl/theme/")):
                    continue
                data = written.read(entry)
                listed += bytes([len(entry.filename)]) + entry.filename.encode() + struct.pack("<H", len(data)) + data
            put("xlsx", "parts-" + os.path.splitext(name)[0], bytes(listed))

    with open(os.path.join(repo, "GeoData", "enterprises.csv"), encoding="utf-8-sig") as f:
        firms = [line.rstrip("\r\n").split(",") for line in f.readlines()[:6]]
    save("enterprises.xlsx", [("Sheet1", firms)])
    save("typed.xlsx", [("企业", [["credit_code", "name", "employees", "tax_wan", "since"],
                                  ["91330110MANN6LRU7B", "杭州盛鑫", 35, 554.92, datetime.date(2019, 3, 1)],
                                  ["91330110MA2KD0XX1C", None, 7, 3680162.0, datetime.datetime(2021, 6, 30, 8, 15)],
                                  [], ["91330110MA27Y3QH2A", "空行之后", -1, 1e-7, "2020-01-01"]])])
    save("two-sheets.xlsx", [("说明", [["note"], ["see the second sheet"]]),
                             ("firms", firms[:3])])
    save("header-only.xlsx", [("Sheet1", [["credit_code", "name"]])])
    save("all-text.xlsx", [("Sheet1", [["a", "b"], ["x", "y"], ["0012", "=1+1"]])])
    # The sheet's XML cut inside row 5 (the zip sound): GDAL kept rows 2-4 and landreg imported them as the whole
    # table, GDAL's error printed on the terminal (CorruptSheetTests).
    with zipfile.ZipFile(os.path.join(corpus, "xlsx", "enterprises.xlsx")) as whole:
        cut = io.BytesIO()
        with zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as out:
            for entry in whole.infolist():
                data = whole.read(entry)
                if entry.filename == "xl/worksheets/sheet1.xml":
                    data = data[:data.index(b'<row r="5"')] + b'<row r="5"><c r="A5" t="inlineStr"><is><t>9'
                out.writestr(entry, data)
        put("xlsx", "sheet-cut-in-row-5.xlsx", cut.getvalue())


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
shapefile_seeds()
xlsx_seeds()
total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(corpus, "*", "*")))
print("%d seeds, %d bytes" % (len(glob.glob(os.path.join(corpus, "*", "*"))), total))
