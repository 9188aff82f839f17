import LandGeometry
import LandRegistry

// MARK: - Reclaimable area: how much land can be won back
//
// Two sources, one answer without double counting (issue 5):
//   farmland   — open illegal spots with a restoring measure: spot ∩ farmland parcels (the reader clips them);
//   industrial — sites assessed/planned/implementing in mode acquisition-storage, recovery or re-greening.
// potential = area(∪ all polygons) — a square metre two sources claim counts once;
// progress  = Σ recultivated (spots) + Σ disposed (sites);  remaining = max(0, potential − progress).
// Per category the same over that category's polygons; the overlap between categories is
// potential(farmland) + potential(industrial) − potential(total). Per zone the same over the polygons ∩ the zone,
// with each source's progress apportioned to zones by the share of its polygon lying in each zone.
// Areas are ellipsoidal (CGCS2000, what 三调 reports) with the planar figure alongside. A source whose geometry
// GEOS cannot handle is repaired (make-valid) or, failing that, skipped with a warning naming it: one bad
// polygon never aborts the analysis.

/// Where reclaimable land comes from.
public enum ReclaimCategory: String, Codable, CaseIterable, Sendable {
    case farmland, industrial
}

/// One polygon that can be won back, in the store CRS.
public struct ReclaimSource: Sendable {
    public let category: ReclaimCategory
    /// "spot" or "site".
    public let entity: String
    public let code: String
    public let geometry: Geometry
    /// Reported recultivated (spots) or disposed (sites) area, m².
    public let progressM2: Double

    public init(category: ReclaimCategory, entity: String, code: String, geometry: Geometry, progressM2: Double) {
        self.category = category; self.entity = entity; self.code = code; self.geometry = geometry
        self.progressM2 = progressM2
    }
}

/// A zone to group by, in the store CRS.
public struct ReclaimZone: Sendable {
    public let code: String
    public let name: String?
    public let kind: String
    public let geometry: Geometry
    public init(code: String, name: String?, kind: String, geometry: Geometry) {
        self.code = code; self.name = name; self.kind = kind; self.geometry = geometry
    }
}

/// A capacity-increase site's floor-area potential: max(0, planned FAR × land area − floor area).
public struct CapacitySite: Sendable {
    public let code: String
    public let plannedFAR: Double
    public let landAreaM2: Double
    public let floorAreaM2: Double
    public init(code: String, plannedFAR: Double, landAreaM2: Double, floorAreaM2: Double) {
        self.code = code; self.plannedFAR = plannedFAR; self.landAreaM2 = landAreaM2; self.floorAreaM2 = floorAreaM2
    }
    public var floorAreaPotentialM2: Double { max(0, plannedFAR * landAreaM2 - floorAreaM2) }
}

/// Potential, progress and remaining area of one group, in m² (ellipsoidal) with 亩 and ha alongside.
public struct ReclaimFigures: Codable, Sendable, Equatable {
    public var potentialM2: Double
    public var potentialPlanarM2: Double
    public var progressM2: Double
    public var remainingM2: Double { max(0, potentialM2 - progressM2) }
    public var sources: Int

    public static let zero = ReclaimFigures(potentialM2: 0, potentialPlanarM2: 0, progressM2: 0, sources: 0)

    // The encoded keys include the derived figures; their JSON names come from the encoder's .convertToSnakeCase.
    enum CodingKeys: CodingKey {
        case potentialM2, potentialPlanarM2, progressM2, remainingM2, potentialMu, remainingMu, progressMu
        case potentialHa, remainingHa, sources
    }

    public init(potentialM2: Double, potentialPlanarM2: Double, progressM2: Double, sources: Int) {
        self.potentialM2 = potentialM2; self.potentialPlanarM2 = potentialPlanarM2; self.progressM2 = progressM2
        self.sources = sources
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        potentialM2 = try c.decode(Double.self, forKey: .potentialM2)
        potentialPlanarM2 = try c.decode(Double.self, forKey: .potentialPlanarM2)
        progressM2 = try c.decode(Double.self, forKey: .progressM2)
        sources = try c.decode(Int.self, forKey: .sources)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(potentialM2, forKey: .potentialM2)
        try c.encode(potentialPlanarM2, forKey: .potentialPlanarM2)
        try c.encode(progressM2, forKey: .progressM2)
        try c.encode(remainingM2, forKey: .remainingM2)
        try c.encode(potentialM2 / AreaUnits.squareMetresPerMu, forKey: .potentialMu)
        try c.encode(progressM2 / AreaUnits.squareMetresPerMu, forKey: .progressMu)
        try c.encode(remainingM2 / AreaUnits.squareMetresPerMu, forKey: .remainingMu)
        try c.encode(potentialM2 / 10_000, forKey: .potentialHa)
        try c.encode(remainingM2 / 10_000, forKey: .remainingHa)
        try c.encode(sources, forKey: .sources)
    }
}

/// The figures of one zone: all categories together and each category.
public struct ReclaimZoneFigures: Codable, Sendable {
    public let code: String
    public let name: String?
    public let kind: String
    public let total: ReclaimFigures
    public let farmland: ReclaimFigures
    public let industrial: ReclaimFigures
}

/// The reclaimable-area report (issue 5). JSON keys are stable; see README.
public struct ReclaimableReport: Codable, Sendable {
    public let asOf: String
    public let total: ReclaimFigures
    public let farmland: ReclaimFigures
    public let industrial: ReclaimFigures
    /// Area claimed by both categories (counted once in `total`), m².
    public let overlapM2: Double
    public let zoneKind: String?
    public let zones: [ReclaimZoneFigures]
    /// Potential lying in none of the zones of `zoneKind`, m².
    public let outsideZonesM2: Double?
    public let floorAreaPotentialM2: Double
    public let capacitySites: Int
    public let warnings: [String]

}

/// One dissolved polygon of reclaimable land, for export.
public struct ReclaimablePolygon: Sendable {
    /// "farmland", "industrial" or "both".
    public let category: String
    public let sourceCodes: [String]
    public let geometry: Geometry
    public let areaM2: Double
    public let planarAreaM2: Double
}

/// Computes the reclaimable-area report and its dissolved polygons. Not thread-safe (owns GEOS and PROJ).
public final class ReclaimableCalculator {
    private let geos = GEOSContext()
    private let areas: AreaCalculator
    public private(set) var warnings: [String] = []

    /// - Parameter storeCRS: the CRS of every geometry passed in.
    public init(storeCRS: CRS) throws {
        areas = try AreaCalculator(crs: storeCRS)
    }

    /// The report over `sources`, grouped by `zones` (may be empty), as of `asOf` (only echoed: the reader
    /// already chose the sources as of that date).
    public func report(
        sources: [ReclaimSource], zones: [ReclaimZone], zoneKind: String?, capacitySites: [CapacitySite],
        asOf: String
    ) throws -> (report: ReclaimableReport, polygons: [ReclaimablePolygon]) {
        warnings = []
        let clean = sources.compactMap(usable)
        let farmland = clean.filter { $0.category == .farmland }
        let industrial = clean.filter { $0.category == .industrial }
        let farmlandUnion = try union(farmland.map(\.geometry))
        let industrialUnion = try union(industrial.map(\.geometry))
        let totalUnion = try union([farmlandUnion, industrialUnion].filter { !$0.isEmpty })

        func figures(_ union: Geometry, _ members: [ReclaimSource], progress: Double? = nil) throws -> ReclaimFigures {
            ReclaimFigures(
                potentialM2: try areas.ellipsoidalArea(union), potentialPlanarM2: union.planarArea,
                progressM2: progress ?? members.reduce(0) { $0 + $1.progressM2 }, sources: members.count)
        }
        let total = try figures(totalUnion, clean)
        let farmlandFigures = try figures(farmlandUnion, farmland)
        let industrialFigures = try figures(industrialUnion, industrial)

        var zoneRows: [ReclaimZoneFigures] = []
        var inZonesM2 = 0.0
        for zone in zones {
            let prepared = try geos.prepare(zone.geometry)
            func clip(_ g: Geometry) throws -> Geometry {
                if g.isEmpty { return .multiPolygon([]) }
                return try prepared.intersects(g) ? try prepared.intersection(with: g) : .multiPolygon([])
            }
            // Progress follows the share of each source's polygon that lies in the zone.
            func share(_ members: [ReclaimSource]) throws -> (progress: Double, count: Int) {
                var progress = 0.0, count = 0
                for s in members {
                    guard try prepared.intersects(s.geometry) else { continue }
                    let whole = s.geometry.planarArea
                    let inside = try prepared.intersectionArea(with: s.geometry)
                    guard inside > 0 else { continue }
                    count += 1
                    if whole > 0 { progress += s.progressM2 * min(1, inside / whole) }
                }
                return (progress, count)
            }
            let f = try share(farmland), i = try share(industrial)
            let zf = try figures(try clip(farmlandUnion), [], progress: f.progress)
            let zi = try figures(try clip(industrialUnion), [], progress: i.progress)
            var zt = try figures(try clip(totalUnion), [], progress: f.progress + i.progress)
            zt.sources = f.count + i.count
            var zfc = zf; zfc.sources = f.count
            var zic = zi; zic.sources = i.count
            inZonesM2 += zt.potentialM2
            zoneRows.append(
                ReclaimZoneFigures(
                    code: zone.code, name: zone.name, kind: zone.kind, total: zt,
                    farmland: zfc, industrial: zic))
        }

        let report = ReclaimableReport(
            asOf: asOf, total: total, farmland: farmlandFigures, industrial: industrialFigures,
            overlapM2: max(0, farmlandFigures.potentialM2 + industrialFigures.potentialM2 - total.potentialM2),
            zoneKind: zoneKind, zones: zoneRows,
            outsideZonesM2: zones.isEmpty ? nil : max(0, total.potentialM2 - inZonesM2),
            floorAreaPotentialM2: capacitySites.reduce(0) { $0 + $1.floorAreaPotentialM2 },
            capacitySites: capacitySites.count, warnings: warnings)
        let polygons = try dissolvedPolygons(
            farmland: farmland, industrial: industrial,
            farmlandUnion: farmlandUnion, industrialUnion: industrialUnion)
        return (report, polygons)
    }

    /// The union split into farmland-only, industrial-only and both, each polygon with the codes of the sources
    /// that overlap it by a positive area.
    private func dissolvedPolygons(
        farmland: [ReclaimSource], industrial: [ReclaimSource], farmlandUnion: Geometry,
        industrialUnion: Geometry
    ) throws -> [ReclaimablePolygon] {
        let pieces: [(String, Geometry)] = [
            ("farmland", try difference(farmlandUnion, industrialUnion)),
            ("industrial", try difference(industrialUnion, farmlandUnion)),
            (
                "both",
                farmlandUnion.isEmpty || industrialUnion.isEmpty
                    ? .multiPolygon([]) : try geos.intersection(farmlandUnion, industrialUnion)
            )
        ]
        let all = farmland + industrial
        let index = SpatialIndex(all.map { $0.geometry.envelope ?? .empty })
        var out: [ReclaimablePolygon] = []
        for (category, geometry) in pieces {
            for polygon in geometry.polygons ?? [] {
                let g = Geometry.polygon(polygon)
                guard let envelope = g.envelope else { continue }
                let prepared = try geos.prepare(g)
                var codes: [String] = []
                for i in index.query(envelope) where try prepared.intersects(all[i].geometry) {
                    if try prepared.intersectionArea(with: all[i].geometry) > 0 { codes.append(all[i].code) }
                }
                out.append(
                    ReclaimablePolygon(
                        category: category, sourceCodes: codes.sorted(), geometry: g,
                        areaM2: try areas.ellipsoidalArea(g), planarAreaM2: g.planarArea))
            }
        }
        return out
    }

    /// The source as it can be used: valid, or made valid (with a warning), or nil (skipped, with a warning).
    private func usable(_ s: ReclaimSource) -> ReclaimSource? {
        let label = "\(s.entity) \(s.code)"
        guard !s.geometry.isEmpty, s.geometry.polygons != nil else {
            warnings.append("\(label): no polygonal geometry; skipped")
            return nil
        }
        do {
            let validity = try geos.validity(of: s.geometry)
            if validity.isValid { return s }
            let repaired = try geos.makeValid(s.geometry)
            guard !repaired.isEmpty else {
                warnings.append(
                    "\(label): invalid geometry (\(validity.reason ?? "invalid")) with no area left after repair; skipped"
                )
                return nil
            }
            warnings.append("\(label): invalid geometry (\(validity.reason ?? "invalid")); made valid for the analysis")
            return ReclaimSource(
                category: s.category, entity: s.entity, code: s.code, geometry: repaired,
                progressM2: s.progressM2)
        } catch {
            warnings.append("\(label): geometry GEOS cannot handle (\(error)); skipped")
            return nil
        }
    }

    /// Cascaded union, on every core for a district's worth of parts; if GEOS fails on the whole set (a
    /// TopologyException), union one part at a time and skip the parts that fail, with a warning.
    private func union(_ parts: [Geometry]) throws -> Geometry {
        if parts.isEmpty { return .multiPolygon([]) }
        // One part is already dissolved: every part here is valid (see `usable`) or a union's result, and a valid
        // polygonal geometry is its own union, so the total of one category needs no second overlay.
        if parts.count == 1 { return parts[0] }
        do { return try geos.parallelUnaryUnion(parts) } catch {
            var result = Geometry.multiPolygon([])
            for (i, part) in parts.enumerated() {
                do { result = result.isEmpty ? part : try geos.union(result, part) } catch {
                    warnings.append("part \(i) of a union could not be merged (\(error)); left out")
                }
            }
            return result
        }
    }

    private func difference(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        if a.isEmpty || b.isEmpty { return a }
        return try geos.difference(a, b)
    }
}
