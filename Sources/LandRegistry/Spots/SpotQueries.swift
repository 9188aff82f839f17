import Foundation
import GRDB
import LandGeometry

// MARK: - Reading spots

/// Filters for `spots list`. Every filter narrows; none means all live spots.
public struct SpotFilter: Sendable {
    public var batch: String?
    public var status: SpotStatus?
    /// Only spots overdue as of `asOf`.
    public var overdue = false
    /// Only spots that overlapped the zone with this code when imported.
    public var zoneCode: String?
    /// YYYY-MM-DD; the date `overdue` is judged on (default today).
    public var asOf: String

    public init(
        batch: String? = nil, status: SpotStatus? = nil, overdue: Bool = false, zoneCode: String? = nil,
        asOf: String? = nil
    ) {
        self.batch = batch; self.status = status; self.overdue = overdue; self.zoneCode = zoneCode
        self.asOf = asOf ?? Clock.today()
    }
}

extension Registry {
    /// Live spots matching `filter`, by batch and code.
    /// - Throws: `NotFound` when `zoneCode` names no live zone.
    public func spots(_ filter: SpotFilter = SpotFilter()) throws -> [Spot] {
        try dbQueue.read { db in
            var request = Spot.all().live()
            if let batch = filter.batch { request = request.filter(Spot.Columns.batch == batch) }
            if let status = filter.status { request = request.filter(Spot.Columns.status == status) }
            if filter.overdue {
                request = request.filter(
                    [SpotStatus.illegal, .rectifying].contains(Spot.Columns.status)
                        && Spot.Columns.deadline != nil && Spot.Columns.deadline < filter.asOf)
            }
            if let zone = filter.zoneCode {
                guard try !Zone.all().live().code(zone).isEmpty(db) else {
                    throw NotFound(what: "live zone", code: zone)
                }
                request = request.filter(
                    literal: "EXISTS (SELECT 1 FROM json_each(\(Spot.Columns.zoneCodes)) WHERE value = \(zone))")
            }
            return try request.order(Spot.Columns.batch, Spot.Columns.code).fetchAllNamingBadRow(db, file: path)
        }
    }

    /// The live spot with this code. - Throws: `NotFound`.
    public func spot(code: String) throws -> Spot {
        try dbQueue.read { db in
            guard let s = try Spot.all().live().code(code).fetchOneNamingBadRow(db, file: path)
            else { throw NotFound(what: "spot", code: code) }
            return s
        }
    }

    /// The spot's events, oldest first: its import and every lifecycle step. - Throws: `NotFound`.
    public func spotHistory(code: String) throws -> [Event] {
        _ = try spot(code: code)
        return try events(entity: .spot, code: code)
    }

    /// The geometry of a live spot, in the store CRS. - Throws: `NotFound`.
    public func spotGeometry(code: String) throws -> Geometry {
        try dbQueue.read { db in
            guard let g = try liveGeometry(db, table: "spots", code: code) else {
                throw NotFound(what: "spot", code: code)
            }
            return g
        }
    }
}

extension Registry {
    /// Σ farmland and Σ basic-farmland area (ellipsoidal, m²) of the spots one import brought in.
    public func farmlandTotals(importID: Int64) throws -> (farmlandM2: Double, basicFarmlandM2: Double) {
        try dbQueue.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(farmland_area_m2), 0) AS f, coalesce(sum(basic_farmland_area_m2), 0) AS b
                    FROM spots WHERE import_id = ?
                    """, arguments: [importID])
            return (row?["f"] ?? 0, row?["b"] ?? 0)
        }
    }
}
