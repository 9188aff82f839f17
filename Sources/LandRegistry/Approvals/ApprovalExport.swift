import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

extension Registry {
    /// Exports live approvals (optionally of one kind): document number, kind, date, registered and computed areas
    /// in m² and 亩 (ellipsoidal, CGCS2000), then the kept source properties.
    public func exportApprovals(to file: String, kind: ApprovalKind? = nil, options: ExportOptions) throws
        -> ExportReport
    {
        let sql = """
            SELECT geom, code, kind, approval_date, registered_area_m2, planar_area_m2, ellipsoidal_area_m2, properties
            FROM approvals WHERE retired_at IS NULL AND (?1 IS NULL OR kind = ?1) ORDER BY approval_date, code
            """
        return try exportLayer("approvals", sql: sql, arguments: [kind?.rawValue], to: file, options: options) { row in
            let area: Double = row["ellipsoidal_area_m2"]
            var props: [(key: String, value: JSONValue)] = [
                ("doc_number", .string(row["code"])), ("kind", .string(row["kind"])),
                ("approval_date", .string(row["approval_date"])),
                ("registered_area_m2", (row["registered_area_m2"] as Double?).map { JSONValue(double: $0) } ?? .null),
                ("planar_area_m2", JSONValue(double: row["planar_area_m2"])),
                ("ellipsoidal_area_m2", JSONValue(double: area)), ("area_mu", JSONValue(double: AreaUnits.mu(area)))
            ]
            let taken = Set(props.map(\.key))
            props += try JSONObject.parse(row["properties"]).filter { !taken.contains($0.key) }.map {
                ($0.key, $0.value)
            }
            return ExportRow(id: .string(row["code"]), properties: JSONObject(props), blob: row["geom"])
        }
    }
}
