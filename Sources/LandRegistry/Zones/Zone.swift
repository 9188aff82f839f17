import GRDB

/// A zone (片区, 村/社区, 网格, 永久基本农田 …) without its geometry.
public struct Zone: Codable, Sendable, Equatable, FetchableRecord, FeatureRecord {
    public static let databaseTableName = "zones"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var fid: Int64
    public var code: String
    public var kind: String
    public var name: String?
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    public var retiredAt: String?

    public enum Columns {
        public static let fid = Column("fid"), code = Column("code"), kind = Column("kind"), name = Column("name")
        public static let planarAreaM2 = Column("planar_area_m2"), ellipsoidalAreaM2 = Column("ellipsoidal_area_m2")
        public static let retiredAt = Column("retired_at")
    }

    /// The stored columns a `Zone` reads: not `geom`.
    public static var databaseSelection: [any SQLSelectable] {
        [
            Columns.fid, Columns.code, Columns.kind, Columns.name, Columns.planarAreaM2, Columns.ellipsoidalAreaM2,
            Columns.retiredAt
        ]
    }
}
