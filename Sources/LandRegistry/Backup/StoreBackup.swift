import Foundation
import GRDB
import GRDBSQLite

// MARK: - Consistent copies of a live store
//
// SQLite's online backup API (GRDB's `backup(to:)`, one step of all pages) copies one read snapshot: in WAL
// mode other processes keep writing meanwhile, and the copy holds each of their transactions wholly or not at
// all. The copy is written through `OutputFile` (Support/OutputFile.swift) under a hidden temporary name beside the
// destination, checked (PRAGMA quick_check), left in rollback-journal mode (one self-contained file, as
// GeoPackage readers expect), fsynced, and only then moved into place: a crash or a full disk never leaves a
// half-written file under the destination's name.
//
// What a backup may replace: nothing without --overwrite (an existing file is refused, even one created by someone
// else during the copy). With --overwrite, a plain non-database file, or an earlier landreg backup: a landreg
// GeoPackage in rollback-journal mode (header bytes 18–19 = 1; a live store is in WAL mode, = 2) with no -wal,
// -shm or -journal beside it. Never the store it copies (by path or inode), a live store, or any other database.

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
    /// Refuses a backup destination before any work is done (see the policy above).
    /// - Throws: `OutputFileError`.
    public static func checkBackupTarget(_ destination: String, policy: OutputPolicy) throws {
        try OutputFile.check(destination, policy: backupPolicy(policy), database: earlierBackup)
    }

    /// Copies the store consistently (SQLite online backup) while others may write.
    /// - Parameter policy: whether an earlier backup (or another plain file) at `destination` may be replaced;
    ///   this store is always protected.
    /// - Throws: `OutputFileError` when `destination` may not be written (nothing is written then),
    ///   `BackupError` when the copy fails its check; SQL and file errors otherwise (the partial copy is removed).
    @discardableResult
    public func backup(to destination: String, policy: OutputPolicy = OutputPolicy()) throws -> BackupReport {
        let started = Date()
        var policy = Registry.backupPolicy(policy)
        if !policy.protectedPaths.contains(path) { policy.protectedPaths.append(path) }
        let tables = try OutputFile.write(to: destination, policy: policy, database: Registry.earlierBackup) {
            temporary in
            let target = try DatabaseQueue(path: temporary, configuration: Registry.configuration())
            do {
                try dbQueue.backup(to: target)
            } catch let error as DatabaseError {
                // SQLite reports a failed write as an I/O error; the OS reason (ENOSPC, EFBIG…) is the copy's.
                let code = target.inDatabase { db in db.sqliteConnection.map { sqlite3_system_errno($0) } ?? 0 }
                let reason = code != 0 ? String(cString: strerror(code)) : String(describing: error)
                throw BackupError(destination: destination, problems: ["cannot write the copy: \(reason)"])
            }
            let (check, tables) = try target.writeWithoutTransaction { db -> ([String], [BackupReport.TableRows]) in
                // The copy's header says WAL like its source; a GeoPackage handed on is one file.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                let names = try String.fetchAll(db, sql: "SELECT table_name FROM gpkg_contents ORDER BY table_name")
                let tables = try names.map { name in
                    BackupReport.TableRows(
                        table: name,
                        rows: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(name.quotedDatabaseIdentifier)") ?? 0)
                }
                return (check, tables)
            }
            try target.close()
            guard check == ["ok"] else { throw BackupError(destination: destination, problems: check) }
            return tables
        }
        var info = stat()
        let bytes = stat(destination, &info) == 0 ? Int64(info.st_size) : 0
        return BackupReport(
            source: path, destination: destination, bytes: bytes, tables: tables,
            seconds: Date().timeIntervalSince(started))
    }

    private static func backupPolicy(_ policy: OutputPolicy) -> OutputPolicy {
        var p = policy
        p.expects = .file
        return p
    }

    /// An earlier landreg backup: rollback-journal mode, nothing beside it, a landreg_meta table.
    static let earlierBackup = OutputFile.ReplaceableDatabase(
        note: " (backup --overwrite replaces only an earlier landreg backup: a store copy in rollback-journal mode"
            + " with no -wal, -shm or -journal beside it)",
        accepts: { file in
            for suffix in ["-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: file + suffix) {
                return false
            }
            guard let handle = FileHandle(forReadingAtPath: file) else { return false }
            defer { try? handle.close() }
            let header = (try? handle.read(upToCount: 100)) ?? Data()
            // Bytes 18 and 19: file format write / read version, 1 = rollback journal, 2 = WAL.
            guard header.count == 100, header[18] == 1, header[19] == 1 else { return false }
            var config = Configuration()
            config.readonly = true
            guard let db = try? DatabaseQueue(path: file, configuration: config) else { return false }
            defer { try? db.close() }
            return (try? db.read { try $0.tableExists("landreg_meta") && $0.tableExists("gpkg_contents") }) ?? false
        })
}

/// A backup that could not be completed; no file was left at the destination.
public struct BackupError: Error, LocalizedError {
    public let destination: String
    public let problems: [String]
    public var errorDescription: String? {
        "backup to \(destination) failed: " + problems.prefix(5).joined(separator: "; ")
            + " (no file was written there)"
    }
}
