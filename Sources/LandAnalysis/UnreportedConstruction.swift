import LandGeometry
import LandRegistry

// MARK: - Unreported construction: farmland that became construction land with nothing reporting it
//
// Pieces of the survey overlay whose earlier land use is farmland and later land use construction (ledger classes,
// landuse_balance_classes), minus every reported polygon dated up to the later survey's year end
// (`subtractReported`): every live violation spot (any status, whatever its date) and every live approval (any
// kind) dated on or before 31 December of the later year. What is left is dissolved: pieces that touch (one farmland
// field built over across two later parcels) become one polygon, as an inspector walks it, with every later parcel
// code, the village of its largest piece and the land uses before and after ("0101/0103" when they differ). A
// polygon is listed when its area (ellipsoidal; the pieces are disjoint, so their sum) reaches `minAreaM2`.

public struct UnreportedPolygon: Sendable, Encodable {
    public var laterCodes: [String]
    public var village: String?
    public var landUseBefore: String?
    public var landUseAfter: String?
    public var areaM2: Double
    public var planarAreaM2: Double
    public var areaMu: Double
    /// Not in the report's JSON; exports write it.
    public var geometry: Geometry

    enum CodingKeys: String, CodingKey {
        case laterCodes, village, landUseBefore, landUseAfter, areaM2, planarAreaM2, areaMu
    }
}

public struct UnreportedConstructionReport: Sendable, Encodable {
    public var from: Int
    public var to: Int
    public var minAreaM2: Double
    /// Farmland → construction before anything is subtracted.
    public var convertedM2 = 0.0
    public var convertedPlanarM2 = 0.0
    /// Reported polygons subtracted (kind: count).
    public var reportedSources: [String: Int]
    public var polygons: [UnreportedPolygon] = []
    public var totalM2 = 0.0
    public var totalPlanarM2 = 0.0
    public var totalMu = 0.0
}

public enum UnreportedConstruction {
    /// The polygons that report construction: every live spot and every live approval (`counting` keeps those
    /// dated up to the later survey's year end).
    public static func reportedPolygons(_ registry: Registry) throws -> [ReportedPolygon] {
        try registry.spotsAsReportedPolygons() + registry.approvalsAsReportedPolygons()
    }

    /// `piece` minus every source dated up to `yearEnd` (YYYY-MM-DD) or undated, through an STRtree of the
    /// sources (built once by the caller).
    public static func subtractReported(
        _ piece: Geometry, sources: [ReportedPolygon], index: SpatialIndex, geos: GEOSContext
    ) throws -> Geometry {
        guard let e = piece.envelope else { return piece }
        var rest = piece
        for i in index.query(e) {
            let s = sources[i]
            guard try geos.intersects(rest, s.geometry) else { continue }
            rest = try geos.difference(rest, s.geometry)
            if rest.isEmpty { break }
        }
        return rest
    }

    /// The sources that count for a later survey of `year`: undated, or dated on or before 31 December.
    public static func counting(_ sources: [ReportedPolygon], year: Int) -> [ReportedPolygon] {
        let yearEnd = "\(year)-12-31"
        return sources.filter { $0.date.map { $0 <= yearEnd } ?? true }
    }

    /// Touching pieces as one polygon each (union-find over the pieces whose boxes meet and that GEOS says
    /// intersect: a shared edge or corner). Pieces are disjoint, so a polygon's areas are the sums of its pieces'.
    static func dissolve(_ pieces: [UnreportedPolygon], geos: GEOSContext) throws -> [UnreportedPolygon] {
        var parent = Array(pieces.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        let index = SpatialIndex(pieces.map { $0.geometry.envelope ?? .empty })
        for (i, piece) in pieces.enumerated() {
            guard let e = piece.geometry.envelope else { continue }
            for j in index.query(e) where j > i && root(i) != root(j) {
                if try geos.intersects(piece.geometry, pieces[j].geometry) { parent[root(j)] = root(i) }
            }
        }
        let groups = Dictionary(grouping: pieces.indices, by: root).values
        return try groups.map { members in
            let parts = members.map { pieces[$0] }
            let largest = parts.max { $0.areaM2 < $1.areaM2 }! // a group has at least one member
            func uses(_ use: (UnreportedPolygon) -> String?) -> String? {
                let distinct = Set(parts.compactMap(use)).sorted()
                return distinct.isEmpty ? nil : distinct.joined(separator: "/")
            }
            let area = parts.reduce(0) { $0 + $1.areaM2 }
            return UnreportedPolygon(
                laterCodes: Set(parts.flatMap(\.laterCodes)).sorted(), village: largest.village,
                landUseBefore: uses(\.landUseBefore), landUseAfter: uses(\.landUseAfter), areaM2: area,
                planarAreaM2: parts.reduce(0) { $0 + $1.planarAreaM2 }, areaMu: AreaUnits.mu(area),
                geometry: parts.count == 1 ? largest.geometry : try geos.unaryUnion(parts.map(\.geometry)))
        }
    }

    public static func compute(_ registry: Registry, from: Int, to: Int, minAreaM2: Double) throws
        -> UnreportedConstructionReport
    {
        let classes = try registry.landUseBalanceClasses()
        let all = try reportedPolygons(registry)
        let sources = counting(all, year: to)
        let index = SpatialIndex(sources.map { $0.geometry.envelope ?? .empty })
        let geos = GEOSContext()
        let areas = try AreaCalculator(crs: registry.storeCRS)
        func converted(_ a: String?, _ b: String?) -> Bool {
            FarmlandBalance.classify(a, classes) == "farmland" && FarmlandBalance.classify(b, classes) == "construction"
        }
        var report = UnreportedConstructionReport(
            from: from, to: to, minAreaM2: minAreaM2,
            reportedSources: Dictionary(grouping: sources, by: \.kind).mapValues(\.count))
        var pieces: [UnreportedPolygon] = []
        try registry.surveyOverlay(from: from, to: to, villages: .keptPieces, wantsGeometry: converted) { p in
            guard converted(p.fromLandUse, p.toLandUse), let g = p.geometry else { return }
            report.convertedM2 += p.ellipsoidalAreaM2
            report.convertedPlanarM2 += p.planarAreaM2
            let rest = try subtractReported(g, sources: sources, index: index, geos: geos)
            guard !rest.isEmpty else { return }
            let area = try areas.ellipsoidalArea(rest)
            pieces.append(
                UnreportedPolygon(
                    laterCodes: [p.toCode], village: p.village, landUseBefore: p.fromLandUse, landUseAfter: p.toLandUse,
                    areaM2: area, planarAreaM2: rest.planarArea, areaMu: AreaUnits.mu(area), geometry: rest))
        }
        for polygon in try dissolve(pieces, geos: geos) where polygon.areaM2 >= minAreaM2 {
            report.polygons.append(polygon)
            report.totalM2 += polygon.areaM2
            report.totalPlanarM2 += polygon.planarAreaM2
        }
        // The overlay's workers visit in no set order: list by later parcel code, then area.
        report.polygons.sort {
            ($0.laterCodes.joined(separator: " "), -$0.areaM2) < ($1.laterCodes.joined(separator: " "), -$1.areaM2)
        }
        report.totalMu = AreaUnits.mu(report.totalM2)
        return report
    }
}
