import Foundation
import GRDB

// MARK: - The review chain above the subdistrict (county → city → province)
//
// The levels and their order are data: the store's review_levels table (seeds/review-levels.csv at init; an office
// whose province skips the city level edits that file). A rectified spot is submitted (→ submitted, no level
// passed yet); each review must be at the next level in order; a pass records the level (review_level), and a pass
// at the last level makes the spot `reviewed`, which may then be closed out. A return at any level sends the spot
// back to rectifying with the reason (已打回) and clears the level: a resubmission starts again at the first level.
// Each step is one transaction with its event (applySpotStep); the error rate counts those events.

/// The outcome of one review.
public enum SpotReviewOutcome: Sendable, Equatable {
    case pass
    /// Sent back (已打回) with the reason, optionally with the remaining area found (m²).
    case returned(reason: String, remainingM2: Double?)
}

/// One level of the review chain.
public struct ReviewLevel: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "review_levels"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var code: String
    public var nameZh: String
    public var order: Int

    public enum Columns {
        public static let code = Column("code"), order = Column("order")
    }
}

/// Submissions and returns of one spot, counted from its events (for the error rate 差错率).
public struct SpotReviewCounts: Sendable, Equatable {
    public var submissions = 0
    public var returns = 0
    public init(submissions: Int = 0, returns: Int = 0) { self.submissions = submissions; self.returns = returns }
}

extension Registry {
    /// The review chain, in order. - Throws: SQL errors.
    public func reviewLevels() throws -> [ReviewLevel] {
        try dbQueue.read { db in try Self.reviewLevels(db) }
    }

    static func reviewLevels(_ db: Database) throws -> [ReviewLevel] {
        try ReviewLevel.order(ReviewLevel.Columns.order).fetchAll(db)
    }

    /// Submissions and returns per live spot (by fid), from the events effective on or before `asOf` (all without).
    public func spotReviewCounts(asOf: String? = nil) throws -> [Int64: SpotReviewCounts] {
        try dbQueue.read { db in
            var counts: [Int64: SpotReviewCounts] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT entity_id, action, json_extract(details, '$.outcome') AS outcome FROM events
                    WHERE entity = ? AND action IN (?, ?) AND (? IS NULL OR effective_date <= ?)
                    """, arguments: [EventEntity.spot, EventAction.submit, EventAction.review, asOf, asOf])
            while let r = try rows.next() {
                guard let fid: Int64 = r["entity_id"] else { continue }
                if (r["action"] as String) == EventAction.submit.rawValue {
                    counts[fid, default: SpotReviewCounts()].submissions += 1
                } else if (r["outcome"] as String?) == SpotReviewRecord.Outcome.return.rawValue {
                    counts[fid, default: SpotReviewCounts()].returns += 1
                }
            }
            return counts
        }
    }

    /// The status a review takes the spot to; refuses an unknown level, naming the chain.
    static func reviewTarget(level: String, outcome: SpotReviewOutcome, code: String, _ db: Database) throws
        -> SpotStatus
    {
        let levels = try reviewLevels(db)
        guard levels.contains(where: { $0.code == level }) else {
            throw SpotStepRefused(
                code: code,
                message: "spot \(code): review level \"\(level)\" is not in the store's review chain ("
                    + chain(levels) + ")")
        }
        if case .returned = outcome { return .rectifying }
        return levels.last?.code == level ? .reviewed : .submitted
    }

    /// A submission's details: the chain the spot will pass.
    static func submission(of spot: Spot, _ db: Database) throws -> SpotSubmission {
        let levels = try reviewLevels(db)
        guard !levels.isEmpty else {
            throw SpotStepRefused(
                code: spot.code, message: "spot \(spot.code): the store's review chain (review_levels) is empty")
        }
        return SpotSubmission(levels: levels.map(\.code))
    }

    /// A review's details, once the spot is known to be submitted: the level must be the next one in order.
    static func review(of spot: Spot, level: String, outcome: SpotReviewOutcome, _ db: Database) throws
        -> SpotReviewRecord
    {
        let levels = try reviewLevels(db)
        let passed = spot.reviewLevel.flatMap { p in levels.firstIndex { $0.code == p } }
        let next = passed.map { $0 + 1 } ?? 0
        guard next < levels.count, levels[next].code == level else {
            let done = passed.map { "passed \(levels[$0].code)" } ?? "passed no level yet"
            let expected = next < levels.count ? "the \(levels[next].code) review" : "no further review"
            throw SpotStepRefused(
                code: spot.code,
                message: "spot \(spot.code) is submitted and has \(done); review at \(level) needs \(expected) first "
                    + "(the chain: \(chain(levels)))")
        }
        switch outcome {
        case .pass: return SpotReviewRecord(level: level, outcome: .pass)
        case .returned(let reason, let remaining):
            guard !reason.trimmed.isEmpty else {
                throw SpotStepRefused(code: spot.code, message: "spot \(spot.code): a return needs a reason")
            }
            return SpotReviewRecord(level: level, outcome: .return, reason: reason, remainingM2: remaining)
        }
    }

    static func chain(_ levels: [ReviewLevel]) -> String {
        levels.isEmpty ? "empty" : levels.map(\.code).joined(separator: " → ")
    }
}
