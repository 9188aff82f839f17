import GRDB

/// The kinds of approval a legal spot verdict rests on. Stored as the raw value.
public enum ApprovalKind: String, CaseIterable, Codable, Sendable {
    /// 农用地转用 (用地审批): farmland converted to construction land.
    case farmlandConversion = "farmland-conversion"
    /// 土地供应: land supplied (allocated or sold).
    case landSupply = "land-supply"
    /// 临时用地: temporary use.
    case temporaryUse = "temporary-use"
    /// 设施农用地备案: facility farmland filed.
    case facilityFarmland = "facility-farmland"
}

/// An approval polygon (批文) as stored, without its geometry. Areas in m².
public struct Approval: Codable, Sendable, Equatable, FetchableRecord, FeatureRecord {
    public static let databaseTableName = "approvals"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var fid: Int64
    /// The document number (批文号), unique among live approvals.
    public var code: String
    public var kind: ApprovalKind
    /// YYYY-MM-DD.
    public var approvalDate: String
    /// The area the document states, m² (nil when the file has none).
    public var registeredAreaM2: Double?
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    public var importID: Int64?
    public var retiredAt: String?

    public enum Columns {
        public static let fid = Column("fid"), code = Column("code"), kind = Column("kind")
        public static let approvalDate = Column("approval_date"), retiredAt = Column("retired_at")
    }

    /// The stored columns an `Approval` reads: not `geom`, `properties`, `source_index` …
    public static var databaseSelection: [any SQLSelectable] {
        [
            "fid", "code", "kind", "approval_date", "registered_area_m2", "planar_area_m2", "ellipsoidal_area_m2",
            "import_id", "retired_at"
        ].map { Column($0) }
    }
}
