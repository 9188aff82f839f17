import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Approvals import: fields, rows, and the spots' coverage
//
// An approvals file is imported like any layer (any format the pipeline reads, --map, --dry-run, --repair, one
// transaction, an import event). Our fields: doc_number (批文号, the code), approval_date (YYYY-MM-DD, required),
// registered_area_m2 (the area the document states). The kind comes from --kind. Inside the same transaction, once
// the approvals' R*Tree holds the new rows, every live spot's breakdown is measured again: a spot whose coverage
// changed gets its `recompute` event (SpotBreakdownRecompute.swift).

struct ApprovalFields: Sendable {
    let approvalDate: String
    let registeredAreaM2: Double?
}

struct ApprovalLayer: FeatureLayer {
    let table = "approvals"
    let entity = EventEntity.approval
    let fieldNames = ["doc_number", "approval_date", "registered_area_m2"]
    let kind: ApprovalKind
    let context: ChangeContext
    let storeCRS: CRS

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: ApprovalFields), IngestError> {
        guard let code = f["doc_number"]?.fieldText?.trimmed, !code.isEmpty else {
            return .failure(IngestError("has no document number (map one with --map doc_number=PROPERTY)"))
        }
        guard let raw = f["approval_date"] else {
            return .failure(
                IngestError("approval \(code) has no approval date (map one with --map approval_date=PROPERTY)"))
        }
        guard let text = raw.fieldText?.trimmed, let day = Clock.validDay(text) else {
            return .failure(IngestError("approval \(code): approval date \(raw.serialized) is not a date YYYY-MM-DD"))
        }
        var area: Double? = nil
        if let raw = f["registered_area_m2"] {
            guard let a = raw.fieldNumber, a >= 0 else {
                return .failure(
                    IngestError("approval \(code): registered area \(raw.serialized) is not a non-negative number"))
            }
            area = a
        }
        return .success((code, ApprovalFields(approvalDate: day, registeredAreaM2: area)))
    }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<ApprovalFields> {
        let kind = kind.rawValue, importID = core.importID, createdAt = core.createdAt
        return try RowInserter(
            core,
            insertSQL: """
                INSERT INTO approvals (geom, code, kind, approval_date, registered_area_m2, planar_area_m2,
                                       ellipsoidal_area_m2, properties, import_id, source_index, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ) { s, f in
            s.bindRow(
                f.geometry.blob, f.code, kind, f.fields.approvalDate, f.fields.registeredAreaM2,
                f.geometry.planarAreaM2, f.geometry.ellipsoidalAreaM2, f.properties, importID, f.index, createdAt)
        }
    }

    func afterRows(_ db: Database, importID: Int64) throws {
        _ = try Registry.recomputeSpots(db, batch: nil, storeCRS: storeCRS, context: context, importID: importID)
    }
}

extension Registry {
    /// Imports approval polygons of one kind, all or nothing, and measures every live spot's approval coverage
    /// again in the same transaction (a changed spot gets a `recompute` event).
    /// - Throws: `ImportFailed` listing every problem (store unchanged), `ImportSetupError` for bad options.
    public func importApprovals(
        file: String, kind: ApprovalKind, options: FeatureImportOptions, progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportReport {
        try importFeatures(
            ApprovalLayer(kind: kind, context: options.context, storeCRS: storeCRS), file: file, options: options,
            progress: progress)
    }
}
