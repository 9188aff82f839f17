import GRDB
import LandGeometry
import LandGeoJSON

// MARK: - Records as they stood on a date, from the audit log
//
// A report "as of" a past date must not see changes made after it. Every change of a spot or site is an event
// with its effective date (`--on`), so the state on day D is rebuilt from the log:
//   spots — imported with status `reported` and no judgement, measure or progress; replay the events effective on
//           or before D, in effective-date then log order (each sets `to_state`; its details set judgement,
//           measure, recultivated_m2 …);
//   sites — start from the current row and undo the events effective after D, newest first (each restores
//           `from_state`; `previous_mode` and `previous_disposed_m2` in its details restore those).
// Records that did not exist on D are left out: a spot exists from its detection date (else its import), a site
// from its import.

/// A spot's lifecycle state on a date.
public struct SpotStateAsOf: Sendable, Equatable {
    public var status: String
    public var judgement: String?
    public var basis: String?
    public var approvalDoc: String?
    public var measure: String?
    public var deadline: String?
    public var restoredM2: Double?
    public var recultivatedM2: Double?
    public var remainingM2: Double?
    public var closedDoc: String?

    public init(status: String, judgement: String? = nil, measure: String? = nil, recultivatedM2: Double? = nil) {
        self.status = status; self.judgement = judgement; self.measure = measure; self.recultivatedM2 = recultivatedM2
    }
}

/// A site's stage, mode and disposed area on a date.
public struct SiteStateAsOf: Sendable, Equatable {
    public var stage: String
    public var mode: String?
    public var disposedM2: Double
}

extension Registry {
    /// The live spots that existed on `date` (YYYY-MM-DD), keyed by fid, with their state then.
    func spotStates(_ db: Database, asOf date: String) throws -> [Int64: SpotStateAsOf] {
        var states: [Int64: SpotStateAsOf] = [:]
        for fid in try Int64.fetchAll(db, sql: """
            SELECT fid FROM spots WHERE retired_at IS NULL AND coalesce(detected_date, substr(created_at, 1, 10)) <= ?
            """, arguments: [date]) {
            states[fid] = SpotStateAsOf(status: "reported")
        }
        let events = try Row.fetchCursor(db, sql: """
            SELECT entity_id, to_state, details FROM events
            WHERE entity = 'spot' AND to_state IS NOT NULL AND effective_date <= ?
            ORDER BY effective_date, id
            """, arguments: [date])
        while let e = try events.next() {
            guard let fid: Int64 = e["entity_id"], var s = states[fid] else { continue }
            s.status = e["to_state"]
            let d = (try? JSONObject.parse(e["details"])) ?? JSONObject()
            func text(_ key: String) -> String? { d[key]?.stringValue }
            func number(_ key: String) -> Double? { d[key]?.doubleValue }
            if let v = text("judgement") { s.judgement = v }
            if let v = text("basis") { s.basis = v }
            if let v = text("approval_doc") { s.approvalDoc = v }
            if let v = text("measure") { s.measure = v }
            if let v = text("deadline") { s.deadline = v }
            if let v = number("restored_m2") { s.restoredM2 = v }
            if let v = number("recultivated_m2") { s.recultivatedM2 = v }
            if let v = number("remaining_m2") { s.remainingM2 = v }
            if let v = text("doc") { s.closedDoc = v }
            states[fid] = s
        }
        return states
    }

    /// The live sites that existed on `date`, keyed by fid, with their stage, mode and disposed area then.
    func siteStates(_ db: Database, asOf date: String) throws -> [Int64: SiteStateAsOf] {
        var states: [Int64: SiteStateAsOf] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT fid, stage, mode, disposed_m2 FROM sites WHERE retired_at IS NULL AND substr(created_at, 1, 10) <= ?
            """, arguments: [date]) {
            states[row["fid"]] = SiteStateAsOf(stage: row["stage"], mode: row["mode"], disposedM2: row["disposed_m2"])
        }
        let later = try Row.fetchCursor(db, sql: """
            SELECT entity_id, from_state, json_extract(details, '$.previous_mode') AS previous_mode,
                   json_extract(details, '$.previous_disposed_m2') AS previous_disposed_m2
            FROM events
            WHERE entity = 'site' AND from_state IS NOT NULL AND effective_date > ?
            ORDER BY effective_date DESC, id DESC
            """, arguments: [date])
        while let e = try later.next() {
            guard let fid: Int64 = e["entity_id"], var s = states[fid] else { continue }
            s.stage = e["from_state"]
            if let m: String = e["previous_mode"] { s.mode = m == "none" ? nil : m }
            if let d: Double = e["previous_disposed_m2"] { s.disposedM2 = d }
            states[fid] = s
        }
        return states
    }
}

extension Registry {
    /// The live spots that existed on `date`, each as it stood then (status, judgement, measure, deadline,
    /// reported areas), ordered by batch and code.
    public func spots(asOf date: String) throws -> [Spot] {
        try dbQueue.read { db in
            let states = try spotStates(db, asOf: date)
            return try Spot.fetchAll(db, sql: "SELECT \(Spot.columnsSQL) FROM spots WHERE retired_at IS NULL ORDER BY batch, code")
                .compactMap { spot in
                    guard let s = states[spot.fid], let status = SpotStatus(rawValue: s.status) else { return nil }
                    var then = spot
                    then.status = status
                    then.judgement = s.judgement.flatMap(SpotJudgement.init(rawValue:))
                    then.basis = s.basis; then.approvalDoc = s.approvalDoc; then.measure = s.measure
                    then.deadline = s.deadline; then.restoredM2 = s.restoredM2; then.recultivatedM2 = s.recultivatedM2
                    then.remainingM2 = s.remainingM2; then.closedDoc = s.closedDoc
                    return then
                }
        }
    }
}
