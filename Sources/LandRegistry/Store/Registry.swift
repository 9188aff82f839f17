import Foundation
import GRDB
import LandGeometry

// MARK: - The store facade
//
// One `Registry` owns one GeoPackage file through one GRDB DatabaseQueue in WAL mode: readers in other
// processes never block the writer, several landreg processes may write (a busy writer waits up to
// `busyTimeoutSeconds`). A queue, not a pool: a CLI process does one thing at a time, and opening must not
// write anything, so that a read or a refused import leaves the file byte for byte as it was. Writes are named
// for what they mean and run in one transaction each; reads are focused methods (see the extensions in
// Import/, Queries/, Export/). Only LandRegistry knows SQL.

public final class Registry: Sendable {
    /// The store file, or the PostgreSQL store's URL (without its password) for a working set or snapshot of it:
    /// the name messages give the store.
    public let path: String
    /// The SQLite file behind `dbQueue`, for the connections of its own an import's workers open (`path` but for a
    /// PostGIS working set, whose file is a temporary one).
    let databaseFile: String
    /// The working CRS: every geometry in the store is in it.
    public let storeCRS: CRS
    let dbQueue: DatabaseQueue

    /// How long a write waits for another process's transaction before giving up, in seconds.
    public static let busyTimeoutSeconds: TimeInterval = 60

    init(path: String, storeCRS: CRS, dbQueue: DatabaseQueue, file: String? = nil) {
        self.path = path; self.storeCRS = storeCRS; self.dbQueue = dbQueue; self.databaseFile = file ?? path
    }

    static func configuration(readonly: Bool = false) -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeoutSeconds)
        config.readonly = readonly
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in SpatialSQLFunctions.register(on: db) }
        return config
    }

    /// Creates a new store at `path` in `crs`, with the reference data found in `seeds`.
    /// - Throws: `RegistryError.storeExists` when the file is there already; CRS and SQL errors otherwise.
    public static func create(at path: String, crs: CRS, seeds: SeedSet) throws -> Registry {
        try create(at: path, crs: crs) { db in
            try seeds.load(into: db)
            try db.execute(
                sql: "INSERT INTO landreg_meta (key, value) VALUES ('landreg_version', ?)",
                arguments: [landregVersion])
        }
    }

    /// Creates the schema of a new store at `path` in `crs`, then calls `fill` in one transaction with it (a copy
    /// from PostGIS brings every row itself, the reference data and landreg_meta included). `upTo`: the schema as
    /// it was after that migration (an older landreg's store, for migrating a PostGIS store); nil: this landreg's.
    static func create(
        at path: String, crs: CRS, upTo lastStep: String? = nil, fill: (Database) throws -> Void
    ) throws -> Registry {
        if FileManager.default.fileExists(atPath: path) { throw RegistryError.storeExists(path) }
        let definition = try StoreCRSDefinition(crs)
        do {
            let dbQueue = try DatabaseQueue(path: path, configuration: configuration())
            // WAL is a property of the file: set once here, every later connection uses it. (GRDB's own WAL set-up
            // writes a scratch table on every open, which would change the file even for a read.)
            try dbQueue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            let migrator = Migrations.migrator(storeCRS: definition)
            if let lastStep { try migrator.migrate(dbQueue, upTo: lastStep) } else { try migrator.migrate(dbQueue) }
            try dbQueue.write { db in try fill(db) }
            return Registry(path: path, storeCRS: crs, dbQueue: dbQueue)
        } catch {
            // A half-made store is worse than none: remove what this call created.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    /// Opens an existing store. A store from an older landreg is backed up (to `PATH.bak-<time>`) and migrated;
    /// one written by a newer landreg is refused.
    public static func open(at path: String) throws -> Registry {
        guard FileManager.default.fileExists(atPath: path) else { throw RegistryError.storeNotFound(path) }
        // SQLite would open a FIFO and then block reading its header: refuse anything but a regular file first.
        do { try InputFile.regular(path, role: "store") } catch let e as InputFileError {
            throw RegistryError.notAStore(path, e.problem)
        }
        let dbQueue: DatabaseQueue
        do {
            dbQueue = try DatabaseQueue(path: path, configuration: configuration())
        } catch {
            throw RegistryError.notAStore(path, String(describing: error))
        }
        let crsText: String? = try dbQueue.read { db in
            guard try db.tableExists("landreg_meta"), try db.tableExists("grdb_migrations") else { return nil }
            return try String.fetchOne(db, sql: "SELECT value FROM landreg_meta WHERE key = 'store_crs'")
        }
        guard let crsText else { throw RegistryError.notAStore(path, "it has no landreg_meta table") }
        let crs = try CRS.parse(crsText)
        let migrator = Migrations.migrator(storeCRS: try StoreCRSDefinition(crs))
        let (superseded, unknown, complete) = try dbQueue.read { db in
            let superseded = try migrator.hasBeenSuperseded(db)
            let unknown = superseded ? try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) : []
            return (superseded, unknown, try migrator.hasCompletedMigrations(db))
        }
        if superseded { throw RegistryError.newerStore(path, unknown.sorted()) }
        if !complete {
            let backup = path + ".bak-" + Registry.timestampForFileName()
            try dbQueue.backup(to: try DatabaseQueue(path: backup))
            try migrator.migrate(dbQueue)
            // Code tables a migration added (landuse_three_classes) are filled from seeds/ when it is found.
            if let seeds = SeedSet.locate() { try dbQueue.write { db in try seeds.loadMissing(into: db) } }
            FileHandle.standardError.write(Data("landreg: migrated \(path) to this version (backup: \(backup))\n".utf8))
        }
        return Registry(path: path, storeCRS: crs, dbQueue: dbQueue)
    }

    // `backup(to:)`: see Backup/StoreBackup.swift.

    /// Checkpoints the WAL into the main file and closes, so the store is one self-contained file.
    public func close() throws {
        dbQueue.writeWithoutTransaction { db in _ = try? db.checkpoint(.truncate) }
        try dbQueue.close()
    }

    static func timestampForFileName() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: Date())
    }
}

/// The version written into new stores' landreg_meta.
public let landregVersion = "0.1.0"

extension StoreCRSDefinition {
    init(_ crs: CRS) throws {
        let geographic: Entry? =
            crs.isGeographic
            ? nil
            : Entry(
                epsg: CRS.cgcs2000Geographic.epsg, name: CRS.cgcs2000Geographic.name, wkt: CRS.cgcs2000Geographic.wkt1)
        self.init(epsg: crs.epsg, name: crs.name, wkt: crs.wkt1, geographic: geographic)
    }
}

/// Failures of opening or creating a store, in words a user can act on.
public enum RegistryError: Error, LocalizedError, Equatable {
    case storeNotFound(String)
    case storeExists(String)
    case notAStore(String, String)
    case newerStore(String, [String])
    /// A postgresql:// store given to a command that works on a GeoPackage only (docs/postgis.md lists those that
    /// run on PostgreSQL).
    case postgresStore(String)

    public var errorDescription: String? {
        switch self {
        case .storeNotFound(let p):
            return "\(p): no store here; create one with `landreg init --store \(p)` or pass --store / LANDREG_STORE"
        case .storeExists(let p):
            return "\(p): a file already exists there; choose another path (nothing was changed)"
        case .notAStore(let p, let why):
            return "\(p): not a landreg store (\(why))"
        case .newerStore(let p, let ids):
            return "\(p) was written by a newer landreg (it has schema steps this version does not know: "
                + ids.joined(separator: ", ") + "); upgrade landreg to open it. Nothing was changed."
        case .postgresStore(let url):
            return
                "\(url) is a PostgreSQL store, and this works on a GeoPackage file only; to work on a subdistrict "
                + "as a file, copy it out: landreg copy --from URL --to FILE.gpkg --subdistrict CODE"
        }
    }
}
