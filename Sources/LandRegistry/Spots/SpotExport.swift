import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

extension Registry {
    /// Exports live spots with their lifecycle (status, judgement, measure, deadline, overdue as of `asOf`)
    /// and areas in m² and 亩 (ellipsoidal, CGCS2000), then the kept source properties.
    public func exportSpots(to file: String, asOf: String? = nil, options: ExportOptions) throws -> ExportReport {
        let day = asOf ?? Clock.today()
        let sql = "SELECT geom, \(Spot.columnsSQL) FROM spots WHERE retired_at IS NULL ORDER BY batch, code"
        let children = try spotChildrenByParent()
        return try exportLayer("spots", sql: sql, to: file, options: options) { row in
            let s = try Spot(row: row)
            func text(_ v: String?) -> JSONValue { v.map(JSONValue.string) ?? .null }
            func number(_ v: Double?) -> JSONValue { v.map { JSONValue(double: $0) } ?? .null }
            var props: [(key: String, value: JSONValue)] = [
                ("code", .string(s.code)), ("batch", .string(s.batch)), ("detected_date", text(s.detectedDate)),
                ("clue_code", text(s.clueCode)), ("village", text(s.village)),
                ("status", .string(s.status.rawValue)), ("judgement", text(s.judgement?.rawValue)),
                ("basis", text(s.basis)), ("approval_doc", text(s.approvalDoc)), ("measure", text(s.measure)),
                ("deadline", text(s.deadline)), ("overdue", .bool(s.isOverdue(asOf: day))), ("as_of", .string(day)),
                ("area_m2", number(s.ellipsoidalAreaM2)), ("area_mu", number(AreaUnits.mu(s.ellipsoidalAreaM2))),
                ("planar_area_m2", number(s.planarAreaM2)),
                ("farmland_area_m2", number(s.farmlandAreaM2)),
                ("farmland_area_mu", number(AreaUnits.mu(s.farmlandAreaM2))),
                ("basic_farmland_area_m2", number(s.basicFarmlandAreaM2)),
                ("basic_farmland_area_mu", number(AreaUnits.mu(s.basicFarmlandAreaM2)))
            ]
            // The overlay table (SpotBreakdown.swift): each class and zone figure in m² and 亩, the approval coverage.
            for (key, m2) in [
                ("agricultural", s.agriculturalAreaM2), ("construction", s.constructionAreaM2),
                ("unused", s.unusedAreaM2), ("eco_redline", s.ecoRedlineAreaM2),
                ("outside_urban_boundary", s.outsideUrbanBoundaryAreaM2)
            ] {
                props += [("\(key)_area_m2", number(m2)), ("\(key)_area_mu", number(AreaUnits.mu(m2)))]
            }
            props += [
                ("classes_gap_m2", number(s.breakdown.gapM2(areaM2: s.ellipsoidalAreaM2))),
                ("approval_coverage", number(s.approvalCoverage)),
                ("approval_documents", .array(s.approvalDocuments.map(JSONValue.string))),
                ("restored_m2", number(s.restoredM2)), ("recultivated_m2", number(s.recultivatedM2)),
                ("remaining_m2", number(s.remainingM2)), ("remaining_mu", number(s.remainingM2.map(AreaUnits.mu))),
                ("closed_doc", text(s.closedDoc)), ("zone_codes", .array(s.zoneCodes.map(JSONValue.string))),
                ("parent_code", text(s.parentCode)), ("review_level", text(s.reviewLevel)),
                ("children", .array((children[s.code] ?? []).map(JSONValue.string)))
            ]
            let taken = Set(props.map(\.key))
            props += try JSONObject.parse(s.properties).filter { !taken.contains($0.key) }.map { ($0.key, $0.value) }
            return ExportRow(id: .string(s.code), properties: JSONObject(props), blob: row["geom"])
        }
    }
}
