import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Sites import: fields and rows
//
// A site has a geometry of its own, or `"geometry": null` and a `parcels` property listing live parcel codes:
// its geometry is then the union of those parcels (GEOS unary union; a noded coverage is dissolved with the
// fast coverage union). Before the import runs, the file is scanned once for the parcel codes it names and
// those parcels are read, so that the worker threads build unions from values in memory. Unknown parcel codes,
// bad credit codes, modes and stages are problems of the feature, listed with the others.

struct SiteFields: Sendable {
    let name: String?
    let holder: String?
    let industry: String?
    let footprintM2: Double?
    let floorAreaM2: Double?
    let plannedFAR: Double?
    let lowEfficiencyType: String?
    let mode: SiteMode?
    let stage: SiteStage
    let parcelCodes: [String]?
}

struct SiteLayer: FeatureLayer {
    let table = "sites"
    let entity = EventEntity.site
    let fieldNames = [
        "code", "name", "holder", "industry", "footprint_m2", "floor_area_m2", "planned_far",
        "low_efficiency_type", "mode", "stage", "parcels"
    ]
    /// Live parcels the file names, by code, in the store CRS.
    let parcelGeometries: [String: Geometry]

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: SiteFields), IngestError> {
        guard let code = f["code"]?.fieldText?.trimmed, !code.isEmpty else {
            return .failure(IngestError("has no code (map one with --map code=PROPERTY)"))
        }
        var problems: [String] = []
        let holder = f["holder"]?.fieldText?.trimmed
        if let holder, let why = CreditCode.problem(holder) { problems.append("holder: " + why) }
        func area(_ name: String) -> Double? {
            guard let raw = f[name] else { return nil }
            guard let v = raw.fieldNumber, v >= 0 else {
                problems.append("\(name) \(raw.serialized) is not a non-negative number"); return nil
            }
            return v
        }
        let footprint = area("footprint_m2"), floor = area("floor_area_m2"), far = area("planned_far")
        var mode: SiteMode? = nil
        if let raw = f["mode"]?.fieldText?.trimmed, !raw.isEmpty {
            mode = SiteMode(rawValue: raw)
            if mode == nil {
                problems.append(
                    "unknown mode \"\(raw)\" (known: \(SiteMode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        var stage = SiteStage.identified
        if let raw = f["stage"]?.fieldText?.trimmed, !raw.isEmpty {
            if let s = SiteStage(rawValue: raw) {
                stage = s
            } else {
                problems.append(
                    "unknown stage \"\(raw)\" (known: \(SiteStage.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if stage == .suspended {
            problems.append(
                "a site cannot be imported as suspended (the stage it left is unknown); import it at its stage and advance it"
            )
        }
        var parcels: [String]? = nil
        if let raw = f["parcels"] {
            if let list = raw.arrayValue, list.allSatisfy({ $0.fieldText != nil }), !list.isEmpty {
                parcels = list.map { $0.fieldText!.trimmed }
                let unknown = parcels!.filter { parcelGeometries[$0] == nil }
                if !unknown.isEmpty {
                    problems.append(
                        "unknown parcel code\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) (no live parcel has it; import the parcels first)"
                    )
                }
                if Set(parcels!).count != parcels!.count { problems.append("parcels lists a code twice") }
            } else {
                problems.append("parcels \(raw.serialized) is not a non-empty array of parcel codes")
            }
        }
        if !problems.isEmpty { return .failure(IngestError(problems.joined(separator: "; "))) }
        return .success(
            (
                code,
                SiteFields(
                    name: f["name"]?.fieldText, holder: holder?.isEmpty == true ? nil : holder,
                    industry: f["industry"]?.fieldText,
                    footprintM2: footprint, floorAreaM2: floor, plannedFAR: far,
                    lowEfficiencyType: f["low_efficiency_type"]?.fieldText,
                    mode: mode, stage: stage, parcelCodes: parcels)
            ))
    }

    func geometryForNull(_ fields: SiteFields) -> Result<Geometry, IngestError>? {
        guard let codes = fields.parcelCodes else {
            return .failure(IngestError("is null and there is no parcels list; give one or the other"))
        }
        let parts = codes.compactMap { parcelGeometries[$0] } // all known: readFields checked
        do {
            // One context per call: this runs on worker threads, and GEOS contexts are not shared between them.
            let union = try GEOSContext().unaryUnion(parts, coverage: true)
            if union.isEmpty {
                return .failure(IngestError("the union of parcels \(codes.joined(separator: ", ")) is empty"))
            }
            return .success(union)
        } catch {
            return .failure(IngestError("the union of parcels \(codes.joined(separator: ", ")) failed: \(error)"))
        }
    }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<SiteFields> {
        let importID = core.importID, createdAt = core.createdAt
        return try RowInserter(
            core,
            insertSQL: """
                INSERT INTO sites (geom, code, name, holder_credit_code, industry, footprint_m2, floor_area_m2, planned_far,
                                   low_efficiency_type, mode, stage, planar_area_m2, ellipsoidal_area_m2, parcel_codes,
                                   properties, import_id, source_index, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ) { s, f in
            s.bindRow(
                f.geometry.blob, f.code, f.fields.name, f.fields.holder, f.fields.industry, f.fields.footprintM2,
                f.fields.floorAreaM2, f.fields.plannedFAR, f.fields.lowEfficiencyType, f.fields.mode?.rawValue,
                f.fields.stage.rawValue, f.geometry.planarAreaM2, f.geometry.ellipsoidalAreaM2,
                f.fields.parcelCodes.map { JSONValue.array($0.map(JSONValue.string)).serialized },
                try SiteExportKeys.strip(f.properties), importID, f.index, createdAt)
        }
    }
}

extension Registry {
    /// Imports redevelopment sites from GeoJSON, all or nothing. A feature with a null geometry and a `parcels`
    /// array becomes the union of those live parcels.
    public func importSites(file: String, options: FeatureImportOptions, progress: ((ImportProgress) -> Void)? = nil)
        throws -> ImportReport
    {
        let property = options.fieldMap["parcels"] ?? "parcels"
        let codes = Self.parcelCodesNamed(in: file, property: property)
        let geometries: [String: Geometry] = try dbQueue.read { db in
            var fids: [Int64: String] = [:]
            for chunk in stride(from: 0, to: codes.count, by: 500) {
                let part = Array(codes[chunk..<min(codes.count, chunk + 500)])
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT fid, code FROM parcels WHERE retired_at IS NULL AND code IN (\(part.map { _ in "?" }.joined(separator: ",")))
                        """, arguments: StatementArguments(part))
                for r in rows { fids[r["fid"]] = r["code"] }
            }
            let byFID = try LandRegistry.geometries(db, table: "parcels", fids: Array(fids.keys))
            // parcels_live_code makes live codes unique; a store whose index was dropped by another tool could
            // still hold two, and picking one silently would give the site the wrong land.
            var byCode: [String: Geometry] = [:]
            for (fid, geometry) in byFID {
                guard let code = fids[fid] else { continue }
                if byCode.updateValue(geometry, forKey: code) != nil {
                    throw ImportSetupError("the store has two live parcels with code \(code); run `landreg check`")
                }
            }
            return byCode
        }
        return try importFeatures(
            SiteLayer(parcelGeometries: geometries), file: file, options: options, progress: progress)
    }

    /// The parcel codes a sites file names (a first, quick pass; a malformed file is reported by the import itself).
    private static func parcelCodesNamed(in file: String, property: String) -> [String] {
        guard let source = try? GeoJSONFeatureSource(path: file) else { return [] }
        var codes = Set<String>()
        while let raw = try? source.nextRawFeature() {
            guard let feature = try? GeoJSONFeatureParser.parse(raw, file: file),
                let list = feature.properties[property]?.arrayValue
            else { continue }
            for v in list { if let c = v.fieldText { codes.insert(c.trimmed) } }
        }
        return codes.sorted()
    }
}
