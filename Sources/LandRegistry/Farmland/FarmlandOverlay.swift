import Foundation
import GRDB
import LandGeometry

// MARK: - The farmland overlay: a polygon against farmland parcels
//
// Used by the reclaimable sources and the maps: area(polygon ∩ ∪ live farmland parcels, see Farmland.swift).
// Candidates come from the R*Tree (rtree_parcels_geom). Parcels are read by GEOS straight from their stored WKB,
// tested and clipped by the polygon (prepared once), and the pieces stay in GEOS until their union (LandGeometry's
// ClippedUnion), so overlapping parcels never count twice. The spot import measures the whole overlay table (every
// land class, zones, approvals) in one pass instead: Spots/SpotBreakdown.swift.

/// Measures polygons' farmland against the store's live parcels; one per thread (owns GEOS).
final class FarmlandOverlayCalculator {
    private let geos = GEOSContext()
    private let farmlandStatement: Statement

    init(db: Database, storeCRS: CRS) throws {
        farmlandStatement = try db.makeStatement(
            sql: """
                SELECT p.geom FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?
                  AND p.retired_at IS NULL AND \(Farmland.parcelCondition)
                """)
    }

    /// The polygon's farmland: spot ∩ ∪ live farmland parcels whose box meets `e` (the spot's envelope), as one
    /// geometry (empty when none), so that overlapping parcels never count twice.
    func farmland(of spot: PreparedGeometry, envelope e: Envelope) throws -> Geometry {
        let pieces = try spot.clippedUnion()
        let parcels = try Row.fetchCursor(farmlandStatement, arguments: [e.maxX, e.minX, e.maxY, e.minY])
        while let row = try parcels.next() {
            try row.withUnsafeData(atIndex: 0) { blob in
                guard let blob else { return }
                _ = try blob.withUnsafeBytes { try pieces.add(geoPackageBlob: $0) } // true when the piece met the spot
            }
        }
        return try pieces.union()
    }

    /// Prepares a polygon with this calculator's GEOS context.
    func prepare(_ g: Geometry) throws -> PreparedGeometry { try geos.prepare(g) }
}
