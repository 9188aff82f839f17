import Foundation
import GRDB
import LandGeometry

// MARK: - The registry on PostgreSQL + PostGIS, for the changes that run there
//
// An office connects as its own role (`landreg office add`) and works on its subdistrict; $LANDREG_SUBDISTRICT names
// another (the district's administrator names one; an office may read another's rows but PostgreSQL refuses its
// writes there), and a store holding one subdistrict needs neither.
// Every change is one PostgreSQL transaction (PostGISWorkingSet): the rows it changes are locked FOR UPDATE, so two
// offices' steps on one spot run one after the other and the second sees the first; a deadlock or serialization
// failure is retried, unseen by the user.

public final class PostGISStore {
    /// The URL without its password.
    public let displayURL: String
    public let storeCRS: CRS
    /// The subdistrict this connection works on.
    public let subdistrict: String
    let pg: PGConnection

    /// Tries of one change when PostgreSQL aborts it for a deadlock or a serialization failure.
    static let tries = 20

    /// Connects and checks that the database holds a store of this landreg's schema.
    public static func open(url: String) throws -> PostGISStore {
        let pg = try PGConnection(url: url)
        guard let installed = try PostGISSchema.installed(pg) else {
            throw PostGISStoreError(
                "\(pg.displayURL) holds no landreg store; load one with `landreg copy --from FILE.gpkg --to URL`")
        }
        let crs = try CRS.parse("EPSG:\(installed.srid)")
        let migrations = Migrations.migrator(storeCRS: try StoreCRSDefinition(crs)).migrations
        guard installed.migrations == migrations else {
            throw PostGISStoreError(
                "\(pg.displayURL) holds a landreg store of another version (\(installed.landregVersion), "
                    + "\(installed.migrations.count) schema steps; this landreg has \(migrations.count))"
                    + (installed.isOlder(than: migrations)
                        ? "; the district's administrator migrates it with `landreg migrate --store URL`" : ""))
        }
        let subdistrict: String
        if let named = ProcessInfo.processInfo.environment["LANDREG_SUBDISTRICT"], !named.isEmpty {
            // An office naming another subdistrict may read it; PostgreSQL refuses its writes there.
            try StoreCopy.checkSubdistrict(named)
            subdistrict = named
        } else if let own = try pg.scalar("SELECT landreg.office_subdistrict()") {
            subdistrict = own
        } else {
            let held = try pg.execute("SELECT DISTINCT subdistrict FROM landreg.landreg_meta ORDER BY 1").rows
                .compactMap { $0[0] }
            guard held.count == 1 else {
                throw PostGISStoreError(
                    "\(pg.displayURL) holds \(held.isEmpty ? "no subdistrict" : "subdistricts " + held.joined(separator: ", ")); "
                        + "connect as an office's role (landreg office add) or set LANDREG_SUBDISTRICT")
            }
            subdistrict = held[0]
        }
        return PostGISStore(pg: pg, crs: crs, subdistrict: subdistrict, migrations: migrations)
    }

    private init(pg: PGConnection, crs: CRS, subdistrict: String, migrations: [String]) {
        self.pg = pg
        displayURL = pg.displayURL
        storeCRS = crs
        self.subdistrict = subdistrict
        self.migrations = migrations
    }

    /// The schema steps the store had when opened (this landreg's).
    private let migrations: [String]

    /// Inside a change, once its lock is held: the store is still of this landreg's schema. `landreg migrate` takes
    /// every subdistrict's change lock, so a change that waited for it would otherwise go on against the schema it
    /// checked at opening, now renamed and kept, and its rows would be lost to the live store.
    private func checkSchemaUnchanged() throws {
        let now = try pg.scalar("SELECT value FROM landreg.store_schema WHERE key = 'migrations'")
        guard now == migrations.joined(separator: "\n") else {
            throw PostGISStoreError(
                "\(displayURL) was migrated to another landreg's schema while this command waited; run it with that "
                    + "landreg")
        }
    }

    /// One change in one PostgreSQL transaction: `select` loads the working set (locking what will change), `change`
    /// runs on it, and what it changed is written back before the commit. Retried whole on a deadlock or
    /// serialization failure. - Throws: what `change` throws (nothing written), `PostGISStoreError`, `PostgresError`.
    func change<T>(
        select: (PostGISWorkingSet) throws -> Void, _ change: (Database, PostGISWorkingSet) throws -> T
    ) throws -> T {
        try retriedTransaction {
            // Steps of one subdistrict run side by side (each locks its rows); a change on a working set of whole
            // tables (applyChange) holds this lock alone, so no step changes a row it loaded before it writes back.
            try pg.execute(
                "SELECT pg_advisory_xact_lock_shared(hashtext('landreg.change'), hashtext($1))", [subdistrict])
            try checkSchemaUnchanged()
            let set = try PostGISWorkingSet(pg: pg, subdistrict: subdistrict, storeCRS: storeCRS)
            try select(set)
            return try set.run { db in try change(db, set) }
        }
    }

    /// Runs `body` in a READ COMMITTED transaction and commits; on a deadlock or serialization failure rolls back
    /// and runs it again (up to `tries` times, after a short random pause), on any other error rolls back and
    /// throws.
    private func retriedTransaction<T>(_ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            try pg.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            do {
                let result = try body()
                try pg.execute("COMMIT")
                return result
            } catch let e as PostgresError where ["40001", "40P01"].contains(e.sqlState) && attempt < Self.tries {
                _ = try? pg.execute("ROLLBACK")
                attempt += 1
                usleep(useconds_t.random(in: 1_000...20_000))
            } catch {
                _ = try? pg.execute("ROLLBACK")
                throw error
            }
        }
    }
}

extension PostGISStore {
    /// A change made by the registry's own code (an import, a split, a photo …) on a GeoPackage working set of the
    /// subdistrict, in a temporary file, inside one PostgreSQL transaction: `tables` are loaded whole with the
    /// reference tables (nil: every table), the change runs as on a GeoPackage store, and what it changed is written
    /// back (new rows by COPY) before the commit. Such a change holds the subdistrict's change lock alone (spot
    /// steps share it), so nothing it loaded changes before it writes back; ids are reserved so that ids inside the
    /// change's rows and events are the stored ones. A failure or a dry run writes nothing.
    /// - Throws: what `change` throws, `PostGISStoreError`, `PostgresError`.
    public func applyChange<T>(loading tables: [String]?, _ change: (Registry) throws -> T) throws -> T {
        try retriedTransaction {
            let folder = try TemporaryFolder(prefix: "landreg-pg-change")
            defer { folder.remove() }
            try pg.execute("SELECT pg_advisory_xact_lock(hashtext('landreg.change'), hashtext($1))", [subdistrict])
            try checkSchemaUnchanged()
            let set = try PostGISWorkingSet(
                pg: pg, subdistrict: subdistrict, storeCRS: storeCRS, file: folder.path + "/working-set.gpkg")
            try set.load(tables: tables)
            try set.reserveIDs()
            return try set.runOnRegistry(change)
        }
    }

    /// The subdistrict's store as it is at one moment (one REPEATABLE READ, READ ONLY transaction), every table,
    /// in an in-memory GeoPackage that refuses writes: the commands that only read (reports, exports, lists) run on it
    /// the code they run on a file, so they give the same figures.
    /// With `tables`, only those and the reference tables are read (a report that reads no parcels does not load
    /// a million of them); nil reads every table.
    public func snapshot(tables: [String]? = nil) throws -> Registry {
        try pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let set = try PostGISWorkingSet(pg: pg, subdistrict: subdistrict, storeCRS: storeCRS)
            try set.load(tables: tables)
            try pg.execute("COMMIT")
            try set.scratch.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = 1") }
            return Registry(path: displayURL, storeCRS: storeCRS, dbQueue: set.scratch)
        } catch {
            _ = try? pg.execute("ROLLBACK")
            throw error
        }
    }
}

extension PostGISStore: LandStore {
    public var location: String { displayURL }

    /// A lifecycle step: the live spot's row locked, its events and the reference tables loaded, the step applied
    /// by the same code as on a GeoPackage.
    public func applySpotStep(
        _ step: SpotStep, code: String, context: ChangeContext, minApprovalCoverage: Double
    ) throws -> SpotStepResult {
        let result = try change(select: { set in
            try set.loadReferenceTables()
            let spots = try set.load("spots", where: "code = $2 AND retired_at IS NULL", [code], forUpdate: true)
            for spot in spots {
                guard case .integer(let fid) = set.value("fid", of: "spots", in: spot) else { continue }
                try set.load(
                    "events", where: "entity = $2 AND entity_id = $3", [EventEntity.spot.rawValue, String(fid)])
            }
        }) { db, set in
            (
                try Registry.applySpotStep(
                    step, code: code, context: context, minApprovalCoverage: minApprovalCoverage, db), set
            )
        }
        let (step, set) = result
        return SpotStepResult(
            code: step.code, action: step.action, from: step.from, to: step.to,
            eventID: set.storedID("events", step.eventID))
    }
}

extension PostGISStore {
    /// `landreg init` on PostgreSQL: a new subdistrict in the database (the schema too, when it has none), with the
    /// reference code lists of `seeds`: an empty store made as a GeoPackage in a temporary folder and copied in
    /// (one transaction, verified), so that both stores start from the same rows.
    /// - Throws: `PostGISStoreError` when the database holds that subdistrict already or a store of another CRS.
    public static func create(url: String, subdistrict: String, crs: CRS, seeds: SeedSet) throws -> CopyReport {
        try StoreCopy.checkSubdistrict(subdistrict)
        let folder = try TemporaryFolder(prefix: "landreg-pg-init")
        defer { folder.remove() }
        let path = folder.path + "/empty.gpkg"
        try Registry.create(at: path, crs: crs, seeds: seeds).close()
        return try StoreCopy.geoPackageToPostGIS(
            from: path, to: url, subdistrict: subdistrict, named: "the new subdistrict (--crs \(crs))")
    }
}
