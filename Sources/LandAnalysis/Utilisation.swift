import Foundation
import LandRegistry

// MARK: - Industrial land utilisation and 亩均 efficiency
//
// Pure functions over values read from the registry. Policies, stated once:
// - Land area is a site's ellipsoidal area (CGCS2000), in m²; 亩 = m² / (10000/15). Money in yuan; 亩均 figures in
//   万元/亩 (1 万元 = 10,000 yuan).
// - As of a day D, a lease counts when it is active on D (start ≤ D ≤ end, not void).
// - FAR = floor area / land area; coverage (建筑系数) = footprint / land area; occupancy = floor area leased on D
//   / floor area (more than 1 when over-leased); vacancy = max(0, 1 − occupancy). A ratio whose inputs are
//   unknown or whose denominator is 0 is nil.
// - Actual land (实际用地) of an enterprise = own land + leased-in − leased-out. A tenant's leased-in land on a site
//   = site land × its leased floor area / site floor area; the holder's leased-out land on that site is the
//   tenants' total, capped at the site's land (an over-leased site cannot lease out more land than it has).
// - 亩均 tax / value added = the year's tax / value added ÷ actual land in 亩, for enterprises with actual land > 0
//   and figures for the year. A site's (and a zone's) 亩均 figure is the land-weighted mean of the figures of the
//   enterprises on it: Σ (land on the site × enterprise figure) / Σ land on the site of enterprises with a figure.
// - Flags: FAR below the minimum for the site's industry (the holder's when the site has none); coverage < 30 %;
//   over-leased when the leases active on D exceed the floor area.

/// Everything the report needs, read from the registry.
public struct UtilisationInput: Sendable {
    public var sites: [Site]
    public var tenancies: [Tenancy]
    public var enterprises: [Enterprise]
    /// Figures for `year` (other years are ignored).
    public var years: [EnterpriseYear]
    public var thresholds: EfficiencyThresholds
    public var minimumFAR: [String: Double]
    /// YYYY-MM-DD.
    public var asOf: String
    public var year: Int?

    public init(
        sites: [Site], tenancies: [Tenancy], enterprises: [Enterprise], years: [EnterpriseYear],
        thresholds: EfficiencyThresholds, minimumFAR: [String: Double], asOf: String, year: Int?
    ) {
        self.sites = sites; self.tenancies = tenancies; self.enterprises = enterprises; self.years = years
        self.thresholds = thresholds; self.minimumFAR = minimumFAR; self.asOf = asOf; self.year = year
    }
}

/// The minimum coverage (建筑系数) of industrial land, 2008 national control indices.
public let minimumCoverage = 0.30

/// One enterprise's land on one site, as of the report date.
public struct SiteOccupant: Codable, Sendable, Equatable {
    public var creditCode: String
    @NullWhenNil public var name: String?
    /// "holder" or "tenant".
    public var role: String
    /// Floor area it uses: leased floor for a tenant; for the holder, floor area less what is leased out (≥ 0).
    @NullWhenNil public var floorAreaM2: Double?
    /// Its share of the site's land, m².
    public var landM2: Double
    @NullWhenNil public var taxPerMu: Double?
    @NullWhenNil public var valueAddedPerMu: Double?
    @NullWhenNil public var efficiencyClass: String?

    // The CLI's JSON converts the other names to snake_case; `class` is a Swift keyword.
    enum CodingKeys: String, CodingKey {
        case creditCode, name, role, floorAreaM2, landM2, taxPerMu, valueAddedPerMu
        case efficiencyClass = "class"
    }
}

/// Utilisation of one site as of the report date.
public struct SiteUtilisation: Codable, Sendable, Equatable {
    public var code: String
    @NullWhenNil public var name: String?
    @NullWhenNil public var holder: String?
    @NullWhenNil public var holderName: String?
    @NullWhenNil public var industry: String?
    public var stage: String
    @NullWhenNil public var mode: String?
    @NullWhenNil public var zone: String?
    public var landAreaM2: Double
    public var landAreaMu: Double
    @NullWhenNil public var footprintM2: Double?
    @NullWhenNil public var floorAreaM2: Double?
    @NullWhenNil public var far: Double?
    @NullWhenNil public var coverage: Double?
    public var leasedFloorM2: Double
    @NullWhenNil public var occupancy: Double?
    @NullWhenNil public var vacancy: Double?
    public var tenants: Int
    public var overLeased: Bool
    @NullWhenNil public var minFAR: Double?
    @NullWhenNil public var farBelowMin: Bool?
    @NullWhenNil public var coverageBelow30: Bool?
    @NullWhenNil public var taxPerMu: Double?
    @NullWhenNil public var valueAddedPerMu: Double?
    @NullWhenNil public var holderClass: String?
    public var occupants: [SiteOccupant]

    // The CLI's JSON converts the other names to snake_case; it would write `coverageBelow30` as
    // `coverage_below30` (no word break before a digit).
    enum CodingKeys: String, CodingKey {
        case code, name, holder, holderName, industry, stage, mode, zone, landAreaM2, landAreaMu, footprintM2
        case floorAreaM2, far, coverage, leasedFloorM2, occupancy, vacancy, tenants, overLeased, minFAR, farBelowMin
        case taxPerMu, valueAddedPerMu, holderClass, occupants
        case coverageBelow30 = "coverage_below_30"
    }
}

/// One enterprise's actual land and 亩均 figures.
public struct EnterpriseEfficiency: Codable, Sendable, Equatable {
    public var creditCode: String
    @NullWhenNil public var name: String?
    @NullWhenNil public var industry: String?
    @NullWhenNil public var scale: String?
    public var ownLandM2: Double
    public var leasedInLandM2: Double
    public var leasedOutLandM2: Double
    public var actualLandM2: Double
    public var actualLandMu: Double
    @NullWhenNil public var taxYuan: Double?
    @NullWhenNil public var valueAddedYuan: Double?
    @NullWhenNil public var taxPerMu: Double?
    @NullWhenNil public var valueAddedPerMu: Double?
    /// nil when the enterprise has no figures for the year or no actual land.
    @NullWhenNil public var efficiencyClass: String?

    // The CLI's JSON converts the other names to snake_case; `class` is a Swift keyword.
    enum CodingKeys: String, CodingKey {
        case creditCode, name, industry, scale, ownLandM2, leasedInLandM2, leasedOutLandM2, actualLandM2
        case actualLandMu, taxYuan, valueAddedYuan, taxPerMu, valueAddedPerMu
        case efficiencyClass = "class"
    }
}

/// The utilisation report.
public struct UtilisationReport: Codable, Sendable {
    public var asOf: String
    public var year: Int?
    public var thresholdsSource: String
    public var sites: [SiteUtilisation]
    public var enterprises: [EnterpriseEfficiency]
    /// Present when the report is by zone.
    public var zones: [ZoneUtilisation]?
    public var zoneKind: String?

}

public enum Utilisation {
    /// Computes the per-site and per-enterprise report (no zones; see `byZone`).
    public static func report(_ input: UtilisationInput) -> UtilisationReport {
        let enterprises = Dictionary(input.enterprises.map { ($0.creditCode, $0) }, uniquingKeysWith: { a, _ in a })
        let figures = Dictionary(
            input.years.filter { $0.year == input.year }.map { ($0.creditCode, $0) },
            uniquingKeysWith: { a, _ in a })
        let active = input.tenancies.filter { $0.isActive(on: input.asOf) }
        let leasesBySite = Dictionary(grouping: active, by: \.siteCode)

        // Land of each enterprise on each site (site code → credit code → m²), and own / in / out totals.
        var landOnSite: [String: [(code: String, role: String, floorM2: Double?, landM2: Double)]] = [:]
        var own: [String: Double] = [:], leasedIn: [String: Double] = [:], leasedOut: [String: Double] = [:]
        for site in input.sites {
            let land = site.landAreaM2
            var tenantsFloor: [String: Double] = [:]
            for l in leasesBySite[site.code] ?? [] { tenantsFloor[l.tenantCreditCode, default: 0] += l.floorAreaM2 }
            // In code order: a Dictionary's order changes from run to run, and so would the sums' last digit.
            let tenants = tenantsFloor.sorted { $0.key < $1.key }
            var shares: [(code: String, role: String, floorM2: Double?, landM2: Double)] = []
            var out = 0.0
            if let floor = site.floorAreaM2, floor > 0 {
                for (tenant, f) in tenants {
                    let share = land * f / floor
                    leasedIn[tenant, default: 0] += share
                    out += share
                    shares.append((tenant, "tenant", f, share))
                }
            }
            out = min(out, land)
            if let holder = site.holderCreditCode {
                own[holder, default: 0] += land
                leasedOut[holder, default: 0] += out
                let tenantsTotal = tenants.reduce(0) { $0 + $1.value }
                let holderFloor = site.floorAreaM2.map { max(0, $0 - tenantsTotal) }
                shares.insert((holder, "holder", holderFloor, land - out), at: 0)
            }
            landOnSite[site.code] = shares
        }

        var efficiency: [String: EnterpriseEfficiency] = [:]
        for code in Set(own.keys).union(leasedIn.keys) {
            let e = enterprises[code]
            let o = own[code] ?? 0, i = leasedIn[code] ?? 0, out = leasedOut[code] ?? 0
            let actual = o + i - out
            let mu = AreaUnits.mu(actual)
            let f = figures[code]
            let tax = f?.taxYuan, va = f?.valueAddedYuan
            let taxPerMu = actual > 0 ? tax.map { $0 / 10_000 / mu } : nil
            let vaPerMu = actual > 0 ? va.map { $0 / 10_000 / mu } : nil
            var values: [String: Double] = [:]
            values["tax_per_mu"] = taxPerMu
            values["value_added_per_mu"] = vaPerMu
            let cls = (f != nil && actual > 0) ? input.thresholds.classify(values) : nil
            efficiency[code] = EnterpriseEfficiency(
                creditCode: code, name: e?.name, industry: e?.industry, scale: e?.scale, ownLandM2: o,
                leasedInLandM2: i,
                leasedOutLandM2: out, actualLandM2: actual, actualLandMu: mu, taxYuan: tax, valueAddedYuan: va,
                taxPerMu: taxPerMu, valueAddedPerMu: vaPerMu, efficiencyClass: cls)
        }

        let sites = input.sites.map { site -> SiteUtilisation in
            let land = site.landAreaM2
            let leases = leasesBySite[site.code] ?? []
            let leased = leases.reduce(0) { $0 + $1.floorAreaM2 }
            let far = ratio(site.floorAreaM2, land)
            let coverage = ratio(site.footprintM2, land)
            let occupancy = ratio(site.floorAreaM2 == nil ? nil : leased, site.floorAreaM2 ?? 0)
            let industry = site.industry ?? site.holderCreditCode.flatMap { enterprises[$0]?.industry }
            let minFAR = industry.flatMap { input.minimumFAR[$0] }
            let occupants = (landOnSite[site.code] ?? []).map { s in
                let e = efficiency[s.code]
                return SiteOccupant(
                    creditCode: s.code, name: enterprises[s.code]?.name, role: s.role, floorAreaM2: s.floorM2,
                    landM2: s.landM2, taxPerMu: e?.taxPerMu, valueAddedPerMu: e?.valueAddedPerMu,
                    efficiencyClass: e?.efficiencyClass)
            }
            return SiteUtilisation(
                code: site.code, name: site.name, holder: site.holderCreditCode, holderName: site.holderName,
                industry: industry, stage: site.stage.rawValue, mode: site.mode?.rawValue, zone: nil,
                landAreaM2: land, landAreaMu: AreaUnits.mu(land), footprintM2: site.footprintM2,
                floorAreaM2: site.floorAreaM2,
                far: far, coverage: coverage, leasedFloorM2: leased, occupancy: occupancy,
                vacancy: vacancy(occupancy), tenants: Set(leases.map(\.tenantCreditCode)).count,
                overLeased: site.floorAreaM2.map { leased > $0 } ?? false, minFAR: minFAR,
                farBelowMin: far.flatMap { f in minFAR.map { f < $0 } },
                coverageBelow30: coverage.map { $0 < minimumCoverage },
                taxPerMu: weightedMean(occupants, \.taxPerMu),
                valueAddedPerMu: weightedMean(occupants, \.valueAddedPerMu),
                holderClass: site.holderCreditCode.flatMap { efficiency[$0]?.efficiencyClass }, occupants: occupants)
        }
        return UtilisationReport(
            asOf: input.asOf, year: input.year, thresholdsSource: input.thresholds.source, sites: sites,
            enterprises: efficiency.values.sorted { $0.creditCode < $1.creditCode }, zones: nil, zoneKind: nil)
    }

    /// Vacancy = max(0, 1 − occupancy) (an over-leased site or zone is not negatively vacant); nil with occupancy.
    static func vacancy(_ occupancy: Double?) -> Double? { occupancy.map { max(0, 1 - $0) } }

    /// a / b, or nil when a is unknown or b is not > 0.
    static func ratio(_ a: Double?, _ b: Double) -> Double? {
        guard let a, b > 0 else { return nil }
        return a / b
    }

    /// Σ land × value / Σ land over the occupants that have a value; nil when none has.
    static func weightedMean(_ occupants: [SiteOccupant], _ value: KeyPath<SiteOccupant, Double?>) -> Double? {
        let (num, den) = weightedSums(occupants, value)
        return den > 0 ? num / den : nil
    }

    /// (Σ land 亩 × value, Σ land 亩) over the occupants with a value and land > 0.
    static func weightedSums(_ occupants: [SiteOccupant], _ value: KeyPath<SiteOccupant, Double?>) -> (Double, Double) {
        var num = 0.0, den = 0.0
        for o in occupants where o.landM2 > 0 {
            guard let v = o[keyPath: value] else { continue }
            num += AreaUnits.mu(o.landM2) * v
            den += AreaUnits.mu(o.landM2)
        }
        return (num, den)
    }
}

extension UtilisationReport {
    /// Writes every key, null included, so that the JSON keys are stable.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(asOf, forKey: .asOf)
        try c.encode(year, forKey: .year)
        try c.encode(thresholdsSource, forKey: .thresholdsSource)
        try c.encode(sites, forKey: .sites)
        try c.encode(enterprises, forKey: .enterprises)
        try c.encode(zones, forKey: .zones)
        try c.encode(zoneKind, forKey: .zoneKind)
    }
}
