import Foundation
import GRDB
import LandGeometry

// MARK: - The spot overlay table (套合结果): land classes, protected zones, approvals
//
// Per spot, in one pass over what lies under it:
//   farmland | agricultural | construction | unused = area(spot ∩ ∪ live parcels of that 三大类 class), the class of a
//       parcel's land-use code from `landuse_three_classes` (seeds/landuse-three-classes.csv, longest code prefix)
//   basic farmland / eco red line = area(spot ∩ ∪ live zones of kind basic-farmland / eco-redline)
//   outside urban boundary        = area(spot) − area(spot ∩ ∪ live zones of kind urban-boundary)
//   approval coverage             = area(spot ∩ ∪ live approvals dated on or before the detection date) / area(spot)
// One R*Tree query per layer per spot; the spot is prepared once and clips every candidate into one ClippedUnion per
// class (pieces stay in GEOS until their union), so parcels that overlap count once per class. Zones (few, large) are
// prepared once per calculator. The national check is total = sum of the four classes: a spot whose parcels leave a
// gap under it (or overlap across classes) beyond `gapTolerance` is flagged (`landreg check`, the report).

/// The 三大类 classes of the overlay table.
public enum LandClass: String, CaseIterable, Codable, Sendable {
    case farmland, agricultural, construction, unused
}

/// A spot's overlay figures. Areas in m²: `…M2` ellipsoidal (CGCS2000), `…PlanarM2` planar in the store CRS.
public struct SpotBreakdown: Codable, Sendable, Equatable {
    public var farmlandM2 = 0.0, farmlandPlanarM2 = 0.0
    public var agriculturalM2 = 0.0, agriculturalPlanarM2 = 0.0
    public var constructionM2 = 0.0, constructionPlanarM2 = 0.0
    public var unusedM2 = 0.0, unusedPlanarM2 = 0.0
    public var basicFarmlandM2 = 0.0, basicFarmlandPlanarM2 = 0.0
    public var ecoRedlineM2 = 0.0, ecoRedlinePlanarM2 = 0.0
    public var outsideUrbanBoundaryM2 = 0.0, outsideUrbanBoundaryPlanarM2 = 0.0
    /// Fraction 0–1 of the spot's (ellipsoidal) area covered by approvals dated on or before its detection.
    public var approvalCoverage = 0.0
    /// The document numbers of those approvals that overlap the spot by a positive area, sorted.
    public var approvalDocuments: [String] = []

    public init() {}

    /// Σ of the four classes, ellipsoidal m² (the overlay table's total).
    public var classesM2: Double { farmlandM2 + agriculturalM2 + constructionM2 + unusedM2 }

    /// A spot's classes may miss its area by this much before it is flagged: max(0.01 m², 0.1 % of the area).
    public static func gapTolerance(areaM2: Double) -> Double { max(0.01, 0.001 * areaM2) }

    /// The spot's area less the sum of its classes, ellipsoidal m² (negative where parcels of two classes overlap).
    public func gapM2(areaM2: Double) -> Double { areaM2 - classesM2 }

    /// True when the classes do not add up to `areaM2` within `gapTolerance`.
    public func hasGap(areaM2: Double) -> Bool { abs(gapM2(areaM2: areaM2)) > Self.gapTolerance(areaM2: areaM2) }

    /// True when a figure differs from `other` by more than float noise (1 µm², 1e-9 of coverage) or the
    /// documents differ: the test of `spots recompute` for writing a change.
    func differs(from other: SpotBreakdown) -> Bool {
        let a = areas, b = other.areas
        return zip(a, b).contains { abs($0 - $1) > 1e-6 } || abs(approvalCoverage - other.approvalCoverage) > 1e-9
            || approvalDocuments != other.approvalDocuments
    }

    /// The ellipsoidal figures (m², or a fraction for `approval coverage`) that differ from `before`, by name, with
    /// both values: what a recompute changed.
    public func changes(from before: SpotBreakdown) -> [(name: String, before: Double, after: Double)] {
        let named: [(String, KeyPath<SpotBreakdown, Double>)] = [
            ("farmland", \.farmlandM2), ("other agricultural", \.agriculturalM2), ("construction", \.constructionM2),
            ("unused", \.unusedM2), ("basic farmland", \.basicFarmlandM2), ("eco red line", \.ecoRedlineM2),
            ("outside boundary", \.outsideUrbanBoundaryM2), ("approval coverage", \.approvalCoverage)
        ]
        return named.filter { abs(self[keyPath: $0.1] - before[keyPath: $0.1]) > 1e-6 }.map {
            ($0.0, before[keyPath: $0.1], self[keyPath: $0.1])
        }
    }

    /// The area figures, in the stored column order (`Spot.breakdownColumns`).
    var areas: [Double] {
        [
            farmlandM2, farmlandPlanarM2, agriculturalM2, agriculturalPlanarM2, constructionM2, constructionPlanarM2,
            unusedM2, unusedPlanarM2, basicFarmlandM2, basicFarmlandPlanarM2, ecoRedlineM2, ecoRedlinePlanarM2,
            outsideUrbanBoundaryM2, outsideUrbanBoundaryPlanarM2
        ]
    }

    /// The stored values of `Spot.breakdownColumns`, in order.
    var columnValues: [DatabaseValueConvertible] {
        areas + [approvalCoverage, StoredJSON.text(approvalDocuments)]
    }
}

/// Measures spot breakdowns against the store's live parcels, zones and approvals; one per thread (owns GEOS and
/// PROJ). Its statements belong to the connection it was made on.
final class SpotBreakdownCalculator {
    private let geos = GEOSContext()
    private let areas: AreaCalculator
    private let parcelsStatement: Statement
    private let zonesStatement: Statement
    private let zoneGeometryStatement: Statement
    private let approvalsStatement: Statement
    private var preparedZones: [Int64: PreparedGeometry] = [:]
    /// `system:code` prefix → class, from landuse_three_classes.
    private let classes: [String: LandClass]
    /// The class of each `system:land_use` met so far (nil: no row matches).
    private var classOfCode: [String: LandClass?] = [:]
    private let longestPrefix: Int

    /// - Throws: SQL errors; `LandClassesMissing` when the store has no crosswalk rows.
    init(db: Database, storeCRS: CRS) throws {
        areas = try AreaCalculator(crs: storeCRS)
        var classes: [String: LandClass] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT system, code, class FROM landuse_three_classes") {
            classes["\(row["system"] as String):\(row["code"] as String)"] = LandClass(rawValue: row["class"])
        }
        guard !classes.isEmpty else { throw LandClassesMissing() }
        self.classes = classes
        longestPrefix = classes.keys.map { $0.split(separator: ":").last?.count ?? 0 }.max() ?? 0
        parcelsStatement = try db.makeStatement(
            sql: """
                SELECT p.geom, p.land_use_system, p.land_use FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?
                  AND p.retired_at IS NULL AND p.land_use IS NOT NULL
                """)
        zonesStatement = try db.makeStatement(
            sql: """
                SELECT z.fid, z.code, z.kind FROM rtree_zones_geom r JOIN zones z ON z.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND z.retired_at IS NULL
                """)
        zoneGeometryStatement = try db.makeStatement(sql: "SELECT geom FROM zones WHERE fid = ?")
        approvalsStatement = try db.makeStatement(
            sql: """
                SELECT a.geom, a.code FROM rtree_approvals_geom r JOIN approvals a ON a.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND a.retired_at IS NULL
                  AND (?5 IS NULL OR a.approval_date <= ?5)
                """)
    }

    /// The class of a land-use code in its system: the row with the longest matching prefix, or nil.
    func landClass(system: String, code: String) -> LandClass? {
        let key = system + ":" + code
        if let known = classOfCode[key] { return known }
        var found: LandClass? = nil
        var length = min(code.count, longestPrefix)
        while length > 0 && found == nil {
            found = classes[system + ":" + code.prefix(length)]
            length -= 1
        }
        classOfCode[key] = found
        return found
    }

    /// The breakdown of a spot (store CRS, its envelope `e`, its ellipsoidal area in m², detected YYYY-MM-DD or nil:
    /// then every live approval counts) and the codes of the live zones (any kind) it overlaps by a positive area.
    func measure(_ spot: Geometry, envelope e: Envelope, areaM2: Double, detectedDate: String?) throws
        -> (breakdown: SpotBreakdown, zoneCodes: [String])
    {
        let prepared = try geos.prepare(spot)
        let box: StatementArguments = [e.maxX, e.minX, e.maxY, e.minY]
        var b = SpotBreakdown()

        let unions = try Dictionary(uniqueKeysWithValues: LandClass.allCases.map { ($0, try prepared.clippedUnion()) })
        let parcels = try Row.fetchCursor(parcelsStatement, arguments: box)
        while let row = try parcels.next() {
            guard let c = landClass(system: row[1], code: row[2]), let pieces = unions[c] else { continue }
            try row.withUnsafeData(atIndex: 0) { blob in
                guard let blob else { return }
                _ = try blob.withUnsafeBytes { try pieces.add(geoPackageBlob: $0) }
            }
        }
        (b.farmlandPlanarM2, b.farmlandM2) = try measure(try unions[.farmland]!.union())
        (b.agriculturalPlanarM2, b.agriculturalM2) = try measure(try unions[.agricultural]!.union())
        (b.constructionPlanarM2, b.constructionM2) = try measure(try unions[.construction]!.union())
        (b.unusedPlanarM2, b.unusedM2) = try measure(try unions[.unused]!.union())

        var pieces: [ZoneKind: [Geometry]] = [:]
        var codes = Set<String>()
        for row in try Row.fetchAll(zonesStatement, arguments: box) {
            let zone = try preparedZone(row["fid"])
            guard try zone.intersects(spot) else { continue }
            let kind = ZoneKind(rawValue: row["kind"]) ?? .other
            let piece = try zone.contains(spot) ? spot : try zone.intersection(with: spot)
            guard piece.planarArea > 0 else { continue } // touching along an edge is not overlapping
            codes.insert(row["code"])
            pieces[kind, default: []].append(piece)
        }
        (b.basicFarmlandPlanarM2, b.basicFarmlandM2) = try measure(union(pieces[.basicFarmland] ?? []))
        (b.ecoRedlinePlanarM2, b.ecoRedlineM2) = try measure(union(pieces[.ecoRedline] ?? []))
        let (insidePlanar, inside) = try measure(union(pieces[.urbanBoundary] ?? []))
        b.outsideUrbanBoundaryPlanarM2 = max(0, spot.planarArea - insidePlanar)
        b.outsideUrbanBoundaryM2 = max(0, areaM2 - inside)

        let approved = try prepared.clippedUnion()
        var documents = Set<String>()
        let approvals = try Row.fetchCursor(
            approvalsStatement, arguments: [e.maxX, e.minX, e.maxY, e.minY, detectedDate])
        while let row = try approvals.next() {
            let met = try row.withUnsafeData(atIndex: 0) { blob -> Bool in
                guard let blob else { return false }
                return try blob.withUnsafeBytes { try approved.add(geoPackageBlob: $0) }
            }
            if met { documents.insert(row[1]) }
        }
        let (_, approvedM2) = try measure(try approved.union())
        b.approvalCoverage = areaM2 > 0 ? min(1, approvedM2 / areaM2) : 0
        b.approvalDocuments = documents.sorted()
        return (b, codes.sorted())
    }

    private func preparedZone(_ fid: Int64) throws -> PreparedGeometry {
        if let p = preparedZones[fid] { return p }
        guard let blob = try Data.fetchOne(zoneGeometryStatement, arguments: [fid]) else {
            throw GeometryInputError("zone \(fid) has no geometry")
        }
        let p = try geos.prepare(try decodeGeometry(blob))
        preparedZones[fid] = p
        return p
    }

    /// The union of pieces already clipped to the spot (empty when none).
    private func union(_ pieces: [Geometry]) throws -> Geometry {
        let nonEmpty = pieces.filter { !$0.isEmpty }
        switch nonEmpty.count {
        case 0: return .multiPolygon([])
        case 1: return nonEmpty[0]
        default: return try geos.unaryUnion(nonEmpty)
        }
    }

    /// Planar and ellipsoidal area of `g` (0 for an empty geometry).
    private func measure(_ g: Geometry) throws -> (planar: Double, ellipsoidal: Double) {
        g.isEmpty ? (0, 0) : (g.planarArea, try areas.ellipsoidalArea(g))
    }
}

/// The store has no rows in landuse_three_classes (a store made before the crosswalk shipped, without seeds/).
struct LandClassesMissing: Error, LocalizedError {
    var errorDescription: String? {
        "the store has no land-class crosswalk (table landuse_three_classes is empty); "
            + "open it with a landreg that finds seeds/landuse-three-classes.csv (LANDREG_SEEDS) to load it"
    }
}
