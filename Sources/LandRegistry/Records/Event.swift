import Foundation
import GRDB

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
    /// What kind of record: "parcel", "zone", "spot", "site", "tenancy", "enterprise", "import".
    public var entity: String
    public var entityID: Int64?
    public var entityCode: String?
    /// What happened: "import", "retire", "verify", "rectify", "advance", …
    public var action: String
    public var fromState: String?
    public var toState: String?
    public var note: String?
    public var evidencePath: String?
    public var evidenceSHA256: String?
    /// Extra facts as a JSON object (counts, measures, areas).
    public var details: String

    enum CodingKeys: String, CodingKey {
        case id, actor, entity, action, note, details
        case recordedAt = "recorded_at", effectiveDate = "effective_date", entityID = "entity_id"
        case entityCode = "entity_code", fromState = "from_state", toState = "to_state"
        case evidencePath = "evidence_path", evidenceSHA256 = "evidence_sha256"
    }

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

/// A file a change rests on: its path as given and its SHA-256 at the time of the change.
public struct Evidence: Sendable, Equatable, Codable {
    public let path: String
    public let sha256: String

    /// Hashes the file. - Throws: `EvidenceError` when the file is not there or unreadable.
    public init(file path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw EvidenceError(path: path, message: "no such file")
        }
        do { self.sha256 = try SHA256Hasher.hexDigest(ofFile: path) } catch {
            throw EvidenceError(path: path, message: "cannot be read")
        }
        self.path = path
    }
}

public struct EvidenceError: Error, LocalizedError {
    public let path: String
    public let message: String
    public var errorDescription: String? { "evidence file \(path): \(message)" }
}

enum AuditLog {
    /// Appends one event in the caller's transaction and returns it with its id.
    @discardableResult
    static func append(
        _ db: Database, context: ChangeContext, entity: String, entityID: Int64?, entityCode: String?,
        action: String, from: String? = nil, to: String? = nil, details: [String: Any] = [:]
    ) throws -> Event {
        let event = Event(
            id: nil, recordedAt: Clock.timestamp(), effectiveDate: context.effectiveDate, actor: context.actor,
            entity: entity, entityID: entityID, entityCode: entityCode, action: action, fromState: from, toState: to,
            note: context.note, evidencePath: context.evidence?.path, evidenceSHA256: context.evidence?.sha256,
            details: JSONText.object(details))
        return try event.insertAndFetch(db)
    }
}

extension Registry {
    /// The audit trail of one record, oldest first.
    public func events(entity: String, entityID: Int64? = nil, code: String? = nil) throws -> [Event] {
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
