import Foundation
import Testing

/// Violation spots through the built binary, on the sample district in GeoData/.
@Suite("Violation spots end to end", .serialized)
struct SpotsEndToEndTests {
    /// A fresh copy of a store with the sample parcels, village and basic-farmland zones and both spot batches
    /// (built once per test run: it takes a few seconds).
    static func sampleStore() throws -> (dir: String, store: String) { try copy(of: try built.get()) }

    /// A copy of the store at `base` (and its WAL) in a new temporary folder, as district.gpkg.
    static func copy(of base: String) throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: base + suffix) {
            try FileManager.default.copyItem(atPath: base + suffix, toPath: dir + "/district.gpkg" + suffix)
        }
        return (dir, dir + "/district.gpkg")
    }

    static let built: Result<String, Error> = Result { try buildSampleStore() }

    static func buildSampleStore() throws -> String {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/district.gpkg"
        func ok(_ args: [String]) throws {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        try ok(["init"])
        try ok(["import", "parcels", CLI.geoData + "/parcels.geojson", "--profile", "sandiao"])
        for kind in ["village", "basic-farmland"] {
            try ok(["import", "zones", CLI.geoData + "/zones-\(kind).geojson", "--kind", kind])
        }
        for batch in ["2023-07", "2024-01"] {
            try ok(["import", "spots", CLI.geoData + "/spots-\(batch).geojson", "--batch", batch])
        }
        return store
    }

    @Test func farmlandAndBasicFarmlandAgreeWithShapelyAndGeographicLib() throws {
        let (dir, store) = try Self.sampleStore()
        let list = try CLI.landreg(["spots", "list", "--json", "--store", store], in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        let listFile = dir + "/spots.json"
        try list.stdout.write(toFile: listFile, atomically: true, encoding: .utf8)
        // Independent computation: shapely for planar areas (spot ∩ union of farmland parcels / basic-farmland zones),
        // pyproj's Geod (GeographicLib) on the CGCS2000 ellipsoid for the geodesic areas of the same intersections.
        let script = """
            import json, sys
            from shapely.geometry import shape
            from shapely.ops import unary_union, transform
            from pyproj import Geod, Transformer
            geo = sys.argv[1]
            ours = {s["code"]: s for s in json.load(open(sys.argv[2]))}
            farm = unary_union([shape(f["geometry"]) for f in json.load(open(geo + "/parcels.geojson"))["features"]
                                if f["properties"]["DLBM"] in ("0101", "0102", "0103")])
            zones = [(f["properties"]["code"], shape(f["geometry"]), kind)
                     for kind in ("village", "basic-farmland")
                     for f in json.load(open(geo + "/zones-" + kind + ".geojson"))["features"]]
            basic = unary_union([g for _, g, k in zones if k == "basic-farmland"])
            geod = Geod(a=6378137.0, f=1/298.257222101)
            to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
            def geodesic(g):
                return abs(geod.geometry_area_perimeter(transform(to_ll.transform, g))[0]) if not g.is_empty else 0.0
            def rel(a, b):
                return abs(a - b) / b if b > 0 else abs(a - b)
            worst = {"planar": 0.0, "ellipsoidal": 0.0, "farm": 0.0, "farm_ell": 0.0, "basic": 0.0, "basic_ell": 0.0}
            n = zone_mismatch = with_farm = with_basic = 0
            for batch in ("2023-07", "2024-01"):
                for f in json.load(open(geo + "/spots-" + batch + ".geojson"))["features"]:
                    s = ours[f["properties"]["code"]]
                    g = shape(f["geometry"])
                    fi, bi = g.intersection(farm), g.intersection(basic)
                    worst["planar"] = max(worst["planar"], rel(s["planar_area_m2"], g.area))
                    worst["ellipsoidal"] = max(worst["ellipsoidal"], rel(s["ellipsoidal_area_m2"], geodesic(g)))
                    worst["farm"] = max(worst["farm"], rel(s["farmland_planar_area_m2"], fi.area))
                    worst["farm_ell"] = max(worst["farm_ell"], rel(s["farmland_area_m2"], geodesic(fi)))
                    worst["basic"] = max(worst["basic"], rel(s["basic_farmland_planar_area_m2"], bi.area))
                    worst["basic_ell"] = max(worst["basic_ell"], rel(s["basic_farmland_area_m2"], geodesic(bi)))
                    expected = sorted(c for c, z, _ in zones if g.intersection(z).area > 0)
                    zone_mismatch += expected != s["zone_codes"]
                    with_farm += fi.area > 0
                    with_basic += bi.area > 0
                    n += 1
            print(json.dumps({"n": n, "zone_mismatch": zone_mismatch, "with_farm": with_farm, "with_basic": with_basic, **worst}))
            """
        let r = try CLI.python(script, [CLI.geoData, listFile])
        #expect(r.status == 0, "\(r.stderr)")
        print("spots vs shapely/pyproj: \(r.stdout)")
        let result = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Double] ?? [:]
        #expect(result["n"] == 60, "\(r.stdout)")
        #expect(result["zone_mismatch"] == 0, "\(r.stdout)")
        // The sample data must exercise the overlay: most spots are over farmland, many over basic farmland.
        #expect((result["with_farm"] ?? 0) >= 30 && (result["with_basic"] ?? 0) >= 15, "\(r.stdout)")
        for key in ["planar", "farm", "basic"] { #expect((result[key] ?? 1) < 1e-9, "\(key): \(r.stdout)") }
        for key in ["ellipsoidal", "farm_ell", "basic_ell"] {
            #expect((result[key] ?? 1) < 1e-6, "\(key): \(r.stdout)")
        }

        // The store stays a valid GeoPackage with the spots layer and its R*Tree.
        let v = try CLI.gdalPython([
            "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", store
        ])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        let info = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-so", store, "spots"], in: dir)
        #expect(info.stdout.contains("Feature Count: 60"), "\(info.stdout)")
    }

    @Test func demoImportsTheSpotBatchesAppliesTheFieldWorkAndPrintsTheRectificationReport() throws {
        let dir = CLI.temporaryDirectory()
        let r = try CLI.landreg(["demo", "--store", dir + "/demo.gpkg"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.contains("imported 30 spots of batch 2023-07")
                && r.stdout.contains("imported 30 spots of batch 2024-01"))
        #expect(r.stdout.contains("applied 139 lifecycle steps"))
        #expect(r.stdout.contains("Rectification of violation spots as of"))
        #expect(r.stdout.contains("Overdue (illegal or rectifying past the deadline): "))
    }

    @Test func lifecycleFromTheCommandLineWithARefusedStep() throws {
        let (dir, store) = try Self.sampleStore()
        let code = "JC2023-07-0004"
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        func snapshot() throws -> String {
            try landreg(["spots", "show", code, "--json"]).stdout + landreg(["spots", "history", code, "--json"]).stdout
        }
        let before = try snapshot()
        let refused = try landreg([
            "spots", "rectify", code, "--measure", "demolish-restore", "--deadline", "2024-06-30"
        ])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("Error: spot \(code) is reported; rectify needs a spot that is illegal"),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was changed"))
        #expect(refused.stdout.isEmpty)
        #expect(try snapshot() == before)
        let badDate = try landreg(["spots", "rectify", code, "--measure", "other", "--deadline", "2024-02-30"])
        #expect(
            badDate.status == 64 && badDate.stderr.contains("'2024-02-30' is invalid for '--deadline <YYYY-MM-DD>'"))

        let steps: [[String]] = [
            ["verify", code, "--judgement", "illegal", "--basis", "未批先建", "--on", "2023-08-20", "--actor", "李娜"],
            ["rectify", code, "--measure", "demolish-restore", "--deadline", "2023-12-31", "--on", "2023-09-01"],
            ["progress", code, "--restored", "300", "--recultivated", "250", "--remaining", "0", "--on", "2023-12-01"],
            ["complete", code, "--on", "2023-12-02"],
            ["reopen", code, "--reason", "复核未通过", "--remaining", "50", "--on", "2024-01-10"]
        ]
        for step in steps {
            let r = try landreg(["spots"] + step)
            #expect(r.status == 0, "\(step): \(r.stderr)")
        }
        let overdue = try landreg(["spots", "list", "--overdue", "--as-of", "2024-01-01", "--json"])
        let codes = (try JSONSerialization.jsonObject(with: Data(overdue.stdout.utf8)) as? [[String: Any]])?.compactMap
        { $0["code"] as? String }
        #expect(codes == [code], "\(overdue.stdout)")
        let notYet = try landreg(["spots", "list", "--overdue", "--as-of", "2023-12-31", "--json"])
        #expect(
            (try JSONSerialization.jsonObject(with: Data(notYet.stdout.utf8)) as? [Any])?.isEmpty == true,
            "\(notYet.stdout)")
        let history = try landreg(["spots", "history", code])
        #expect(history.status == 0)
        for word in ["import", "verify", "rectify", "progress", "complete", "reopen", "李娜", "复核未通过"] {
            #expect(history.stdout.contains(word), "\(word): \(history.stdout)")
        }
    }

    @Test func bulkUpdatesReportAndExport() throws {
        let (dir, store) = try Self.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        let before = try landreg(["export", "spots", "-o", dir + "/before.geojson", "--as-of", "2024-07-01"])
        #expect(before.status == 0, "\(before.stderr)")

        let bad = dir + "/bad.csv"
        try """
        code,action,judgement,measure,deadline,on
        JC2023-07-0001,verify,illegal,,,2023-08-01
        JC2023-07-0001,close,,,,2023-08-02
        JC2023-07-0002,rectify,,demolish-restore,2023-12-31,2023-08-01
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try landreg(["import", "spot-updates", bad])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("2 bad rows; nothing was applied"), "\(refused.stderr)")
        #expect(refused.stderr.contains("bad.csv:line 3 (JC2023-07-0001): spot JC2023-07-0001 is illegal; close needs"))
        #expect(
            refused.stderr.contains("bad.csv:line 4 (JC2023-07-0002): spot JC2023-07-0002 is reported; rectify needs"))
        #expect(
            try landreg(["spots", "list", "--status", "reported", "--json"]).stdout.components(separatedBy: "\"code\"")
                .count == 61)

        let good = try landreg(["import", "spot-updates", CLI.geoData + "/spot-updates.csv"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasPrefix("applied "))

        let report = try landreg(["report", "rectification", "--as-of", "2024-07-01", "--format", "json"])
        #expect(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect(
            Set(json.keys) == [
                "as_of", "by", "zone_kind", "groups", "total", "overdue", "no_deadline", "splits", "breakdown"
            ])
        let total = try #require(json["total"] as? [String: Any])
        let keys: Set<String> = [
            "group", "name", "spots", "by_status", "monitored_area_m2", "illegal_spots", "illegal_area_m2",
            "illegal_area_mu",
            "illegal_farmland_m2", "illegal_farmland_mu", "illegal_basic_farmland_m2", "illegal_basic_farmland_mu",
            "rectified_spots", "closed_illegal_spots", "remaining_m2", "remaining_mu", "rectification_rate_by_count",
            "rectification_rate_by_area", "close_out_rate", "demolish_restore_farmland_m2", "recultivated_m2",
            "demolish_restore_completion", "overdue_spots", "no_deadline_spots", "issued_spots", "verified_spots",
            "fill_rate", "submissions", "returns", "error_rate"
        ]
        #expect(Set(total.keys) == keys)
        #expect(total["spots"] as? Int == 60)
        let overdue = try #require(json["overdue"] as? [[String: Any]])
        #expect(overdue.count == total["overdue_spots"] as? Int && !overdue.isEmpty)

        // The export carries the same overdue judgement, per spot.
        let export = try landreg(["export", "spots", "-o", dir + "/spots.geojson", "--as-of", "2024-07-01"])
        #expect(export.status == 0, "\(export.stderr)")
        let fc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/spots.geojson")))
                as? [String: Any])
        let features = try #require(fc["features"] as? [[String: Any]])
        #expect(features.count == 60)
        let flagged = features.compactMap { $0["properties"] as? [String: Any] }.filter {
            $0["overdue"] as? Bool == true
        }
        #expect(Set(flagged.compactMap { $0["code"] as? String }) == Set(overdue.compactMap { $0["code"] as? String }))
        let first = try #require(features.first?["properties"] as? [String: Any])
        for key in [
            "status", "judgement", "measure", "deadline", "overdue", "area_m2", "area_mu", "farmland_area_m2",
            "farmland_area_mu", "basic_farmland_area_mu", "remaining_m2", "current_use"
        ] {
            #expect(first.keys.contains(key), "\(key)")
        }

        let byZone = try landreg([
            "report", "rectification", "--by", "zone", "--zone-kind", "basic-farmland", "--as-of", "2024-07-01"
        ])
        #expect(
            byZone.status == 0 && byZone.stdout.contains("JBNT-0001") && byZone.stdout.contains("total"),
            "\(byZone.stderr)")
        let csv = try landreg(["report", "rectification", "--format", "csv", "--as-of", "2024-07-01"])
        #expect(csv.stdout.split(separator: "\n").count == 4, "\(csv.stdout)") // header, two batches, total
    }
}
