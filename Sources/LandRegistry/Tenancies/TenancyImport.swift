import Foundation
import GRDB

// MARK: - Tenancies from CSV
//
// tenancies.csv: site,tenant,floor_area_m2,start[,end,use]. Each row gets the checks of `tenancies add`, in
// file order, so a row that over-leases its site because of earlier rows of the same file is noticed.

extension Registry {
    /// The columns a tenancies CSV may have (site, tenant, floor_area_m2 and start are required).
    public static let tenancyColumns = ["site", "tenant", "floor_area_m2", "start", "end", "use"]

    /// Imports leases from CSV, all or nothing. Over-leasing rows are recorded and returned as warnings, or with
    /// `strict` listed as problems. - Throws: `CSVImportFailed` listing every bad row.
    public func importTenancies(
        file: String, strict: Bool = false, table source: TableReadOptions = .init(),
        context: ChangeContext
    ) throws -> CSVImportReport {
        try importCSV(
            file: file, source: source, table: "tenancies", required: ["site", "tenant", "floor_area_m2", "start"],
            known: Self.tenancyColumns, context: context
        ) { db, importID in
            return { row in
                var why: [String] = []
                let areaText = row.value("floor_area_m2") ?? ""
                let area = Double(areaText)
                if area == nil { why.append("floor_area_m2 \"\(areaText)\" is not a number") }
                var use = TenancyUse.production
                if let text = row.value("use") {
                    if let u = TenancyUse(rawValue: text) {
                        use = u
                    } else {
                        why.append("use \"\(text)\" is not one of production, storage, office")
                    }
                }
                let new = NewTenancy(
                    siteCode: row.value("site") ?? "", tenantCreditCode: row.value("tenant") ?? "",
                    floorAreaM2: area ?? .nan, startDate: row.value("start") ?? "",
                    endDate: row.value("end"), use: use)
                let checked = try Self.check(new, db, areaChecked: area == nil)
                why += checked.problems
                if why.isEmpty, let over = checked.overLease, strict { why.append(over.description + " (--strict)") }
                if !why.isEmpty { return .refused(why) }
                _ = try Self.insert(
                    new, siteFID: checked.siteFID, overLeased: checked.overLease != nil, importID: importID, db)
                return .written(warning: checked.overLease?.description)
            }
        }
    }
}
