import Foundation
import GRDB

// MARK: - Consistent copies of a live store
//
// SQLite's online backup API (GRDB's `backup(to:)`, one step of all pages) copies one read snapshot: in WAL
// mode other processes keep writing meanwhile, and the copy holds each of their transactions wholly or not at
// all. The copy is written beside the destination under a temporary name, checked (PRAGMA quick_check), left in
// rollback-journal mode (one self-contained file, as GeoPackage readers expect), and only then linked into
// place: a crash or a full disk never leaves a half-written file under the destination's name, and an existing
// file there is never overwritten, even one created by someone else during the copy.

/// What `landreg backup` copied.
public struct BackupReport: Codable, Sendable {
    public struct TableRows: Codable, Sendable {
        public let table: String
        public let rows: Int
    }
    public let source: String
    public let destination: String
    public let bytes: Int64
    /// Rows of every table listed in gpkg_contents, as copied.
    public let tables: [TableRows]
    public let seconds: Double
}

extension Registry {
    /// Copies the store consistently (SQLite online backup) while others may write.
    /// - Throws: `RegistryError.storeExists` when `destination` exists (nothing is written then),
    ///   `BackupError` when the copy fails its check; SQL and file errors otherwise (the partial copy is removed).
    @discardableResult
    public func backup(to destination: String) throws -> BackupReport {
        let started = Date()
        let fm = FileManager.default
        if fm.fileExists(atPath: destination) { throw RegistryError.storeExists(destination) }
        let temporary = destination + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func removeTemporary() { for s in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: temporary + s) } }
        do {
            let target = try DatabaseQueue(path: temporary, configuration: Registry.configuration())
            try dbQueue.backup(to: target)
            let (check, tables) = try target.writeWithoutTransaction { db -> ([String], [BackupReport.TableRows]) in
                // The copy's header says WAL like its source; a GeoPackage handed on is one file.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                let names = try String.fetchAll(db, sql: "SELECT table_name FROM gpkg_contents ORDER BY table_name")
                let tables = try names.map { name in
                    BackupReport.TableRows(
                        table: name, rows: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(name.quotedDatabaseIdentifier)") ?? 0)
                }
                return (check, tables)
            }
            try target.close()
            guard check == ["ok"] else { throw BackupError(destination: destination, problems: check) }
            // link(2) fails with EEXIST instead of replacing: the no-clobber rename.
            guard link(temporary, destination) == 0 else {
                let code = errno
                if code == EEXIST { throw RegistryError.storeExists(destination) }
                throw BackupError(destination: destination, problems: [String(cString: strerror(code))])
            }
            removeTemporary()
            let bytes = (try? fm.attributesOfItem(atPath: destination)[.size] as? NSNumber)?.int64Value ?? 0
            return BackupReport(source: path, destination: destination, bytes: bytes, tables: tables,
                                seconds: Date().timeIntervalSince(started))
        } catch {
            removeTemporary()
            throw error
        }
    }
}

/// A backup that could not be completed; no file was left at the destination.
public struct BackupError: Error, LocalizedError {
    public let destination: String
    public let problems: [String]
    public var errorDescription: String? {
        "backup to \(destination) failed: " + problems.prefix(5).joined(separator: "; ") + " (no file was written there)"
    }
}
