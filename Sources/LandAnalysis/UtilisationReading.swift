import Foundation
import LandGeoJSON
import LandGeometry
import LandRegistry

// MARK: - From the registry to a utilisation report, and back out as export properties

extension Utilisation {
    /// Reads what the report needs. `year` defaults to the latest year with figures up to the as-of year;
    /// `thresholds` to the store's table.
    /// - Throws: registry errors, `ThresholdsError` when the store's table is unusable.
    public static func input(
        from registry: Registry, asOf: String, year: Int? = nil,
        thresholds: EfficiencyThresholds? = nil
    ) throws -> UtilisationInput {
        let asOfYear = Int(asOf.prefix(4))
        let year = try year ?? registry.latestEnterpriseYear(upTo: asOfYear)
        return UtilisationInput(
            sites: try registry.sites(), tenancies: try registry.tenancies(), enterprises: try registry.enterprises(),
            years: try year.map { try registry.enterpriseYears(year: $0) } ?? [],
            thresholds: try thresholds
                ?? EfficiencyThresholds(rows: try registry.efficiencyThresholds(), source: "store"),
            minimumFAR: try registry.industryMinimumFAR(), asOf: asOf, year: year)
    }

    /// The report by zone of `kind`: each site goes to the zone holding the largest part of it.
    public static func byZone(_ report: UtilisationReport, registry: Registry, kind: ZoneKind) throws
        -> UtilisationReport
    {
        let sites = try registry.sites()
        let shapes = try registry.siteGeometries(fids: sites.map(\.fid))
        let zones = try registry.zonesWithGeometry(kind: kind)
        let assignment = try assignZones(
            sites: sites.compactMap { s in shapes[s.fid].map { (s.code, $0) } },
            zones: zones.map { ($0.zone.code, $0.geometry) })
        return byZone(
            report, assignment: assignment,
            zones: Dictionary(zones.map { ($0.zone.code, $0.zone.name) }, uniquingKeysWith: { a, _ in a }),
            kind: kind.rawValue)
    }

    /// A site's metrics as GeoJSON properties (names listed in `SiteExportKeys.written`).
    public static func exportProperties(_ s: SiteUtilisation, asOf: String, year: Int?) -> [(
        key: String, value: JSONValue
    )] {
        func n(_ v: Double?) -> JSONValue { v.map { JSONValue(double: $0) } ?? .null }
        func b(_ v: Bool?) -> JSONValue { v.map(JSONValue.bool) ?? .null }
        let holder = s.occupants.first { $0.role == "holder" }
        return [
            ("as_of", .string(asOf)), ("year", year.map { JSONValue(integer: $0) } ?? .null),
            ("far", n(s.far)), ("coverage", n(s.coverage)), ("leased_floor_m2", n(s.leasedFloorM2)),
            ("occupancy", n(s.occupancy)), ("vacancy", n(s.vacancy)), ("tenants", JSONValue(integer: s.tenants)),
            ("over_leased", .bool(s.overLeased)), ("min_far", n(s.minFAR)), ("far_below_min", b(s.farBelowMin)),
            ("coverage_below_30", b(s.coverageBelow30)), ("tax_per_mu", n(s.taxPerMu)),
            ("value_added_per_mu", n(s.valueAddedPerMu)),
            ("holder_class", s.holderClass.map(JSONValue.string) ?? .null),
            ("holder_tax_per_mu", n(holder?.taxPerMu)), ("holder_value_added_per_mu", n(holder?.valueAddedPerMu))
        ]
    }
}
