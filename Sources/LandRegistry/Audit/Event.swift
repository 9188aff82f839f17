import Foundation
import GRDB
import LandGeometry

/// One row of the append-only audit log: a change of state, an import, a retirement.
/// The store itself refuses UPDATE and DELETE on `events` (triggers), whatever program writes to it.
public struct Event: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "events"
    public var id: Int64?
    /// When the row was written, UTC ISO 8601.
    public var recordedAt: String
    /// The date the change took effect (`--on`), YYYY-MM-DD.
    public var effectiveDate: String
    public var actor: String
    /// What kind of record (see EventDetails.swift for every kind of event).
    public var entity: EventEntity
    public var entityID: Int64?
    public var entityCode: String?
    /// What happened.
    public var action: EventAction
    public var fromState: String?
    public var toState: String?
    public var note: String?
    public var evidencePath: String?
    public var evidenceSHA256: String?
    /// Extra facts as a JSON object (counts, measures, areas), as stored; `typedDetails()` reads it.
    public var details: String

    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Who makes a change, when it takes effect, why, and on what evidence. Every write that changes state
/// takes one and leaves it in the audit log.
public struct ChangeContext: Sendable {
    public var actor: String
    /// YYYY-MM-DD; defaults to today (UTC).
    public var effectiveDate: String
    public var note: String?
    public var evidence: Evidence?

    public init(actor: String, effectiveDate: String? = nil, note: String? = nil, evidence: Evidence? = nil) {
        self.actor = actor
        self.effectiveDate = effectiveDate ?? Clock.today()
        self.note = note
        self.evidence = evidence
    }
}

/// A file a change rests on: where it is and its SHA-256 at the time of the change.
///
/// The path kept is canonical, so that the audit log names one file one way: no `.` or `..` components and no
/// symbolic links in its folders (realpath(3)); relative to the store's folder when the file is inside it (moving
/// the store's folder with its evidence keeps the references good), else absolute.
public struct Evidence: Sendable, Equatable, Codable {
    public let path: String
    public let sha256: String

    /// Checks that `path` is a regular file, hashes it and keeps its canonical path.
    /// - Parameters:
    ///   - path: as the user gave it (relative to the working directory, or absolute).
    ///   - storeFolder: the folder of the store the change goes into (`Registry.storeFolder`); nil keeps the
    ///     path absolute.
    /// - Throws: `EvidenceError` when the file is missing, unreadable or not a regular file (nothing is opened
    ///   then: a FIFO would block).
    public init(file path: String, storeFolder: String? = nil) throws {
        do { try InputFile.regular(path, role: "evidence file") } catch let e as InputFileError {
            throw EvidenceError(path: path, message: e.problem)
        }
        do { self.sha256 = try SHA256Hasher.hexDigest(ofFile: path) } catch {
            throw EvidenceError(path: path, message: "cannot be read")
        }
        self.path = Self.storedPath(path, storeFolder: storeFolder)
    }

    /// The folder of the store at `storePath`, absolute (a relative store path is taken from the working directory).
    public static func folder(ofStore storePath: String) -> String {
        URL(fileURLWithPath: storePath).deletingLastPathComponent().path
    }

    /// `path` with its folder resolved (realpath: no `.`, `..` or symlinks), relative to `storeFolder` (itself
    /// resolved) when inside it, else absolute. The last component is kept as named: it is the file, not a folder.
    static func storedPath(_ path: String, storeFolder: String?) -> String {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let folder = url.deletingLastPathComponent()
        let resolvedFolder = realPath(folder.path) ?? folder.standardized.path
        let full = resolvedFolder == "/" ? "/" + name : resolvedFolder + "/" + name
        if let storeFolder, let resolvedStore = realPath(storeFolder) {
            let prefix = resolvedStore == "/" ? "/" : resolvedStore + "/"
            if full.hasPrefix(prefix) { return String(full.dropFirst(prefix.count)) }
        }
        return full
    }

    /// realpath(3), or nil when the path cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension Registry {
    /// The folder the store file is in, absolute: evidence inside it is recorded relative to it.
    public var storeFolder: String { Evidence.folder(ofStore: path) }
}

public struct EvidenceError: Error, LocalizedError {
    public let path: String
    public let message: String
    public var errorDescription: String? { "evidence file \(path): \(message)" }
}

enum AuditLog {
    /// Appends one event in the caller's transaction and returns it with its id; its action is the details'.
    @discardableResult
    static func append(
        _ db: Database, context: ChangeContext, entity: EventEntity, entityID: Int64?, entityCode: String?,
        from: String? = nil, to: String? = nil, details: EventDetails
    ) throws -> Event {
        let event = Event(
            id: nil, recordedAt: Clock.timestamp(), effectiveDate: context.effectiveDate, actor: context.actor,
            entity: entity, entityID: entityID, entityCode: entityCode, action: details.action, fromState: from,
            toState: to, note: context.note, evidencePath: context.evidence?.path,
            evidenceSHA256: context.evidence?.sha256, details: details.text)
        return try event.insertAndFetch(db)
    }
}

extension Registry {
    /// The audit trail of one record, oldest first.
    public func events(entity: EventEntity, entityID: Int64? = nil, code: String? = nil) throws -> [Event] {
        try dbQueue.read { db in
            var request = Event.filter(Column("entity") == entity)
            if let entityID { request = request.filter(Column("entity_id") == entityID) }
            if let code { request = request.filter(Column("entity_code") == code) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    /// The number of events in the log.
    public func eventCount() throws -> Int { try dbQueue.read { try Event.fetchCount($0) } }
}
