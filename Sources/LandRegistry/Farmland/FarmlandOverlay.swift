import Foundation
import GRDB
import LandGeometry

// MARK: - The farmland overlay: a polygon against farmland parcels, basic farmland and zones
//
// Used by the spot import (each spot's farmland at detection, measured by the preparing workers, each through its
// own read-only connection: parcels and zones are committed before the import begins, so every worker sees the
// same layers) and by the reclaimable sources. For a polygon:
//   farmland       = area(spot ∩ ∪ live farmland parcels, see Farmland.swift)
//   basic farmland = area(spot ∩ ∪ live zones of kind basic-farmland)
//   zones          = the live zones (any kind) the spot overlaps by a positive area
// Candidates come from the R*Tree (rtree_parcels_geom, rtree_zones_geom). Parcels are read by GEOS straight from
// their stored WKB, tested and clipped by the spot (prepared once per spot), and the pieces stay in GEOS until
// their union (LandGeometry's ClippedUnion), so overlapping parcels never count twice. Zones (few, large) are
// prepared once per worker and test the spots.

/// A spot's overlay with farmland, basic farmland and zones. Areas in m²: `…M2` ellipsoidal, `…PlanarM2` planar.
struct FarmlandOverlay: Sendable {
    var farmlandM2 = 0.0, farmlandPlanarM2 = 0.0
    var basicFarmlandM2 = 0.0, basicFarmlandPlanarM2 = 0.0
    var zoneCodes: [String] = []
}

/// Measures spot overlays against the store's live parcels and zones; one per thread (owns GEOS and PROJ).
final class FarmlandOverlayCalculator {
    private let geos = GEOSContext()
    private let areas: AreaCalculator
    private let farmlandStatement: Statement
    private let zonesStatement: Statement
    private let zoneGeometryStatement: Statement
    /// Zones are few and large (a village is the union of hundreds of parcels) and the same for every spot:
    /// prepare each once, on first use, rather than converting it to GEOS again for every spot it touches.
    private var preparedZones: [Int64: PreparedGeometry] = [:]

    init(db: Database, storeCRS: CRS) throws {
        areas = try AreaCalculator(crs: storeCRS)
        farmlandStatement = try db.makeStatement(
            sql: """
                SELECT p.geom FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?
                  AND p.retired_at IS NULL AND \(Farmland.parcelCondition)
                """)
        zonesStatement = try db.makeStatement(
            sql: """
                SELECT z.fid, z.code, z.kind FROM rtree_zones_geom r JOIN zones z ON z.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND z.retired_at IS NULL
                """)
        zoneGeometryStatement = try db.makeStatement(sql: "SELECT geom FROM zones WHERE fid = ?")
    }

    func overlay(of spot: Geometry, envelope e: Envelope) throws -> FarmlandOverlay {
        let prepared = try geos.prepare(spot)
        let box: StatementArguments = [e.maxX, e.minX, e.maxY, e.minY]
        var result = FarmlandOverlay()

        let farmland = try farmland(of: prepared, envelope: e)
        if !farmland.isEmpty {
            (result.farmlandPlanarM2, result.farmlandM2) = (farmland.planarArea, try areas.ellipsoidalArea(farmland))
        }

        var basic: [Geometry] = []
        var codes = Set<String>()
        let zones = try Row.fetchAll(zonesStatement, arguments: box)
        for row in zones {
            let zone = try preparedZone(row["fid"])
            guard try zone.intersects(spot) else { continue }
            let isBasic = (row["kind"] as String) == ZoneKind.basicFarmland.rawValue
            if try zone.contains(spot) {
                codes.insert(row["code"])
                if isBasic { basic.append(spot) }
                continue
            }
            let piece = try zone.intersection(with: spot)
            guard piece.planarArea > 0 else { continue } // touching along an edge is not overlapping
            codes.insert(row["code"])
            if isBasic { basic.append(piece) }
        }
        (result.basicFarmlandPlanarM2, result.basicFarmlandM2) = try measure(basic)
        result.zoneCodes = codes.sorted()
        return result
    }

    /// The spot's farmland: spot ∩ ∪ live farmland parcels whose box meets `e` (the spot's envelope), as one
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

    /// Prepares a spot geometry with this calculator's GEOS context.
    func prepare(_ g: Geometry) throws -> PreparedGeometry { try geos.prepare(g) }

    private func preparedZone(_ fid: Int64) throws -> PreparedGeometry {
        if let p = preparedZones[fid] { return p }
        guard let blob = try Data.fetchOne(zoneGeometryStatement, arguments: [fid]) else {
            throw GeometryInputError("zone \(fid) has no geometry")
        }
        let p = try geos.prepare(try decodeGeometry(blob))
        preparedZones[fid] = p
        return p
    }

    /// Planar and ellipsoidal area of the union of `pieces` (each already clipped to the spot).
    private func measure(_ pieces: [Geometry]) throws -> (planar: Double, ellipsoidal: Double) {
        let nonEmpty = pieces.filter { !$0.isEmpty }
        if nonEmpty.isEmpty { return (0, 0) }
        let union = nonEmpty.count == 1 ? nonEmpty[0] : try geos.unaryUnion(nonEmpty)
        return (union.planarArea, try areas.ellipsoidalArea(union))
    }
}
