import Foundation
import GRDB
import LandGeometry

// MARK: - The reference tables seeded at init (land-use codes, efficiency thresholds, industry minimum FAR)

/// A row of `landuse_codes` (GB/T 21010-2017 or 用地用海), joined to parcels for their class's name.
struct LandUseCode: TableRecord {
    static let databaseTableName = "landuse_codes"
    enum Columns {
        static let system = Column("system"), code = Column("code"), nameZh = Column("name_zh")
    }
}

/// One row of a thresholds table: an enterprise meets it when its indicator value is ≥ `minValue`.
public struct EfficiencyThreshold: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "efficiency_thresholds"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var indicator: String
    /// "A", "B", "C" or "D".
    public var efficiencyClass: String
    public var minValue: Double
    public var unit: String?

    public init(indicator: String, efficiencyClass: String, minValue: Double, unit: String? = nil) {
        self.indicator = indicator; self.efficiencyClass = efficiencyClass; self.minValue = minValue; self.unit = unit
    }

    // `class` is a Swift keyword: the one column whose property has another name.
    enum CodingKeys: String, CodingKey {
        case indicator, unit, minValue
        case efficiencyClass = "class"
    }

    public enum Columns {
        public static let indicator = Column("indicator"), efficiencyClass = Column("class"),
            minValue = Column("min_value")
        public static let unit = Column("unit")
    }

    public static var databaseSelection: [any SQLSelectable] {
        [Columns.indicator, Columns.efficiencyClass, Columns.minValue, Columns.unit]
    }
}

/// A row of `industry_min_far`: the national minimum floor-area ratio of an industry.
struct IndustryMinimumFAR: Decodable, FetchableRecord, TableRecord {
    static let databaseTableName = "industry_min_far"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    static var databaseSelection: [any SQLSelectable] { [Column("industry"), Column("min_far")] }
    var industry: String
    var minFAR: Double
}

extension Registry {
    /// The store's 亩均 efficiency thresholds (from seeds/efficiency-thresholds.csv at init).
    public func efficiencyThresholds() throws -> [EfficiencyThreshold] {
        try dbQueue.read { db in
            try EfficiencyThreshold.order(
                EfficiencyThreshold.Columns.efficiencyClass, EfficiencyThreshold.Columns.indicator
            )
            .fetchAllNamingBadRow(db, file: path)
        }
    }

    /// Minimum floor-area ratio by industry (national control indices; seeds/industry-min-far.csv).
    public func industryMinimumFAR() throws -> [String: Double] {
        try dbQueue.read { db in
            Dictionary(
                uniqueKeysWithValues: try IndustryMinimumFAR.all().fetchAllNamingBadRow(db, file: path)
                    .map { ($0.industry, $0.minFAR) })
        }
    }

}
