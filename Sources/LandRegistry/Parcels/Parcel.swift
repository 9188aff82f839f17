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
    /// The survey version (year) the row came in with (`import survey`); nil for rows from before versions.
    public var surveyYear: Int? = nil

    public var isLive: Bool { retiredAt == nil }

    public enum Columns {
        public static let fid = Column("fid"), code = Column("code"), landUse = Column("land_use")
        public static let landUseSystem = Column("land_use_system"), owner = Column("owner"), name = Column("name")
        public static let registeredAreaM2 = Column("registered_area_m2"), planarAreaM2 = Column("planar_area_m2")
        public static let ellipsoidalAreaM2 = Column("ellipsoidal_area_m2"), properties = Column("properties")
        public static let importID = Column("import_id"), createdAt = Column("created_at"),
            retiredAt = Column("retired_at")
        public static let supersededBy = Column("superseded_by"), surveyYear = Column("survey_year")
    }

    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns

    /// The stored columns a `Parcel` reads: not `geom` (geometries are read apart, by fid, when needed).
    public static var databaseSelection: [any SQLSelectable] {
        [
            Columns.fid, Columns.code, Columns.landUse, Columns.landUseSystem, Columns.owner, Columns.name,
            Columns.registeredAreaM2, Columns.planarAreaM2, Columns.ellipsoidalAreaM2, Columns.properties,
            Columns.importID, Columns.createdAt, Columns.retiredAt, Columns.supersededBy, Columns.surveyYear
        ]
    }

    /// The parcel's land-use class in the store's code list (`landuse_codes`, unique on system and code). The key
    /// is given: GRDB would otherwise singularize the table name with regular expressions, ~10 ms of CPU at the
    /// first request of every process (measured on `parcels at`).
    static var landUseCode: BelongsToAssociation<Parcel, LandUseCode> {
        belongsTo(
            LandUseCode.self, key: "landUseCode",
            using: ForeignKey(
                [Columns.landUseSystem, Columns.landUse],
                to: [LandUseCode.Columns.system, LandUseCode.Columns.code]))
    }

    /// Parcels with their class's Chinese name (`landUseName`): where every parcel read starts.
    static func withLandUseName() -> QueryInterfaceRequest<Parcel> {
        annotated(withOptional: landUseCode.select(LandUseCode.Columns.nameZh.forKey("land_use_name")))
    }
}

extension Parcel: FeatureRecord {}
