import GRDB

/// A site under second development (二次开发), as stored, without its geometry. Areas are in m²; the land area
/// is the ellipsoidal area of the geometry (CGCS2000), as 三调 reports it.
public struct Site: Codable, Sendable, Equatable, FetchableRecord {
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

    enum CodingKeys: String, CodingKey {
        case fid, code, name, industry, mode, stage, properties
        case holderCreditCode = "holder_credit_code", holderName = "holder_name", footprintM2 = "footprint_m2"
        case floorAreaM2 = "floor_area_m2", plannedFAR = "planned_far", lowEfficiencyType = "low_efficiency_type"
        case suspendedFrom = "suspended_from", disposedM2 = "disposed_m2", planarAreaM2 = "planar_area_m2"
        case ellipsoidalAreaM2 = "ellipsoidal_area_m2", parcelCodes = "parcel_codes", importID = "import_id"
        case createdAt = "created_at", retiredAt = "retired_at"
    }

    static let selectSQL = """
        SELECT s.fid, s.code, s.name, s.holder_credit_code, e.name AS holder_name, s.industry, s.footprint_m2,
               s.floor_area_m2, s.planned_far, s.low_efficiency_type, s.mode, s.stage, s.suspended_from,
               s.disposed_m2, s.planar_area_m2, s.ellipsoidal_area_m2, s.parcel_codes, s.properties, s.import_id,
               s.created_at, s.retired_at
        FROM sites s LEFT JOIN enterprises e ON e.credit_code = s.holder_credit_code
        """
}

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
