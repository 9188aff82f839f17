import GRDB
import LandGeometry

/// A survey parcel (地块) as stored, without its geometry. Areas are in m²; see `AreaUnits` for 亩 and ha.
public struct Parcel: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "parcels"
    public var fid: Int64
    public var code: String
    public var landUse: String?
    public var landUseSystem: String
    /// The land-use class's Chinese name from the store's code list, when known.
    public var landUseName: String?
    public var owner: String?
    public var name: String?
    public var registeredAreaM2: Double?
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    /// Source properties kept verbatim, as a JSON object text.
    public var properties: String
    public var importID: Int64?
    public var createdAt: String
    public var retiredAt: String?
    public var supersededBy: Int64?

    public var isLive: Bool { retiredAt == nil }

    enum CodingKeys: String, CodingKey {
        case fid, code, owner, name, properties
        case landUse = "land_use", landUseSystem = "land_use_system", landUseName = "land_use_name"
        case registeredAreaM2 = "registered_area_m2", planarAreaM2 = "planar_area_m2"
        case ellipsoidalAreaM2 = "ellipsoidal_area_m2", importID = "import_id", createdAt = "created_at"
        case retiredAt = "retired_at", supersededBy = "superseded_by"
    }

    /// The columns to select so that rows decode as `Parcel` (joins the code list for the name).
    static let selectSQL = """
        SELECT p.fid, p.code, p.land_use, p.land_use_system, c.name_zh AS land_use_name, p.owner, p.name,
               p.registered_area_m2, p.planar_area_m2, p.ellipsoidal_area_m2, p.properties, p.import_id,
               p.created_at, p.retired_at, p.superseded_by
        FROM parcels p LEFT JOIN landuse_codes c ON c.system = p.land_use_system AND c.code = p.land_use
        """
}
