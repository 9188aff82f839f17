import GRDB

// MARK: - Events that refer to nothing
//
// Every audit-log row names the kind of record it is about (`entity`) and its row id (`entity_id`), or, for
// records known by code only, its code. A row whose record is not in the store points at nothing: the record
// was removed behind the registry's back (the tables refuse DELETE, but a file can be edited by other tools),
// or the event was written wrongly. Retired rows are still there, so events about them are fine; events with
// neither id nor code are about the store as a whole and are not checked.

enum EventReferenceCheck {
    /// The table of each entity kind whose name is not simply its plural with an s. Other kinds are looked up
    /// as `<entity>s` (spot → spots, site → sites, enterprise → enterprises).
    static let tableOfEntity: [String: String] = ["tenancy": "tenancies", "enterprise_year": "enterprise_years"]

    static func table(of entity: String) -> String { tableOfEntity[entity] ?? entity + "s" }

    static func orphans(_ db: Database, limit: Int) throws -> (findings: Findings<OrphanEvent>, events: Int) {
        var findings = Findings<OrphanEvent>(limit: limit)
        let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0
        let entities = try String.fetchAll(db, sql: "SELECT DISTINCT entity FROM events ORDER BY entity")
        for entity in entities {
            let table = table(of: entity)
            let condition: String
            let reason: String
            if try db.tableExists(table) {
                let t = table.quotedDatabaseIdentifier
                // Every table of ours has an INTEGER PRIMARY KEY (GeoPackage Req 119): it is the rowid.
                let hasCode = try db.columns(in: table).contains { $0.name == "code" }
                let byCode =
                    hasCode
                    ? "OR (e.entity_id IS NULL AND e.entity_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(t) r WHERE r.code = e.entity_code))"
                    : ""
                condition =
                    "(e.entity_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(t) r WHERE r.rowid = e.entity_id)) \(byCode)"
                reason = "no row in \(table)"
            } else {
                condition = "(e.entity_id IS NOT NULL OR e.entity_code IS NOT NULL)"
                reason = "no table \(table) for entity \(entity)"
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT e.id, e.entity, e.entity_id, e.entity_code, e.action FROM events e
                    WHERE e.entity = ? AND \(condition) ORDER BY e.id
                    """, arguments: [entity])
            while let row = try rows.next() {
                let id: Int64? = row["entity_id"]
                let code: String? = row["entity_code"]
                findings.add(
                    OrphanEvent(
                        id: row["id"], entity: entity, entityID: id, entityCode: code, action: row["action"] ?? "",
                        reason: reason + (id.map { " with id \($0)" } ?? code.map { " with code \($0)" } ?? "")))
            }
        }
        return (findings, events)
    }
}
