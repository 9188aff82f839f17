import Foundation
import GRDB
import LandGeometry

// MARK: - Reading sites, tenancies, enterprises and the reference tables the utilisation report uses

/// One row of a thresholds table: an enterprise meets it when its indicator value is ≥ `minValue`.
public struct EfficiencyThreshold: Codable, Sendable, Equatable {
    public var indicator: String
    /// "A", "B", "C" or "D".
    public var efficiencyClass: String
    public var minValue: Double
    public var unit: String?

    public init(indicator: String, efficiencyClass: String, minValue: Double, unit: String? = nil) {
        self.indicator = indicator; self.efficiencyClass = efficiencyClass; self.minValue = minValue; self.unit = unit
    }

    enum CodingKeys: String, CodingKey {
        case indicator, unit
        case efficiencyClass = "class", minValue = "min_value"
    }
}

extension Registry {
    /// Live sites (or every row with `includeRetired`), by code.
    public func sites(stage: SiteStage? = nil, includeRetired: Bool = false) throws -> [Site] {
        try dbQueue.read { db in
            var clauses: [String] = []
            if !includeRetired { clauses.append("s.retired_at IS NULL") }
            if stage != nil { clauses.append("s.stage = ?") }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            return try Site.fetchAll(db, sql: Site.selectSQL + whereSQL + " ORDER BY s.code, s.fid",
                                     arguments: StatementArguments(stage.map { [$0.rawValue] } ?? []))
        }
    }

    /// The live site with this code. - Throws: `NotFound`.
    public func site(code: String) throws -> Site {
        try dbQueue.read { db in
            guard let s = try Site.fetchOne(db, sql: Site.selectSQL + " WHERE s.code = ? AND s.retired_at IS NULL",
                                            arguments: [code]) else { throw NotFound(what: "live site", code: code) }
            return s
        }
    }

    /// Every row of a site code, oldest first. - Throws: `NotFound`.
    public func siteHistory(code: String) throws -> [Site] {
        let rows = try dbQueue.read { db in
            try Site.fetchAll(db, sql: Site.selectSQL + " WHERE s.code = ? ORDER BY s.fid", arguments: [code])
        }
        if rows.isEmpty { throw NotFound(what: "site", code: code) }
        return rows
    }

    /// Geometries of site rows, in the store CRS.
    public func siteGeometries(fids: [Int64]) throws -> [Int64: Geometry] {
        try dbQueue.read { db in try geometries(db, table: "sites", fids: fids) }
    }

    /// Leases, optionally of one site and/or active on one day (see `Tenancy.isActive(on:)`), by site and start.
    public func tenancies(siteCode: String? = nil, activeOn day: String? = nil) throws -> [Tenancy] {
        let all = try dbQueue.read { db in
            try Tenancy.fetchAll(db, sql: Tenancy.selectSQL + " WHERE (?1 IS NULL OR t.site_code = ?1) ORDER BY t.site_code, t.start_date, t.id",
                                 arguments: [siteCode])
        }
        return day.map { d in all.filter { $0.isActive(on: d) } } ?? all
    }

    /// Every enterprise, by credit code.
    public func enterprises() throws -> [Enterprise] {
        try dbQueue.read { db in
            try Enterprise.fetchAll(db, sql: "SELECT id, credit_code, name, industry, scale FROM enterprises ORDER BY credit_code")
        }
    }

    /// Every enterprise's figures for `year`.
    public func enterpriseYears(year: Int) throws -> [EnterpriseYear] {
        try dbQueue.read { db in
            try EnterpriseYear.fetchAll(db, sql: """
                SELECT credit_code, year, tax_yuan, value_added_yuan, revenue_yuan, energy_tce, employees, rd_yuan
                FROM enterprise_years WHERE year = ? ORDER BY credit_code
                """, arguments: [year])
        }
    }

    /// The latest year with enterprise figures, at most `upTo`; nil when there are none.
    public func latestEnterpriseYear(upTo: Int? = nil) throws -> Int? {
        try dbQueue.read { db in
            try Int.fetchOne(db, sql: "SELECT max(year) FROM enterprise_years WHERE ?1 IS NULL OR year <= ?1", arguments: [upTo])
        }
    }

    /// The store's 亩均 efficiency thresholds (from seeds/efficiency-thresholds.csv at init).
    public func efficiencyThresholds() throws -> [EfficiencyThreshold] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT indicator, class, min_value, unit FROM efficiency_thresholds ORDER BY class, indicator")
                .map { EfficiencyThreshold(indicator: $0["indicator"], efficiencyClass: $0["class"], minValue: $0["min_value"], unit: $0["unit"]) }
        }
    }

    /// Minimum floor-area ratio by industry (national control indices; seeds/industry-min-far.csv).
    public func industryMinimumFAR() throws -> [String: Double] {
        try dbQueue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT industry, min_far FROM industry_min_far")
                .map { ($0["industry"] as String, $0["min_far"] as Double) })
        }
    }

    /// Live zones of one kind with their geometries, in the store CRS.
    public func zonesWithGeometry(kind: ZoneKind) throws -> [(zone: Zone, geometry: Geometry)] {
        let zones = try self.zones(kind: kind)
        let shapes = try dbQueue.read { db in try geometries(db, table: "zones", fids: zones.map(\.fid)) }
        return zones.compactMap { z in shapes[z.fid].map { (z, $0) } }
    }
}
