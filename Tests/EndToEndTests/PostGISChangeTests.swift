import Foundation
import Testing

/// Imports and the other changes on the PostGIS store: the office's year (init, every import, lifecycle steps,
/// photos, a split, a new survey version) gives the same output and, row for row, the same store as on a GeoPackage;
/// an import is all or nothing there too, even killed while it writes; an office imports into its own subdistrict
/// only; a spot step waits for a change of its subdistrict.
@Suite("PostGIS imports and changes", .serialized)
struct PostGISChangeTests {
    /// The demo's year through the CLI: the survey, zones, enterprises, sites, leases, approvals, two spot batches,
    /// a field team's steps, photos, a recount, the reports, the next survey version and what changed between them
    /// (an overlay of the two versions).
    static func year(_ g: String) -> [[String]] {
        var commands: [[String]] = [
            ["import", "survey", g + "/parcels.geojson", "--year", "2023", "--profile", "sandiao", "--quiet"]
        ]
        for kind in ["basic-farmland", "development-area", "eco-redline", "grid", "urban-boundary", "village"] {
            commands.append(["import", "zones", g + "/zones-\(kind).geojson", "--kind", kind, "--quiet"])
        }
        return commands + [
            ["import", "enterprises", g + "/enterprises.csv"],
            ["import", "enterprise-years", g + "/enterprise-years.csv"],
            ["import", "sites", g + "/sites.geojson", "--quiet"],
            ["import", "tenancies", g + "/tenancies.csv"],
            ["import", "approvals", g + "/approvals.geojson", "--kind", "farmland-conversion", "--quiet"],
            ["import", "spots", g + "/spots-2023-07.geojson", "--batch", "2023-07", "--on", "2023-07-31", "--quiet"],
            ["import", "spots", g + "/spots-2024-01.geojson", "--batch", "2024-01", "--json", "--quiet"],
            ["import", "spot-updates", g + "/spot-updates.csv", "--json"],
            ["spots", "verify", "JC2024-01-0021", "--judgement", "illegal", "--basis", "未批先建", "--on", "2024-02-20"],
            [
                "spots", "rectify", "JC2024-01-0021", "--measure", "demolish-restore", "--deadline", "2024-12-31",
                "--on", "2024-03-01", "--evidence", g + "/README.md"
            ],
            ["spots", "evidence", "add", "JC2023-07-0005", g + "/photos/JC2023-07-0005-field.jpg", "--json"],
            ["spots", "recompute", "--batch", "2023-07"],
            ["sites", "advance", "EC-001", "--to", "assessed", "--on", "2026-03-01"],
            [
                "tenancies", "add", "--site", "EC-005", "--tenant", "91330110078907198A", "--floor-area", "120",
                "--start", "2026-01-01"
            ],
            ["report", "rectification", "--as-of", "2024-07-01", "--format", "md"],
            ["report", "utilisation", "--as-of", "2026-06-30", "--format", "json"],
            ["report", "reclaimable", "--format", "md"],
            ["import", "survey", g + "/parcels-2024.geojson", "--year", "2024", "--profile", "sandiao", "--quiet"],
            ["report", "survey-change", "--from", "2023", "--to", "2024", "--format", "json"],
            ["report", "farmland-balance", "--from", "2023", "--to", "2024", "--format", "md"],
            ["import", "zones", g + "/zones-village.geojson", "--kind", "village", "--replace", "--dry-run", "--quiet"],
            ["spots", "history", "JC2024-01-0021"],
            ["parcels", "list", "--limit", "5"],
            ["tenancies", "list"]
        ]
    }

    /// Every registry table of a GeoPackage, its rows in key order, with the times of day masked (each store
    /// records when it wrote a row), as text.
    static func maskedDump(_ gpkg: String) throws -> String {
        let r = try CLI.gdalPython([
            "-c",
            """
            import re, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            stamp = re.compile(r"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z?")
            def text(v):
                if isinstance(v, bytes): return v.hex()
                return stamp.sub("<time>", v) if isinstance(v, str) else v
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                if name.startswith(("gpkg_", "gpkgext_", "rtree_", "sqlite_", "grdb_")): continue
                for row in db.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                    print(name, repr(tuple(text(v) for v in row)))
            """, gpkg
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    /// The seconds an import took and the times rows were written, which differ from run to run.
    static func maskedTimes(_ text: String) -> String {
        text.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "in <t> s", options: .regularExpression)
            .replacingOccurrences(
                of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?"#, with: "<time>", options: .regularExpression
            )
            .replacingOccurrences(of: #""seconds" : [0-9.e-]+"#, with: #""seconds" : 0"#, options: .regularExpression)
    }

    /// The parcels, imports and events of the whole store, as one line psql prints.
    static let counts = """
        SELECT (SELECT count(*) FROM landreg.parcels) || ' ' || (SELECT count(*) FROM landreg.imports) || ' ' \
        || (SELECT count(*) FROM landreg.events)
        """

    /// `counts` after one parcel import of `parcels` features: one more import and its one event.
    static func counts(_ before: String, afterOneImportOf parcels: Int) -> String {
        let n = before.split(separator: " ").compactMap { Int($0) }
        return "\(n[0] + parcels) \(n[1] + 1) \(n[2] + 1)"
    }

    /// A GeoJSON file of `count` 50 m squares, `perRow` to a row 100 m apart, in EPSG:4528 (CGCS2000 3° zone 40),
    /// of land use 0101 and the codes `codes` gives.
    static func writeSquares(_ count: Int, perRow: Int, to file: String, codes: (Int) -> String) throws {
        let features = (0..<count).map { i -> String in
            let x = 40_520_000 + Double(i % perRow) * 100, y = 3_340_000 + Double(i / perRow) * 100
            return """
                {"type":"Feature","properties":{"code":"\(codes(i))","land_use":"0101"},"geometry":{"type":"Polygon",\
                "coordinates":[[[\(x),\(y)],[\(x + 50),\(y)],[\(x + 50),\(y + 50)],[\(x),\(y + 50)],[\(x),\(y)]]]}}
                """
        }
        try
            (#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4528"}},"features":["#
            + features.joined(separator: ",") + "]}").write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func theOfficesYearGivesTheSameOutputAndTheSameStoreOnPostGIS() throws {
        let pg = try PostgresCluster.shared()
        let db = try pg.freshDatabase()
        let dir = CLI.temporaryDirectory()
        let gpkg = dir + "/office.gpkg", url = pg.url(database: db)
        #expect(try CLI.landreg(["init", "--store", gpkg], in: dir).status == 0)
        let created = try CLI.landreg(["init", "--store", url, "--subdistrict", "330110001"], in: dir)
        #expect(created.status == 0 && created.stdout.contains("created subdistrict 330110001"), "\(created.stderr)")
        let again = try CLI.landreg(["init", "--store", url, "--subdistrict", "330110001"], in: dir)
        #expect(again.status == 1 && again.stderr.contains("already holds subdistrict 330110001"), "\(again.stderr)")
        let otherCRS = try CLI.landreg(
            ["init", "--store", url, "--subdistrict", "330110009", "--crs", "EPSG:4528"], in: dir)
        #expect(
            otherCRS.status == 1 && otherCRS.stderr.contains("the new subdistrict (--crs EPSG:4528) is in EPSG:4528")
                && otherCRS.stderr.contains("one CRS"), "\(otherCRS.stderr)")

        for command in Self.year(CLI.geoData) {
            let a = try CLI.landreg(command + ["--store", gpkg], in: dir)
            let b = try CLI.landreg(command + ["--store", url], in: dir)
            #expect(a.status == 0, "\(command): \(a.stderr)")
            #expect(b.status == a.status, "\(command): \(b.stderr)")
            #expect(Self.maskedTimes(a.stdout) == Self.maskedTimes(b.stdout), "\(command)")
            #expect(Self.maskedTimes(a.stderr) == Self.maskedTimes(b.stderr), "\(command)")
        }
        // A spot split into two halves (cut by shapely from the GeoPackage's spot): the same children on both.
        let halves = dir + "/halves.geojson"
        let cut = try CLI.python(SpotSplitReviewEndToEndTests.cutScript, [gpkg, "JC2024-01-0002", halves, "exact"])
        #expect(cut.status == 0, "\(cut.stderr)")
        let split = ["spots", "split", "JC2024-01-0002", "--into", halves, "--on", "2024-09-01", "--json"]
        let splitA = try CLI.landreg(split + ["--store", gpkg], in: dir)
        let splitB = try CLI.landreg(split + ["--store", url], in: dir)
        #expect(splitA.status == 0 && splitB.status == 0, "\(splitA.stderr) \(splitB.stderr)")
        #expect(splitA.stdout == splitB.stdout)
        // The tables read back from PostGIS are the GeoPackage's, row for row, ids and areas to the bit.
        let back = dir + "/back.gpkg"
        let out = try CLI.landreg(["copy", "--from", url, "--to", back, "--subdistrict", "330110001"], in: dir)
        #expect(out.status == 0, "\(out.stderr)")
        let (expected, actual) = (try Self.maskedDump(gpkg), try Self.maskedDump(back))
        #expect(expected.split(separator: "\n").count > 1_000)
        #expect(expected == actual)
        // And PostgreSQL's own reading of the areas (PostGIS, not landreg) agrees with the stored planar areas.
        let worst = try pg.value(
            "SELECT max(abs(ST_Area(geom) - planar_area_m2)) FROM landreg.parcels WHERE retired_at IS NULL",
            database: db)
        #expect((Double(worst) ?? 1) < 1e-6, "\(worst)")
    }

    @Test func anImportOnPostGISIsAllOrNothing() throws {
        let (pg, db, dir, _, url, _) = try PostGISStoreTests.loaded()
        let before = try pg.value(Self.counts, database: db)
        // Three 50 m squares in the zone-numbered CGCS2000 CRS; with `repeatingACode`, the third has the first's code.
        let file = dir + "/new.geojson"
        func write(repeatingACode: Bool) throws {
            try Self.writeSquares(3, perRow: 3, to: file, codes: { i in repeatingACode && i == 2 ? "N-0" : "N-\(i)" })
        }
        // A code given twice: refused whole, naming it, nothing written.
        try write(repeatingACode: true)
        let refused = try CLI.landreg(["import", "parcels", file, "--store", url], in: dir)
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(
            refused.stderr.contains("nothing was imported") && refused.stderr.contains("duplicate code N-0"),
            "\(refused.stderr)")
        #expect(try pg.value(Self.counts, database: db) == before)
        // A dry run reports and writes nothing; the corrected file goes in whole, in one import with one event.
        try write(repeatingACode: false)
        let dry = try CLI.landreg(["import", "parcels", file, "--dry-run", "--store", url], in: dir)
        #expect(dry.status == 0 && dry.stdout.contains("would import 3 parcels"), "\(dry.stdout) \(dry.stderr)")
        #expect(try pg.value(Self.counts, database: db) == before)
        let done = try CLI.landreg(["import", "parcels", file, "--json", "--quiet", "--store", url], in: dir)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try pg.value(Self.counts, database: db) == Self.counts(before, afterOneImportOf: 3))
        // The import's event names the import PostgreSQL holds, and every new parcel points at it.
        let importID = try pg.value(
            "SELECT max(id) FROM landreg.imports WHERE subdistrict = '330110001'", database: db)
        #expect(done.stdout.contains("\"import_id\" : \(importID)"), "\(done.stdout)")
        #expect(
            try pg.value(
                "SELECT count(*) FROM landreg.events WHERE entity = 'import' AND entity_id = \(importID)", database: db)
                == "1")
        #expect(
            try pg.value("SELECT count(*) FROM landreg.parcels WHERE import_id = \(importID)", database: db) == "3")
        // PostGIS's own area of the three 50 m squares is what landreg stored: 7,500 m² = 11.25 亩.
        #expect(
            try pg.value(
                "SELECT round(sum(ST_Area(geom))::numeric, 6) || ' ' || round(sum(planar_area_m2)::numeric, 6) || ' ' "
                    + "|| round((sum(planar_area_m2) * 3 / 2000)::numeric, 4) FROM landreg.parcels WHERE import_id = "
                    + importID, database: db) == "7500.000000 7500.000000 11.2500")
    }

    @Test func anOfficeImportsIntoItsOwnSubdistrictOnly() throws {
        let (pg, db, dir, _, _, _) = try PostGISStoreTests.loaded(["330110001", "330110002"])
        let b = "xixi_\(db)"
        #expect(
            try CLI.landreg(
                ["office", "add", b, "--subdistrict", "330110002", "--store", pg.url(database: db)], in: dir
            ).status == 0)
        let asB = pg.url(database: db, user: b)
        let zones =
            "SELECT count(*) || ' ' || count(retired_at) FROM landreg.zones WHERE kind = 'village' AND subdistrict = "
        let (ownBefore, otherBefore) = (
            try pg.value(zones + "'330110002'", database: db), try pg.value(zones + "'330110001'", database: db)
        )
        // B's role is under row-level security: its new rows go in through INSERT … SELECT, checked by every policy,
        // and the rows it retires through UPDATE.
        let file = CLI.geoData + "/zones-village.geojson"
        let own = try CLI.landreg(
            ["import", "zones", file, "--kind", "village", "--replace", "--quiet", "--store", asB], in: dir)
        #expect(own.status == 0, "\(own.stderr)")
        let n = Int(ownBefore.split(separator: " ")[0])!
        #expect(try pg.value(zones + "'330110002'", database: db) == "\(2 * n) \(n)")
        #expect(try pg.value(zones + "'330110001'", database: db) == otherBefore)
        #expect(
            try pg.value(
                "SELECT string_agg(DISTINCT db_role, ',') FROM landreg.events WHERE subdistrict = '330110002' "
                    + "AND id > (SELECT max(id) - \(n + 1) FROM landreg.events WHERE subdistrict = '330110002')",
                database: db) == b)
        // Naming A's subdistrict, B's import is refused by PostgreSQL, and nothing of it stays.
        let imports = "SELECT count(*) FROM landreg.imports"
        let importsBefore = try pg.value(imports, database: db)
        let other = try CLI.landreg(
            ["import", "zones", file, "--kind", "village", "--replace", "--quiet", "--store", asB], in: dir,
            environment: ["LANDREG_SUBDISTRICT": "330110001"])
        #expect(other.status == 1 && other.stderr.contains("only its own subdistrict"), "\(other.stderr)")
        #expect(try pg.value(zones + "'330110001'", database: db) == otherBefore)
        #expect(try pg.value(imports, database: db) == importsBefore)
    }

    @Test func anImportKilledWhileWritingLeavesNothingBehind() throws {
        let (pg, db, dir, _, url, _) = try PostGISStoreTests.loaded()
        let before = try pg.value(Self.counts, database: db)
        let file = dir + "/grid.geojson"
        try Self.writeSquares(400, perRow: 20, to: file, codes: { "G-\($0)" })

        // Another session holds parcels in SHARE mode (reads go on, writes wait): the import, whose rows go back in
        // table order, has written its events and its import row inside its transaction and waits there to write
        // its parcels; then it is killed, and the server rolls its transaction back: not a row of it stays.
        let (reached, killed) = try pg.killWhileWaiting(
            ["import", "parcels", file, "--quiet", "--store", url], lock: "LOCK TABLE landreg.parcels IN SHARE MODE",
            pattern: "COPY%parcels%", database: db)
        #expect(reached, "the import never reached the locked parcels")
        #expect(killed, "the import ended before it was killed")
        #expect(try pg.value(Self.counts, database: db) == before)
        // And the same import, not interrupted, goes through whole.
        let again = try CLI.landreg(["import", "parcels", file, "--quiet", "--store", url], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try pg.value(Self.counts, database: db) == Self.counts(before, afterOneImportOf: 400))
    }

    @Test func aSpotStepWaitsForAChangeOfItsSubdistrictAndThenGoesThrough() throws {
        let (pg, db, _, _, url, _) = try PostGISStoreTests.loaded()
        // A session holding the subdistrict's change lock as an import does (exclusively).
        let holder = try pg.holdInTransaction(
            "SELECT pg_advisory_xact_lock(hashtext('landreg.change'), hashtext('330110001'))", database: db)
        let step = Process()
        step.executableURL = URL(fileURLWithPath: CLI.binary)
        step.arguments = ["spots", "progress", "JC2023-07-0003", "--remaining", "1.5", "--store", url]
        step.standardOutput = FileHandle.nullDevice
        step.standardError = FileHandle.nullDevice
        try step.run()
        #expect(try pg.landregWaitsForAnAdvisoryLock(database: db), "the step did not wait for the change lock")
        #expect(step.isRunning)
        try holder.end("COMMIT")
        step.waitUntilExit()
        #expect(step.terminationStatus == 0)
        #expect(
            try pg.value(
                "SELECT remaining_m2 FROM landreg.spots WHERE code = 'JC2023-07-0003' AND retired_at IS NULL",
                database: db) == "1.5")
    }
}
