import Foundation
import Testing

/// Never lose a record: backups while others write, the health check, many writers. (SIGKILLs: KillTests.)
@Suite("Safety end to end", .serialized)
struct SafetyTests {
    /// A FeatureCollection (EPSG:4549) of `count` adjacent 20 m squares with codes PREFIX-0 … (a tiling: no overlaps).
    static func grid(_ count: Int, prefix: String, x0: Double = 560_000, y0: Double = 3_350_000) -> String {
        let columns = 200
        var features: [String] = []
        features.reserveCapacity(count)
        for i in 0..<count {
            let x = x0 + Double(i % columns) * 20, y = y0 + Double(i / columns) * 20
            features.append(
                #"{"type":"Feature","properties":{"code":"\#(prefix)-\#(i)","land_use":"0101","owner":"grid"},"geometry":{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + 20),\#(y)],[\#(x + 20),\#(y + 20)],[\#(x),\#(y + 20)],[\#(x),\#(y)]]]}}"#
            )
        }
        return
            #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
            + "\n" + features.joined(separator: ",\n") + "\n]}\n"
    }

    /// Runs SQL on a store with Debian's python (sqlite3 module); returns stdout lines.
    static func sql(_ store: String, _ query: String) throws -> [String] {
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for row in db.execute(sys.argv[2]): print("|".join(str(v) for v in row))
            """, store, query
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    static func validateGPKG(_ store: String) throws -> CLI.Result {
        try CLI.gdalPython(["/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", store])
    }

    static func checkJSON(_ store: String, _ extra: [String] = [], in dir: String) throws -> (CLI.Result, [String: Any])
    {
        let r = try CLI.landreg(["check", "--json", "--store", store] + extra, in: dir)
        let json = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
        return (r, json)
    }

    static func launch(_ arguments: [String], in dir: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.environment = ProcessInfo.processInfo.environment.merging(["LANDREG_ACTOR": "e2e"]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    // MARK: backup

    @Test("backup copies a consistent store while another process imports, and never overwrites")
    func backupWhileImporting() throws {
        let (dir, store) = try ParcelRegistryEndToEndTests.sampleStore()
        let big = dir + "/grid.geojson"
        try Self.grid(5_000, prefix: "G").write(toFile: big, atomically: true, encoding: .utf8)
        let importer = try Self.launch(["import", "parcels", big, "--quiet", "--store", store], in: dir)
        var copies: [(path: String, duringImport: Bool)] = []
        while importer.isRunning || copies.count < 2 {
            let copy = dir + "/copy-\(copies.count).gpkg"
            let wasRunning = importer.isRunning
            let r = try CLI.landreg(["backup", "-o", copy, "--store", store], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("copied") && r.stdout.contains("parcels"), "\(r.stdout)")
            copies.append((copy, wasRunning && importer.isRunning))
            if copies.count > 40 { break }
        }
        importer.waitUntilExit()
        #expect(importer.terminationStatus == 0)
        #expect(copies.contains { $0.duringImport }, "no backup was taken while the import ran")
        for (copy, _) in copies {
            let (check, report) = try Self.checkJSON(copy, ["--quick"], in: dir)
            #expect(check.status == 0 && report["ok"] as? Bool == true, "\(copy): \(check.stdout)")
            let grid = try Self.sql(copy, "SELECT count(*) FROM parcels WHERE code LIKE 'G-%'").first
            #expect(grid == "0" || grid == "5000", "\(copy) holds \(grid ?? "?") of the import's 5000 parcels")
            #expect(try Self.sql(copy, "SELECT count(*) FROM parcels WHERE code NOT LIKE 'G-%'").first == "400")
            #expect(try Self.sql(copy, "PRAGMA journal_mode").first == "delete")
        }
        let last = try #require(copies.last?.path)
        #expect(try Self.validateGPKG(last).status == 0)
        // The destination exists: refused, and the file is left as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: last))
        let again = try CLI.landreg(["backup", "-o", last, "--store", store], in: dir)
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: last)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".partial-") }.isEmpty)
    }

    // MARK: check

    @Test("check passes a sound store, with GDAL's validator too")
    func checkPassesASoundStore() throws {
        let (dir, store) = try ParcelRegistryEndToEndTests.sampleStore()
        let (r, report) = try Self.checkJSON(store, ["--gdal"], in: dir)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(report["ok"] as? Bool == true)
        let checked = report["checked"] as? [String: Any]
        #expect((checked?["geometries"] as? [String: Int])?["parcels"] == 400)
        #expect(
            (checked?["candidate_pairs"] as? Int ?? 0) > 400, "neighbours' boxes meet: \(String(describing: checked))")
        #expect((checked?["parcels_with_registered_area"] as? Int) == 400)
        #expect(((report["geopackage"] as? [String: Any])?["gdal"] as? [String: Any])?["ran"] as? Bool == true)
        let text = try CLI.landreg(["check", "--store", store], in: dir)
        #expect(text.status == 0 && text.stdout.contains("the store is sound"), "\(text.stdout)")
    }

    @Test("check reports invalid geometry, area mismatch, overlap, orphan event and a broken spatial index")
    func checkFindsEachProblem() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/sick.gpkg"
        #expect(try CLI.landreg(["init", "--store", store], in: dir).status == 0)
        func square(_ code: String, _ x: Double, _ extra: String = "") -> String {
            #"{"type":"Feature","properties":{"code":"\#(code)","land_use":"0101"\#(extra)},"geometry":{"type":"Polygon","coordinates":[[[\#(x),3340000],[\#(x + 100),3340000],[\#(x + 100),3340100],[\#(x),3340100],[\#(x),3340000]]]}}"#
        }
        let file = dir + "/sick.geojson"
        try
            (#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
            + [
                square("AREA", 520_000, #","registered_area_m2":5000"#), square("OVER-A", 521_000),
                square("OVER-B", 521_050),
                square("BOW", 522_000), square("FINE", 523_000, #","registered_area_m2":10000.4"#)
            ].joined(separator: ",")
            + "]}").write(toFile: file, atomically: true, encoding: .utf8)
        let imp = try CLI.landreg(["import", "parcels", file, "--quiet", "--store", store], in: dir)
        #expect(imp.status == 0, "\(imp.stderr)")
        let (clean, _) = try Self.checkJSON(store, in: dir)
        #expect(clean.status == 1, "the overlap and the area are wrong already")

        // Damage the store behind landreg's back, as another tool could: a bow-tie geometry (GeoPackage blob
        // written by hand, R*Tree kept right), an event about a parcel that does not exist, an R*Tree row lost.
        let damage = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, struct, sys
            db = sqlite3.connect(sys.argv[1])
            ring = [(522000, 3340000), (522100, 3340100), (522100, 3340000), (522000, 3340100), (522000, 3340000)]
            xs = [p[0] for p in ring]; ys = [p[1] for p in ring]
            wkb = struct.pack("<BII", 1, 6, 1) + struct.pack("<BII", 1, 3, 1) + struct.pack("<I", len(ring)) + b"".join(struct.pack("<dd", *p) for p in ring)
            blob = b"GP" + bytes([0, 0b0000011]) + struct.pack("<i", 4549) + struct.pack("<dddd", min(xs), max(xs), min(ys), max(ys)) + wkb
            for name in ("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
                db.create_function(name, 1, lambda b, n=name: {"ST_MinX": min(xs), "ST_MaxX": max(xs), "ST_MinY": min(ys), "ST_MaxY": max(ys)}[n])
            db.create_function("ST_IsEmpty", 1, lambda b: 0)
            db.execute("UPDATE parcels SET geom = ? WHERE code = 'BOW'", (blob,))
            db.execute("INSERT INTO events (recorded_at, effective_date, actor, entity, entity_id, entity_code, action) VALUES ('2026-01-01T00:00:00Z', '2026-01-01', 'mallory', 'parcel', 999999, 'GHOST', 'verify')")
            db.execute("DELETE FROM rtree_parcels_geom WHERE id = (SELECT fid FROM parcels WHERE code = 'FINE')")
            db.commit()
            """, store
        ])
        #expect(damage.status == 0, "\(damage.stderr)")

        let (r, report) = try Self.checkJSON(store, in: dir)
        #expect(r.status == 1)
        #expect(report["ok"] as? Bool == false)
        func items(_ key: String) -> [[String: Any]] {
            ((report[key] as? [String: Any])?["items"] as? [[String: Any]]) ?? []
        }
        let invalid = items("invalid_geometries")
        #expect(invalid.count == 1 && invalid.first?["code"] as? String == "BOW", "\(invalid)")
        #expect((invalid.first?["reason"] as? String)?.contains("Self-intersection") == true)
        #expect(abs((invalid.first?["x"] as? Double ?? 0) - 522_050) < 1e-6)
        let areas = items("area_mismatches")
        #expect(areas.count == 1 && areas.first?["code"] as? String == "AREA", "\(areas)")
        #expect(abs((areas.first?["registered_area_m2"] as? Double ?? 0) - 5000) < 1e-9)
        // 100 m × 100 m in EPSG:4549 near the central meridian: the ellipsoidal area is within 0.2 % of 10,000 m².
        #expect(abs((areas.first?["computed_area_m2"] as? Double ?? 0) - 10_000) < 20)
        #expect(abs((areas.first?["tolerance_m2"] as? Double ?? 0) - 25) < 1e-9, "0.5 % of 5000 m²")
        let overlaps = items("overlaps")
        #expect(overlaps.count == 1, "\(overlaps)")
        #expect(
            Set([overlaps.first?["code_a"] as? String, overlaps.first?["code_b"] as? String]) == ["OVER-A", "OVER-B"])
        #expect(abs((overlaps.first?["overlap_area_m2"] as? Double ?? 0) - 5000) < 1e-6)
        let orphans = items("orphan_events")
        #expect(orphans.count == 1 && orphans.first?["entity_id"] as? Int == 999_999, "\(orphans)")
        let gpkg = (report["geopackage"] as? [String: Any])?["problems"] as? [String] ?? []
        #expect(gpkg.contains { $0.contains("spatial index of parcels holds 4 rows for 5") }, "\(gpkg)")
        #expect((report["integrity"] as? [String: Any])?["ok"] as? Bool == true)

        // A tolerance wide enough for AREA leaves the other findings.
        let (wide, wideReport) = try Self.checkJSON(store, ["--tolerance-m2", "6000"], in: dir)
        #expect(wide.status == 1)
        #expect((wideReport["area_mismatches"] as? [String: Any])?["count"] as? Int == 0)
        let text = try CLI.landreg(["check", "--store", store], in: dir)
        #expect(
            text.status == 1 && text.stdout.contains("PROBLEMS FOUND") && text.stdout.contains("OVER-A ∩ OVER-B"),
            "\(text.stdout)")
    }

    // MARK: concurrency

    /// 8 writer processes at once. The suite runs 8 × 5 landreg processes (each start costs ~0.25 s of CPU in a
    /// debug build); tools/concurrency-test.sh runs the full 8 × 50 and LandRegistryTests/ConcurrentWriteTests
    /// 8 connections × 50 status changes in one process.
    @Test("8 processes writing to one store at once all succeed, and the audit log holds exactly one event per write")
    func concurrentWriters() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/busy.gpkg"
        #expect(try CLI.landreg(["init", "--store", store], in: dir).status == 0)
        // One spot per writer; each write is a status change of that spot (one transaction, one event).
        let writers = 8, writes = 5
        let features = (0..<writers).map { w -> String in
            let x = 580_000 + Double(w) * 30, y = 3_360_000.0
            return
                #"{"type":"Feature","properties":{"code":"W\#(w)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + 20),\#(y)],[\#(x + 20),\#(y + 20)],[\#(x),\#(y + 20)],[\#(x),\#(y)]]]}}"#
        }
        try
            (#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
            + features.joined(separator: ",") + "]}").write(
                toFile: dir + "/spots.geojson", atomically: true, encoding: .utf8)
        #expect(
            try CLI.landreg(["import", "spots", "spots.geojson", "--batch", "concurrency", "--store", store], in: dir)
                .status == 0)
        let eventsBefore = Int(try Self.sql(store, "SELECT count(*) FROM events").first ?? "") ?? -1
        // Each writer is a shell running its landreg processes one after the other; the 8 shells run at once.
        var shells: [Process] = []
        for w in 0..<writers {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = [
                "-c",
                """
                failed=0
                for i in $(seq 0 \(writes - 1)); do
                  case $i in
                    0) set -- verify W\(w) --judgement illegal --on 2026-01-05 ;;
                    1) set -- rectify W\(w) --measure demolish-restore --deadline 2026-12-31 --on 2026-01-06 ;;
                    *) set -- progress W\(w) --recultivated $i --on 2026-01-07 ;;
                  esac
                  "$LANDREG" spots "$@" --store busy.gpkg >/dev/null 2>>"w\(w).err" || failed=$((failed+1))
                done
                exit $failed
                """
            ]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.environment = ProcessInfo.processInfo.environment.merging([
                "LANDREG": CLI.binary, "LANDREG_ACTOR": "writer-\(w)"
            ]) { $1 }
            try p.run()
            shells.append(p)
        }
        for p in shells { p.waitUntilExit() }
        for (w, p) in shells.enumerated() {
            let err = (try? String(contentsOfFile: dir + "/w\(w).err", encoding: .utf8)) ?? ""
            #expect(p.terminationStatus == 0, "writer \(w): \(p.terminationStatus) failed imports: \(err.prefix(2000))")
        }
        let eventsAfter = Int(try Self.sql(store, "SELECT count(*) FROM events").first ?? "") ?? -1
        #expect(eventsAfter - eventsBefore == writers * writes)
        let perActor = try Self.sql(
            store,
            "SELECT actor, count(*) FROM events WHERE entity = 'spot' AND actor LIKE 'writer-%' GROUP BY actor ORDER BY actor"
        )
        #expect(perActor == (0..<writers).map { "writer-\($0)|\(writes)" })
        #expect(try Self.sql(store, "SELECT count(*) FROM spots WHERE status = 'rectifying'").first == "\(writers)")
        let (check, report) = try Self.checkJSON(store, [], in: dir)
        #expect(check.status == 0 && report["ok"] as? Bool == true, "\(check.stdout)")
    }
}
