import Foundation
import Testing

/// Exports in the formats GIS users and the office ask for (GeoPackage, Shapefile, CSV, KML, xlsx), read back by
/// GDAL (osgeo, ogrinfo) and openpyxl and compared with the GeoJSON export; areas checked with shapely.
@Suite("Format exports end to end", .serialized)
struct FormatExportTests {
    /// The enterprise names a spreadsheet could take for formulas (holders of sites EC-001 and EC-002).
    static let formulaName = "=HYPERLINK(\"http://x\",\"y\")"
    static let minusName = "-2+3"

    /// A store with the sample parcels, zones, both spot batches with their updates, sites, tenancies and
    /// enterprises, two of which have formula-looking names. Built once; each test works on a copy.
    static let built: Result<String, Error> = Result {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/district.gpkg"
        let g = CLI.geoData
        var enterprises = try String(contentsOfFile: g + "/enterprises.csv", encoding: .utf8)
        enterprises = enterprises.replacingOccurrences(
            of: "杭州盛鑫纺织有限公司", with: "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        )
        .replacingOccurrences(of: "杭州丰力机械有限公司", with: minusName)
        try enterprises.write(toFile: dir + "/enterprises.csv", atomically: true, encoding: .utf8)
        for args in [
            ["init"], ["import", "parcels", g + "/parcels.geojson", "--profile", "sandiao"],
            ["import", "zones", g + "/zones-village.geojson", "--kind", "village"],
            ["import", "zones", g + "/zones-basic-farmland.geojson", "--kind", "basic-farmland"],
            ["import", "spots", g + "/spots-2023-07.geojson", "--batch", "2023-07"],
            ["import", "spots", g + "/spots-2024-01.geojson", "--batch", "2024-01"],
            ["import", "spot-updates", g + "/spot-updates.csv"],
            ["import", "enterprises", dir + "/enterprises.csv"],
            ["import", "enterprise-years", g + "/enterprise-years.csv"],
            ["import", "sites", g + "/sites.geojson"], ["import", "tenancies", g + "/tenancies.csv"]
        ] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            guard r.status == 0 else { throw CLIFailure("\(args): \(r.stderr)") }
        }
        return store
    }

    struct CLIFailure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    static func sampleStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        try FileManager.default.copyItem(atPath: try built.get(), toPath: dir + "/district.gpkg")
        return (dir, dir + "/district.gpkg")
    }

    static func landreg(_ args: [String], _ dir: String, _ store: String) throws -> CLI.Result {
        try CLI.landreg(args + ["--store", store], in: dir)
    }

    /// Reads every layer file with GDAL (osgeo) into {code: {field: value, "_wkt": geometry}}; dates as ISO text,
    /// booleans as bools, field names as the file has them.
    static let gdalDump = """
        import json, sys
        from osgeo import ogr
        ogr.UseExceptions()
        out = {}
        for path in sys.argv[2:]:
            ds = ogr.Open(path)
            layer = ds.GetLayer(0)
            defn = layer.GetLayerDefn()
            rows = {}
            for f in layer:
                row = {}
                for i in range(defn.GetFieldCount()):
                    fd = defn.GetFieldDefn(i)
                    name, t = fd.GetName(), fd.GetType()
                    if not f.IsFieldSetAndNotNull(i):
                        row[name] = None
                    elif t == ogr.OFTDate:
                        y, m, d = f.GetFieldAsDateTime(i)[:3]
                        row[name] = "%04d-%02d-%02d" % (y, m, d)
                    elif t == ogr.OFTInteger and fd.GetSubType() == ogr.OFSTBoolean:
                        row[name] = bool(f.GetField(i))
                    else:
                        row[name] = f.GetField(i)
                g = f.GetGeometryRef()
                row["_wkt"] = g.ExportToWkt() if g is not None else None
                row["_types"] = {defn.GetFieldDefn(i).GetName(): ogr.GetFieldTypeName(defn.GetFieldDefn(i).GetType())
                                 for i in range(defn.GetFieldCount())}
                rows[row.get("code") or row.get("Name")] = row
            out[path] = {"rows": rows, "srs": (layer.GetSpatialRef().GetAuthorityCode(None)
                                               if layer.GetSpatialRef() is not None else None)}
        json.dump(out, open(sys.argv[1], "w"), ensure_ascii=False)
        """

    /// Compares each file's rows with the GeoJSON export's features: same codes, every property equal (names via
    /// the Shapefile mapping), and shapely's planar area of the geometry (brought to EPSG:4549 with pyproj) equal to
    /// planar_area_m2; area_mu = ellipsoidal_area_m2 / (10000/15). Prints a JSON summary.
    static let compare = """
        import json, sys
        from shapely import wkt
        from shapely.ops import transform
        from pyproj import Geod, Transformer
        geojson = {f["properties"]["code"]: f for f in json.load(open(sys.argv[1]))["features"]}
        dumps = json.load(open(sys.argv[2]))
        names = json.loads(sys.argv[3])
        to4549 = Transformer.from_crs(4326, 4549, always_xy=True)
        to4490 = Transformer.from_crs(4549, 4490, always_xy=True)
        geod = Geod(a=6378137.0, f=1/298.257222101)  # CGCS2000's ellipsoid (GeographicLib through pyproj)
        def same(exp, act):
            if exp is None:
                return act in (None, "")
            if isinstance(exp, bool):
                return act in (exp, int(exp), str(int(exp)), str(exp).lower())
            if isinstance(exp, (int, float)):
                try:
                    return abs(float(act) - exp) <= 1e-9 * max(1.0, abs(exp))
                except (TypeError, ValueError):
                    return False
            if isinstance(exp, (list, dict)):
                return (json.loads(act) if isinstance(act, str) else act) == exp
            return act == exp
        report = {}
        for path, dump in dumps.items():
            rows = dump["rows"]
            mapping = names.get(path, {})
            bad = []
            worst_area = worst_mu = 0.0
            for code, f in geojson.items():
                row = rows.get(code)
                if row is None:
                    bad.append("missing " + code); continue
                for k, v in f["properties"].items():
                    name = mapping.get(k, k)
                    if name not in row:
                        bad.append(f"{code}: no field {name}"); continue
                    if not same(v, row[name]):
                        bad.append(f"{code}.{k}: {v!r} != {row[name]!r}")
                p = f["properties"]
                if row["_wkt"] is not None and "planar_area_m2" in p:
                    g = wkt.loads(row["_wkt"])
                    # KML is in EPSG:4326, which PROJ takes as CGCS2000 lon/lat (no datum shift between them).
                    lonlat = g if dump["srs"] == "4326" else transform(to4490.transform, g)
                    if dump["srs"] == "4326":
                        g = transform(to4549.transform, g)
                    worst_area = max(worst_area, abs(g.area - p["planar_area_m2"]) / p["planar_area_m2"])
                    # 亩 from the file against GeographicLib's geodesic area of the file's geometry.
                    if "area_mu" in p:
                        mu = abs(geod.geometry_area_perimeter(lonlat)[0]) * 15 / 10000
                        worst_mu = max(worst_mu, abs(float(row[mapping.get("area_mu", "area_mu")]) - mu) / mu)
                if "area_mu" in p and "ellipsoidal_area_m2" in p:
                    mu = float(row[mapping.get("area_mu", "area_mu")])
                    if abs(mu - float(row[mapping.get("ellipsoidal_area_m2", "ellipsoidal_area_m2")]) * 15 / 10000) > 1e-9:
                        bad.append(f"{code}: area_mu is not ellipsoidal_area_m2 in 亩")
            extra = sorted(set(rows) - set(geojson))
            report[path] = {"rows": len(rows), "bad": bad[:10], "bad_count": len(bad), "extra": extra[:5],
                            "worst_area": worst_area, "worst_mu": worst_mu, "srs": dump["srs"]}
        print(json.dumps(report, ensure_ascii=False))
        """

    /// Exports `layer` as GeoJSON (in EPSG:4549) and as each of `outputs`, then compares them.
    static func exportAndCompare(
        _ layer: String, _ outputs: [[String]], extra: [String] = [], dir: String, store: String
    )
        throws -> [String: Any]
    {
        let reference = dir + "/\(layer)-ref.geojson"
        let ref = try landreg(["export", layer, "-o", reference, "--crs", "EPSG:4549"] + extra, dir, store)
        #expect(ref.status == 0, "\(ref.stderr)")
        var names: [String: [String: String]] = [:]
        var paths: [String] = []
        for args in outputs {
            let r = try landreg(["export", layer, "--json"] + args + extra, dir, store)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            let output = dir + "/" + args[args.firstIndex(of: "-o")! + 1]
            let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
            var path = output
            if args.contains("shp") { path = output } // a folder: GDAL opens it as the layer
            if output.hasSuffix(".zip") { path = "/vsizip/" + output }
            if let fields = report["fieldNames"] as? [[String: String]] {
                names[path] = Dictionary(uniqueKeysWithValues: fields.map { ($0["field"]!, $0["shapefile"]!) })
            }
            // KML: the feature's `name` is the placemark's <name>, which GDAL reads back as the field Name.
            if output.hasSuffix(".kml") { names[path] = ["name": "Name"] }
            paths.append(path)
        }
        let dump = dir + "/\(layer)-dump.json"
        let d = try CLI.gdalPython(["-c", gdalDump, dump] + paths)
        #expect(d.status == 0, "\(d.stderr)")
        let namesJSON = String(decoding: try JSONSerialization.data(withJSONObject: names), as: UTF8.self)
        let c = try CLI.python(compare, [reference, dump, namesJSON])
        #expect(c.status == 0, "\(c.stderr)")
        return try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func parcelsInEveryFormatReadBackWithTheGeoJSONExportsCodesAttributesAndAreas() throws {
        let (dir, store) = try Self.sampleStore()
        let outputs: [[String]] = [
            ["-o", "p.gpkg"], ["-o", "p.zip"], ["-o", "p-shp", "--format", "shp"],
            ["-o", "p-gbk", "--format", "shp", "--encoding", "gbk"], ["-o", "p.csv", "--wkt"],
            ["-o", "p.kml"]
        ]
        let report = try Self.exportAndCompare("parcels", outputs, dir: dir, store: store)
        #expect(report.count == outputs.count)
        for (path, value) in report {
            let r = value as? [String: Any] ?? [:]
            #expect(r["rows"] as? Int == 400, "\(path): \(r)")
            #expect(r["bad_count"] as? Int == 0, "\(path): \(r)")
            #expect((r["extra"] as? [String])?.isEmpty == true, "\(path): \(r)")
            // Coordinates as stored (or transformed for KML): shapely's area agrees with the stored planar area.
            #expect((r["worst_area"] as? Double ?? 1) < (path.hasSuffix(".kml") ? 1e-6 : 1e-9), "\(path): \(r)")
            // 亩: the exported area_mu against the geodesic area of the exported geometry.
            #expect((r["worst_mu"] as? Double ?? 1) < 1e-6, "\(path): \(r)")
        }
        // Default CRS: the store's (EPSG:4549) for gpkg, shp and csv; EPSG:4326 for KML.
        #expect((report[dir + "/p.gpkg"] as? [String: Any])?["srs"] as? String == "4549")
        #expect((report["/vsizip/" + dir + "/p.zip"] as? [String: Any])?["srs"] as? String == "4549")
        #expect((report[dir + "/p.kml"] as? [String: Any])?["srs"] as? String == "4326")
        // Nothing but the outputs (and the store) is left in the folder: no temporary files.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func spotsKeepDatesBooleansAndListsInGeoPackageShapefileAndXLSX() throws {
        let (dir, store) = try Self.sampleStore()
        let asOf = ["--as-of", "2026-06-30"]
        let report = try Self.exportAndCompare(
            "spots", [["-o", "s.gpkg"], ["-o", "s.zip"]], extra: asOf, dir: dir, store: store)
        for (path, value) in report {
            let r = value as? [String: Any] ?? [:]
            #expect(r["rows"] as? Int == 60, "\(path): \(r)")
            #expect(r["bad_count"] as? Int == 0, "\(path): \(r)")
            #expect((r["extra"] as? [String])?.isEmpty == true, "\(path): \(r)")
        }
        // Field types: dates as Date, booleans as Boolean, integers as Integer64, areas as Real.
        let types = try CLI.gdalPython([
            "-c",
            """
            import sys
            from osgeo import ogr
            ds = ogr.Open(sys.argv[1]); d = ds.GetLayer(0).GetLayerDefn()
            for i in range(d.GetFieldCount()):
                f = d.GetFieldDefn(i)
                print(f.GetName(), ogr.GetFieldTypeName(f.GetType()), ogr.GetFieldSubTypeName(f.GetSubType()))
            """, dir + "/s.gpkg"
        ])
        #expect(types.stdout.contains("deadline Date None"), "\(types.stdout)")
        #expect(types.stdout.contains("detected_date Date None"), "\(types.stdout)")
        #expect(types.stdout.contains("overdue Integer Boolean"), "\(types.stdout)")
        #expect(types.stdout.contains("area_m2 Real None"), "\(types.stdout)")
        #expect(types.stdout.contains("restored_m2 Real None"), "\(types.stdout)")

        // xlsx: one sheet, header = the GeoJSON property names, the same values per code.
        let x = try Self.landreg(["export", "spots", "-o", "s.xlsx"] + asOf, dir, store)
        #expect(x.status == 0, "\(x.stderr)")
        let check = try CLI.python(
            """
            import json, sys, openpyxl, datetime
            ref = {f["properties"]["code"]: f["properties"] for f in json.load(open(sys.argv[1]))["features"]}
            wb = openpyxl.load_workbook(sys.argv[2])
            ws = wb.worksheets[0]
            rows = list(ws.iter_rows(values_only=True))
            head = list(rows[0])
            bad = []
            for r in rows[1:]:
                row = dict(zip(head, r))
                p = ref[row["code"]]
                for k, v in p.items():
                    a = row.get(k)
                    if isinstance(a, datetime.datetime): a = a.date().isoformat()
                    if v is None: ok = a is None
                    elif isinstance(v, bool): ok = a == v
                    elif isinstance(v, (int, float)): ok = abs(float(a) - v) <= 1e-9 * max(1, abs(v))
                    elif isinstance(v, list): ok = json.loads(a) == v
                    else: ok = a == v
                    if not ok: bad.append((row["code"], k, v, a))
            print(json.dumps({"title": ws.title, "rows": len(rows) - 1, "freeze": ws.freeze_panes, "bad": bad[:5],
                              "deadline_format": [c.number_format for c in ws[2] if head[c.column - 1] == "deadline"]},
                             ensure_ascii=False))
            """, [dir + "/spots-ref.geojson", dir + "/s.xlsx"])
        #expect(check.status == 0, "\(check.stderr)")
        let r = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(r["title"] as? String == "spots")
        #expect(r["rows"] as? Int == 60)
        #expect((r["bad"] as? [Any])?.isEmpty == true, "\(r)")
        #expect(r["freeze"] as? String == "A2")
    }

    @Test func shapefileKeepsChineseInUTF8AndGBKWithTheCodePageNamed() throws {
        let (dir, store) = try Self.sampleStore()
        for (folder, encoding, cpg) in [("utf8", "utf-8", "UTF-8"), ("gbk", "gbk", "936")] {
            let r = try Self.landreg(
                ["export", "parcels", "--format", "shp", "--encoding", encoding, "-o", folder], dir, store)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try String(contentsOfFile: "\(dir)/\(folder)/parcels.cpg", encoding: .utf8) == cpg)
            let info = try CLI.run(
                "/usr/bin/ogrinfo", ["-q", "-al", "\(dir)/\(folder)", "-where", "code = '3301100000000001'"])
            #expect(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.contains("land_use_n (String) = 水田"), "\(info.stdout)")
            #expect(info.stdout.contains("owner (String) = 湖埠村"), "\(info.stdout)")
            #expect(info.stdout.contains("ZLDWMC (String) = 湖埠村"), "\(info.stdout)")
            // The .dbf holds the bytes of its encoding: 湖埠村 in GBK is 6 bytes, in UTF-8 9.
            let dbf = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(folder)/parcels.dbf"))
            let probe = try CLI.python(
                """
                import sys
                data = open(sys.argv[1], "rb").read()
                print("gbk" if "湖埠村".encode("gbk") in data else "utf-8" if "湖埠村".encode("utf-8") in data else "none")
                """, ["\(dir)/\(folder)/parcels.dbf"])
            #expect(
                probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == encoding,
                "\(dbf.count) bytes: \(probe.stdout)")
        }
    }

    @Test func shapefileFieldNamesFollowTheTenByteRuleWithoutCollisions() throws {
        let (dir, store) = try Self.sampleStore()
        let r = try Self.landreg(["export", "spots", "-o", "spots.zip", "--json"], dir, store)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let pairs = (report["fieldNames"] as? [[String: String]] ?? []).map { ($0["field"]!, $0["shapefile"]!) }
        let map = Dictionary(uniqueKeysWithValues: pairs)
        // ≤ 10 bytes kept; longer cut to 10; a collision gets _2 in place of its tail.
        #expect(map["code"] == "code")
        #expect(map["clue_code"] == "clue_code")
        #expect(map["farmland_area_m2"] == "farmland_a")
        #expect(map["farmland_area_mu"] == "farmland_2")
        #expect(map["basic_farmland_area_m2"] == "basic_farm")
        #expect(map["basic_farmland_area_mu"] == "basic_fa_2")
        #expect(map["remaining_m2"] == "remaining_")
        #expect(map["remaining_mu"] == "remainin_2")
        let short = pairs.map(\.1)
        #expect(short.allSatisfy { $0.utf8.count <= 10 })
        #expect(Set(short.map { $0.lowercased() }).count == short.count)
        // The .dbf has exactly these names, in this order.
        let info = try CLI.run("/usr/bin/ogrinfo", ["-so", "-al", "/vsizip/" + dir + "/spots.zip"])
        let fields = info.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":"), line.contains("("), !line.hasPrefix(" ") else { return nil }
            return String(line[..<colon])
        }.filter { short.contains($0) }
        #expect(fields == short, "\(info.stdout)")
    }

    /// A store with two parcels: one with a 300-byte UTF-8 note (100 Chinese characters: 200 bytes in GBK), one
    /// whose owner holds 𠀀 (U+20000, not in GBK).
    static func awkwardStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/d.gpkg"
        let note = String(repeating: "违", count: 100)
        let geojson = """
            {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[
            {"type":"Feature","properties":{"code":"A-1","owner":"湖埠村","note":"\(note)"},
             "geometry":{"type":"Polygon","coordinates":[[[518990.675,3341448.775],[519015.699,3341439.014],[519028.431,3341505.794],[518990.675,3341448.775]]]}},
            {"type":"Feature","properties":{"code":"A-2","owner":"𠀀家","note":"短"},
             "geometry":{"type":"Polygon","coordinates":[[[519015.699,3341439.014],[519040.739,3341430.681],[519056.869,3341490.265],[519015.699,3341439.014]]]}}
            ]}
            """
        try geojson.write(toFile: dir + "/awkward.geojson", atomically: true, encoding: .utf8)
        for args in [["init"], ["import", "parcels", dir + "/awkward.geojson"]] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        return (dir, store)
    }

    @Test func refusedShapefileExportsNameFeatureAndFieldAndLeaveNoFile() throws {
        let (dir, store) = try Self.awkwardStore()
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        // UTF-8: the note is 300 bytes, more than a .dbf field holds.
        let long = try Self.landreg(["export", "parcels", "-o", "out.zip"], dir, store)
        #expect(long.status == 1)
        #expect(long.stderr.contains("feature 0 (id \"A-1\"), field note"), "\(long.stderr)")
        #expect(long.stderr.contains("300 bytes"), "\(long.stderr)")
        // GBK: the note fits (200 bytes) but 𠀀 has no GBK code.
        let gbk = try Self.landreg(
            ["export", "parcels", "--format", "shp", "--encoding", "gbk", "-o", "out-gbk"], dir, store)
        #expect(gbk.status == 1)
        #expect(gbk.stderr.contains("feature 1 (id \"A-2\"), field owner"), "\(gbk.stderr)")
        #expect(gbk.stderr.contains("U+20000"), "\(gbk.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before)
        // The same data goes to a GeoPackage (no such limits) and the store is unchanged by all of it.
        let gpkg = try Self.landreg(["export", "parcels", "-o", "out.gpkg"], dir, store)
        #expect(gpkg.status == 0, "\(gpkg.stderr)")
    }

    @Test func formulaLookingTextsStayTextInXLSXAndAreQuotedInCSV() throws {
        let (dir, store) = try Self.sampleStore()
        for args in [["export", "sites", "-o", "sites.xlsx"], ["export", "sites", "-o", "sites.csv"]] {
            let r = try Self.landreg(args + ["--as-of", "2026-06-30"], dir, store)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        let csvReport = try Self.landreg(
            ["report", "utilisation", "--format", "csv", "--as-of", "2026-06-30"], dir, store)
        #expect(csvReport.status == 0, "\(csvReport.stderr)")
        try csvReport.stdout.write(toFile: dir + "/report.csv", atomically: true, encoding: .utf8)
        let x = try Self.landreg(
            ["report", "utilisation", "--format", "xlsx", "-o", "u.xlsx", "--as-of", "2026-06-30"], dir, store)
        #expect(x.status == 0, "\(x.stderr)")
        let check = try CLI.python(
            """
            import csv, json, sys, openpyxl
            d, formula, minus = sys.argv[1], sys.argv[2], sys.argv[3]
            out = {}
            ws = openpyxl.load_workbook(d + "/sites.xlsx").worksheets[0]
            head = [c.value for c in ws[1]]
            col = head.index("holder_name")
            cells = {r[0].value: r[col] for r in ws.iter_rows(min_row=2)}
            out["export_xlsx"] = [(cells[c].value, cells[c].data_type) for c in ("EC-001", "EC-002")]
            with open(d + "/sites.csv", encoding="utf-8-sig", newline="") as f:
                rows = {r["code"]: r for r in csv.DictReader(f)}
            out["export_csv"] = [rows["EC-001"]["holder_name"], rows["EC-002"]["holder_name"]]
            with open(d + "/report.csv", encoding="utf-8", newline="") as f:
                rows = {r["site"]: r for r in csv.DictReader(f)}
            out["report_csv"] = [rows["EC-001"]["holder"], rows["EC-002"]["holder"]]
            wb = openpyxl.load_workbook(d + "/u.xlsx")
            sites = {r[0].value: r[1] for r in wb["按地块"].iter_rows(min_row=2)}
            out["report_xlsx"] = [(sites[c].value, sites[c].data_type) for c in ("EC-001", "EC-002")]
            names = [r[1] for r in wb["企业亩均效益"].iter_rows(min_row=2)]
            out["report_xlsx_enterprises"] = sorted((c.value, c.data_type) for c in names if c.value in (formula, minus))
            print(json.dumps(out, ensure_ascii=False))
            """, [dir, Self.formulaName, Self.minusName])
        #expect(check.status == 0, "\(check.stderr)")
        let r = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: [Any]] ?? [:]
        let f = Self.formulaName, m = Self.minusName
        // xlsx: string cells (openpyxl data_type "s"), the text verbatim.
        #expect(r["export_xlsx"]?.map { "\($0)" } == ["\([f, "s"])", "\([m, "s"])"], "\(r)")
        #expect(r["report_xlsx"]?.map { "\($0)" } == ["\([f, "s"])", "\([m, "s"])"], "\(r)")
        #expect(r["report_xlsx_enterprises"]?.map { "\($0)" } == ["\([m, "s"])", "\([f, "s"])"], "\(r)")
        // CSV: a leading single quote, so Excel shows the text.
        #expect(r["export_csv"] as? [String] == ["'" + f, "'" + m], "\(r)")
        #expect(r["report_csv"] as? [String] == ["'" + f, "'" + m], "\(r)")
    }

    @Test func badExportArgumentsAreRefused() throws {
        let (dir, store) = try Self.sampleStore()
        let shp = try Self.landreg(["export", "parcels", "-o", "parcels.shp"], dir, store)
        #expect(shp.status == 1)
        #expect(shp.stderr.contains("a Shapefile is several files"), "\(shp.stderr)")
        let kml = try Self.landreg(["export", "parcels", "-o", "p.kml", "--crs", "EPSG:4549"], dir, store)
        #expect(kml.status == 1)
        #expect(kml.stderr.contains("KML holds EPSG:4326"), "\(kml.stderr)")
        let enc = try Self.landreg(["export", "parcels", "-o", "p.gpkg", "--encoding", "gbk"], dir, store)
        #expect(enc.status != 0)
        #expect(enc.stderr.contains("--encoding applies to Shapefiles"), "\(enc.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.kml"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.gpkg"))
    }
    /// Parcels' kept properties of every kind through the GeoPackage and UTF-8 Shapefile exports (which read the
    /// table's columns straight from SQLite): the same types, widths, order and values as the schema rule says.
    @Test func keptPropertiesKeepTheirTypesWidthsAndOrderInGeoPackageAndShapefile() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/d.gpkg"
        let ring =
            "[[518990.675,3341448.775],[519015.699,3341439.014],[519028.431,3341505.794],[518990.675,3341448.775]]"
        let rows = [
            #"{"code":"K-1","n":3,"x":1.5,"d":"2024-02-29","ok":true,"note":"水田"}"#,
            #"{"code":"K-2","n":4,"x":2,"d":"2024-03-01","ok":false,"note":"旱地旱地","later":"y"}"#,
            #"{"code":"K-3","n":null,"d":null,"mix":"a"}"#, #"{"code":"K-4","mix":7,"noday":"2023-02-29"}"#
        ]
        let features = rows.map {
            #"{"type":"Feature","properties":\#($0),"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#
        }
        let geojson =
            #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
            + features.joined(separator: ",") + "]}"
        try geojson.write(toFile: dir + "/k.geojson", atomically: true, encoding: .utf8)
        for args in [["init"], ["import", "parcels", dir + "/k.geojson"]] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        for out in [["-o", "k.gpkg"], ["-o", "k-shp", "--format", "shp"]] {
            let r = try Self.landreg(["export", "parcels"] + out, dir, store)
            #expect(r.status == 0, "\(out): \(r.stderr)")
        }
        let script = """
            import json, sys
            from osgeo import ogr
            ogr.UseExceptions()
            out = {}
            for path in sys.argv[1:]:
                ds = ogr.Open(path)
                layer = ds.GetLayer(0)
                d = layer.GetLayerDefn()
                fields = [(d.GetFieldDefn(i).GetName(), ogr.GetFieldTypeName(d.GetFieldDefn(i).GetType()),
                           ogr.GetFieldSubTypeName(d.GetFieldDefn(i).GetSubType()), d.GetFieldDefn(i).GetWidth())
                          for i in range(d.GetFieldCount())]
                text = lambda v: str(int(v)) if isinstance(v, bool) else str(v)
                values = [[text(f.GetField(i)) if f.IsFieldSetAndNotNull(i) else None for i in range(d.GetFieldCount())]
                          for f in layer]
                out[path.rsplit("/", 1)[-1]] = {"fields": fields, "values": values}
            print(json.dumps(out))
            """
        let r = try CLI.gdalPython(["-c", script, dir + "/k.gpkg", dir + "/k-shp"])
        #expect(r.status == 0, "\(r.stderr)")
        let dump = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]] ?? [:]
        for (file, kept) in [("k.gpkg", 10), ("k-shp", 10)] {
            let fields = (dump[file]?["fields"] as? [[Any]] ?? []).dropFirst(kept).map { $0.map { "\($0)" } }
            let shp = file == "k-shp"
            // Kept keys after the columns, in order of first appearance; n Integer64, x Real (one value has a
            // fraction), d Date, ok Boolean, texts String (a Shapefile's width the widest text in UTF-8 bytes),
            // mix (text and number) String, noday (2023-02-29, no day of the calendar) String.
            #expect(
                fields.map { $0[0] } == ["n", "x", "d", "ok", "note", "later", "mix", "noday"], "\(file): \(fields)")
            #expect(
                fields.map { $0[1] } == [
                    "Integer64", "Real", "Date", "Integer", "String", "String", "String", "String"
                ],
                "\(file): \(fields)")
            // GDAL reads a .dbf's logical field back as an Integer without the subtype.
            if !shp { #expect(fields[3][2] == "Boolean", "\(file): \(fields)") }
            if shp { #expect(fields[4][3] == "12" && fields[5][3] == "1" && fields[6][3] == "1", "\(file): \(fields)") }
            let values = (dump[file]?["values"] as? [[Any]] ?? []).map {
                Array($0.dropFirst(kept)).map { $0 as? String }
            }
            #expect(values.count == 4)
            if values.count == 4 {
                #expect(values[0] == ["3", "1.5", "2024/02/29", "1", "水田", nil, nil, nil], "\(file): \(values)")
                #expect(values[1][0...5] == ["4", "2.0", "2024/03/01", "0", "旱地旱地", "y"], "\(file): \(values)")
                #expect(values[2][6] == "a" && values[3][6] == "7", "\(file): \(values)")
                #expect(values[3][7] == "2023-02-29", "\(file): \(values)")
            }
        }
    }
}
