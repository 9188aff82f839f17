import Foundation
import Testing

/// The PostGIS district store: `landreg copy` both ways, `landreg office`, and the rights PostgreSQL enforces, on a
/// throw-away cluster (PostgresCluster). Independent readers check the result: Python's sqlite3 compares every
/// table of the copied-back GeoPackage with the original, PostGIS computes the areas, ogrinfo lists the layers.
@Suite("PostGIS store end to end", .serialized)
struct PostGISStoreTests {
    static func demoStore() throws -> (dir: String, store: String) { try ReclaimableEndToEndTests.demoStore() }

    /// A database of the test cluster, the demo store, and the demo store copied in as each of `subdistricts`.
    static func loaded(_ subdistricts: [String] = ["330110001"]) throws -> (
        pg: PostgresCluster, db: String, dir: String, store: String, url: String, stdout: String
    ) {
        let pg = try PostgresCluster.shared()
        let db = try pg.freshDatabase()
        let (dir, store) = try Self.demoStore()
        let url = pg.url(database: db)
        var stdout = ""
        for code in subdistricts {
            let r = try CLI.landreg(["copy", "--from", store, "--to", url, "--subdistrict", code], in: dir)
            #expect(r.status == 0, "\(code): \(r.stderr)")
            stdout += r.stdout
        }
        return (pg, db, dir, store, url, stdout)
    }

    /// Every registry table of a GeoPackage, rows in the order of all their columns, as one text per table.
    static func tableDump(_ store: String) throws -> [String: String] {
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys, json
            db = sqlite3.connect(sys.argv[1])
            out = {}
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                if name.startswith(("gpkg_", "gpkgext_", "rtree_", "sqlite_")): continue
                n = len(db.execute(f'SELECT * FROM "{name}" LIMIT 0').description)
                order = ", ".join(str(i + 1) for i in range(n))
                rows = db.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
                out[name] = repr([tuple(v.hex() if isinstance(v, bytes) else v for v in r) for r in rows])
            print(json.dumps(out))
            """, store
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String])
    }

    @Test func aGeoPackageGoesIntoPostGISAndComesBackTheSame() throws {
        let (pg, db, dir, store, url, into) = try Self.loaded()
        #expect(into.contains("row counts and checksums verified"), "\(into)")
        // Row counts in PostgreSQL, read by psql, against the GeoPackage's own.
        let original = try Self.tableDump(store)
        for table in ["parcels", "spots", "events", "sites", "tenancies", "zones", "enterprises", "imports"] {
            let inPG = try pg.value(
                "SELECT count(*) FROM landreg.\(table) WHERE subdistrict = '330110001'", database: db)
            let inGPKG = try SafetyTests.sql(store, "SELECT count(*) FROM \(table)").first ?? ""
            #expect(inPG == inGPKG, "\(table): \(inPG) rows in PostGIS, \(inGPKG) in the GeoPackage")
            #expect(Int(inPG) ?? 0 > 0, "\(table) is empty")
        }
        // Every CHECK of every GeoPackage table is a check constraint in PostgreSQL (besides the subdistrict's own).
        let gpkgChecks = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys, re
            db = sqlite3.connect(sys.argv[1])
            for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                if name.startswith(("gpkg_", "gpkgext_", "rtree_", "sqlite_")) or name == "grdb_migrations": continue
                sql = re.sub(r"--[^\\n]*", "", sql)
                checks = len(re.findall(r"\\bCHECK\\s*\\(", sql, re.I))
                print(name + "|" + str(checks + 1))
            """, store
        ]).stdout
        let pgChecks = try pg.value(
            """
            SELECT string_agg(c.relname || '|' || (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c'), E'\n' ORDER BY c.relname)
            FROM pg_class c WHERE c.relnamespace = 'landreg'::regnamespace AND c.relkind = 'r'
              AND c.relname NOT IN ('store_schema', 'offices', 'copies')
            """, database: db)
        #expect(pgChecks == gpkgChecks.trimmingCharacters(in: .whitespacesAndNewlines), "checks per table differ")
        // The events record who wrote them into the database.
        #expect(try pg.value("SELECT DISTINCT db_role FROM landreg.events", database: db) == "landreg_admin")

        let back = dir + "/back.gpkg"
        let out = try CLI.landreg(["copy", "--from", url, "--to", back, "--subdistrict", "330110001"], in: dir)
        #expect(out.status == 0, "\(out.stderr)")
        let copied = try Self.tableDump(back)
        #expect(copied.keys.sorted() == original.keys.sorted())
        for (table, rows) in original { #expect(copied[table] == rows, "\(table) differs after the round trip") }
        // The copied store is a sound GeoPackage that landreg reports on with the same figures.
        let valid = try SafetyTests.validateGPKG(back)
        #expect(valid.status == 0, "\(valid.stdout) \(valid.stderr)")
        let check = try CLI.landreg(["check", "--store", back], in: dir)
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        for report in ["rectification", "utilisation", "reclaimable"] {
            let a = try CLI.landreg(["report", report, "--format", "json", "--store", store], in: dir)
            let b = try CLI.landreg(["report", report, "--format", "json", "--store", back], in: dir)
            #expect(a.status == 0 && b.status == 0 && !a.stdout.isEmpty, "\(a.stderr) \(b.stderr)")
            #expect(a.stdout == b.stdout, "report \(report) differs on the copied-back store")
        }
        // The log of copies, one in and one out, with the same checksums.
        let log = try pg.value(
            "SELECT string_agg(direction || ':' || (checksums->>'parcels'), ',' ORDER BY id) FROM landreg.copies",
            database: db)
        let sums = log.split(separator: ",").map { $0.split(separator: ":").last.map(String.init) ?? "" }
        #expect(log.hasPrefix("in:") && log.contains(",out:") && sums.count == 2 && sums[0] == sums[1], "\(log)")
    }

    @Test func postGISAreasAgreeWithTheStoredOnes() throws {
        let (pg, db, _, _, _, _) = try Self.loaded()
        // PostGIS measures independently: planar in the store's CRS (ST_Area), ellipsoidal on the spheroid
        // (geography, after ST_Transform to CGCS2000 geographic 4490): per parcel within 0.01 m², totals in m² and 亩.
        let worst = try pg.value(
            """
            SELECT max(abs(ST_Area(geom) - planar_area_m2)) || ' ' ||
                   max(abs(ST_Area(ST_Transform(geom, 4490)::geography, true) - ellipsoidal_area_m2))
            FROM landreg.parcels
            """, database: db
        ).split(separator: " ").compactMap { Double($0) }
        #expect(
            worst.count == 2 && worst[0] < 0.01 && worst[1] < 0.01,
            "largest differences (planar, ellipsoidal): \(worst)")
        let totals = try pg.value(
            """
            SELECT round(sum(ST_Area(geom))::numeric, 1) || ' ' || round(sum(planar_area_m2)::numeric, 1) || ' ' ||
                   round((sum(ST_Area(ST_Transform(geom, 4490)::geography, true)) / (10000.0 / 15))::numeric, 2) || ' ' ||
                   round((sum(ellipsoidal_area_m2) / (10000.0 / 15))::numeric, 2)
            FROM landreg.parcels WHERE retired_at IS NULL
            """, database: db
        ).split(separator: " ").map(String.init)
        #expect(totals.count == 4 && totals[0] == totals[1] && totals[2] == totals[3], "m² and 亩: \(totals)")
        // ogrinfo, a client that knows nothing of landreg, lists the layers with their SRS and counts.
        let info = try CLI.run(
            "/usr/bin/ogrinfo", ["-ro", "-so", "PG:host=\(pg.dir) dbname=\(db) user=landreg_admin", "landreg.parcels"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("Feature Count: 400"), "\(info.stdout)")
        #expect(info.stdout.contains("ID[\"EPSG\",4549]"), "\(info.stdout.prefix(800))")
        let layers = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-q", "PG:host=\(pg.dir) dbname=\(db) user=landreg_admin"])
        for layer in [
            "landreg.parcels (Multi Polygon)", "landreg.spots (Multi Polygon)", "landreg.zones (Multi Polygon)",
            "landreg.sites (Multi Polygon)", "landreg.spot_photos (Point)"
        ] {
            #expect(layers.stdout.contains(layer), "\(layers.stdout)")
        }
    }

    @Test func anOfficeWritesOnlyItsOwnSubdistrictAndNoOneRewritesTheLog() throws {
        let (pg, db, dir, _, url, _) = try Self.loaded(["330110001", "330110002"])
        let a = "yunxi_\(db)", b = "hubu_\(db)"
        for (office, code) in [(a, "330110001"), (b, "330110002")] {
            let r = try CLI.landreg(["office", "add", office, "--subdistrict", code, "--store", url], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let list = try CLI.landreg(["office", "list", "--store", url], in: dir)
        #expect(
            list.stdout.contains(a) && list.stdout.contains(b) && list.stdout.contains("2 offices"), "\(list.stdout)")

        // Office B reads the whole district…
        #expect(try pg.value("SELECT count(*) FROM landreg.spots", database: db, user: b) == "120")
        // …changes its own spot and tenancy…
        #expect(
            try pg.value(
                "UPDATE landreg.spots SET basis = 'b' WHERE subdistrict = '330110002' AND fid = 1 RETURNING fid",
                database: db, user: b) == "1")
        #expect(
            try pg.value(
                "UPDATE landreg.tenancies SET floor_area_m2 = floor_area_m2 WHERE subdistrict = '330110002' AND id = 1 RETURNING id",
                database: db, user: b) == "1")
        // …but not office A's: the rows are not there for it to update, and a row filed under A is refused.
        for sql in [
            "UPDATE landreg.spots SET basis = 'b' WHERE subdistrict = '330110001' RETURNING fid",
            "UPDATE landreg.tenancies SET status = 'void' WHERE subdistrict = '330110001' RETURNING id",
            "UPDATE landreg.parcels SET owner = 'b' WHERE subdistrict = '330110001' RETURNING fid"
        ] {
            #expect(try pg.value(sql, database: db, user: b) == "", "office B changed A's rows: \(sql)")
        }
        let refusedInsert = try pg.psql(
            "INSERT INTO landreg.tenancies SELECT * FROM landreg.tenancies WHERE subdistrict = '330110001' LIMIT 1",
            database: db, user: b)
        #expect(
            refusedInsert.status != 0 && refusedInsert.stderr.contains("row-level security"), "\(refusedInsert.stderr)")
        let moved = try pg.psql(
            "UPDATE landreg.spots SET subdistrict = '330110001' WHERE subdistrict = '330110002' AND fid = 2",
            database: db, user: b)
        #expect(moved.status != 0 && moved.stderr.contains("row-level security"), "\(moved.stderr)")
        #expect(
            try pg.value(
                "SELECT basis IS NULL OR basis <> 'b' FROM landreg.spots WHERE subdistrict = '330110001' AND fid = 1",
                database: db) == "t")

        // The GeoPackage's CHECK constraints hold here too, for psql as well.
        for (sql, what) in [
            ("status = 'rectified', remaining_m2 = 5", "rectified with area remaining"),
            ("zone_codes = 'not json'", "zone codes that are not JSON"),
            ("zone_codes = '{}'", "zone codes that are not an array"),
            ("deadline = '2024-02-30'", "a deadline that is no day"),
            ("judgement = 'legal', status = 'illegal'", "a status that is not the judgement")
        ] {
            let r = try pg.psql(
                "UPDATE landreg.spots SET \(sql) WHERE subdistrict = '330110002' AND fid = 1", database: db, user: b)
            #expect(r.status != 0 && r.stderr.contains("violates check constraint"), "\(what): \(r.stderr)")
        }

        // No office deletes anything or touches the audit log; not even the tables' owner can rewrite it.
        for (sql, why) in [
            ("DELETE FROM landreg.spots WHERE subdistrict = '330110002'", "permission denied"),
            ("DELETE FROM landreg.events WHERE subdistrict = '330110002'", "permission denied"),
            ("UPDATE landreg.events SET note = 'x' WHERE subdistrict = '330110002'", "permission denied"),
            ("TRUNCATE landreg.tenancies", "permission denied"),
            ("DROP TRIGGER events_append_only_update ON landreg.events", "must be owner"),
            ("ALTER TABLE landreg.events DISABLE TRIGGER ALL", "must be owner"),
            ("ALTER TABLE landreg.spots DISABLE ROW LEVEL SECURITY", "must be owner")
        ] {
            let r = try pg.psql(sql, database: db, user: b)
            #expect(r.status != 0 && r.stderr.contains(why), "\(sql): \(r.stderr)")
        }
        for sql in [
            "SET ROLE landreg_owner; UPDATE landreg.events SET note = 'x' WHERE id = 1",
            "SET ROLE landreg_owner; DELETE FROM landreg.events WHERE id = 1",
            "SET ROLE landreg_owner; DELETE FROM landreg.parcels WHERE fid = 1",
            "TRUNCATE landreg.events, landreg.spot_photos"
        ] {
            let r = try pg.psql(sql, database: db)
            #expect(
                r.status != 0 && (r.stderr.contains("append-only") || r.stderr.contains("never deleted")),
                "\(sql): \(r.stderr)")
        }
        #expect(try pg.value("SELECT count(*) FROM landreg.events WHERE note = 'x'", database: db) == "0")
    }

    @Test func aCopyKilledMidwayLeavesNothingBehind() throws {
        let (pg, db, dir, store, url, _) = try Self.loaded()
        let before = try pg.value("SELECT count(*) FROM landreg.parcels", database: db)

        // Another session holds zones (copied last, tables go in name order): the second copy waits there with
        // every other table written inside its transaction; then it is killed.
        let (reached, killed) = try pg.killWhileWaiting(
            ["copy", "--from", store, "--to", url, "--subdistrict", "330110002"],
            lock: "LOCK TABLE landreg.zones IN ACCESS EXCLUSIVE MODE", database: db)
        #expect(reached, "the second copy never reached the locked table")
        #expect(killed, "the copy ended before it was killed")
        let left = try pg.value(
            """
            SELECT (SELECT count(*) FROM landreg.parcels WHERE subdistrict = '330110002')
                 + (SELECT count(*) FROM landreg.events WHERE subdistrict = '330110002')
                 + (SELECT count(*) FROM landreg.landreg_meta WHERE subdistrict = '330110002')
            """, database: db)
        #expect(left == "0", "the killed copy left \(left) rows")
        #expect(try pg.value("SELECT count(*) FROM landreg.parcels", database: db) == before)
        #expect(try pg.value("SELECT count(*) FROM landreg.copies", database: db) == "1")
        // And the same copy, not interrupted, goes through.
        let again = try CLI.landreg(["copy", "--from", store, "--to", url, "--subdistrict", "330110002"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func refusedCopiesChangeNothing() throws {
        let (pg, db, dir, store, url, _) = try Self.loaded()
        func refused(_ arguments: [String], _ message: String) throws {
            let r = try CLI.landreg(arguments, in: dir)
            #expect(r.status != 0, "\(arguments) was not refused")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        try refused(
            ["copy", "--from", store, "--to", url, "--subdistrict", "330110001"], "already holds subdistrict 330110001")
        try refused(["copy", "--from", store, "--to", url, "--subdistrict", "33011x"], "6 to 12 digits")
        try refused(
            ["copy", "--from", url, "--to", dir + "/out.gpkg", "--subdistrict", "330110009"],
            "holds no subdistrict 330110009 (it holds 330110001)")
        try refused(["copy", "--from", url, "--to", store, "--subdistrict", "330110001"], store)
        try refused(["copy", "--from", store, "--to", dir + "/b.gpkg", "--subdistrict", "330110001"], "landreg backup")
        try refused(
            [
                "copy", "--from", store, "--to", "postgresql:///nosuchdb?host=\(pg.dir)&user=landreg_admin",
                "--subdistrict", "330110003"
            ],
            "cannot connect")
        try refused(["check", "--gdal", "--store", url], "a PostgreSQL store has none to validate")
        try refused(["office", "add", "Bad-Name", "--subdistrict", "330110001", "--store", url], "lower-case letters")
        try refused(["office", "add", "ok_name", "--subdistrict", "330110001", "--store", store], "postgresql://")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.gpkg"))
        #expect(try pg.value("SELECT count(*) FROM landreg.copies", database: db) == "1")
        #expect(try pg.value("SELECT count(DISTINCT subdistrict) FROM landreg.parcels", database: db) == "1")
        // A password never reaches the server in the clear: the role gets a SCRAM verifier.
        let add = Process()
        add.executableURL = URL(fileURLWithPath: CLI.binary)
        add.arguments = ["office", "add", "pw_\(db)", "--subdistrict", "330110001", "--password-stdin", "--store", url]
        let input = Pipe()
        add.standardInput = input
        add.standardOutput = FileHandle.nullDevice
        try add.run()
        input.fileHandleForWriting.write(Data("s3cret-口令\n".utf8))
        try input.fileHandleForWriting.close()
        add.waitUntilExit()
        #expect(add.terminationStatus == 0)
        #expect(
            try pg.value("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'pw_\(db)'", database: db)
                == "SCRAM-SHA-256$")
    }
}
