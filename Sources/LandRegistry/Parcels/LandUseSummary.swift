import GRDB

/// Live parcels by first-level land-use class (GB/T 21010 01 耕地, 06 工矿仓储 …): count and areas in m².
public struct LandUseClassSummary: Codable, Sendable, Equatable, FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public let landUseClass: String
    public let name: String?
    public let parcels: Int
    public let ellipsoidalAreaM2: Double
    public let planarAreaM2: Double
}

extension Registry {
    public func landUseSummary() throws -> [LandUseClassSummary] {
        try dbQueue.read { db in
            try LandUseClassSummary.fetchAll(
                db,
                sql: """
                    SELECT coalesce(substr(p.land_use, 1, 2), '–') AS land_use_class, c.name_zh AS name, count(*) AS parcels,
                           sum(p.ellipsoidal_area_m2) AS ellipsoidal_area_m2, sum(p.planar_area_m2) AS planar_area_m2
                    FROM parcels p
                    LEFT JOIN landuse_codes c ON c.system = p.land_use_system AND c.code = substr(p.land_use, 1, 2)
                    WHERE p.retired_at IS NULL
                    GROUP BY land_use_class ORDER BY land_use_class
                    """)
        }
    }
}
