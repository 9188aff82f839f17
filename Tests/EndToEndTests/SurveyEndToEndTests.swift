import Foundation
import Testing

/// `import survey` and the three survey reports on the sample district and a second version that
/// tools/survey_version.py plants changes into, every figure against shapely + pyproj computing the same overlay
/// from the two files (not from the store).
@Suite("Survey versions end to end", .serialized)
struct SurveyEndToEndTests {
    static let muPerM2 = 15.0 / 10000

    /// A store with survey 2023 (the sample parcels), the villages and the 2023-07 spots; the 2024 version generated
    /// into the folder. Returns the folder, the store and the 2024 file.
    static func storeWith2023() throws -> (dir: String, store: String, v2024: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/s.gpkg"
        let v2024 = dir + "/parcels-2024.geojson"
        let gen = try CLI.gdalPython([
            CLI.repo.appendingPathComponent("tools/survey_version.py").path, CLI.geoData + "/parcels.geojson",
            CLI.geoData + "/spots-2023-07.geojson", v2024
        ])
        #expect(gen.status == 0, "\(gen.stderr)")
        for args in [
            ["init"], ["import", "survey", CLI.geoData + "/parcels.geojson", "--year", "2023", "--profile", "sandiao"],
            ["import", "zones", CLI.geoData + "/zones-village.geojson", "--kind", "village"],
            ["import", "spots", CLI.geoData + "/spots-2023-07.geojson", "--batch", "2023-07", "--on", "2023-07-31"]
        ] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        return (dir, store, v2024)
    }

    static func json(_ r: CLI.Result) throws -> [String: Any] {
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// Rows of the store's events and imports tables (sqlite3, not landreg).
    static func counts(_ store: String) throws -> String {
        let r = try CLI.python(
            """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print([c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("events", "imports", "parcels", "survey_versions", "parcel_lineage")])
            """, [store])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    /// shapely's overlay of the two files: matrix cells, the diff by code, the ledger and the unreported pieces.
    static let shapelyScript = """
        import json, sys
        from collections import defaultdict
        from shapely.geometry import shape
        from shapely.ops import transform, unary_union
        from shapely.strtree import STRtree
        from pyproj import Geod, Transformer
        old_f, new_f, spots_f, classes_f, villages_f, plan_f, approvals_f = sys.argv[1:8]
        geod = Geod(a=6378137.0, f=1/298.257222101)
        to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
        ell = lambda g: abs(geod.geometry_area_perimeter(transform(to_ll.transform, g))[0]) if not g.is_empty else 0.0
        load = lambda f: [(x["properties"], shape(x["geometry"])) for x in json.load(open(f))["features"]]
        old, new = load(old_f), load(new_f)
        spots = unary_union([g for _, g in load(spots_f)] +
                            [g for p, g in load(approvals_f) if p["approval_date"] <= "2024-12-31"])
        rows = [l.strip().split(",") for l in open(classes_f).read().splitlines()[1:] if l.strip()]
        rows.sort(key=lambda r: -len(r[0]))
        cls = lambda code: next((c for p, c in rows if code.startswith(p)), "unclassified")
        villages = [(p["code"], g) for p, g in load(villages_f)]
        def village(g):
            best = max(villages, key=lambda v: v[1].intersection(g).area)
            return best[0] if best[1].intersection(g).area > 0 else "–"
        by_village = defaultdict(float)
        tree = STRtree([g for _, g in old])
        cells = defaultdict(lambda: [0.0, 0.0])
        out, inn = defaultdict(float), defaultdict(float)
        unreported = {}
        for pb, gb in new:
            for i in tree.query(gb):
                pa, ga = old[i]
                x = ga.intersection(gb)
                if x.area <= 0: continue
                a, b = pa["DLBM"], pb["DLBM"]
                e = ell(x)
                cells[a[:2] + ">" + b[:2]][0] += e; cells[a[:2] + ">" + b[:2]][1] += x.area
                by_village[village(gb) + ":" + a[:2] + ">" + b[:2]] += e
                ca, cb = cls(a), cls(b)
                if ca == "farmland" and cb != "farmland": out[cb] += e
                if ca != "farmland" and cb == "farmland": inn[ca] += e
                if ca == "farmland" and cb == "construction":
                    rest = x.difference(spots)
                    if ell(rest) >= 1: unreported[pb["BSM"]] = unreported.get(pb["BSM"], 0) + ell(rest)
        oldc = {p["BSM"]: (p, g) for p, g in old}
        newc = {p["BSM"]: (p, g) for p, g in new}
        changed = [c for c in newc if c in oldc and (newc[c][0] != oldc[c][0] or newc[c][1].symmetric_difference(oldc[c][1]).area > 0.01)]
        bal = ("garden", "forest", "grassland", "other-agricultural")
        plan = json.load(open(plan_f))
        merged = plan["merge"]
        lineage = {"split": {c: ell(oldc[plan["split"]][1].intersection(newc[c][1])) for c in plan["split-into"]},
                   "merge": {c: ell(oldc[c][1].intersection(newc[merged][1])) for c in (merged, plan["merged-away"])}}
        print(json.dumps({
          "cells": cells, "by_village": by_village, "lineage": lineage,
          "sources": {"spot": len(load(spots_f)),
                      "approval": len([p for p, _ in load(approvals_f) if p["approval_date"] <= "2024-12-31"])},
          "changed": [len(changed), sum(ell(newc[c][1]) for c in changed)],
          "new": [len([c for c in newc if c not in oldc]), sum(ell(newc[c][1]) for c in newc if c not in oldc)],
          "retired": [len([c for c in oldc if c not in newc]), sum(ell(oldc[c][1]) for c in oldc if c not in newc)],
          "unchanged": len([c for c in newc if c in oldc]) - len(changed),
          "out": out, "in": inn, "out_m2": sum(out.values()), "in_m2": sum(inn.values()),
          "owed_m2": max(0, sum(v for k, v in out.items() if k in bal) - sum(v for k, v in inn.items() if k in bal)),
          "unreported": unreported}))
        """

    @Test("survey 2024: the diff, the matrix, the ledger and unreported construction equal shapely's, m² and 亩")
    func figures() throws {
        let (dir, store, v2024) = try Self.storeWith2023()
        let imported = try Self.json(
            try CLI.landreg(
                ["import", "survey", v2024, "--year", "2024", "--profile", "sandiao", "--json", "--store", store],
                in: dir))
        // Approvals over the farmland built on under no spot: the west half dated 2024 (subtracted), the east
        // quarter dated 2025 (after the survey's year end: not subtracted).
        let approvals = dir + "/approvals.geojson"
        let made = try CLI.python(
            """
            import json, sys
            from shapely.geometry import box, mapping, shape
            plan = json.load(open(sys.argv[1]))
            g = next(shape(f["geometry"]) for f in json.load(open(sys.argv[2]))["features"]
                     if f["properties"]["BSM"] == plan["free-farmland"])
            x0, y0, x1, y1 = g.bounds
            parts = [("测试〔2024〕1号", "2024-06-30", box(x0 - 1, y0 - 1, (x0 + x1) / 2, y1 + 1)),
                     ("测试〔2025〕2号", "2025-02-01", box(x0 + 0.75 * (x1 - x0), y0 - 1, x1 + 1, y1 + 1))]
            json.dump({"type": "FeatureCollection",
                       "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
                       "features": [{"type": "Feature", "properties": {"doc_number": d, "approval_date": t},
                                     "geometry": mapping(g.intersection(b))} for d, t, b in parts]},
                      open(sys.argv[3], "w"), ensure_ascii=False)
            """, [dir + "/parcels-2024-plan.json", v2024, approvals])
        #expect(made.status == 0, "\(made.stderr)")
        let approved = try CLI.landreg(
            ["import", "approvals", approvals, "--kind", "farmland-conversion", "--store", store], in: dir)
        #expect(approved.status == 0, "\(approved.stderr)")
        let py = try CLI.python(
            Self.shapelyScript,
            [
                CLI.geoData + "/parcels.geojson", v2024, CLI.geoData + "/spots-2023-07.geojson",
                CLI.repo.appendingPathComponent("seeds/landuse-balance-classes.csv").path,
                CLI.geoData + "/zones-village.geojson", dir + "/parcels-2024-plan.json", approvals
            ])
        #expect(py.status == 0, "\(py.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any])

        // The diff by code.
        let survey = try #require(imported["survey"] as? [String: Any])
        for part in ["changed", "new", "retired"] {
            let ours = try #require(survey[part] as? [String: Any])
            let theirs = try #require(expected[part] as? [Double])
            #expect((ours["parcels"] as? Int) == Int(theirs[0]), "\(part)")
            #expect(abs((ours["ellipsoidal_area_m2"] as? Double ?? -1) - theirs[1]) < 0.01, "\(part)")
        }
        #expect(((survey["unchanged"] as? [String: Any])?["parcels"] as? Int) == expected["unchanged"] as? Int)

        // The transition matrix: every cell, ellipsoidal and planar, and 亩.
        let change = try Self.json(
            try CLI.landreg(
                ["report", "survey-change", "--from", "2023", "--to", "2024", "--format", "json", "--store", store],
                in: dir))
        let cells = try #require(change["cells"] as? [[String: Any]])
        let theirCells = try #require(expected["cells"] as? [String: [Double]])
        #expect(cells.count == theirCells.count)
        for c in cells {
            let key = "\(c["from_class"] as? String ?? "")>\(c["to_class"] as? String ?? "")"
            let theirs = try #require(theirCells[key], "cell \(key)")
            let area = try #require(c["area_m2"] as? Double)
            #expect(abs(area - theirs[0]) < 0.01, "\(key)")
            #expect(abs((c["planar_area_m2"] as? Double ?? -1) - theirs[1]) < 0.01, "\(key)")
            #expect(abs((c["area_mu"] as? Double ?? -1) - theirs[0] * Self.muPerM2) < 0.0001, "\(key)")
        }
        #expect(theirCells.keys.contains("01>02") && theirCells.keys.contains("02>01"), "planted changes are there")
        let theirTotal = theirCells.values.reduce(0) { $0 + $1[0] }

        // By village (the village zone the later parcel overlaps most): every cell.
        let villageCells = try #require(
            try Self.json(
                try CLI.landreg(
                    [
                        "report", "survey-change", "--from", "2023", "--to", "2024", "--by", "village", "--format",
                        "json", "--store", store
                    ], in: dir))["cells"] as? [[String: Any]])
        let theirVillageCells = try #require(expected["by_village"] as? [String: Double])
        #expect(villageCells.count == theirVillageCells.count)
        for c in villageCells {
            let key =
                "\(c["village"] as? String ?? ""):\(c["from_class"] as? String ?? "")>\(c["to_class"] as? String ?? "")"
            #expect(abs((c["area_m2"] as? Double ?? -1) - (theirVillageCells[key] ?? -2)) < 0.01, "\(key)")
        }

        // The same matrix as an office table: its totals row is the overlay's whole area, m² and 亩.
        let xlsx = dir + "/change.xlsx"
        let wrote = try CLI.landreg(
            [
                "report", "survey-change", "--from", "2023", "--to", "2024", "--format", "xlsx", "-o", xlsx,
                "--store", store
            ], in: dir)
        #expect(wrote.status == 0, "\(wrote.stderr)")
        let sheet = try CLI.python(
            """
            import openpyxl, sys
            ws = openpyxl.load_workbook(sys.argv[1]).active
            last = [c.value for c in list(ws.iter_rows())[-1]]
            print(last[0], last[3], last[4], ws.max_row)
            """, [xlsx])
        #expect(sheet.status == 0, "\(sheet.stderr)")
        let totals = sheet.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(totals.first == "合计")
        #expect(abs((Double(totals[1]) ?? -1) - theirTotal) < 0.05)
        #expect(abs((Double(totals[2]) ?? -1) - theirTotal * Self.muPerM2) < 0.0001)

        // Each version reads back whole: --survey 2023 is the first file, --survey 2024 the second.
        for (year, file) in [("2023", CLI.geoData + "/parcels.geojson"), ("2024", v2024)] {
            let listed = try CLI.landreg(["parcels", "list", "--survey", year, "--json", "--store", store], in: dir)
            #expect(listed.status == 0, "\(listed.stderr)")
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
            let features = try #require(
                (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])?[
                    "features"] as? [Any])
            #expect(rows.count == features.count, "survey \(year)")
        }

        // The farmland ledger.
        let ledger = try #require(
            try Self.json(
                try CLI.landreg(
                    ["report", "farmland-balance", "--from", "2023", "--to", "2024", "--json", "--store", store],
                    in: dir))["total"] as? [String: Any])
        for (ours, theirs) in [("out_m2", "out_m2"), ("in_m2", "in_m2"), ("owed_m2", "owed_m2")] {
            #expect(abs((ledger[ours] as? Double ?? -1) - (expected[theirs] as? Double ?? -2)) < 0.01, "\(ours)")
        }
        let net = (expected["in_m2"] as? Double ?? 0) - (expected["out_m2"] as? Double ?? 0)
        #expect(abs((ledger["net_m2"] as? Double ?? -1) - net) < 0.01)
        let theirOut = try #require(expected["out"] as? [String: Double])
        for line in try #require(ledger["out"] as? [[String: Any]]) {
            let c = try #require(line["class"] as? String)
            #expect(abs((line["area_m2"] as? Double ?? -1) - (theirOut[c] ?? -2)) < 0.01, "out to \(c)")
            #expect(abs((line["area_mu"] as? Double ?? -1) - (theirOut[c] ?? -2) * Self.muPerM2) < 0.0001)
        }

        // The ledger as an office table: 流出合计 and 应补 as the JSON has them, in m² and 亩; with villages a second
        // sheet whose village 流出合计 lines add up to the subdistrict's.
        let ledgerBook = dir + "/ledger.xlsx"
        let wroteLedger = try CLI.landreg(
            [
                "report", "farmland-balance", "--from", "2023", "--to", "2024", "--by", "village", "--format", "xlsx",
                "-o", ledgerBook, "--store", store
            ], in: dir)
        #expect(wroteLedger.status == 0, "\(wroteLedger.stderr)")
        let ledgerSheets = try CLI.python(
            """
            import openpyxl, sys
            wb = openpyxl.load_workbook(sys.argv[1])
            print(" ".join(wb.sheetnames))
            def line(ws, direction):
                return [r for r in ws.iter_rows(values_only=True) if r[1] == direction]
            out = line(wb["耕地进出平衡"], "流出合计")[0]
            owed = line(wb["耕地进出平衡"], "应补")[0]
            villages_out = sum(r[3] for r in line(wb["按村"], "流出合计"))
            print(out[3], out[4], owed[3], villages_out)
            """, [ledgerBook])
        #expect(ledgerSheets.status == 0, "\(ledgerSheets.stderr)")
        let ledgerLines = ledgerSheets.stdout.split(separator: "\n").map(String.init)
        #expect(ledgerLines.first == "耕地进出平衡 按村")
        let ledgerFigures = (ledgerLines.last ?? "").split(separator: " ").compactMap { Double($0) }
        let theirOutM2 = expected["out_m2"] as? Double ?? -1
        #expect(ledgerFigures.count == 4)
        if ledgerFigures.count == 4 {
            #expect(abs(ledgerFigures[0] - theirOutM2) < 0.01)
            #expect(abs(ledgerFigures[1] - theirOutM2 * Self.muPerM2) < 0.0001)
            #expect(abs(ledgerFigures[2] - (expected["owed_m2"] as? Double ?? -1)) < 0.01)
            #expect(abs(ledgerFigures[3] - theirOutM2) < 0.01)
        }

        // Unreported construction: the planted polygons and the total.
        let unreported = try Self.json(
            try CLI.landreg(
                ["report", "unreported-construction", "--from", "2023", "--to", "2024", "--json", "--store", store],
                in: dir))
        let theirPolygons = try #require(expected["unreported"] as? [String: Double])
        let polygons = try #require(unreported["polygons"] as? [[String: Any]])
        var ours: [String: Double] = [:]
        for p in polygons {
            let code = try #require((p["later_codes"] as? [String])?.first)
            ours[code, default: 0] += p["area_m2"] as? Double ?? 0
        }
        #expect(Set(ours.keys) == Set(theirPolygons.keys))
        for (code, area) in theirPolygons { #expect(abs((ours[code] ?? -1) - area) < 0.01, "\(code)") }
        let total = theirPolygons.values.reduce(0, +)
        #expect(abs((unreported["total_m2"] as? Double ?? -1) - total) < 0.01)
        #expect(abs((unreported["total_mu"] as? Double ?? -1) - total * Self.muPerM2) < 0.0001)
        let plan = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir + "/parcels-2024-plan.json"))) as? [String: Any])
        let free = try #require(plan["free-farmland"] as? String),
            spotted = try #require(plan["spot-farmland"] as? String)
        #expect(ours[free] != nil, "farmland → construction under no spot is reported")
        #expect(
            (unreported["reported_sources"] as? [String: Int]) == (expected["sources"] as? [String: Int]),
            "the approval dated after the survey's year end does not count")
        let converted = try #require(unreported["converted_m2"] as? Double)
        #expect(converted > total + 1, "the spot over \(spotted) took some away")

        // --min-area keeps the polygons that reach it; a negative one is refused, written either way.
        if let smallest = polygons.compactMap({ $0["area_m2"] as? Double }).min(), polygons.count > 1 {
            let kept = try Self.json(
                try CLI.landreg(
                    [
                        "report", "unreported-construction", "--from", "2023", "--to", "2024", "--min-area",
                        String(smallest + 0.5), "--json", "--store", store
                    ], in: dir))
            #expect((kept["polygons"] as? [Any])?.count == polygons.count - 1)
            #expect(abs((kept["total_m2"] as? Double ?? -1) - (total - smallest)) < 0.01)
        } else {
            Issue.record("the planted version should leave more than one unreported polygon")
        }
        for negative in [["--min-area", "-1"], ["--min-area=-1"]] {
            let refused = try CLI.landreg(
                ["report", "unreported-construction", "--from", "2023", "--to", "2024"] + negative + ["--store", store],
                in: dir)
            #expect(refused.status == 64, "\(negative)")
            #expect(refused.stderr.contains("--min-area must be a non-negative number of m²"), "\(refused.stderr)")
        }

        // The same list as an office table: one row per polygon and the totals row.
        let unreportedBook = dir + "/unreported.xlsx"
        let wroteUnreported = try CLI.landreg(
            [
                "report", "unreported-construction", "--from", "2023", "--to", "2024", "--format", "xlsx", "-o",
                unreportedBook, "--store", store
            ], in: dir)
        #expect(wroteUnreported.status == 0, "\(wroteUnreported.stderr)")
        let unreportedSheet = try CLI.python(
            """
            import openpyxl, sys
            rows = list(openpyxl.load_workbook(sys.argv[1]).active.iter_rows(values_only=True))
            header = rows.index(next(r for r in rows if r[0] == "现图斑编号"))
            body, last = rows[header + 1:-1], rows[-1]
            print(len(body), last[4], last[5], str(last[0]).startswith("合计"))
            """, [unreportedBook])
        #expect(unreportedSheet.status == 0, "\(unreportedSheet.stderr)")
        let unreportedFigures = unreportedSheet.stdout.split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(unreportedFigures.count == 4)
        if unreportedFigures.count == 4 {
            #expect(Int(unreportedFigures[0]) == polygons.count)
            #expect(abs((Double(unreportedFigures[1]) ?? -1) - total) < 0.01)
            #expect(abs((Double(unreportedFigures[2]) ?? -1) - total * Self.muPerM2) < 0.0001)
            #expect(unreportedFigures[3] == "True")
        }

        // The export writes the same polygons.
        let exported = try CLI.landreg(
            [
                "export", "unreported-construction", "--from", "2023", "--to", "2024", "-o", dir + "/u.geojson",
                "--store", store
            ], in: dir)
        #expect(exported.status == 0, "\(exported.stderr)")
        let features = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/u.geojson")))
                as? [String: Any])?["features"] as? [Any])
        #expect(features.count == polygons.count)

        // Lineage: the split parcel's halves came from it, with the area they share.
        let split = try #require(plan["split"] as? String)
        let lineage = try Self.json(try CLI.landreg(["parcels", "lineage", split, "--json", "--store", store], in: dir))
        let successors = try #require(lineage["successors"] as? [[String: Any]])
        let theirLineage = try #require(expected["lineage"] as? [String: [String: Double]])
        let halves = try #require(theirLineage["split"])
        #expect(Set(successors.compactMap { $0["other_code"] as? String }) == Set(halves.keys))
        for l in successors {
            let code = try #require(l["other_code"] as? String)
            #expect(abs((l["shared_area_m2"] as? Double ?? -1) - (halves[code] ?? -2)) < 0.01, "\(code)")
        }
        // The merge: the parcel that kept its code took area from itself and from the one merged away.
        let merged = try #require(plan["merge"] as? String)
        let mergedFrom = try #require(theirLineage["merge"])
        let predecessors = try #require(
            try Self.json(try CLI.landreg(["parcels", "lineage", merged, "--json", "--store", store], in: dir))[
                "predecessors"] as? [[String: Any]])
        #expect(predecessors.count == mergedFrom.count)
        for l in predecessors {
            let code = try #require(l["other_code"] as? String)
            #expect(abs((l["shared_area_m2"] as? Double ?? -1) - (mergedFrom[code] ?? -2)) < 0.01, "\(code)")
        }
    }

    /// The overlay runs on every core; the reports over it, and utilisation's per-holder sums, must not depend on
    /// which thread finished first or on a Dictionary's order (both once changed the last digits between runs).
    @Test("the change reports and utilisation print the same figures, to the last digit, on every run")
    func sameFiguresEveryRun() throws {
        let (dir, store, v2024) = try Self.storeWith2023()
        let r = try CLI.landreg(
            ["import", "survey", v2024, "--year", "2024", "--profile", "sandiao", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for report in [
            ["survey-change", "--from", "2023", "--to", "2024", "--by", "village"],
            ["survey-change", "--from", "2023", "--to", "2024"],
            ["farmland-balance", "--from", "2023", "--to", "2024"],
            ["unreported-construction", "--from", "2023", "--to", "2024"]
        ] {
            let runs = try (0..<4).map { _ in
                try CLI.landreg(["report"] + report + ["--format", "json", "--store", store], in: dir)
            }
            #expect(runs.allSatisfy { $0.status == 0 && !$0.stdout.isEmpty }, "\(report): \(runs.map(\.stderr))")
            #expect(Set(runs.map(\.stdout)).count == 1, "\(report) differs between runs")
        }
        let demo = dir + "/demo.gpkg"
        #expect(try CLI.landreg(["demo", "--store", demo], in: dir).status == 0)
        let utilisation = try (0..<4).map { _ in
            try CLI.landreg(["report", "utilisation", "--format", "json", "--store", demo], in: dir).stdout
        }
        #expect(!utilisation[0].isEmpty && Set(utilisation).count == 1, "utilisation differs between runs")
    }

    @Test("--dry-run and re-importing the same version change nothing; an older year is refused and changes nothing")
    func reimportAndOlder() throws {
        let (dir, store, v2024) = try Self.storeWith2023()
        // --dry-run says what it would do and leaves the store as it was.
        let untouched = try Self.counts(store)
        let dry = try Self.json(
            try CLI.landreg(
                [
                    "import", "survey", v2024, "--year", "2024", "--profile", "sandiao", "--dry-run", "--json",
                    "--store", store
                ],
                in: dir))
        #expect(dry["import_id"] == nil && (dry["dry_run"] as? Bool) == true)
        #expect(((dry["survey"] as? [String: Any])?["retired"] as? [String: Any])?["parcels"] as? Int ?? 0 > 0)
        #expect(try Self.counts(store) == untouched)
        let first = try CLI.landreg(
            ["import", "survey", v2024, "--year", "2024", "--profile", "sandiao", "--store", store], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Self.counts(store)
        let again = try CLI.landreg(
            ["import", "survey", v2024, "--year", "2024", "--profile", "sandiao", "--store", store], in: dir)
        #expect(again.status == 0 && again.stdout.contains("nothing changed"), "\(again.stdout)\(again.stderr)")
        #expect(try Self.counts(store) == before)
        let older = try CLI.landreg(
            ["import", "survey", v2024, "--year", "2022", "--profile", "sandiao", "--store", store], in: dir)
        #expect(older.status == 1)
        #expect(older.stderr.contains("survey 2022 is older than the store's latest version (2024)"), "\(older.stderr)")
        #expect(try Self.counts(store) == before)
    }

    @Test("a file holding one village is refused without --partial, naming how many it would retire")
    func partial() throws {
        let (dir, store, v2024) = try Self.storeWith2023()
        let part = dir + "/one-village.geojson"
        let cut = try CLI.python(
            """
            import json, sys
            d = json.load(open(sys.argv[1]))
            d["features"] = [f for f in d["features"] if f["properties"]["ZLDWMC"] == "湖埠村"]
            json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
            old = [f["properties"]["BSM"] for f in json.load(open(sys.argv[3]))["features"]]
            kept = {f["properties"]["BSM"] for f in d["features"]}
            print(len([c for c in old if c not in kept]), len(old))
            """, [v2024, part, CLI.geoData + "/parcels.geojson"])
        #expect(cut.status == 0, "\(cut.stderr)")
        let n = cut.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let before = try Self.counts(store)
        let refused = try CLI.landreg(
            ["import", "survey", part, "--year", "2024", "--profile", "sandiao", "--store", store], in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("lacks \(n[0]) of the \(n[1]) live parcels"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--partial"))
        #expect(try Self.counts(store) == before)
        let accepted = try Self.json(
            try CLI.landreg(
                [
                    "import", "survey", part, "--year", "2024", "--profile", "sandiao", "--partial", "--json",
                    "--store", store
                ],
                in: dir))
        let retired = try #require((accepted["survey"] as? [String: Any])?["retired"] as? [String: Any])
        #expect((retired["parcels"] as? Int ?? -1) < n[1] / 10, "only what the part overlaps is retired")
    }
}
