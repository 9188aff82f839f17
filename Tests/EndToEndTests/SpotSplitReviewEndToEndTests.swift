import Foundation
import Testing

/// Split spots (拆分) and the review chain through the built binary, on the sample district in GeoData/.
@Suite("Spot split and review chain end to end", .serialized)
struct SpotSplitReviewEndToEndTests {
    /// Cuts a spot of the store in two at the middle of its extent (shapely), writes the children as GeoJSON in
    /// EPSG:4549, spoiled as `mode` says (outside: child 2 moved 2 m east; overlap: child 1 reaches 1.5 m past the
    /// cut; gap: child 1 stops 1.5 m short), and prints shapely's outside, overlap and gap areas and the children's
    /// planar areas.
    static let cutScript = """
        import json, sys
        from osgeo import ogr
        from shapely import wkb, box
        from shapely.affinity import translate
        store, code, out, mode = sys.argv[1:5]
        source = ogr.Open(store)  # kept: GDAL's Python objects crash when what owns them is collected
        layer = source.GetLayerByName("spots")
        layer.SetAttributeFilter("code = '%s' AND retired_at IS NULL" % code)
        feature = layer.GetNextFeature()  # kept too, for its geometry
        g = wkb.loads(bytes(feature.GetGeometryRef().ExportToWkb()))
        x0, y0, x1, y1 = g.bounds
        mid = (x0 + x1) / 2
        a = g.intersection(box(x0 - 1, y0 - 1, mid + (1.5 if mode == "overlap" else -1.5 if mode == "gap" else 0), y1 + 1))
        b = g.intersection(box(mid, y0 - 1, x1 + 1, y1 + 1))
        if mode == "outside":
            b = translate(b, 2.0, 0)
        features = [{"type": "Feature", "properties": {}, "geometry": p.__geo_interface__} for p in (a, b)]
        json.dump({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
                   "features": features}, open(out, "w"))
        print(json.dumps({"outside": b.difference(g).area, "overlap": a.intersection(b).area,
                          "gap": g.difference(a.union(b)).area, "a": a.area, "b": b.area}))
        """

    /// Every spots row and every event, as sqlite3 reads them: what a refused step must leave unchanged.
    static func dump(_ store: String) throws -> String {
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for t in ("spots", "events"):
                for row in db.execute("SELECT * FROM %s ORDER BY 1" % t): print(row)
            """, store
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    static func figure(_ text: String, after label: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    @Test func splitIsRefusedWithShapelysFiguresThenSplitsAndTheReportCountsByTheNationalRule() throws {
        let (dir, store) = try SpotsEndToEndTests.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        let code = "JC2024-01-0002"
        func cut(_ mode: String) throws -> (file: String, figures: [String: Double]) {
            let file = dir + "/\(mode).geojson"
            let r = try CLI.python(Self.cutScript, [store, code, file, mode])
            #expect(r.status == 0, "\(r.stderr)")
            return (file, try JSONDecoder().decode([String: Double].self, from: Data(r.stdout.utf8)))
        }
        let before = try Self.dump(store)
        for (mode, label) in [
            ("outside", "child 2 (\(code)_2) lies "),
            ("overlap", "child 1 (\(code)_1) and child 2 (\(code)_2) overlap by "),
            ("gap", "the children leave ")
        ] {
            let (file, figures) = try cut(mode)
            let r = try landreg(["spots", "split", code, "--into", file])
            #expect(r.status == 1 && r.stdout.isEmpty, "\(mode): \(r.stdout)")
            #expect(r.stderr.hasPrefix("Error: spot \(code) cannot be split into \(file): "), "\(r.stderr)")
            let shown = try #require(Self.figure(r.stderr, after: label), "\(r.stderr)")
            #expect(abs(shown - figures[mode]!) < 0.005, "\(mode): \(r.stderr) vs \(figures)")
            #expect(r.stderr.contains("nothing was changed"))
            #expect(try Self.dump(store) == before)
        }

        let (file, figures) = try cut("exact")
        let split = try landreg(["spots", "split", code, "--into", file, "--on", "2024-09-01"])
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.hasPrefix("spot \(code): split, reported → split"), "\(split.stdout)")
        for (suffix, key) in [("_1", "a"), ("_2", "b")] {
            let show = try landreg(["spots", "show", code + suffix, "--json"])
            let child = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
            #expect(child["parent_code"] as? String == code && child["status"] as? String == "reported")
            let planar = try #require(child["planar_area_m2"] as? Double)
            #expect(abs(planar - figures[key]!) < 1e-6, "\(planar) vs \(figures)")
        }
        let shown = try landreg(["spots", "show", code]).stdout
        #expect(shown.contains("status            split") && shown.contains("children          \(code)_1, \(code)_2"))
        #expect(try landreg(["spots", "show", code + "_1"]).stdout.contains("split from        \(code)"))
        let list = try landreg(["spots", "list", "--batch", "2024-01"]).stdout
        let row = list.split(separator: "\n").first { $0.hasPrefix(code + "_2 ") }?.split(separator: " ").map(
            String.init)
        #expect(row?.prefix(4) == [code + "_2", "2024-01", "reported", code], "\(list)")

        // The export carries the link both ways.
        #expect(try landreg(["export", "spots", "-o", dir + "/spots.geojson"]).status == 0)
        let exported = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/spots.geojson")))
        let features = (exported as? [String: Any])?["features"] as? [[String: Any]] ?? []
        let props = Dictionary(
            features.compactMap { ($0["properties"] as? [String: Any]).map { ($0["code"] as? String ?? "", $0) } },
            uniquingKeysWith: { a, _ in a })
        #expect(props[code]?["children"] as? [String] == [code + "_1", code + "_2"])
        #expect(props[code + "_1"]?["parent_code"] as? String == code)

        // The counting rule, computed from the store by sqlite3: issued = no parent; verified = not split, judged.
        let counted = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys, json
            db = sqlite3.connect(sys.argv[1])
            one = lambda q: db.execute(q).fetchone()[0]
            print(json.dumps({"issued": one("SELECT count(*) FROM spots WHERE parent_code IS NULL"),
                              "verified": one("SELECT count(*) FROM spots WHERE status <> 'split' AND judgement IS NOT NULL"),
                              "spots": one("SELECT count(*) FROM spots")}))
            """, store
        ])
        let expected = try JSONDecoder().decode([String: Int].self, from: Data(counted.stdout.utf8))
        #expect(expected["issued"] == 60 && expected["spots"] == 62)
        let report = try landreg(["report", "rectification", "--format", "json"])
        let total = try #require(
            (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["total"]
                as? [String: Any])
        #expect(total["issued_spots"] as? Int == expected["issued"])
        #expect(total["verified_spots"] as? Int == expected["verified"])
        #expect(total["spots"] as? Int == expected["spots"])
        let text = try landreg(["report", "rectification"]).stdout
        #expect(text.contains("Split spots (拆分): 1") && text.contains("\(code)_1 \(code)_2"), "\(text)")
    }

    @Test func theReviewChainLevelByLevelAReturnAResubmissionAndTheReportsRates() throws {
        let (dir, store) = try SpotsEndToEndTests.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        #expect(try landreg(["import", "spot-updates", CLI.geoData + "/spot-updates.csv"]).status == 0)
        let rectified = try landreg(["spots", "list", "--status", "rectified", "--json"])
        let codes = (try JSONSerialization.jsonObject(with: Data(rectified.stdout.utf8)) as? [[String: Any]] ?? [])
            .compactMap { $0["code"] as? String }
        #expect(codes.count >= 2, "\(rectified.stdout)")
        let (a, b) = (codes[0], codes[1])
        func ok(_ args: [String]) throws {
            let r = try landreg(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        func refused(_ args: [String], _ expected: String) throws {
            let before = try Self.dump(store)
            let r = try landreg(args)
            #expect(r.status == 1 && r.stderr.contains(expected), "\(args): \(r.stderr)")
            #expect(r.stderr.contains("nothing was changed"))
            #expect(try Self.dump(store) == before)
        }
        try refused(
            ["spots", "review", a, "--level", "county", "--pass", "--on", "2025-01-02"],
            "spot \(a) is rectified; review needs a spot that is submitted")
        try refused(["spots", "close", a, "--on", "2025-01-02"], "spot \(a) is rectified; close needs a spot that is")
        try ok(["spots", "submit", a, "--on", "2025-01-02"])
        try refused(
            ["spots", "review", a, "--level", "province", "--pass", "--on", "2025-01-03"],
            "spot \(a) is submitted and has passed no level yet; review at province needs the county review first")
        try ok(["spots", "review", a, "--level", "county", "--pass", "--on", "2025-01-05"])
        try ok([
            "spots", "review", a, "--level", "city", "--return", "图斑内仍有建筑", "--remaining", "30", "--on", "2025-01-08"
        ])
        let back = try landreg(["spots", "show", a, "--json"]).stdout
        let returned = try JSONSerialization.jsonObject(with: Data(back.utf8)) as? [String: Any] ?? [:]
        #expect(returned["status"] as? String == "rectifying" && returned["remaining_m2"] as? Double == 30, "\(back)")
        #expect(returned["review_level"] == nil || returned["review_level"] is NSNull)
        try ok(["spots", "progress", a, "--remaining", "0", "--on", "2025-02-01"])
        try ok(["spots", "complete", a, "--on", "2025-02-02"])
        try ok(["spots", "submit", a, "--on", "2025-02-03"])
        try refused(
            ["spots", "review", a, "--level", "city", "--pass", "--on", "2025-02-04"], "needs the county review first")
        for level in ["county", "city", "province"] {
            try ok(["spots", "review", a, "--level", level, "--pass", "--on", "2025-02-10"])
        }
        #expect(
            try landreg(["spots", "show", a]).stdout.contains(
                "status            reviewed, review passed up to province"))
        try ok(["spots", "close", a, "--doc", "销号〔2025〕30号", "--on", "2025-02-20"])
        try ok(["spots", "submit", b, "--on", "2025-01-02"])
        try ok(["spots", "review", b, "--level", "county", "--return", "资料不全", "--on", "2025-01-04"])
        // A closed spot cannot be split.
        let cut = dir + "/any.geojson"
        try "{\"type\":\"FeatureCollection\",\"features\":[]}".write(toFile: cut, atomically: true, encoding: .utf8)
        try refused(
            ["spots", "split", a, "--into", cut],
            "spot \(a) is closed; split needs a spot that is reported, verifying, legal, other, illegal, rectifying or rectified"
        )

        // The rates, counted independently from the events table.
        let counted = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys, json
            db = sqlite3.connect(sys.argv[1])
            one = lambda q: db.execute(q).fetchone()[0]
            print(json.dumps({
              "submitted": one("SELECT count(*) FROM events WHERE entity = 'spot' AND action = 'submit'"),
              "returned": one("SELECT count(*) FROM events WHERE entity = 'spot' AND action = 'review' AND details LIKE '%\\"outcome\\":\\"return\\"%'"),
              "issued": one("SELECT count(*) FROM spots WHERE parent_code IS NULL"),
              "verified": one("SELECT count(*) FROM spots WHERE status <> 'split' AND judgement IS NOT NULL"),
              "rectified": one("SELECT count(*) FROM spots WHERE judgement = 'illegal' AND status IN ('reviewed', 'closed')"),
              "illegal": one("SELECT count(*) FROM spots WHERE judgement = 'illegal' AND status <> 'split'")}))
            """, store
        ])
        #expect(counted.status == 0, "\(counted.stderr)")
        let e = try JSONDecoder().decode([String: Int].self, from: Data(counted.stdout.utf8))
        // spot-updates.csv submits 3 spots (passed); here 3 submissions and 2 returns more.
        #expect(e["submitted"] == 6 && e["returned"] == 2, "\(e)")
        let report = try landreg(["report", "rectification", "--format", "json"])
        let total = try #require(
            (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["total"]
                as? [String: Any])
        #expect(total["submissions"] as? Int == e["submitted"] && total["returns"] as? Int == e["returned"])
        let errorRate = try #require(total["error_rate"] as? Double)
        #expect(abs(errorRate - Double(e["returned"]!) / Double(e["submitted"]!)) < 1e-12)
        let fillRate = try #require(total["fill_rate"] as? Double)
        #expect(abs(fillRate - Double(e["verified"]!) / Double(e["issued"]!)) < 1e-12)
        #expect(total["rectified_spots"] as? Int == e["rectified"] && total["illegal_spots"] as? Int == e["illegal"])
        let text = try landreg(["report", "rectification"]).stdout
        #expect(text.contains("error rate") && text.contains("fill rate"))

        // The xlsx report has the same figures in its new columns.
        let xlsx = dir + "/rect.xlsx"
        #expect(try landreg(["report", "rectification", "--format", "xlsx", "-o", xlsx]).status == 0)
        let sheet = try CLI.python(
            """
            import openpyxl, sys, json
            ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
            rows = [[c.value for c in r] for r in ws.iter_rows()]
            header = next(r for r in rows if "差错率" in r)
            total = next(r for r in rows if r[0] == "合计")
            print(json.dumps({h: total[i] for i, h in enumerate(header) if h in ("报审（次）", "打回（次）", "差错率", "填报率")}))
            """, [xlsx])
        #expect(sheet.status == 0, "\(sheet.stderr)")
        let cells = try JSONSerialization.jsonObject(with: Data(sheet.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((cells["报审（次）"] as? NSNumber)?.intValue == e["submitted"], "\(sheet.stdout)")
        #expect((cells["打回（次）"] as? NSNumber)?.intValue == e["returned"], "\(sheet.stdout)")
        #expect(abs(((cells["差错率"] as? NSNumber)?.doubleValue ?? -1) - errorRate) < 1e-9, "\(sheet.stdout)")
    }

    @Test func anOfficeWhoseProvinceSkipsTheCityLevelEditsTheSeedTable() throws {
        let dir = CLI.temporaryDirectory()
        let seeds = dir + "/seeds"
        try FileManager.default.copyItem(atPath: CLI.repo.appendingPathComponent("seeds").path, toPath: seeds)
        try "code,name_zh,order\ncounty,县级审核,1\nprovince,省级审核,2\n".write(
            toFile: seeds + "/review-levels.csv", atomically: true, encoding: .utf8)
        let store = dir + "/two.gpkg"
        func landreg(_ args: [String]) throws -> CLI.Result {
            try CLI.landreg(args + ["--store", store], in: dir, environment: ["LANDREG_SEEDS": seeds])
        }
        func ok(_ args: [String]) throws {
            let r = try landreg(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        try ok(["init"])
        try ok(["import", "spots", CLI.geoData + "/spots-2024-01.geojson", "--batch", "2024-01"])
        let code = "JC2024-01-0005"
        try ok(["spots", "verify", code, "--judgement", "illegal", "--on", "2024-02-01"])
        try ok([
            "spots", "rectify", code, "--measure", "demolish-restore", "--deadline", "2024-12-31", "--on", "2024-02-02"
        ])
        try ok(["spots", "progress", code, "--remaining", "0", "--on", "2024-05-01"])
        try ok(["spots", "complete", code, "--on", "2024-05-02"])
        try ok(["spots", "submit", code, "--on", "2024-05-03"])
        try ok(["spots", "review", code, "--level", "county", "--pass", "--on", "2024-05-10"])
        let city = try landreg(["spots", "review", code, "--level", "city", "--pass", "--on", "2024-05-11"])
        #expect(city.status == 1)
        #expect(city.stderr.contains(#"review level "city" is not in the store's review chain (county → province)"#))
        let province = try landreg(["spots", "review", code, "--level", "province", "--pass", "--on", "2024-05-12"])
        #expect(province.stdout.contains("submitted → reviewed"), "\(province.stdout)\(province.stderr)")
    }
}
