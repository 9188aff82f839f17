import Foundation
import GRDB

// MARK: - Applying lifecycle steps
//
// One step = one transaction: read the live spot, ask the state machine, check the step's values, update the
// row, append the event (from/to state, the values set, actor, effective date, note, evidence). A refused step
// throws `SpotStepRefused` before anything is written. Steps of one spot must not go back in time: a step's
// effective date is never before the spot's last lifecycle step.

/// One lifecycle step with the values it sets.
public enum SpotStep: Sendable, Equatable {
    /// Verification; without a judgement a reported spot becomes `verifying`.
    case verify(judgement: SpotJudgement?, basis: String?, approvalDoc: String?)
    /// Start rectification of an illegal spot with a measure (a rectification_measures code) and a deadline (YYYY-MM-DD).
    case rectify(measure: String, deadline: String)
    /// Record rectification progress in m² (nil = leave as it is).
    case progress(restoredM2: Double?, recultivatedM2: Double?, remainingM2: Double?)
    /// Rectification done: needs a remaining area of 0.
    case complete
    /// A failed review sends a rectified spot back to rectifying (打回重核); optionally with the remaining area found.
    case reopen(reason: String, remainingM2: Double?)
    /// Close-out (销号), optionally with the document number.
    case close(doc: String?)
    /// Submit a rectified spot for review (SpotReview.swift).
    case submit
    /// A review at one level (a review_levels code): pass, or return with a reason (and the remaining area found).
    case review(level: String, outcome: SpotReviewOutcome)

    public var action: SpotAction {
        switch self {
        case .verify: return .verify
        case .rectify: return .rectify
        case .progress: return .progress
        case .complete: return .complete
        case .reopen: return .reopen
        case .close: return .close
        case .submit: return .submit
        case .review: return .review
        }
    }
}

/// A step applied: the spot, the states, and its event.
public struct SpotStepResult: Sendable, Codable, Equatable {
    public let code: String
    public let action: SpotAction
    public let from: SpotStatus
    public let to: SpotStatus
    public let eventID: Int64
}

/// A step the spot's state or the step's values do not allow. Nothing was written.
public struct SpotStepRefused: Error, LocalizedError, Equatable {
    public let code: String
    public let message: String
    public var errorDescription: String? { message + "; nothing was changed" }
}

extension Registry {
    /// The effective date of the spot's last lifecycle step — an action of `SpotStateMachine`, or the split that
    /// made the spot — nil when it has none. Its import, evidence photos and recomputed figures are not steps: a
    /// photo added today does not stop a step that happened yesterday from being recorded.
    static func lastStepDate(_ db: Database, spotFID: Int64) throws -> String? {
        let steps = SpotAction.allCases.map(\.rawValue) + [EventAction.splitChild.rawValue]
        return try String.fetchOne(
            db,
            sql: """
                SELECT max(effective_date) FROM events
                WHERE entity = ? AND entity_id = ? AND action IN (\(steps.map { _ in "?" }.joined(separator: ", ")))
                """,
            arguments: StatementArguments(
                [EventEntity.spot.rawValue, spotFID] + steps.map { $0 as any DatabaseValueConvertible }))
    }

    /// Applies one lifecycle step to the live spot with this code, in one transaction with its event.
    /// - Throws: `NotFound`, `SpotStepRefused` (store unchanged).
    @discardableResult
    public func applySpotStep(
        _ step: SpotStep, code: String, context: ChangeContext,
        minApprovalCoverage: Double = SpotApprovalRule.defaultMinCoverage
    ) throws -> SpotStepResult {
        try write { db in
            try Self.applySpotStep(step, code: code, context: context, minApprovalCoverage: minApprovalCoverage, db)
        }
    }

    static func applySpotStep(
        _ step: SpotStep, code: String, context: ChangeContext,
        minApprovalCoverage: Double = SpotApprovalRule.defaultMinCoverage, _ db: Database
    ) throws -> SpotStepResult {
        guard
            let spot = try Spot.all().live().code(code).fetchOne(db)
        else { throw NotFound(what: "spot", code: code) }
        func refuse(_ why: String) -> SpotStepRefused { SpotStepRefused(code: code, message: why) }

        let action = step.action
        let target: SpotStatus
        switch step {
        case .verify(let judgement, _, _): target = judgement?.status ?? .verifying
        case .rectify, .progress, .reopen: target = .rectifying
        case .complete: target = .rectified
        case .close: target = .closed
        case .submit: target = .submitted
        case .review(let level, let outcome):
            target = try Self.reviewTarget(level: level, outcome: outcome, code: code, db)
        }
        guard SpotStateMachine.transition(action, from: spot.status, to: target) != nil else {
            throw refuse(SpotStateMachine.refusal(code: code, action: action, from: spot.status, to: target))
        }
        if let last = try Self.lastStepDate(db, spotFID: spot.fid), context.effectiveDate < last {
            throw refuse(
                "spot \(code): \(action.rawValue) on \(context.effectiveDate) would come before its last step (on \(last)); "
                    + "steps are recorded in the order they happened")
        }

        let areaM2 = spot.ellipsoidalAreaM2
        // Field figures may be planar or ellipsoidal (they differ by ~1e-5 here) and rounded: allow either, plus 1 cm².
        let largestAreaM2 = max(spot.ellipsoidalAreaM2, spot.planarAreaM2) + 0.01
        func checkArea(_ value: Double?, _ name: String) throws {
            guard let value else { return }
            guard value.isFinite, value >= 0 else {
                throw refuse("spot \(code): \(name) \(value) m² must be a number ≥ 0")
            }
            guard value <= largestAreaM2 else {
                throw refuse(
                    "spot \(code): \(name) \(Self.m2(value)) m² is more than the spot's monitored area (\(Self.m2(areaM2)) m²)"
                )
            }
        }

        let details: EventDetails
        switch step {
        case .verify(let judgement, let basis, let approvalDoc):
            if let why = SpotApprovalRule.refusal(
                spot, judgement: judgement, approvalDoc: approvalDoc, minCoverage: minApprovalCoverage)
            {
                throw refuse(why)
            }
            details = .verify(SpotVerification(judgement: judgement, basis: basis, approvalDoc: approvalDoc))
        case .rectify(let measure, let deadline):
            let known = try String.fetchAll(db, sql: "SELECT code FROM rectification_measures ORDER BY id")
            guard known.contains(measure) else {
                throw refuse("spot \(code): unknown measure \"\(measure)\" (known: \(known.joined(separator: ", ")))")
            }
            guard Clock.validDay(deadline) != nil else {
                throw refuse("spot \(code): deadline \(deadline) is not a date YYYY-MM-DD")
            }
            guard deadline >= context.effectiveDate else {
                throw refuse(
                    "spot \(code): deadline \(deadline) is before the day rectification starts (\(context.effectiveDate))"
                )
            }
            // Nothing is rectified yet when no remaining area was recorded: all of the spot remains.
            details = .rectify(
                SpotRectification(
                    measure: measure, deadline: deadline,
                    remainingM2: spot.remainingM2 == nil ? areaM2 : nil))
        case .progress(let restored, let recultivated, let remaining):
            guard restored != nil || recultivated != nil || remaining != nil else {
                throw refuse("spot \(code): progress needs " + (SpotStateMachine.requirements[.progress] ?? ""))
            }
            try checkArea(restored, "restored area"); try checkArea(recultivated, "recultivated area")
            try checkArea(remaining, "remaining area")
            details = .progress(
                SpotProgress(restoredM2: restored, recultivatedM2: recultivated, remainingM2: remaining))
        case .complete:
            let remaining = spot.remainingM2 ?? areaM2
            guard remaining == 0 else {
                throw refuse(
                    "spot \(code) is rectifying with \(Self.m2(remaining)) m² remaining; complete needs "
                        + (SpotStateMachine.requirements[.complete] ?? ""))
            }
            details = .complete(SpotCompletion())
        case .reopen(let reason, let remaining):
            guard !reason.trimmed.isEmpty else { throw refuse("spot \(code): reopen needs --reason") }
            try checkArea(remaining, "remaining area")
            details = .reopen(SpotReopening(reason: reason, remainingM2: remaining))
        case .close(let doc):
            details = .close(SpotClosure(closedDoc: doc))
        case .submit:
            details = .submit(try Self.submission(of: spot, db))
        case .review(let level, let outcome):
            if case .returned(_, let remaining) = outcome { try checkArea(remaining, "remaining area") }
            details = .review(try Self.review(of: spot, level: level, outcome: outcome, db))
        }

        // The row changes by the same `apply` the as-of replay uses (EventDetails.swift); only changed columns are written.
        var lifecycle = SpotLifecycleState(spot)
        try lifecycle.updateChanges(db) { row in
            details.spotChange?.apply(to: &row)
            row.status = target
        }
        let event = try AuditLog.append(
            db, context: context, entity: .spot, entityID: spot.fid, entityCode: code,
            from: spot.status.rawValue, to: target.rawValue, details: details)
        return SpotStepResult(code: code, action: action, from: spot.status, to: target, eventID: event.id ?? 0)
    }

    static func m2(_ v: Double) -> String { String(format: "%.2f", v) }
}

/// The lifecycle columns of a spot row: what its steps change (`updateChanges` writes them) and what the as-of
/// replay rebuilds from the audit log. Areas in m².
public struct SpotLifecycleState: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "spots"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
    public var fid: Int64
    public var status: SpotStatus
    public var judgement: SpotJudgement?
    public var basis: String?
    public var approvalDoc: String?
    public var measure: String?
    public var deadline: String?
    public var restoredM2: Double?
    public var recultivatedM2: Double?
    public var remainingM2: Double?
    public var closedDoc: String?
    /// While submitted: the last review level passed.
    public var reviewLevel: String?

    /// A spot as it was imported: reported, nothing judged, measured or reported yet.
    init(imported fid: Int64) { self.fid = fid; status = .reported }

    /// The lifecycle columns of a stored spot.
    init(_ spot: Spot) {
        fid = spot.fid; status = spot.status; judgement = spot.judgement; basis = spot.basis
        approvalDoc = spot.approvalDoc; measure = spot.measure; deadline = spot.deadline
        restoredM2 = spot.restoredM2; recultivatedM2 = spot.recultivatedM2; remainingM2 = spot.remainingM2
        closedDoc = spot.closedDoc; reviewLevel = spot.reviewLevel
    }
}
