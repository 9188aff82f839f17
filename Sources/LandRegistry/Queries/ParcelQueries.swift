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

/// No live record with this code.
public struct NotFound: Error, LocalizedError {
    public let what: String
    public let code: String
    public init(what: String, code: String) { self.what = what; self.code = code }
    public var errorDescription: String? { "no \(what) with code \(code)" }
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

    /// Live zones, optionally of one kind.
    public func zones(kind: ZoneKind? = nil) throws -> [Zone] {
        try dbQueue.read { db in
            try Zone.fetchAll(db, sql: """
                SELECT fid, code, kind, name, planar_area_m2, ellipsoidal_area_m2, retired_at FROM zones
                WHERE retired_at IS NULL AND (?1 IS NULL OR kind = ?1) ORDER BY kind, code
                """, arguments: [kind?.rawValue])
        }
    }
}

// MARK: - Geometry reads shared by queries, analyses and exports

/// Decodes a GeoPackage geometry blob read from the store.
func decodeGeometry(_ blob: Data) throws -> Geometry {
    try blob.withUnsafeBytes { try GeoPackageBinary.decode($0).geometry }
}

/// Decodes the geometry blobs of `fids` in `table` (a feature layer of ours).
func geometries(_ db: Database, table: String, fids: [Int64]) throws -> [Int64: Geometry] {
    var out: [Int64: Geometry] = [:]
    for chunk in stride(from: 0, to: fids.count, by: 500) {
        let ids = fids[chunk..<min(fids.count, chunk + 500)]
        let rows = try Row.fetchCursor(db, sql: "SELECT fid, geom FROM \(table) WHERE fid IN (\(ids.map(String.init).joined(separator: ",")))")
        while let row = try rows.next() {
            let blob: Data = row["geom"]
            out[row["fid"]] = try decodeGeometry(blob)
        }
    }
    return out
}

/// The union of the live rows with this code (a code may name several zones of different kinds: all of them).
func liveGeometry(_ db: Database, table: String, code: String) throws -> Geometry? {
    let rows = try Row.fetchAll(db, sql: "SELECT geom FROM \(table) WHERE code = ? AND retired_at IS NULL", arguments: [code])
    let polygons = try rows.flatMap { row -> [Polygon] in
        let blob: Data = row["geom"]
        return try decodeGeometry(blob).polygons ?? []
    }
    return polygons.isEmpty ? nil : .multiPolygon(polygons)
}

extension Envelope {
    /// The box as a closed counter-clockwise ring.
    var ring: Ring {
        [XY(minX, minY), XY(maxX, minY), XY(maxX, maxY), XY(minX, maxY), XY(minX, minY)]
    }
}
