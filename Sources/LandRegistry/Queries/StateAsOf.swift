import GRDB

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
    public var measure: String?
    public var recultivatedM2: Double?
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
            SELECT entity_id, to_state, json_extract(details, '$.judgement') AS judgement,
                   json_extract(details, '$.measure') AS measure,
                   json_extract(details, '$.recultivated_m2') AS recultivated_m2
            FROM events
            WHERE entity = 'spot' AND to_state IS NOT NULL AND effective_date <= ?
            ORDER BY effective_date, id
            """, arguments: [date])
        while let e = try events.next() {
            guard let fid: Int64 = e["entity_id"], var s = states[fid] else { continue }
            s.status = e["to_state"]
            if let j: String = e["judgement"] { s.judgement = j }
            if let m: String = e["measure"] { s.measure = m }
            if let r: Double = e["recultivated_m2"] { s.recultivatedM2 = r }
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
