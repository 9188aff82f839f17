import Foundation
import GRDB
import LandGeometry

// MARK: - A PostGIS store of an older landreg, migrated in one transaction
//
// A GeoPackage store is migrated when it is opened (Registry.open: a backup, then the migrations). A PostGIS store
// holds many subdistricts and is shared by offices, so it is migrated on purpose, by the district's administrator
// (`landreg migrate --store URL`), in one PostgreSQL transaction that migrates every subdistrict or changes nothing:
//
// 1. Every subdistrict's change lock is taken (changes under way finish first; one that waited finds the schema
//    changed and stops) and every table locked against writes (EXCLUSIVE: reads go on until the commit); a second
//    migration or copy waits on the database's copy lock.
// 2. Each subdistrict is copied out into a GeoPackage made at the store's own schema step (this landreg's
//    migrations run up to that step make the tables the older landreg made), counted and checksummed on both sides.
// 3. The rest of the migrations run on each GeoPackage: the same code that migrates an office's GeoPackage, data
//    steps included; code tables a step added are filled from seeds/ when they are found, as on opening.
// 4. The old schema is renamed `landreg_before_<time>` and kept (nothing is deleted; offices lose their rights on
//    it, the owner keeps it), a new `landreg` schema is made, every subdistrict is copied in (COPY) and read back
//    (counts and checksums), offices and the copy log are carried over, and store_schema records the migration.
//
// Why whole copies and not ALTER TABLE: a step may fill or rewrite rows (data migrations) in SQLite's terms; running
// the very migrations landreg runs on a GeoPackage gives the same rows on both stores, and the check constraints,
// indexes, triggers and rights of the new schema are made by the code that makes a new store.

public struct MigrationReport: Sendable {
    public struct Subdistrict: Sendable {
        public let code: String
        public let tables: [CopiedTable]
    }

    public let store: String
    /// Schema steps (migrations) before and after.
    public let fromSteps: Int
    public let toSteps: Int
    /// Where the earlier schema is kept; nil when the store was already of this landreg.
    public let keptSchema: String?
    public let subdistricts: [Subdistrict]
    public let seconds: Double
}

extension StoreCopy {
    /// Migrates the PostGIS store at `url` to this landreg's schema (see the top of the file); a store already of
    /// this landreg is left as it is. `seeds`: where code tables a migration adds are filled from (nil: none).
    /// - Throws: `PostGISStoreError` for a store of a newer or another landreg, or a difference read back (nothing
    ///   changed); `PostgresError` when the connected role may not do it (it must own the schema, e.g. the
    ///   superuser that made the store).
    public static func migratePostGIS(url: String, seeds: SeedSet?) throws -> MigrationReport {
        let started = Date()
        let pg = try PGConnection(url: url)
        let store = pg.displayURL
        try pg.execute("BEGIN")
        do {
            // The lock a copy or a schema creation takes (a constant key: 'landreg' as ASCII).
            try pg.execute("SELECT pg_advisory_xact_lock(1819176549)")
            guard let installed = try PostGISSchema.installed(pg) else {
                throw PostGISStoreError("\(store) holds no landreg store (no schema landreg)")
            }
            let crs = try CRS.parse("EPSG:\(installed.srid)")
            let steps = Migrations.migrator(storeCRS: try StoreCRSDefinition(crs)).migrations
            if installed.migrations == steps {
                try pg.execute("ROLLBACK")
                return MigrationReport(
                    store: store, fromSteps: steps.count, toSteps: steps.count, keptSchema: nil, subdistricts: [],
                    seconds: Date().timeIntervalSince(started))
            }
            guard installed.isOlder(than: steps), let lastStep = installed.migrations.last else {
                let unknown = installed.migrations.filter { !steps.contains($0) }
                throw PostGISStoreError(
                    "\(store) holds a store of a newer or another landreg (\(installed.landregVersion); schema steps "
                        + "this landreg does not have: \(unknown.isEmpty ? "none, but in another order" : unknown.joined(separator: ", "))); "
                        + "use that landreg")
            }
            // Renaming the schema and making a new one takes its owner: a member of landreg_owner or a superuser.
            guard
                try pg.scalar(
                    "SELECT pg_has_role(current_user, '\(PostGISSchema.ownerRole)', 'MEMBER') "
                        + "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)") == "t"
            else {
                throw PostGISStoreError(
                    "\(store): migrating takes the role that owns the store (a member of \(PostGISSchema.ownerRole), or "
                        + "the superuser that made it); \(try pg.scalar("SELECT current_user") ?? "this role") is not")
            }
            let subdistricts = try pg.execute("SELECT DISTINCT subdistrict FROM landreg.landreg_meta ORDER BY 1").rows
                .compactMap { $0[0] }
            // Every subdistrict's change lock, alone: a change under way is waited for; one that starts meanwhile
            // waits, then finds the schema changed and stops (PostGISStore.checkSchemaUnchanged).
            for code in subdistricts {
                try pg.execute("SELECT pg_advisory_xact_lock(hashtext('landreg.change'), hashtext($1))", [code])
            }
            let tables = try pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'landreg' ORDER BY 1").rows
                .compactMap { $0[0] }
            try pg.execute(
                "LOCK TABLE " + tables.map(PostGISSchema.qualified).joined(separator: ", ") + " IN EXCLUSIVE MODE")

            let folder = try TemporaryFolder(prefix: "landreg-migrate")
            defer { folder.remove() }
            // 2–3: each subdistrict out at its step, then migrated as a GeoPackage is.
            var migrated: [(code: String, file: String)] = []
            for (k, code) in subdistricts.enumerated() {
                let file = folder.path + "/\(k).gpkg"
                let registry = try Registry.create(at: file, crs: crs, upTo: lastStep) { db in
                    try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                    let older = try StoreSchemaReader.tables(db)
                    for table in older {
                        // The migrations' own rows (landreg_meta's CRS …): the store's replace them (a file made
                        // here, no one's store yet).
                        if try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name.quotedDatabaseIdentifier)") ?? 0
                            > 0
                        {
                            try db.execute(sql: "DELETE FROM \(table.name.quotedDatabaseIdentifier)")
                        }
                        let read = try insertTable(table, from: pg, into: db, subdistrict: code, source: store)
                        try expectSame(try checksum(table, in: db), read, destination: file, source: store)
                    }
                }
                try Migrations.migrator(storeCRS: try StoreCRSDefinition(crs)).migrate(registry.dbQueue)
                if let seeds { try registry.dbQueue.write { db in try seeds.loadMissing(into: db) } }
                try registry.close()
                migrated.append((code, file))
            }

            // 4: the old schema kept, a new one made and filled.
            // landreg_before_20261204_051500 (UTC): a plain identifier, no quoting in psql or QGIS.
            let kept =
                "landreg_before_"
                + Registry.timestampForFileName().filter { $0.isNumber || $0 == "T" }.replacingOccurrences(
                    of: "T", with: "_")
            try pg.execute("ALTER SCHEMA landreg RENAME TO \(kept)")
            try pg.execute("REVOKE ALL ON SCHEMA \(kept) FROM \(PostGISSchema.officeRole)")
            try pg.execute(
                "COMMENT ON SCHEMA \(kept) IS "
                    + PGConnection.literal(
                        "landreg's schema before the migration to \(steps.count) schema steps (it had "
                            + "\(installed.migrations.count), landreg \(installed.landregVersion)); kept, not used"))
            let template = try Registry.create(at: folder.path + "/current.gpkg", crs: crs) { _ in }
            let shapes = try template.dbQueue.read { db in try StoreSchemaReader.tables(db) }
            try template.close()
            try PostGISSchema.create(pg, tables: shapes, migrations: steps, srid: installed.srid)
            try pg.execute(
                """
                INSERT INTO landreg.offices (role_name, subdistrict, created_at, created_by)
                  SELECT role_name, subdistrict, created_at, created_by FROM \(kept).offices;
                INSERT INTO landreg.copies (id, subdistrict, direction, file, row_counts, checksums, db_role, copied_at)
                  SELECT id, subdistrict, direction, file, row_counts, checksums, db_role, copied_at FROM \(kept).copies;
                SELECT setval(pg_get_serial_sequence('landreg.copies', 'id'), coalesce(max(id), 0) + 1, false)
                  FROM landreg.copies;
                """)
            try pg.execute(
                "INSERT INTO landreg.store_schema (key, value) VALUES ('migrated', $1)",
                [
                    "from \(installed.migrations.count) schema steps (landreg \(installed.landregVersion)) on "
                        + Clock.timestamp() + "; the earlier schema is kept as \(kept)"
                ])
            var report: [MigrationReport.Subdistrict] = []
            for (code, file) in migrated {
                let registry = try Registry.open(at: file)
                let copied = try registry.dbQueue.read { db in
                    try shapes.map { try copyTable($0, from: db, into: pg, subdistrict: code, file: file) }
                }
                try registry.close()
                report.append(MigrationReport.Subdistrict(code: code, tables: copied))
            }
            try PostGISSchema.complete(pg, tables: shapes)
            for subdistrict in report {
                for (table, expected) in zip(shapes, subdistrict.tables) {
                    try expectSame(
                        try checksum(table, in: pg, subdistrict: subdistrict.code, place: store), expected,
                        destination: store, source: "the migrated rows")
                }
                try log(
                    subdistrict.tables, pg, subdistrict: subdistrict.code, direction: "in",
                    file: "migration from \(kept)")
            }
            try pg.execute("COMMIT")
            return MigrationReport(
                store: store, fromSteps: installed.migrations.count, toSteps: steps.count, keptSchema: kept,
                subdistricts: report, seconds: Date().timeIntervalSince(started))
        } catch {
            _ = try? pg.execute("ROLLBACK")
            throw error
        }
    }
}
