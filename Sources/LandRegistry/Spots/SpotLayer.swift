import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Spots import: fields, overlay, rows
//
// A spot batch is imported like any layer (one transaction, every problem listed, nothing written on any).
// The preparing workers measure each spot's overlay (Farmland/FarmlandOverlay.swift).

/// The fields of a spot read from an inspection batch.
struct SpotFields: Sendable {
    let detectedDate: String?
    let clueCode: String?
    let village: String?
    /// Measured by the preparing workers (SpotLayer.makeEnricher); nil until then.
    var overlay: (breakdown: SpotBreakdown, zoneCodes: [String])? = nil
}

struct SpotLayer: FeatureLayer {
    let table = "spots"
    let entity = EventEntity.spot
    let fieldNames = ["code", "batch", "detected_date", "clue_code", "village"]
    /// `--batch`: every spot of the file belongs to it.
    let batch: String
    let context: ChangeContext
    let storeCRS: CRS

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: SpotFields), IngestError> {
        guard let code = f["code"]?.fieldText?.trimmed, !code.isEmpty else {
            return .failure(IngestError("has no code (map one with --map code=PROPERTY)"))
        }
        if let b = f["batch"]?.fieldText?.trimmed, !b.isEmpty, b != batch {
            return .failure(IngestError("its batch is \"\(b)\", but the import is --batch \(batch)"))
        }
        var detected: String? = nil
        if let raw = f["detected_date"] {
            guard let text = raw.fieldText?.trimmed, let day = Clock.validDay(text) else {
                return .failure(IngestError("detected date \(raw.serialized) is not a date YYYY-MM-DD"))
            }
            detected = day
        }
        return .success(
            (
                code,
                SpotFields(
                    detectedDate: detected, clueCode: f["clue_code"]?.fieldText?.trimmed,
                    village: f["village"]?.fieldText?.trimmed)
            ))
    }

    /// Each worker measures its spots' overlays through its own read-only connection: the overlays are the costly
    /// part of a spot import, and on the writer thread they would leave the other cores idle.
    func makeEnricher(storePath: String, storeCRS: CRS) throws -> FeatureEnricher<SpotFields>? {
        let reader = try DatabaseQueue(path: storePath, configuration: Registry.configuration(readonly: true))
        var calculator: SpotBreakdownCalculator? = nil
        return { fields, geometry in
            do {
                fields.overlay = try reader.read { db in
                    if calculator == nil { calculator = try SpotBreakdownCalculator(db: db, storeCRS: storeCRS) }
                    return try calculator!.measure(
                        geometry.geometry, envelope: geometry.envelope, areaM2: geometry.ellipsoidalAreaM2,
                        detectedDate: fields.detectedDate)
                }
            } catch {
                throw IngestError("overlay with parcels, zones and approvals failed: \(error.localizedDescription)")
            }
        }
    }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<SpotFields> {
        try SpotInserter(core, batch: batch, context: context)
    }
}

final class SpotInserter: FeatureInserter {
    let core: InserterCore
    private var db: Database { core.db }
    private var importID: Int64 { core.importID }
    private var createdAt: String { core.createdAt }
    let batch: String
    let context: ChangeContext
    let existingStatement: Statement
    let insertStatement: Statement
    /// Each spot's `import` event (to_state reported), written like `AuditLog.append` but through one prepared
    /// statement and with the import's own timestamp: formatting a timestamp and a record round trip per spot
    /// cost more than the whole overlay.
    let eventStatement: Statement

    init(_ core: InserterCore, batch: String, context: ChangeContext) throws {
        self.core = core; self.batch = batch; self.context = context
        let db = core.db
        existingStatement = try db.makeStatement(
            sql: """
                SELECT fid, batch, geom, detected_date, clue_code, village, properties, import_id, source_index, created_at
                FROM spots WHERE code = ? AND retired_at IS NULL
                """)
        insertStatement = try db.makeStatement(
            sql: """
                INSERT INTO spots (geom, code, batch, detected_date, clue_code, village, properties, planar_area_m2,
                                   ellipsoidal_area_m2, zone_codes, status, import_id, source_index, created_at,
                                   \(Spot.breakdownColumns.joined(separator: ", ")))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reported', ?, ?, ?,
                        \(Spot.breakdownColumns.map { _ in "?" }.joined(separator: ", ")))
                """)
        eventStatement = try db.makeStatement(
            sql: """
                INSERT INTO events (recorded_at, effective_date, actor, entity, entity_id, entity_code, action, from_state,
                                    to_state, note, evidence_path, evidence_sha256, details)
                VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'reported', ?, ?, ?, ?)
                """)
    }

    func insert(_ f: PreparedFeature<SpotFields>, replace: Bool) throws -> (fid: Int64, retired: Int64?) {
        if let old = try Row.fetchOne(existingStatement, arguments: [f.code]) {
            if (old["import_id"] as Int64?) == importID {
                throw IngestError(InserterCore.sameFileDuplicate(code: f.code, otherIndex: old["source_index"]))
            }
            let sameBatch = (old["batch"] as String) == batch
            let unchanged =
                sameBatch && (old["geom"] as Data) == f.geometry.blob.databaseBlob
                && (old["properties"] as String) == f.properties
                && (old["detected_date"] as String?) == f.fields.detectedDate
                && (old["clue_code"] as String?) == f.fields.clueCode && (old["village"] as String?) == f.fields.village
            if unchanged { throw FeatureUnchanged() }
            let when: String = old["created_at"]
            throw IngestError(
                "code \(f.code) already exists (batch \(old["batch"] as String), imported \(when.prefix(10))) "
                    + (sameBatch ? "with other geometry or properties" : "")
                    + "; a spot code may come again only as the same batch re-sent unchanged")
        }
        guard let o = f.fields.overlay else { throw IngestError("the spot's overlay was not measured") }
        let zoneCodes = StoredJSON.text(o.zoneCodes)
        let b = o.breakdown
        try insertStatement.execute(
            arguments: StatementArguments(
                [
                    f.geometry.blob.databaseBlob, f.code, batch, f.fields.detectedDate, f.fields.clueCode,
                    f.fields.village, f.properties, f.geometry.planarAreaM2, f.geometry.ellipsoidalAreaM2, zoneCodes,
                    importID,
                    f.index, createdAt
                ] + b.columnValues))
        let fid = db.lastInsertedRowID
        let details = EventDetails.spotImport(
            SpotImportDetails(
                batch: batch, importID: importID, areaM2: f.geometry.ellipsoidalAreaM2, farmlandAreaM2: b.farmlandM2,
                basicFarmlandAreaM2: b.basicFarmlandM2))
        try eventStatement.execute(arguments: [
            createdAt, context.effectiveDate, context.actor, EventEntity.spot, fid, f.code, details.action,
            context.note,
            context.evidence?.path, context.evidence?.sha256, details.text
        ])
        return (fid, nil)
    }
}

extension Registry {
    /// Imports one satellite-inspection batch of violation spots from GeoJSON, all or nothing, measuring each
    /// spot's farmland and basic-farmland occupation and the zones it falls in. A code already in the store is
    /// refused unless it is the same batch re-sent unchanged (then skipped and counted in `unchanged`).
    /// - Throws: `ImportFailed` listing every problem (store unchanged), `ImportSetupError` for bad options.
    public func importSpots(
        file: String, batch: String, options: FeatureImportOptions, progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportReport {
        let name = batch.trimmed
        guard !name.isEmpty else {
            throw ImportSetupError("--batch must name the inspection batch, e.g. --batch 2023-07")
        }
        if options.replace {
            throw ImportSetupError(
                "spots are never replaced (--replace): their lifecycle history would be lost; "
                    + "a new batch with new codes is a new import")
        }
        return try importFeatures(
            SpotLayer(batch: name, context: options.context, storeCRS: storeCRS), file: file, options: options,
            progress: progress)
    }
}
