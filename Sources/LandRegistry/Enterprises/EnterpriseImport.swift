import Foundation
import GRDB

// MARK: - Enterprises and their yearly figures from CSV
//
// enterprises.csv: credit_code,name[,industry,scale]; enterprise-years.csv: credit_code,year[,tax_yuan,
// value_added_yuan,revenue_yuan,energy_tce,employees,rd_yuan]. Credit codes are checked (GB 32100-2015);
// a code or a (code, year) already in the store or twice in the file is a problem, as is a year for an
// enterprise the store does not know.

extension Registry {
    /// The columns an enterprises CSV may have (credit_code and name are required).
    public static let enterpriseColumns = ["credit_code", "name", "industry", "scale"]
    /// The columns an enterprise-years CSV may have (credit_code and year are required).
    public static let enterpriseYearColumns = [
        "credit_code", "year", "tax_yuan", "value_added_yuan", "revenue_yuan",
        "energy_tce", "employees", "rd_yuan"
    ]

    /// Imports enterprises from CSV, all or nothing. - Throws: `CSVImportFailed` listing every bad row.
    public func importEnterprises(file: String, table source: TableReadOptions = .init(), context: ChangeContext) throws
        -> CSVImportReport
    {
        try importCSV(
            file: file, source: source, table: "enterprises", required: ["credit_code", "name"],
            known: Self.enterpriseColumns, context: context
        ) { db, importID in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO enterprises (credit_code, name, industry, scale, import_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """)
            var seen: [String: Int] = [:]
            let now = Clock.timestamp()
            return { row in
                var why: [String] = []
                let code = row.value("credit_code")
                let codeProblem = try Self.creditCodeProblem(code) { code in
                    if let other = seen[code] { return "credit code \(code) is on line \(other) too" }
                    let registered = try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM enterprises WHERE credit_code = ?", arguments: [code])
                    return registered == true ? "credit code \(code) is already registered" : nil
                }
                if let codeProblem { why.append(codeProblem) }
                let name = row.value("name")
                if name == nil { why.append("no name") }
                let scale = row.value("scale")
                if let scale, scale != "above", scale != "below" {
                    why.append("scale \"\(scale)\" is neither above nor below")
                }
                if !why.isEmpty { return .refused(why) }
                if let code { seen[code] = row.line }
                try insert.execute(arguments: [code, name, row.value("industry"), scale, importID, now])
                return .written(warning: nil)
            }
        }
    }

    /// Imports enterprises' yearly figures from CSV, all or nothing. - Throws: `CSVImportFailed`.
    public func importEnterpriseYears(file: String, table source: TableReadOptions = .init(), context: ChangeContext)
        throws -> CSVImportReport
    {
        try importCSV(
            file: file, source: source, table: "enterprise_years", required: ["credit_code", "year"],
            known: Self.enterpriseYearColumns, context: context
        ) { db, importID in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO enterprise_years (credit_code, year, tax_yuan, value_added_yuan, revenue_yuan, energy_tce,
                                                  employees, rd_yuan, import_id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let known = Set(try String.fetchAll(db, sql: "SELECT credit_code FROM enterprises"))
            var seen: [String: Int] = [:]
            let now = Clock.timestamp()
            return { row in
                var why: [String] = []
                let code = row.value("credit_code")
                let codeProblem = Self.creditCodeProblem(code) { code in
                    known.contains(code)
                        ? nil : "unknown enterprise \(code) (import it with `landreg import enterprises` first)"
                }
                if let codeProblem { why.append(codeProblem) }
                let yearText = row.value("year")
                let year = yearText.flatMap(Int.init)
                if !(year.map { (1949...2200).contains($0) } ?? false) {
                    why.append("year \"\(yearText ?? "")\" is not a year")
                }
                func number(_ column: String, nonNegative: Bool = true) -> Double? {
                    guard let text = row.value(column) else { return nil }
                    guard let v = Double(text), v.isFinite, !nonNegative || v >= 0 else {
                        why.append("\(column) \"\(text)\" is not a\(nonNegative ? " non-negative" : "") number");
                        return nil
                    }
                    return v
                }
                let tax = number("tax_yuan"), va = number("value_added_yuan", nonNegative: false)
                let revenue = number("revenue_yuan"), energy = number("energy_tce"), rd = number("rd_yuan")
                var employees: Int? = nil
                if let text = row.value("employees") {
                    employees = Int(text)
                    if !(employees.map { $0 >= 0 } ?? false) {
                        why.append("employees \"\(text)\" is not a whole number ≥ 0")
                    }
                }
                if let code, let year, why.isEmpty {
                    let key = "\(code) \(year)"
                    if let other = seen[key] {
                        why.append("\(code) \(year) is on line \(other) too")
                    } else if try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM enterprise_years WHERE credit_code = ? AND year = ?",
                        arguments: [code, year]) == true
                    {
                        why.append("the store already has \(code)'s figures for \(year)")
                    }
                    seen[key] = row.line
                }
                if !why.isEmpty { return .refused(why) }
                try insert.execute(arguments: [code, year, tax, va, revenue, energy, employees, rd, importID, now])
                return .written(warning: nil)
            }
        }
    }

    /// What is wrong with a row's credit_code: missing, not a valid GB 32100-2015 code, or what `check` says of a
    /// valid one (already registered, unknown …); nil when nothing is.
    private static func creditCodeProblem(_ code: String?, _ check: (String) throws -> String?) rethrows -> String? {
        guard let code else { return "no credit_code" }
        if let problem = CreditCode.problem(code) { return problem }
        return try check(code)
    }
}
