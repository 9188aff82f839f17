import Foundation
import GRDB
import LandGeometry

// MARK: - Reading parcels
//
// Spatial filters go through the layer's R*Tree (rtree_parcels_geom) for candidates and GEOS for the exact
// test, so their cost grows with what is near, not with the number of parcels.

/// Filters for `parcels list`. Every filter narrows; none means all live parcels.
public struct ParcelFilter: Sendable {
    /// Land-use code prefix: "01" = all farmland classes, "0601" = industrial.
    public var landUsePrefix: String?
    /// Parcels that overlap the live zone with this code (any kind) by a positive area.
    public var zoneCode: String?
    /// Parcels whose geometry intersects this box, in store CRS units.
    public var bbox: Envelope?
    public var includeRetired = false
    public var limit: Int?

    public init(landUsePrefix: String? = nil, zoneCode: String? = nil, bbox: Envelope? = nil, includeRetired: Bool = false,
                limit: Int? = nil) {
        self.landUsePrefix = landUsePrefix; self.zoneCode = zoneCode; self.bbox = bbox
        self.includeRetired = includeRetired; self.limit = limit
    }
}

extension Registry {
    public func parcels(_ filter: ParcelFilter = ParcelFilter()) throws -> [Parcel] {
        try dbQueue.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if !filter.includeRetired { clauses.append("p.retired_at IS NULL") }
            if let prefix = filter.landUsePrefix {
                clauses.append("substr(p.land_use, 1, ?) = ?")
                arguments += [prefix.count, prefix]
            }
            var zone: (geometry: Geometry, envelope: Envelope)? = nil
            if let code = filter.zoneCode {
                zone = try liveGeometry(db, table: "zones", code: code).map { ($0, $0.envelope ?? .empty) }
                guard zone != nil else { throw NotFound(what: "zone", code: code) }
            }
            let box = [filter.bbox, zone?.envelope].compactMap { $0 }
            for b in box {
                clauses.append("p.fid IN (SELECT id FROM rtree_parcels_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)")
                arguments += [b.maxX, b.minX, b.maxY, b.minY]
            }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            var sql = Parcel.selectSQL + whereSQL + " ORDER BY p.code, p.fid"
            if zone == nil && filter.bbox == nil, let limit = filter.limit { sql += " LIMIT \(limit)" }
            var parcels = try Parcel.fetchAll(db, sql: sql, arguments: arguments)
            if zone != nil || filter.bbox != nil {
                let geos = GEOSContext()
                let geometries = try geometries(db, table: "parcels", fids: parcels.map(\.fid))
                let zonePrepared = try zone.map { try geos.prepare($0.geometry) }
                let boxPrepared = try filter.bbox.map { try geos.prepare(.polygon(Polygon(exterior: $0.ring))) }
                parcels = try parcels.filter { p in
                    guard let g = geometries[p.fid] else { return false }
                    if let boxPrepared, !(try boxPrepared.intersects(g)) { return false }
                    if let zonePrepared, let z = zone {
                        guard try zonePrepared.intersects(g) else { return false }
                        if try !zonePrepared.contains(g) && geos.intersectionArea(z.geometry, g) <= 0 { return false }
                    }
                    return true
                }
                if let limit = filter.limit { parcels = Array(parcels.prefix(limit)) }
            }
            return parcels
        }
    }

    /// The live parcel with this code. - Throws: `NotFound`.
    public func parcel(code: String) throws -> Parcel {
        try dbQueue.read { db in
            guard let p = try Parcel.fetchOne(db, sql: Parcel.selectSQL + " WHERE p.code = ? AND p.retired_at IS NULL",
                                              arguments: [code]) else { throw NotFound(what: "live parcel", code: code) }
            return p
        }
    }

    /// Every version of a parcel code, oldest first (retired rows included). - Throws: `NotFound`.
    public func parcelHistory(code: String) throws -> [Parcel] {
        let versions = try dbQueue.read { db in
            try Parcel.fetchAll(db, sql: Parcel.selectSQL + " WHERE p.code = ? ORDER BY p.fid", arguments: [code])
        }
        if versions.isEmpty { throw NotFound(what: "parcel", code: code) }
        return versions
    }

    /// The live parcels that contain the point (x, y) in the store CRS (more than one only where parcels overlap).
    public func parcels(containing point: XY) throws -> [Parcel] {
        try dbQueue.read { db in
            let candidates = try Parcel.fetchAll(db, sql: Parcel.selectSQL + """
                 WHERE p.fid IN (SELECT id FROM rtree_parcels_geom WHERE minx <= ?1 AND maxx >= ?1 AND miny <= ?2 AND maxy >= ?2)
                   AND p.retired_at IS NULL ORDER BY p.code
                """, arguments: [point.x, point.y])
            if candidates.isEmpty { return [] }
            let geos = GEOSContext()
            let geometries = try geometries(db, table: "parcels", fids: candidates.map(\.fid))
            return try candidates.filter { p in try geometries[p.fid].map { try geos.contains($0, point) } ?? false }
        }
    }

    /// The geometry of one parcel row, in the store CRS.
    public func parcelGeometry(fid: Int64) throws -> Geometry? {
        try dbQueue.read { db in try geometries(db, table: "parcels", fids: [fid])[fid] }
    }

}
