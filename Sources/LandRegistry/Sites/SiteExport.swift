import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Exporting sites
//
// The stored fields come from here; utilisation metrics (computed in LandAnalysis, which LandRegistry does not
// know) are passed in per site code and written after them. Every name the export writes is listed in
// `SiteExportKeys.written` and dropped from kept properties on import, so export → import → export does not
// pile up stale copies.

public enum SiteExportKeys {
    /// Stored fields written under these names (they are read back as fields, not kept as properties).
    static let fields: Set<String> = [
        "code", "name", "holder", "industry", "footprint_m2", "floor_area_m2", "planned_far", "low_efficiency_type",
        "mode", "stage", "parcels"
    ]
    /// Computed values the export writes; never kept from input. LandAnalysis's metric names are added here too.
    public static let written: Set<String> = [
        "holder_name", "suspended_from", "disposed_m2", "planar_area_m2", "ellipsoidal_area_m2", "area_mu",
        "retired_at",
        "as_of", "year", "far", "coverage", "leased_floor_m2", "occupancy", "vacancy", "tenants", "over_leased",
        "min_far", "far_below_min", "coverage_below_30", "tax_per_mu", "value_added_per_mu", "holder_class",
        "holder_tax_per_mu", "holder_value_added_per_mu"
    ]

    /// Kept properties (JSON object text) without the computed names.
    static func strip(_ properties: String) throws -> String {
        var object = try JSONObject.parse(properties)
        let drop = object.keys.filter { written.contains($0) }
        if drop.isEmpty { return properties }
        for k in drop { _ = object.remove(k) }
        return object.serialized
    }
}

extension Registry {
    /// Exports live sites with their stored fields, areas in m² and 亩, and `metrics[code]` (computed values).
    public func exportSites(
        to file: String, options: ExportOptions,
        metrics: [String: [(key: String, value: JSONValue)]] = [:]
    ) throws -> ExportReport {
        let sql =
            Site.selectSQL.replacingOccurrences(of: "SELECT s.fid,", with: "SELECT s.geom, s.fid,")
            + (options.includeRetired ? "" : " WHERE s.retired_at IS NULL") + " ORDER BY s.code, s.fid"
        func text(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func number(_ d: Double?) -> JSONValue { d.map { JSONValue(double: $0) } ?? .null }
        return try exportLayer("sites", sql: sql, to: file, options: options) { row in
            let s = try Site(row: row)
            var props: [(key: String, value: JSONValue)] = [
                ("code", .string(s.code)), ("name", text(s.name)), ("holder", text(s.holderCreditCode)),
                ("holder_name", text(s.holderName)), ("industry", text(s.industry)),
                ("mode", text(s.mode?.rawValue)), ("stage", .string(s.stage.rawValue)),
                ("suspended_from", text(s.suspendedFrom?.rawValue)), ("low_efficiency_type", text(s.lowEfficiencyType)),
                ("footprint_m2", number(s.footprintM2)), ("floor_area_m2", number(s.floorAreaM2)),
                ("planned_far", number(s.plannedFAR)), ("disposed_m2", JSONValue(double: s.disposedM2)),
                ("planar_area_m2", JSONValue(double: s.planarAreaM2)),
                ("ellipsoidal_area_m2", JSONValue(double: s.ellipsoidalAreaM2)),
                ("area_mu", JSONValue(double: AreaUnits.mu(s.landAreaM2))),
                ("parcels", try s.parcelCodes.map { try JSONValue.parse($0) } ?? .null)
            ]
            if options.includeRetired { props.append(("retired_at", text(s.retiredAt))) }
            props += metrics[s.code] ?? []
            props += try JSONObject.parse(s.properties).filter { !SiteExportKeys.fields.contains($0.key) }.map {
                ($0.key, $0.value)
            }
            return ExportRow(id: .string(s.code), properties: JSONObject(props), blob: row["geom"])
        }
    }
}
