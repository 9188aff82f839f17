import Foundation
import Testing

/// `landreg migrate` on a PostGIS store of an older landreg: every subdistrict migrated in one transaction by the
/// steps a GeoPackage takes, the rows the same as before (read back by Python's sqlite3 from copies), the earlier
/// schema kept, offices working after it; refused for an office, and nothing changed then.
@Suite("PostGIS store migration end to end", .serialized)
struct PostGISMigrationTests {
    /// What the store looked like before this landreg's last schema step (2026-12-02-survey-versions): that step
    /// added parcels.survey_year and three tables, so the store of the landreg before it lacks exactly those.
    static let olderSchema = """
        BEGIN;
        DROP TABLE landreg.survey_versions, landreg.parcel_lineage, landreg.landuse_balance_classes CASCADE;
        ALTER TABLE landreg.parcels DROP COLUMN survey_year;
        UPDATE landreg.store_schema SET value = regexp_replace(value, E'\\n2026-12-02-survey-versions$', '')
          WHERE key = 'migrations';
        COMMIT;
        """

    @Test func aStoreOfTheLandregBeforeIsMigratedWholeAndKeepsItsRows() throws {
        let subdistricts = ["330110001", "330110002"]
        let (pg, db, dir, _, url, _) = try PostGISStoreTests.loaded(subdistricts)
        let office = "tiantang_\(db)"
        let added = try CLI.landreg(["office", "add", office, "--subdistrict", "330110002", "--store", url], in: dir)
        #expect(added.status == 0, "\(added.stderr)")
        // Each subdistrict as this landreg holds it, copied out before.
        var before: [String: [String: String]] = [:]
        for code in subdistricts {
            let out = dir + "/before-\(code).gpkg"
            let r = try CLI.landreg(["copy", "--from", url, "--to", out, "--subdistrict", code], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            before[code] = try PostGISStoreTests.tableDump(out)
        }
        let steps =
            "SELECT array_length(string_to_array(value, E'\\n'), 1) FROM landreg.store_schema WHERE key = 'migrations'"
        let aged = try pg.psql(Self.olderSchema, database: db)
        try #require(aged.status == 0, "\(aged.stderr)")
        #expect(try pg.value(steps, database: db) == "9")

        // This landreg refuses the older store and says who migrates it.
        let report = try CLI.landreg(["report", "rectification", "--store", url], in: dir)
        #expect(report.status == 1 && report.stderr.contains("landreg migrate --store URL"), "\(report.stderr)")
        // An office may not migrate it (it owns nothing): refused, the store as it was.
        let asOffice = try CLI.landreg(["migrate", "--store", pg.url(database: db, user: office)], in: dir)
        #expect(
            asOffice.status == 1 && asOffice.stderr.contains("migrating takes the role that owns the store")
                && asOffice.stderr.contains("\(office) is not") && asOffice.stderr.contains("nothing was changed"),
            "\(asOffice.stdout) \(asOffice.stderr)")
        #expect(try pg.value(steps, database: db) == "9")
        #expect(
            try pg.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'landreg_before_%'", database: db) == "0"
        )

        // The administrator migrates it.
        let migrated = try CLI.landreg(["migrate", "--store", url], in: dir)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("from 9 to 10 schema steps"), "\(migrated.stdout)")
        #expect(migrated.stdout.contains("2 subdistricts, row counts and checksums verified"), "\(migrated.stdout)")
        #expect(try pg.value(steps, database: db) == "10")
        let kept = try pg.value("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'landreg_before_%'", database: db)
        #expect(migrated.stdout.contains("kept as \(kept)"), "\(migrated.stdout)")

        // Every table of every subdistrict holds what it held, ids and geometry to the bit. The code table the step
        // added is filled by the step itself, as when an office's GeoPackage is migrated: the same codes and
        // classes, numbered anew.
        for code in subdistricts {
            let out = dir + "/after-\(code).gpkg"
            let r = try CLI.landreg(["copy", "--from", url, "--to", out, "--subdistrict", code], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            let after = try PostGISStoreTests.tableDump(out)
            let old = before[code] ?? [:]
            #expect(Set(after.keys) == Set(old.keys), "\(code): tables")
            for (table, rows) in old where table != "landuse_balance_classes" {
                #expect(after[table] == rows, "\(code): \(table) differs after the migration")
            }
            let classes = "SELECT code || ' ' || class FROM landuse_balance_classes ORDER BY code"
            #expect(
                try SafetyTests.sql(out, classes) == SafetyTests.sql(dir + "/before-\(code).gpkg", classes),
                "\(code): landuse_balance_classes")
            #expect(try SafetyTests.sql(out, "SELECT count(*) FROM parcels WHERE survey_year IS NOT NULL") == ["0"])
        }
        // The earlier schema is kept with its rows, for the owner only.
        #expect(
            try pg.value("SELECT count(*) FROM \(kept).parcels", database: db)
                == pg.value("SELECT count(*) FROM landreg.parcels", database: db))
        let peek = try pg.psql("SELECT count(*) FROM \(kept).parcels", database: db, user: office)
        #expect(peek.status != 0 && peek.stderr.contains("permission denied"), "\(peek.stdout) \(peek.stderr)")

        // The office works on as before: a step on its own spot, its event naming its role.
        let step = try CLI.landreg(
            [
                "spots", "rectify", "JC2024-01-0020", "--measure", "demolish-restore", "--deadline", "2027-06-30",
                "--store", pg.url(database: db, user: office)
            ], in: dir)
        #expect(step.status == 0, "\(step.stderr)")
        #expect(
            try pg.value(
                "SELECT db_role FROM landreg.events WHERE subdistrict = '330110002' ORDER BY id DESC LIMIT 1",
                database: db) == office)
        // A store of this landreg is left as it is.
        let again = try CLI.landreg(["migrate", "--store", url], in: dir)
        #expect(again.status == 0 && again.stdout.contains("already the schema of this landreg"), "\(again.stdout)")
        #expect(
            try pg.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'landreg_before_%'", database: db) == "1"
        )
    }

    /// A step that waited for the subdistrict's change lock while the store was migrated (here: a session holding
    /// the lock as `landreg migrate` does, moving the schema to a later landreg's steps) stops and writes nothing:
    /// it checked the schema at opening, and that schema is the one now kept aside.
    @Test func aStepThatWaitedOutAMigrationStopsAndWritesNothing() throws {
        let (pg, db, _, _, url, _) = try PostGISStoreTests.loaded()
        let remaining = "SELECT remaining_m2 FROM landreg.spots WHERE code = 'JC2023-07-0003' AND retired_at IS NULL"
        let events = "SELECT count(*) FROM landreg.events"
        let (remainingBefore, eventsBefore) = (
            try pg.value(remaining, database: db), try pg.value(events, database: db)
        )
        let holder = try pg.holdInTransaction(
            """
            SELECT pg_advisory_xact_lock(hashtext('landreg.change'), hashtext('330110001'));
            UPDATE landreg.store_schema SET value = value || E'\n2099-01-01-a-later-step' WHERE key = 'migrations'
            """, database: db)
        let step = Process()
        step.executableURL = URL(fileURLWithPath: CLI.binary)
        step.arguments = ["spots", "progress", "JC2023-07-0003", "--remaining", "1.5", "--store", url]
        let errors = Pipe()
        step.standardOutput = FileHandle.nullDevice
        step.standardError = errors
        try step.run()
        #expect(try pg.landregWaitsForAnAdvisoryLock(database: db), "the step did not wait for the change lock")
        try holder.end("COMMIT")
        step.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(step.terminationStatus == 1)
        #expect(stderr.contains("was migrated to another landreg's schema while this command waited"), "\(stderr)")
        #expect(try pg.value(remaining, database: db) == remainingBefore)
        #expect(try pg.value(events, database: db) == eventsBefore)
    }
}
