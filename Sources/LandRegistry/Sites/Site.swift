import GRDB

/// A site under second development (二次开发), as stored, without its geometry. Areas are in m²; the land area
/// is the ellipsoidal area of the geometry (CGCS2000), as 三调 reports it.
public struct Site: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public var fid: Int64
    public var code: String
    public var name: String?
    /// The land-use right holder (土地使用权人), a unified social credit code.
    public var holderCreditCode: String?
    /// The holder's name, from the enterprises table, when known.
    public var holderName: String?
    public var industry: String?
    public var footprintM2: Double?
    public var floorAreaM2: Double?
    public var plannedFAR: Double?
    public var lowEfficiencyType: String?
    public var mode: SiteMode?
    public var stage: SiteStage
    /// The stage a suspended site left (it resumes there).
    public var suspendedFrom: SiteStage?
    public var disposedM2: Double
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    /// The parcels the site was built from (JSON array text), when it was.
    public var parcelCodes: String?
    public var properties: String
    public var importID: Int64?
    public var createdAt: String
    public var retiredAt: String?

    /// The land area used by every ratio: the ellipsoidal area.
    public var landAreaM2: Double { ellipsoidalAreaM2 }

    public static let databaseTableName = "sites"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns

    public enum Columns {
        public static let fid = Column("fid"), code = Column("code"), stage = Column("stage")
        public static let holderCreditCode = Column("holder_credit_code"), retiredAt = Column("retired_at")
    }

    /// The stored columns a `Site` reads, in table order: not `geom`, `source_index`, `superseded_by`.
    static let columnNames = [
        "fid", "code", "name", "holder_credit_code", "industry", "footprint_m2", "floor_area_m2", "planned_far",
        "low_efficiency_type", "mode", "stage", "suspended_from", "disposed_m2", "planar_area_m2",
        "ellipsoidal_area_m2",
        "parcel_codes", "properties", "import_id", "created_at", "retired_at"
    ]

    public static var databaseSelection: [any SQLSelectable] { columnNames.map { Column($0) } }

    /// Sites with their holder's name (`holderName`): where every site read starts.
    static func withHolderName() -> QueryInterfaceRequest<Site> {
        withEnterpriseName(creditCode: Columns.holderCreditCode, as: "holder_name")
    }

    /// The same read as one raw statement, for the export (one prepared statement streamed with the geometry,
    /// which `Site` does not hold): `s` is the site.
    static let selectSQL = selectWithEnterpriseNameSQL(
        alias: "s", columns: columnNames,
        creditCode: "holder_credit_code", as: "holder_name")
}

extension Site: FeatureRecord {}

/// How a site is brought back into use (盘活方式).
public enum SiteMode: String, Codable, Sendable, CaseIterable {
    /// 收储: the government takes the land back into its reserve.
    case acquisitionStorage = "acquisition-storage"
    /// 增容技改: more floor area on the same land.
    case capacityIncrease = "capacity-increase"
    /// 调绿 / 调整用途: the land changes use (green space …).
    case reGreening = "re-greening"
    /// 协议置换: exchanged for other land.
    case swap
    /// 自主更新: the holder redevelops.
    case selfRenewal = "self-renewal"
    /// 依法收回: taken back by law.
    case recovery
}

/// Where a site is in second development.
public enum SiteStage: String, Codable, Sendable, CaseIterable {
    case identified, assessed, planned, implementing, completed, suspended, cancelled

    /// The stages work goes through, in order.
    public static let mainLine: [SiteStage] = [.identified, .assessed, .planned, .implementing, .completed]

    /// Open stages can still move; completed and cancelled are final.
    public var isOpen: Bool { self != .completed && self != .cancelled }
}
