import Foundation
import Testing

/// Spot lifecycle steps on the PostGIS store: the same steps give the same rows and events as on the GeoPackage,
/// an office changes only its own subdistrict's spots (PostgreSQL refuses the rest), and concurrent landreg
/// processes stepping the same spots lose nothing, on PostGIS and on the GeoPackage alike.
@Suite("PostGIS spot steps", .serialized)
struct PostGISSpotStepTests {
    /// The steps of the comparison: an illegal spot rectified to the end, a rectifying one progressed.
    static let steps: [[String]] = [
        [
            "rectify", "JC2024-01-0020", "--measure", "demolish-restore", "--deadline", "2027-06-30", "--on",
            "2026-12-01"
        ],
        ["progress", "JC2024-01-0020", "--restored", "500", "--remaining", "554.8", "--on", "2026-12-02"],
        ["progress", "JC2024-01-0020", "--remaining", "0", "--on", "2026-12-03"],
        ["complete", "JC2024-01-0020", "--on", "2026-12-03", "--note", "现场核查 已拆除"],
        ["submit", "JC2024-01-0020", "--on", "2026-12-04"],
        ["progress", "JC2023-07-0003", "--remaining", "12.5", "--on", "2026-12-04"]
    ]

    /// The spots and the events (all but the time each was recorded) of a GeoPackage, as text, by Python's sqlite3.
    static func spotsAndEvents(_ gpkg: String) throws -> String {
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            cols = [c[1] for c in db.execute("PRAGMA table_info(events)") if c[1] != "recorded_at"]
            rows = db.execute("SELECT * FROM spots ORDER BY fid").fetchall()
            rows += db.execute(f"SELECT {', '.join(cols)} FROM events ORDER BY id").fetchall()
            print("\\n".join(repr(tuple(v.hex() if isinstance(v, bytes) else v for v in r)) for r in rows))
            """, gpkg
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    @Test func aStepOnPostGISIsTheSameStepAsOnTheGeoPackage() throws {
        let (_, _, dir, store, url, _) = try PostGISStoreTests.loaded()
        for step in Self.steps {
            let a = try CLI.landreg(["spots"] + step + ["--json", "--store", store], in: dir)
            let b = try CLI.landreg(["spots"] + step + ["--json", "--store", url], in: dir)
            #expect(a.status == 0 && b.status == 0, "\(step): \(a.stderr) \(b.stderr)")
            #expect(a.stdout == b.stdout, "\(step): the GeoPackage says \(a.stdout), PostGIS \(b.stdout)")
        }
        // A refused step is refused alike, and changes neither.
        let refusedA = try CLI.landreg(
            ["spots", "complete", "JC2023-07-0003", "--on", "2026-12-05", "--store", store], in: dir)
        let refusedB = try CLI.landreg(
            ["spots", "complete", "JC2023-07-0003", "--on", "2026-12-05", "--store", url], in: dir)
        #expect(refusedA.status == 1 && refusedB.status == 1)
        #expect(
            refusedA.stderr == refusedB.stderr && refusedB.stderr.contains("12.50 m² remaining"), "\(refusedB.stderr)")
        let missing = try CLI.landreg(["spots", "verify", "JC1999-01-0001", "--store", url], in: dir)
        #expect(missing.status == 1 && missing.stderr.contains("JC1999-01-0001"), "\(missing.stderr)")

        // Row for row and event for event the same (the time of recording aside), read back from PostGIS.
        let back = dir + "/back.gpkg"
        let out = try CLI.landreg(["copy", "--from", url, "--to", back, "--subdistrict", "330110001"], in: dir)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try Self.spotsAndEvents(back) == Self.spotsAndEvents(store))
    }

    @Test func anOfficeStepsOnlyItsOwnSubdistrictsSpots() throws {
        let (pg, db, dir, _, _, _) = try PostGISStoreTests.loaded(["330110001", "330110002"])
        let b = "hubu_\(db)"
        #expect(
            try CLI.landreg(
                ["office", "add", b, "--subdistrict", "330110002", "--store", pg.url(database: db)],
                in: dir
            ).status == 0)
        let asB = pg.url(database: db, user: b)
        let fidA = "SELECT status FROM landreg.spots WHERE code = 'JC2024-01-0020' AND subdistrict = "
        let eventsA = "SELECT count(*) FROM landreg.events WHERE subdistrict = '330110001'"
        let before = try pg.value(eventsA, database: db)

        // Office B's step changes its own spot of that code, and its event names the office's role and the actor.
        let own = try CLI.landreg(
            [
                "spots", "rectify", "JC2024-01-0020", "--measure", "demolish-restore", "--deadline", "2027-06-30",
                "--actor", "王芳", "--store", asB
            ], in: dir)
        #expect(own.status == 0, "\(own.stderr)")
        #expect(try pg.value(fidA + "'330110002'", database: db) == "rectifying")
        #expect(try pg.value(fidA + "'330110001'", database: db) == "illegal")
        #expect(
            try pg.value(
                "SELECT db_role || ' ' || actor FROM landreg.events WHERE subdistrict = '330110002' ORDER BY id DESC LIMIT 1",
                database: db) == "\(b) 王芳")

        // Naming office A's subdistrict, B reads it but PostgreSQL refuses the write: nothing changes there.
        let other = try CLI.landreg(
            [
                "spots", "rectify", "JC2024-01-0020", "--measure", "demolish-restore", "--deadline", "2027-06-30",
                "--store", asB
            ], in: dir, environment: ["LANDREG_SUBDISTRICT": "330110001"])
        #expect(other.status == 1 && other.stderr.contains("only its own subdistrict"), "\(other.stderr)")
        #expect(!other.stderr.contains("password"))
        #expect(try pg.value(fidA + "'330110001'", database: db) == "illegal")
        #expect(try pg.value(eventsA, database: db) == before)
    }

    /// `workers` landreg processes at once, each applying `steps` progress steps to the spots in turn (so several
    /// processes step one spot at the same moment); every process must succeed and every event be there, once.
    static func stepConcurrently(store: String, in dir: String, workers: Int, steps: Int, spots: [String]) throws {
        let group = DispatchGroup()
        let lock = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        for w in 0..<workers {
            DispatchQueue.global().async(group: group) {
                for i in 0..<steps {
                    let spot = spots[(w + i) % spots.count]
                    let r = try? CLI.landreg(
                        [
                            "spots", "progress", spot, "--remaining", "\(Double(w * steps + i) / 100)",
                            "--note", "w\(w)-s\(i)", "--actor", "worker\(w)", "--store", store
                        ], in: dir)
                    if r?.status != 0 {
                        lock.lock(); failures.append("worker \(w) step \(i): \(r?.stderr ?? "did not run")");
                        lock.unlock()
                    }
                }
            }
        }
        group.wait()
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    static let busySpots = ["JC2023-07-0003", "JC2023-07-0004", "JC2023-07-0005"]

    @Test func concurrentStepsOnPostGISLoseNothing() throws {
        let (pg, db, dir, _, url, _) = try PostGISStoreTests.loaded()
        try Self.stepConcurrently(store: url, in: dir, workers: 6, steps: 8, spots: Self.busySpots)
        #expect(
            try pg.value(
                "SELECT count(*) || ' ' || count(DISTINCT note) FROM landreg.events WHERE note ~ '^w[0-9]+-s[0-9]+$'",
                database: db) == "48 48")
        // Each spot's remaining area is what its last event set.
        for spot in Self.busySpots {
            #expect(
                try pg.value(
                    """
                    SELECT s.remaining_m2 = (e.details::jsonb ->> 'remaining_m2')::float8 FROM landreg.spots s,
                      LATERAL (SELECT details FROM landreg.events WHERE entity = 'spot' AND entity_id = s.fid
                               ORDER BY id DESC LIMIT 1) e
                    WHERE s.code = '\(spot)' AND s.retired_at IS NULL
                    """, database: db) == "t", "\(spot)")
        }
    }

    @Test func concurrentStepsOnTheGeoPackageLoseNothing() throws {
        let (dir, store) = try PostGISStoreTests.demoStore()
        try Self.stepConcurrently(store: store, in: dir, workers: 6, steps: 8, spots: Self.busySpots)
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(*db.execute("SELECT count(*), count(DISTINCT note) FROM events WHERE note GLOB 'w*-s*'").fetchone())
            """, store
        ])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "48 48", "\(r.stdout) \(r.stderr)")
    }
    /// The reading commands on a PostGIS store print what they print on the GeoPackage it was loaded from.
    @Test func reportsExportsAndListsAreTheGeoPackagesToTheByte() throws {
        let (_, _, dir, store, url, _) = try PostGISStoreTests.loaded(["330110001", "330110002"])
        let environment = ["LANDREG_SUBDISTRICT": "330110002"]
        for command in [
            ["report", "rectification", "--format", "json", "--as-of", "2026-12-01"],
            ["report", "utilisation", "--format", "json"], ["report", "reclaimable", "--format", "json"],
            // The two reports read only the tables they need on PostGIS: every grouping, as of two days.
            ["report", "rectification", "--format", "json", "--by", "zone", "--as-of", "2024-07-01"],
            ["report", "rectification", "--format", "md", "--by", "batch"],
            ["report", "utilisation", "--format", "json", "--by", "zone", "--as-of", "2025-06-30"],
            ["report", "utilisation", "--format", "md", "--year", "2025"],
            ["spots", "list", "--as-of", "2026-12-01"], ["spots", "show", "JC2023-07-0003", "--as-of", "2026-12-01"],
            ["spots", "history", "JC2023-07-0003"], ["parcels", "list"], ["zones", "list"], ["sites", "list"],
            ["tenancies", "list"]
        ] {
            let a = try CLI.landreg(command + ["--store", store], in: dir)
            let b = try CLI.landreg(command + ["--store", url], in: dir, environment: environment)
            #expect(a.status == 0 && b.status == 0, "\(command): \(a.stderr) \(b.stderr)")
            #expect(!a.stdout.isEmpty && a.stdout == b.stdout, "\(command) differs on PostGIS")
        }
        let ea = try CLI.landreg(["export", "parcels", "-o", "a.geojson", "--store", store], in: dir)
        let eb = try CLI.landreg(
            ["export", "parcels", "-o", "b.geojson", "--store", url], in: dir, environment: environment)
        #expect(ea.status == 0 && eb.status == 0, "\(ea.stderr) \(eb.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/a.geojson"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/b.geojson")))
        // Two subdistricts and no office role: the administrator must say which.
        let unnamed = try CLI.landreg(["spots", "list", "--store", url], in: dir)
        #expect(unnamed.status == 1 && unnamed.stderr.contains("LANDREG_SUBDISTRICT"), "\(unnamed.stderr)")
        // `check` reads the subdistrict as the reports do, and finds it as sound as the GeoPackage it came from.
        let check = try CLI.landreg(["check", "--json", "--store", url], in: dir, environment: environment)
        let checkFile = try CLI.landreg(["check", "--json", "--store", store], in: dir)
        #expect(check.status == 0 && checkFile.status == 0, "\(check.stdout) \(check.stderr)")
        func findings(_ json: String) -> String {
            // The store's name and the time taken differ; every finding and count must not.
            json.split(separator: "\n").filter { !$0.contains("\"store\"") && !$0.contains("\"seconds\"") }
                .joined(separator: "\n")
        }
        #expect(findings(check.stdout) == findings(checkFile.stdout))
        // `backup` writes the subdistrict out as a GeoPackage store (a verified copy), which reports the same.
        let backup = dir + "/backup-330110001.gpkg"
        let saved = try CLI.landreg(["backup", "-o", backup, "--store", url], in: dir, environment: environment)
        #expect(saved.status == 0 && saved.stdout.contains("checksums verified"), "\(saved.stderr)")
        let fromBackup = try CLI.landreg(["report", "rectification", "--format", "json", "--store", backup], in: dir)
        let fromFile = try CLI.landreg(["report", "rectification", "--format", "json", "--store", store], in: dir)
        #expect(fromBackup.status == 0 && fromBackup.stdout == fromFile.stdout)
        let again = try CLI.landreg(["backup", "-o", backup, "--store", url], in: dir, environment: environment)
        #expect(again.status == 1 && again.stderr.contains("nothing was written"), "\(again.stderr)")
    }
}
