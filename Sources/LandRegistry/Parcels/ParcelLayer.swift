import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Parcels import: fields and rows

/// The fields of a parcel read from a survey export.
struct ParcelFields: Sendable {
    let landUse: String?
    let owner: String?
    let name: String?
    let registeredAreaM2: Double?
}

struct ParcelLayer: FeatureLayer {
    let table = "parcels"
    let entity = EventEntity.parcel
    let fieldNames = ["code", "land_use", "owner", "registered_area_m2", "name"]
    /// Land-use codes the chosen code system knows.
    let knownLandUses: Set<String>
    let codeSystem: String

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: ParcelFields), IngestError> {
        guard let code = f["code"]?.fieldText?.trimmed, !code.isEmpty else {
            return .failure(IngestError("has no code (map one with --map code=PROPERTY or --profile)"))
        }
        let landUse = f["land_use"]?.fieldText?.trimmed
        if let landUse, !landUse.isEmpty, !knownLandUses.contains(landUse) {
            return .failure(IngestError("unknown land-use code \"\(landUse)\" in \(codeSystem)"))
        }
        var area: Double? = nil
        if let raw = f["registered_area_m2"] {
            guard let a = raw.fieldNumber, a >= 0 else {
                return .failure(IngestError("registered area \(raw.serialized) is not a non-negative number"))
            }
            area = a
        }
        return .success(
            (
                code,
                ParcelFields(
                    landUse: landUse?.isEmpty == true ? nil : landUse, owner: f["owner"]?.fieldText,
                    name: f["name"]?.fieldText, registeredAreaM2: area)
            ))
    }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<ParcelFields> {
        let codeSystem = codeSystem, importID = core.importID, createdAt = core.createdAt
        return try RowInserter(
            core,
            insertSQL: """
                INSERT INTO parcels (geom, code, land_use, land_use_system, owner, name, registered_area_m2, planar_area_m2,
                                     ellipsoidal_area_m2, properties, import_id, source_index, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ) { s, f in
            s.bindRow(
                f.geometry.blob, f.code, f.fields.landUse, codeSystem, f.fields.owner, f.fields.name,
                f.fields.registeredAreaM2, f.geometry.planarAreaM2, f.geometry.ellipsoidalAreaM2, f.properties,
                importID, f.index, createdAt)
        }
    }
}

extension Registry {
    /// Imports survey parcels from GeoJSON (FeatureCollection or text sequence), all or nothing.
    /// - Parameter codeSystem: the land-use code system of the file: "gb21010" (GB/T 21010-2017, default) or "yongdi".
    public func importParcels(
        file: String, codeSystem: String = "gb21010", options: FeatureImportOptions,
        progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportReport {
        let known = try dbQueue.read { db in
            Set(
                try String.fetchAll(db, sql: "SELECT code FROM landuse_codes WHERE system = ?", arguments: [codeSystem])
            )
        }
        if known.isEmpty {
            throw ImportSetupError("--code-system \(codeSystem): no such land-use code system (gb21010, yongdi)")
        }
        return try importFeatures(
            ParcelLayer(knownLandUses: known, codeSystem: codeSystem), file: file, options: options,
            progress: progress)
    }
}

extension String {
    /// Without leading and trailing white space. Most field values have none: they are returned as they are,
    /// without Foundation's trimming, which bridges through NSString (Unicode White_Space, tested on the ends,
    /// includes every character of `whitespacesAndNewlines`).
    var trimmed: String {
        guard let first, let last, first.isWhitespace || last.isWhitespace else { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Array where Element == UInt8 {
    /// The bytes as an SQLite blob argument.
    var databaseBlob: Data { Data(self) }
}
