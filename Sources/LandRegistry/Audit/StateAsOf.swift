import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Records as they stood on a date, from the audit log
//
// A report "as of" a past date must not see changes made after it. Every change of a spot or site is an event
// with its effective date (`--on`), so the state on day D is rebuilt from the log:
//   spots — imported with status `reported` and no judgement, measure or progress; replay the events effective on
//           or before D, in effective-date then log order (each sets `to_state`; its details apply what the step
//           set: judgement, measure, recultivated_m2 …, by the same code the step used);
//   sites — start from the current row and undo the `advance` and `update` events effective after D, newest
//           first (each restores `from_state`; its SiteChange restores the mode and disposed area it changed).
// Records that did not exist on D are left out: a spot exists from its detection date (else its import), a child
// of a split from the split (its `split-child` event), a site from its import. A split parent's `split` event sets
// it to `split`; a child's event sets what it inherited; submit and review set and clear the review level.

/// A spot's lifecycle state on a date: its lifecycle columns as they stood then.
public typealias SpotStateAsOf = SpotLifecycleState

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
        for fid in try Int64.fetchAll(
            db,
            sql: """
                SELECT fid FROM spots WHERE retired_at IS NULL AND coalesce(detected_date, substr(created_at, 1, 10)) <= ?
                  AND (parent_code IS NULL OR (SELECT min(effective_date) FROM events
                                               WHERE entity = 'spot' AND entity_id = spots.fid) <= ?)
                """, arguments: [date, date])
        {
            states[fid] = SpotStateAsOf(imported: fid)
        }
        let events = try Row.fetchCursor(
            db,
            sql: """
                SELECT entity_id, action, to_state, details FROM events
                WHERE entity = ? AND to_state IS NOT NULL AND effective_date <= ?
                ORDER BY effective_date, id
                """, arguments: [EventEntity.spot, date])
        while let e = try events.next() {
            guard let fid: Int64 = e["entity_id"], var s = states[fid],
                let status = SpotStatus(rawValue: e["to_state"]),
                let action = EventAction(rawValue: e["action"])
            else { continue }
            s.status = status
            // The import sets nothing but `reported` (not decoded: one per spot); a step sets what it set when it
            // was applied (applySpotStep).
            if action != .import {
                try EventDetails(entity: .spot, action: action, text: e["details"]).spotChange?.apply(to: &s)
            }
            states[fid] = s
        }
        return states
    }

    /// The live sites that existed on `date`, keyed by fid, with their stage, mode and disposed area then.
    func siteStates(_ db: Database, asOf date: String) throws -> [Int64: SiteStateAsOf] {
        var states: [Int64: SiteStateAsOf] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT fid, stage, mode, disposed_m2 FROM sites WHERE retired_at IS NULL AND substr(created_at, 1, 10) <= ?
                """, arguments: [date])
        {
            states[row["fid"]] = SiteStateAsOf(stage: row["stage"], mode: row["mode"], disposedM2: row["disposed_m2"])
        }
        let later = try Row.fetchCursor(
            db,
            sql: """
                SELECT entity_id, action, from_state, details FROM events
                WHERE entity = ? AND action IN (?, ?) AND effective_date > ?
                ORDER BY effective_date DESC, id DESC
                """, arguments: [EventEntity.site, EventAction.advance, EventAction.update, date])
        while let e = try later.next() {
            guard let fid: Int64 = e["entity_id"], var s = states[fid] else { continue }
            s.stage = e["from_state"]
            guard let action = EventAction(rawValue: e["action"]) else { continue }
            switch try EventDetails(entity: .site, action: action, text: e["details"]) {
            case .advance(let change), .update(let change): change.undo(on: &s)
            default: break
            }
            states[fid] = s
        }
        return states
    }

    /// The state of each record, then or now: with `statesThen` (the records as they stood on a past date, keyed by
    /// fid) the record's state then, or nil when it did not exist then; without, `now()`, read from its row.
    static func stateThenOrNow<State>(_ statesThen: [Int64: State]?, fid: Int64, now: () throws -> State) rethrows
        -> State?
    {
        guard let statesThen else { return try now() }
        return statesThen[fid]
    }
}

extension Registry {
    /// The live spots that existed on `date`, each as it stood then (status, judgement, measure, deadline,
    /// reported areas), ordered by batch and code.
    public func spots(asOf date: String) throws -> [Spot] {
        try dbQueue.read { db in
            let states = try spotStates(db, asOf: date)
            return try Spot.all().live().order(Spot.Columns.batch, Spot.Columns.code).fetchAll(db)
                .compactMap { spot in states[spot.fid].map(spot.asItStood) }
        }
    }
}

extension Spot {
    /// This spot with its lifecycle columns as they stood on a past day.
    func asItStood(_ s: SpotStateAsOf) -> Spot {
        var then = self
        then.status = s.status
        then.judgement = s.judgement
        then.basis = s.basis; then.approvalDoc = s.approvalDoc; then.measure = s.measure
        then.deadline = s.deadline; then.restoredM2 = s.restoredM2; then.recultivatedM2 = s.recultivatedM2
        then.remainingM2 = s.remainingM2; then.closedDoc = s.closedDoc; then.reviewLevel = s.reviewLevel
        return then
    }
}
