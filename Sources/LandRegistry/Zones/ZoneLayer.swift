import GRDB
import LandGeometry
import LandGeoJSON

// MARK: - Zones import: fields and rows

/// Kinds of zone reports group by. Stored as the raw value.
public enum ZoneKind: String, CaseIterable, Sendable, Codable {
    case community, village, grid
    case basicFarmland = "basic-farmland"
    case developmentArea = "development-area"
    case other
}

struct ZoneFields: Sendable {
    let name: String?
}

struct ZoneLayer: FeatureLayer {
    let table = "zones"
    let entity = "zone"
    let fieldNames = ["code", "name"]
    let kind: ZoneKind

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: ZoneFields), IngestError> {
        guard let code = f["code"]?.fieldText?.trimmed, !code.isEmpty else {
            return .failure(IngestError("has no code (map one with --map code=PROPERTY)"))
        }
        return .success((code, ZoneFields(name: f["name"]?.fieldText)))
    }

    func makeInserter(_ db: Database, importID: Int64, createdAt: String) throws -> any FeatureInserter<ZoneFields> {
        try ZoneInserter(db: db, importID: importID, createdAt: createdAt, kind: kind)
    }
}

final class ZoneInserter: FeatureInserter {
    let db: Database
    let importID: Int64
    let createdAt: String
    let kind: ZoneKind
    let insertStatement: Statement
    let retireStatement: Statement

    init(db: Database, importID: Int64, createdAt: String, kind: ZoneKind) throws {
        self.db = db; self.importID = importID; self.createdAt = createdAt; self.kind = kind
        insertStatement = try db.makeStatement(sql: """
            INSERT INTO zones (geom, code, kind, name, planar_area_m2, ellipsoidal_area_m2, properties, import_id,
                               source_index, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        retireStatement = try db.makeStatement(sql: """
            UPDATE zones SET retired_at = ? WHERE kind = ? AND code = ? AND retired_at IS NULL AND import_id IS NOT ?
            RETURNING fid
            """)
    }

    func insert(_ f: PreparedFeature<ZoneFields>, replace: Bool) throws -> (fid: Int64, retired: Int64?) {
        var retired: Int64? = nil
        if replace {
            retired = try Int64.fetchOne(retireStatement, arguments: [createdAt, kind.rawValue, f.code, importID])
        }
        do {
            try insertStatement.execute(arguments: [
                f.geometry.blob.databaseBlob, f.code, kind.rawValue, f.fields.name, f.geometry.planarAreaM2,
                f.geometry.ellipsoidalAreaM2, f.properties, importID, f.index, createdAt,
            ])
        } catch let e as DatabaseError where e.isUniqueViolation {
            insertStatement.discardFailure()
            throw IngestError(try duplicateCodeMessage(db, table: "zones", code: f.code, importID: importID,
                                                       extraWhere: "AND kind = ?", arguments: [kind.rawValue]))
        }
        return (db.lastInsertedRowID, retired)
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
