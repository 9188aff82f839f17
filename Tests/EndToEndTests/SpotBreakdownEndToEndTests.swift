import Foundation
import Testing

/// The spot overlay table (land classes, red line, urban boundary) and approvals with their coverage, through the
/// built binary on the sample district: every figure against shapely (planar) and pyproj's Geod (ellipsoidal).
@Suite("Spot breakdown and approvals end to end", .serialized)
struct SpotBreakdownEndToEndTests {
    static let built: Result<String, Error> = Result { try buildSampleStore() }

    /// Parcels, every zone kind the breakdown uses, the sample approvals, then both spot batches.
    static func buildSampleStore() throws -> String {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/district.gpkg"
        func ok(_ args: [String]) throws {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        try ok(["init"])
        try ok(["import", "parcels", CLI.geoData + "/parcels.geojson", "--profile", "sandiao"])
        for kind in ["village", "basic-farmland", "eco-redline", "urban-boundary"] {
            try ok(["import", "zones", CLI.geoData + "/zones-\(kind).geojson", "--kind", kind])
        }
        try ok(["import", "approvals", CLI.geoData + "/approvals.geojson", "--kind", "farmland-conversion"])
        for batch in ["2023-07", "2024-01"] {
            try ok(["import", "spots", CLI.geoData + "/spots-\(batch).geojson", "--batch", batch])
        }
        return store
    }

    static func sampleStore() throws -> (dir: String, store: String) {
        try SpotsEndToEndTests.copy(of: try built.get())
    }

    /// Independent figures per spot: the 三大类 class of each parcel by the longest prefix in the seed CSV, shapely
    /// intersections and unions, pyproj's Geod on CGCS2000 for the ellipsoidal areas. argv: GeoData, seeds CSV,
    /// parcels GeoJSON, the spots export (GeoJSON, store CRS). Prints the worst differences and counts.
    static let shapelyScript = #"""
        import csv, json, sys
        from shapely.geometry import shape
        from shapely.ops import unary_union, transform
        from pyproj import Geod, Transformer
        geo, seeds, parcels_file, export = sys.argv[1:5]
        classes = {(r["system"], r["code"]): r["class"] for r in csv.DictReader(open(seeds, encoding="utf-8"))}
        def land_class(code):
            for n in range(len(code), 0, -1):
                if ("gb21010", code[:n]) in classes: return classes[("gb21010", code[:n])]
            return None
        by_class = {}
        for f in json.load(open(parcels_file))["features"]:
            c = land_class(f["properties"]["DLBM"])
            if c: by_class.setdefault(c, []).append(shape(f["geometry"]))
        unions = {c: unary_union(gs) for c, gs in by_class.items()}
        def zone(kind):
            return unary_union([shape(f["geometry"]) for f in json.load(open(geo + "/zones-" + kind + ".geojson"))["features"]])
        basic, red, boundary = zone("basic-farmland"), zone("eco-redline"), zone("urban-boundary")
        approvals = [(f["properties"]["doc_number"], f["properties"]["approval_date"], shape(f["geometry"]))
                     for f in json.load(open(geo + "/approvals.geojson"))["features"]]
        geod = Geod(a=6378137.0, f=1/298.257222101)
        to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
        def ell(g):
            return abs(geod.geometry_area_perimeter(transform(to_ll.transform, g))[0]) if not g.is_empty else 0.0
        MU = 10000 / 15
        ours = {f["properties"]["code"]: f["properties"] for f in json.load(open(export))["features"]}
        worst = {"planar": 0.0, "ellipsoidal": 0.0, "mu": 0.0, "coverage": 0.0, "sum": 0.0}
        counts = {"n": 0, "doc_mismatch": 0, "with_red": 0, "outside": 0, "covered": 0, "partly": 0,
                  "agricultural": 0, "construction": 0}
        def diff(key, a, b):
            worst[key] = max(worst[key], abs(a - b) / max(abs(b), 1.0))
        for batch in ("2023-07", "2024-01"):
            for f in json.load(open(geo + "/spots-" + batch + ".geojson"))["features"]:
                p = f["properties"]; s = ours[p["code"]]; g = shape(f["geometry"])
                area = ell(g)
                expected = {}
                for c in ("farmland", "agricultural", "construction", "unused"):
                    expected[c] = g.intersection(unions[c]) if c in unions else g.intersection(g.buffer(-1e9))
                expected["basic_farmland"] = g.intersection(basic)
                expected["eco_redline"] = g.intersection(red)
                for key, piece in expected.items():
                    diff("planar", s[key + "_planar_area_m2"], piece.area)
                    diff("ellipsoidal", s[key + "_area_m2"], ell(piece))
                    diff("mu", s[key + "_area_mu"], ell(piece) / MU)
                inside = g.intersection(boundary)
                diff("ellipsoidal", s["outside_urban_boundary_area_m2"], area - ell(inside))
                diff("mu", s["outside_urban_boundary_area_mu"], (area - ell(inside)) / MU)
                classes_sum = sum(s[c + "_area_m2"] for c in ("farmland", "agricultural", "construction", "unused"))
                diff("sum", classes_sum, area)
                dated = [(d, a) for d, day, a in approvals if day <= p["detected_date"] and g.intersection(a).area > 0]
                covered = unary_union([a for _, a in dated]).intersection(g) if dated else None
                coverage = ell(covered) / area if covered is not None else 0.0
                worst["coverage"] = max(worst["coverage"], abs(s["approval_coverage"] - coverage))
                counts["doc_mismatch"] += sorted(d for d, _ in dated) != s["approval_documents"]
                counts["n"] += 1
                counts["with_red"] += expected["eco_redline"].area > 0
                counts["outside"] += area - ell(inside) > 1
                counts["covered"] += coverage > 0.999
                counts["partly"] += 0.01 < coverage < 0.99
                counts["agricultural"] += expected["agricultural"].area > 0
                counts["construction"] += expected["construction"].area > 0
        print(json.dumps({**counts, **worst}))
        """#

    @Test func everyClassRedLineBoundaryAndCoverageAgreeWithShapelyInSquareMetresAndMu() throws {
        let (dir, store) = try Self.sampleStore()
        let export = dir + "/spots-export.geojson"
        let e = try CLI.landreg(
            ["export", "spots", "--crs", "EPSG:4549", "-o", export, "--store", store], in: dir)
        #expect(e.status == 0, "\(e.stderr)")
        // The planar figures are in `spots list --json`; the export carries m² and 亩. Merge both into the export.
        let list = try CLI.landreg(["spots", "list", "--json", "--store", store], in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        let merge = try CLI.python(
            #"""
            import json, sys
            ex = json.load(open(sys.argv[1])); ls = {s["code"]: s for s in json.loads(sys.argv[2])}
            for f in ex["features"]:
                s = ls[f["properties"]["code"]]
                for k, v in s.items():
                    if k.endswith("_planar_area_m2"): f["properties"][k] = v
            json.dump(ex, open(sys.argv[1], "w"))
            """#, [export, list.stdout])
        #expect(merge.status == 0, "\(merge.stderr)")
        let r = try CLI.python(
            Self.shapelyScript,
            [
                CLI.geoData, CLI.repo.appendingPathComponent("seeds/landuse-three-classes.csv").path,
                CLI.geoData + "/parcels.geojson", export
            ])
        #expect(r.status == 0, "\(r.stderr)")
        print("breakdown vs shapely/pyproj: \(r.stdout)")
        let v = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Double] ?? [:]
        #expect(v["n"] == 60, "\(r.stdout)")
        #expect(v["doc_mismatch"] == 0, "\(r.stdout)")
        // The sample exercises every figure: classes beyond farmland, the red line, the boundary, full and partial
        // approval coverage.
        for key in ["with_red", "outside", "covered", "partly", "agricultural", "construction"] {
            #expect((v[key] ?? 0) >= 1, "\(key): \(r.stdout)")
        }
        #expect((v["planar"] ?? 1) < 1e-9, "\(r.stdout)")
        #expect((v["ellipsoidal"] ?? 1) < 1e-6, "\(r.stdout)")
        #expect((v["mu"] ?? 1) < 1e-6, "\(r.stdout)")
        #expect((v["coverage"] ?? 1) < 1e-9, "\(r.stdout)")
        // total = Σ classes: the sample's parcels tile the district, so every spot adds up (within 0.1 %).
        #expect((v["sum"] ?? 1) < 1e-3, "\(r.stdout)")
        let check = try CLI.landreg(["check", "--store", store], in: dir)
        #expect(check.status == 0 && check.stdout.contains("ok   spots: 0 of 60 live spots"), "\(check.stdout)")
    }

    static func json(_ r: CLI.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func aLegalVerdictBelowTheCoverageIsRefusedWithTheFigureUnlessTheApprovalIsGiven() throws {
        let (dir, store) = try Self.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        func snapshot(_ code: String) throws -> String {
            try landreg(["spots", "show", code, "--json"]).stdout + landreg(["spots", "history", code, "--json"]).stdout
        }
        // Partly covered: refused, naming the figure (from the stored coverage) and the document found.
        let partly = "JC2023-07-0018"
        let shown = try Self.json(try landreg(["spots", "show", partly, "--json"]))
        let coverage = shown["approval_coverage"] as? Double ?? -1
        let documents = shown["approval_documents"] as? [String] ?? []
        #expect(coverage > 0 && coverage < 0.8 && documents.count == 1, "\(shown)")
        let before = try snapshot(partly)
        let refused = try landreg(["spots", "verify", partly, "--judgement", "legal"])
        #expect(refused.status == 1, "\(refused.stderr)")
        let percent = String(format: "%.1f %%", coverage * 100)
        #expect(
            refused.stderr.contains(
                "spot \(partly) is reported; a legal judgement needs approvals covering at least 80.0 %")
                && refused.stderr.contains("they cover \(percent)") && refused.stderr.contains(documents[0])
                && refused.stderr.contains("nothing was changed"), "\(refused.stderr)")
        #expect(try snapshot(partly) == before)
        // A lower --min-coverage than the figure lets it through; a higher one does not.
        let higher = try landreg([
            "spots", "verify", partly, "--judgement", "legal", "--min-coverage", String(coverage + 0.01)
        ])
        #expect(higher.status == 1)
        // With --approval the verdict is recorded and the document is in the event.
        let accepted = try landreg([
            "spots", "verify", partly, "--judgement", "legal", "--approval", documents[0], "--json"
        ])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let history = try landreg(["spots", "history", partly, "--json"])
        #expect(
            history.stdout.contains("\"approval_doc\":\"\(documents[0])\"") || history.stdout.contains(documents[0]))
        // An approval dated after the detection does not count.
        let late = "JC2023-07-0024"
        let lateShown = try Self.json(try landreg(["spots", "show", late, "--json"]))
        #expect(lateShown["approval_coverage"] as? Double == 0, "\(lateShown)")
        let lateRefused = try landreg(["spots", "verify", late, "--judgement", "legal"])
        #expect(lateRefused.status == 1 && lateRefused.stderr.contains("they cover 0.0 %"), "\(lateRefused.stderr)")
        #expect(lateRefused.stderr.contains("no approval dated on or before its detection"), "\(lateRefused.stderr)")
        // Fully covered: accepted without --approval.
        let full = try landreg(["spots", "verify", "JC2023-07-0006", "--judgement", "legal"])
        #expect(full.status == 0, "\(full.stderr)")
        // The report lists the legal spot below the threshold as a review risk, and not the covered one.
        let report = try Self.json(try landreg(["report", "rectification", "--format", "json"]))
        let risk = ((report["breakdown"] as? [String: Any])?["review_risk"] as? [[String: Any]] ?? []).compactMap {
            $0["code"] as? String
        }
        #expect(risk == [partly], "\(risk)")
    }

    @Test func recomputeAfterAParcelChangeWritesEventsAndNewFiguresAndNothingWhenUnchanged() throws {
        let (dir, store) = try Self.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        // The farmland parcel under most of one spot becomes industrial land (0601) in a re-survey.
        let spot = "JC2023-07-0001"
        let picked = try CLI.python(
            #"""
            import json, sys
            from shapely.geometry import shape
            geo, code, out = sys.argv[1:4]
            s = next(shape(f["geometry"]) for f in json.load(open(geo + "/spots-2023-07.geojson"))["features"]
                     if f["properties"]["code"] == code)
            doc = json.load(open(geo + "/parcels.geojson"))
            farm = [f for f in doc["features"] if f["properties"]["DLBM"] in ("0101", "0102", "0103")]
            f = max(farm, key=lambda f: shape(f["geometry"]).intersection(s).area)
            moved = shape(f["geometry"]).intersection(s).area
            f["properties"]["DLBM"] = "0601"
            doc["features"] = [f]
            json.dump(doc, open(out, "w"), ensure_ascii=False)
            print(moved)
            """#, [CLI.geoData, spot, dir + "/resurvey.geojson"])
        #expect(picked.status == 0, "\(picked.stderr)")
        let moved = Double(picked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(moved > 1)
        let before = try Self.json(try landreg(["spots", "show", spot, "--json"]))
        let imported = try landreg([
            "import", "parcels", dir + "/resurvey.geojson", "--profile", "sandiao", "--replace"
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let r = try landreg(["spots", "recompute", "--batch", "2023-07", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Self.json(r)
        let changed = report["changed"] as? [[String: Any]] ?? []
        #expect(report["spots"] as? Int == 30)
        #expect(changed.contains { $0["code"] as? String == spot }, "\(r.stdout)")
        let after = try Self.json(try landreg(["spots", "show", spot, "--json"]))
        func planar(_ d: [String: Any], _ k: String) -> Double { d[k + "_planar_area_m2"] as? Double ?? .nan }
        #expect(abs(planar(before, "farmland") - planar(after, "farmland") - moved) < 1e-6, "\(before) \(after)")
        #expect(abs(planar(after, "construction") - planar(before, "construction") - moved) < 1e-6)
        let history = try landreg(["spots", "history", spot, "--json"])
        #expect(history.stdout.contains("\"recompute\""), "\(history.stdout)")
        // All batches: only the other batch's spots can still change (--batch 2023-07 left them as they were) …
        let all = try Self.json(try landreg(["spots", "recompute", "--json"]))
        let codes = (all["changed"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.allSatisfy { $0.hasPrefix("JC2024-01") } && all["spots"] as? Int == 60, "\(all)")
        // … and measured again with nothing changed: no change, no event.
        let events = try landreg(["spots", "history", spot, "--json"]).stdout
        let again = try Self.json(try landreg(["spots", "recompute", "--json"]))
        #expect((again["changed"] as? [Any])?.isEmpty == true && again["spots"] as? Int == 60, "\(again)")
        #expect(try landreg(["spots", "history", spot, "--json"]).stdout == events)
        // A recompute is not a lifecycle step: a step dated before it (field work recorded late) is still accepted.
        let late = try landreg(["spots", "verify", spot, "--judgement", "illegal", "--on", "2023-08-01"])
        #expect(late.status == 0, "\(late.stderr)")
        // A batch without spots is refused.
        let none = try landreg(["spots", "recompute", "--batch", "1999-01"])
        #expect(none.status == 1 && none.stderr.contains("no live spots in batch 1999-01"), "\(none.stderr)")
    }

    @Test func checkAndTheReportListASpotWhoseParcelsLeaveAGap() throws {
        let (dir, store) = try Self.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        // A spot straddling the district's western edge: part of it lies over no parcel.
        let made = try CLI.python(
            #"""
            import json, sys
            from shapely.geometry import shape, box, mapping
            from shapely.ops import unary_union
            geo, out = sys.argv[1:3]
            d = unary_union([shape(f["geometry"]) for f in json.load(open(geo + "/parcels.geojson"))["features"]])
            minx, miny, maxx, maxy = d.bounds
            y = (miny + maxy) / 2
            g = box(minx - 20, y - 20, minx + 20, y + 20)
            json.dump({"type": "FeatureCollection",
                       "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
                       "features": [{"type": "Feature", "properties": {"code": "GAP-1", "detected_date": "2024-05-01"},
                                     "geometry": mapping(g)}]}, open(out, "w"))
            print(g.area - g.intersection(d).area)
            """#, [CLI.geoData, dir + "/gap.geojson"])
        #expect(made.status == 0, "\(made.stderr)")
        let gap = Double(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(gap > 100)
        let imported = try landreg(["import", "spots", dir + "/gap.geojson", "--batch", "2024-05"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let check = try landreg(["check"])
        #expect(check.status == 1, "\(check.stdout)")
        #expect(check.stdout.contains("FAIL spots: 1 of 61 live spots"), "\(check.stdout)")
        #expect(check.stdout.contains("GAP-1 (batch 2024-05)"), "\(check.stdout)")
        let checkJSON = try Self.json(try landreg(["check", "--json"]))
        let gaps = (checkJSON["spot_gaps"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(gaps.count == 1, "\(checkJSON)")
        // The gap is the planar gap less the ellipsoidal/planar scale: within 0.1 % of shapely's figure.
        let gapM2 = gaps.first?["gap_m2"] as? Double ?? 0
        #expect(abs(gapM2 - gap) / gap < 1e-3, "\(gapM2) vs \(gap)")
        let report = try Self.json(try landreg(["report", "rectification", "--format", "json"]))
        let flagged = ((report["breakdown"] as? [String: Any])?["gaps"] as? [[String: Any]] ?? []).compactMap {
            $0["code"] as? String
        }
        #expect(flagged == ["GAP-1"])
    }

    @Test func badApprovalsInputExitsNamingTheFileAndFeatureAndLeavesTheStoreUnchanged() throws {
        let (dir, store) = try Self.sampleStore()
        func landreg(_ args: [String]) throws -> CLI.Result { try CLI.landreg(args + ["--store", store], in: dir) }
        func approvals() throws -> String {
            let out = dir + "/approvals-\(UUID().uuidString).geojson"
            let r = try landreg(["export", "approvals", "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            return try String(contentsOfFile: out, encoding: .utf8)
        }
        let before = try approvals()
        let spotsBefore = try landreg(["spots", "list", "--json"]).stdout
        // Feature 1 has no approval date.
        let file = dir + "/bad-approvals.geojson"
        try #"""
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
         "features": [
          {"type": "Feature", "properties": {"PZWH": "浙土字〔2024〕1号", "PZRQ": "2024-01-02"},
           "geometry": {"type": "Polygon", "coordinates": [[[519000, 3341500], [519100, 3341500], [519100, 3341600], [519000, 3341500]]]}},
          {"type": "Feature", "properties": {"PZWH": "浙土字〔2024〕2号"},
           "geometry": {"type": "Polygon", "coordinates": [[[519200, 3341500], [519300, 3341500], [519300, 3341600], [519200, 3341500]]]}}
         ]}
        """#.write(toFile: file, atomically: true, encoding: .utf8)
        let map = ["--map", "doc_number=PZWH", "--map", "approval_date=PZRQ"]
        let missing = try landreg(["import", "approvals", file, "--kind", "land-supply"] + map)
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(
            missing.stderr.contains(file) && missing.stderr.contains("feature 1")
                && missing.stderr.contains("浙土字〔2024〕2号 has no approval date"), "\(missing.stderr)")
        // An unknown --kind is refused before anything is read.
        let kind = try landreg(["import", "approvals", file, "--kind", "planning-permit"] + map)
        #expect(kind.status != 0 && kind.stderr.contains("planning-permit"), "\(kind.stderr)")
        #expect(try approvals() == before)
        #expect(try landreg(["spots", "list", "--json"]).stdout == spotsBefore)
        // The good feature alone, mapped by --map, with --dry-run first: nothing written, then written.
        let good = dir + "/good-approvals.geojson"
        try #"""
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
         "features": [
          {"type": "Feature", "properties": {"PZWH": "浙土字〔2024〕1号", "PZRQ": "2024-01-02"},
           "geometry": {"type": "Polygon", "coordinates": [[[519000, 3341500], [519100, 3341500], [519100, 3341600], [519000, 3341500]]]}}
         ]}
        """#.write(toFile: good, atomically: true, encoding: .utf8)
        let dry = try landreg(["import", "approvals", good, "--kind", "land-supply", "--dry-run"] + map)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try approvals() == before)
        let ok = try landreg(["import", "approvals", good, "--kind", "land-supply"] + map)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try approvals().contains("浙土字〔2024〕1号"))
        // The store stays a valid GeoPackage with the approvals layer.
        let info = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-so", store, "approvals"], in: dir)
        #expect(info.stdout.contains("Feature Count: 9"), "\(info.stdout)")
    }
}
