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
    /// The parcels of this survey version (year) instead of the live ones.
    public var surveyYear: Int?

    public init(
        landUsePrefix: String? = nil, zoneCode: String? = nil, bbox: Envelope? = nil, includeRetired: Bool = false,
        limit: Int? = nil
    ) {
        self.landUsePrefix = landUsePrefix; self.zoneCode = zoneCode; self.bbox = bbox
        self.includeRetired = includeRetired; self.limit = limit
    }
}

extension Registry {
    public func parcels(_ filter: ParcelFilter = ParcelFilter()) throws -> [Parcel] {
        try dbQueue.read { db in
            var request = Parcel.withLandUseName()
            if let year = filter.surveyYear {
                request = request.filter(
                    literal: SurveyVersion.condition("", moment: try SurveyVersion.moment(db, year: year)))
            } else if !filter.includeRetired {
                request = request.live()
            }
            if let prefix = filter.landUsePrefix {
                request = request.filter(literal: "substr(\(Parcel.Columns.landUse), 1, \(prefix.count)) = \(prefix)")
            }
            var zone: (geometry: Geometry, envelope: Envelope)? = nil
            if let code = filter.zoneCode {
                zone = try liveGeometry(db, table: "zones", code: code).map { ($0, $0.envelope ?? .empty) }
                guard zone != nil else { throw NotFound(what: "zone", code: code) }
            }
            for box in [filter.bbox, zone?.envelope].compactMap({ $0 }) { request = request.boxIntersecting(box) }
            request = request.order(Parcel.Columns.code, Parcel.Columns.fid)
            if zone == nil && filter.bbox == nil, let limit = filter.limit { request = request.limit(limit) }
            var parcels = try request.fetchAllNamingBadRow(db, file: path)
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

    /// The live parcel with this code, or the one of survey version `surveyYear`. - Throws: `NotFound`.
    public func parcel(code: String, surveyYear: Int? = nil) throws -> Parcel {
        try dbQueue.read { db in
            var request = Parcel.withLandUseName().code(code)
            if let surveyYear {
                request = request.filter(
                    literal: SurveyVersion.condition("", moment: try SurveyVersion.moment(db, year: surveyYear)))
            } else {
                request = request.live()
            }
            guard let p = try request.fetchOneNamingBadRow(db, file: path) else {
                if let surveyYear {
                    throw NotFound(what: "parcel", code: code, place: "\(code) in survey \(surveyYear)")
                }
                throw NotFound(what: "live parcel", code: code)
            }
            return p
        }
    }

    /// Every version of a parcel code, oldest first (retired rows included). - Throws: `NotFound`.
    public func parcelHistory(code: String) throws -> [Parcel] {
        let versions = try dbQueue.read { db in
            try Parcel.withLandUseName().code(code).order(Parcel.Columns.fid).fetchAllNamingBadRow(db, file: path)
        }
        if versions.isEmpty { throw NotFound(what: "parcel", code: code) }
        return versions
    }

    /// The live parcels that contain the point (x, y) in the store CRS (more than one only where parcels overlap).
    public func parcels(containing point: XY) throws -> [Parcel] {
        try dbQueue.read { db in
            let candidates = try Parcel.withLandUseName()
                .boxIntersecting(Envelope(minX: point.x, minY: point.y, maxX: point.x, maxY: point.y)).live()
                .order(Parcel.Columns.code).fetchAllNamingBadRow(db, file: path)
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

extension ParcelFilter {
    /// The same filter over survey version `year` (nil: the live parcels).
    public func inSurvey(_ year: Int?) -> ParcelFilter {
        var f = self
        f.surveyYear = year
        return f
    }
}
