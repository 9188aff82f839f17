import Foundation
import LandGeometry
import LandRegistry

// MARK: - Utilisation per zone
//
// Each site is assigned to the one zone (of the chosen kind) holding the largest part of its area (planar
// intersection area in the store CRS; ties go to the smaller zone code), so that no site is counted twice;
// a site overlapping no zone is reported under "(no zone)". A zone's figures are sums over its sites, and
// its ratios are area-weighted: FAR = Σ floor / Σ land, coverage = Σ footprint / Σ land (over sites whose
// floor area / footprint is known), occupancy = Σ leased / Σ floor, 亩均 figures land-weighted as for a site.
// Only zones with at least one site are listed.

/// Utilisation of the sites assigned to one zone.
public struct ZoneUtilisation: Codable, Sendable, Equatable {
    /// nil for the sites that overlap no zone.
    @NullWhenNil public var zoneCode: String?
    @NullWhenNil public var zoneName: String?
    public var sites: Int
    public var landAreaM2: Double
    public var landAreaMu: Double
    public var footprintM2: Double
    public var floorAreaM2: Double
    @NullWhenNil public var far: Double?
    @NullWhenNil public var coverage: Double?
    public var leasedFloorM2: Double
    @NullWhenNil public var occupancy: Double?
    @NullWhenNil public var vacancy: Double?
    public var tenants: Int
    public var overLeasedSites: Int
    public var farBelowMinSites: Int
    public var coverageBelow30Sites: Int
    @NullWhenNil public var taxPerMu: Double?
    @NullWhenNil public var valueAddedPerMu: Double?

    // The CLI's JSON converts the other names to snake_case; it would write `coverageBelow30Sites` as
    // `coverage_below30_sites` (no word break before a digit).
    enum CodingKeys: String, CodingKey {
        case zoneCode, zoneName, sites, landAreaM2, landAreaMu, footprintM2, floorAreaM2, far, coverage
        case leasedFloorM2, occupancy, vacancy, tenants, overLeasedSites, farBelowMinSites, taxPerMu, valueAddedPerMu
        case coverageBelow30Sites = "coverage_below_30_sites"
    }
}

extension Utilisation {
    /// The zone holding the largest part of each site (site code → zone code); sites overlapping none are absent.
    /// - Throws: `GEOSError` when an overlay fails.
    public static func assignZones(
        sites: [(code: String, geometry: Geometry)],
        zones: [(code: String, geometry: Geometry)]
    ) throws -> [String: String] {
        let index = SpatialIndex(zones.map { $0.geometry.envelope ?? .empty })
        let geos = GEOSContext()
        let prepared = try zones.map { try geos.prepare($0.geometry) }
        var out: [String: String] = [:]
        for site in sites {
            guard let box = site.geometry.envelope else { continue }
            var best: (code: String, area: Double)? = nil
            for i in index.query(box).sorted() {
                let area = try prepared[i].intersectionArea(with: site.geometry)
                guard area > 0 else { continue }
                if best == nil || area > best!.area || (area == best!.area && zones[i].code < best!.code) {
                    best = (zones[i].code, area)
                }
            }
            if let best { out[site.code] = best.code }
        }
        return out
    }

    /// Adds per-zone rows (and each site's zone) to a report. `zones`: code → name of the zones of `kind`.
    public static func byZone(
        _ report: UtilisationReport, assignment: [String: String], zones: [String: String?],
        kind: String
    ) -> UtilisationReport {
        var out = report
        out.zoneKind = kind
        for i in out.sites.indices { out.sites[i].zone = assignment[out.sites[i].code] }
        let groups = Dictionary(grouping: out.sites, by: { $0.zone })
        out.zones = groups.keys.sorted { ($0 ?? "\u{10FFFF}") < ($1 ?? "\u{10FFFF}") }.map { code in
            let sites = groups[code]!
            let land = sites.reduce(0) { $0 + $1.landAreaM2 }
            let withFloor = sites.filter { $0.floorAreaM2 != nil },
                withFootprint = sites.filter { $0.footprintM2 != nil }
            let floor = withFloor.reduce(0) { $0 + $1.floorAreaM2! }
            let footprint = withFootprint.reduce(0) { $0 + $1.footprintM2! }
            let leased = withFloor.reduce(0) { $0 + $1.leasedFloorM2 }
            let occupancy = ratio(withFloor.isEmpty ? nil : leased, floor)
            let occupants = sites.flatMap(\.occupants)
            return ZoneUtilisation(
                zoneCode: code, zoneName: code.flatMap { zones[$0] ?? nil }, sites: sites.count, landAreaM2: land,
                landAreaMu: AreaUnits.mu(land), footprintM2: footprint, floorAreaM2: floor,
                far: ratio(withFloor.isEmpty ? nil : floor, withFloor.reduce(0) { $0 + $1.landAreaM2 }),
                coverage: ratio(
                    withFootprint.isEmpty ? nil : footprint, withFootprint.reduce(0) { $0 + $1.landAreaM2 }),
                leasedFloorM2: leased, occupancy: occupancy, vacancy: vacancy(occupancy),
                tenants: Set(occupants.filter { $0.role == "tenant" }.map(\.creditCode)).count,
                overLeasedSites: sites.filter(\.overLeased).count,
                farBelowMinSites: sites.filter { $0.farBelowMin == true }.count,
                coverageBelow30Sites: sites.filter { $0.coverageBelow30 == true }.count,
                taxPerMu: weightedMean(occupants, \.taxPerMu),
                valueAddedPerMu: weightedMean(occupants, \.valueAddedPerMu))
        }
        return out
    }
}
