import GRDB

/// A zone (片区, 村/社区, 网格, 永久基本农田 …) without its geometry.
public struct Zone: Codable, Sendable, Equatable, FetchableRecord {
    public var fid: Int64
    public var code: String
    public var kind: String
    public var name: String?
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    public var retiredAt: String?

    enum CodingKeys: String, CodingKey {
        case fid, code, kind, name
        case planarAreaM2 = "planar_area_m2", ellipsoidalAreaM2 = "ellipsoidal_area_m2", retiredAt = "retired_at"
    }
}
