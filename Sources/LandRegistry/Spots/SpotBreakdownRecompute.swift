import Foundation
import GRDB
import LandGeometry

// MARK: - Measuring spots' overlay tables again
//
// After parcels, zones or approvals change, `landreg spots recompute [--batch B]` measures every live spot (of the
// batch) again against the live layers, in one transaction: a spot whose figures changed gets its columns written
// and one `recompute` event with the figures before and after; an unchanged spot gets nothing. An approvals import
// runs the same over all spots inside its own transaction (ApprovalLayer).

/// One spot whose breakdown changed.
public struct SpotRecomputeChange: Codable, Sendable, Equatable {
    public let code: String
    public let eventID: Int64
    public let before: SpotBreakdown
    public let after: SpotBreakdown
}

/// What a recompute did: how many spots it measured, and those that changed.
public struct SpotRecomputeReport: Codable, Sendable, Equatable {
    public var spots: Int
    public var changed: [SpotRecomputeChange]
}

/// `spots recompute --batch B` for a batch without live spots. Nothing was written.
public struct SpotRecomputeRefused: Error, LocalizedError, Equatable {
    public let message: String
    public var errorDescription: String? { message + "; nothing was changed" }
}

extension Registry {
    /// Measures the breakdown and approval coverage of every live spot (of `batch`) again; one transaction.
    /// - Throws: `SpotRecomputeRefused` for a batch without live spots; geometry and SQL errors (store unchanged).
    public func recomputeSpots(batch: String? = nil, context: ChangeContext) throws -> SpotRecomputeReport {
        let storeCRS = self.storeCRS
        return try write { db in
            if let batch,
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM spots WHERE batch = ? AND retired_at IS NULL", arguments: [batch])
                    == 0
            {
                let known = try String.fetchAll(
                    db, sql: "SELECT DISTINCT batch FROM spots WHERE retired_at IS NULL ORDER BY batch")
                throw SpotRecomputeRefused(
                    message:
                        "no live spots in batch \(batch) (batches: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
                )
            }
            return try Self.recomputeSpots(db, batch: batch, storeCRS: storeCRS, context: context, importID: nil)
        }
    }

    /// The recompute inside the caller's transaction; `importID` names the approvals import that caused it.
    static func recomputeSpots(
        _ db: Database, batch: String?, storeCRS: CRS, context: ChangeContext, importID: Int64?
    ) throws -> SpotRecomputeReport {
        let calculator = try SpotBreakdownCalculator(db: db, storeCRS: storeCRS)
        var spots = Spot.all().live()
        if let batch { spots = spots.filter(Spot.Columns.batch == batch) }
        let rows = try Row.fetchAll(
            db, spots.select([Column("geom")] + Spot.databaseSelection).order(Spot.Columns.fid))
        let update = try db.makeStatement(
            sql: "UPDATE spots SET " + Spot.breakdownColumns.map { "\($0) = ?" }.joined(separator: ", ")
                + " WHERE fid = ?")
        var report = SpotRecomputeReport(spots: rows.count, changed: [])
        for row in rows {
            let spot = try Spot(row: row)
            let blob: Data = row["geom"]
            let geometry = try decodeGeometry(blob)
            guard let envelope = try GeoPackageBinary.envelope(of: [UInt8](blob)) else { continue }
            let after = try calculator.measure(
                geometry, envelope: envelope, areaM2: spot.ellipsoidalAreaM2, detectedDate: spot.detectedDate
            ).breakdown
            let before = spot.breakdown
            guard after.differs(from: before) else { continue }
            try update.execute(arguments: StatementArguments(after.columnValues + [spot.fid]))
            let event = try AuditLog.append(
                db, context: context, entity: .spot, entityID: spot.fid, entityCode: spot.code,
                details: .spotRecompute(SpotRecomputation(before: before, after: after, importID: importID)))
            report.changed.append(
                SpotRecomputeChange(code: spot.code, eventID: event.id ?? 0, before: before, after: after))
        }
        return report
    }
}
