import Foundation
import GRDB
import LandGeometry

// MARK: - The reference tables seeded at init (efficiency thresholds, industry minimum FAR)

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

}
