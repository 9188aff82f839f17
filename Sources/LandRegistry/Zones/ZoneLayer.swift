import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Zones import: fields and rows

/// Kinds of zone reports group by. Stored as the raw value.
public enum ZoneKind: String, CaseIterable, Sendable, Codable {
    case community, village, grid
    case basicFarmland = "basic-farmland"
    case developmentArea = "development-area"
    /// 生态保护红线 (ecological protection red line): a spot's area on it is part of its breakdown.
    case ecoRedline = "eco-redline"
    /// 城镇开发边界 (urban development boundary): a spot's area outside it is part of its breakdown.
    case urbanBoundary = "urban-boundary"
    case other
}

struct ZoneFields: Sendable {
    let name: String?
}

struct ZoneLayer: FeatureLayer {
    let table = "zones"
    let entity = EventEntity.zone
    let fieldNames = ["code", "name"]
    let kind: ZoneKind

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: ZoneFields), IngestError> {
        guard let code = f["code"]?.fieldText?.trimmed, !code.isEmpty else {
            return .failure(IngestError("has no code (map one with --map code=PROPERTY)"))
        }
        return .success((code, ZoneFields(name: f["name"]?.fieldText)))
    }

    var codeScope: CodeScope? { CodeScope(column: "kind", value: kind.rawValue) }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<ZoneFields> {
        let kind = kind.rawValue, importID = core.importID, createdAt = core.createdAt
        return try RowInserter(
            core,
            insertSQL: """
                INSERT INTO zones (geom, code, kind, name, planar_area_m2, ellipsoidal_area_m2, properties, import_id,
                                   source_index, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ) { s, f in
            s.bindRow(
                f.geometry.blob, f.code, kind, f.fields.name, f.geometry.planarAreaM2, f.geometry.ellipsoidalAreaM2,
                f.properties, importID, f.index, createdAt)
        }
    }
}

extension Registry {
    /// Imports zones of one kind from GeoJSON, all or nothing.
    public func importZones(
        file: String, kind: ZoneKind, options: FeatureImportOptions, progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportReport {
        try importFeatures(ZoneLayer(kind: kind), file: file, options: options, progress: progress)
    }
}
