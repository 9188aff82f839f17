import Foundation
import GRDB
import LandGeometry

// MARK: - What every CSV record import shares (enterprises, enterprise years, tenancies)
//
// Like the GeoJSON imports: one transaction holding an `imports` row, the rows and one `import` event; every
// bad row is listed with its line number (or, from a .xlsx, its sheet and row) and what is wrong, and if there
// is any, nothing is written. The walk over the rows is here, once; each table says what one row comes to
// (`CSVRowOutcome`): refused with its problems, or written, perhaps with a warning.

/// A CSV import refused: every bad row, nothing written.
public struct CSVImportFailed: Error, LocalizedError, Sendable {
    public struct Problem: Sendable, Codable, Equatable {
        /// 1-based line of the file (the header is line 1); nil for a problem with the whole file.
        public let line: Int?
        public let message: String
    }
    public let file: String
    public let problems: [Problem]
    /// The sheet of a .xlsx; then `line` is the spreadsheet row.
    public var sheet: String? = nil

    public init(file: String, problems: [Problem], sheet: String? = nil) {
        self.file = file; self.problems = problems; self.sheet = sheet
    }

    public var errorDescription: String? {
        let name = (file as NSString).lastPathComponent
        var lines = ["\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was imported"]
        lines += problems.map { p in
            let place =
                sheet.map { s in ":\(s)" + (p.line.map { ":row \($0)" } ?? "") } ?? (p.line.map { ":\($0)" } ?? "")
            return "  \(name)\(place): \(p.message)"
        }
        return lines.joined(separator: "\n")
    }
}

/// What a CSV import did.
public struct CSVImportReport: Sendable, Codable {
    public var importID: Int64?
    public var table: String
    public var file: String
    public var rows: Int
    /// Things recorded but worth a look (over-leased sites), one line each with the file's line number.
    public var warnings: [String]

}

/// One data row of a CSV table.
struct CSVRow {
    let table: CSVTable
    let index: Int
    /// The 1-based line of the file where the row starts (the header is line 1).
    var line: Int { table.lineNumbers[index] }
    /// The trimmed value of `column`; nil when the column is absent or the cell is empty.
    func value(_ column: String) -> String? { table.value(index, column) }
}

/// What one row of a CSV import came to.
enum CSVRowOutcome {
    /// Not written: what is wrong with it, every problem found.
    case refused([String])
    /// Written; `warning`: something recorded but worth a look (listed with the row's line).
    case written(warning: String?)
}

extension Registry {
    /// Reads `file`, checks its columns (every one of `required` there, none outside `known`), and inside one write
    /// transaction with an `imports` row hands every row, in file order, to the row writer `makeRowWriter` makes
    /// (given the transaction and the import's id; made again if a busy store replays the transaction). A row
    /// writer checks its row and writes it or refuses it; any refused row rolls back.
    func importCSV(
        file: String, source: TableReadOptions = .init(), table: String, required: [String], known: [String],
        context: ChangeContext,
        rows makeRowWriter: (Database, Int64) throws -> (CSVRow) throws -> CSVRowOutcome
    ) throws -> CSVImportReport {
        let parsed: CSVTable
        var sheet: String? = nil
        do {
            try InputFile.regular(file, role: "import file")
            let read = try CSVTable.read(file, options: source)
            sheet = read.sheet
            try read.table.require(required, known: known)
            parsed = read.table
        } catch let e as CSVError {
            throw CSVImportFailed(file: file, problems: [.init(line: e.line, message: e.message)], sheet: sheet)
        } catch let e as InputFileError {
            throw CSVImportFailed(file: file, problems: [.init(line: nil, message: e.problem)], sheet: sheet)
        }
        var problems: [CSVImportFailed.Problem] = []
        let startedAt = Clock.timestamp()
        var report = CSVImportReport(importID: nil, table: table, file: file, rows: 0, warnings: [])
        do {
            try write { db in
                problems = [] // a busy store may replay this transaction from the start
                let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
                try db.execute(
                    sql: """
                        INSERT INTO imports (layer, file_name, file_bytes, file_sha256, source_crs, feature_count, actor,
                                             started_at, finished_at)
                        VALUES (?, ?, ?, ?, 'none', 0, ?, ?, ?)
                        """,
                    arguments: [
                        table, file, bytes, try? SHA256Hasher.hexDigest(ofFile: file), context.actor, startedAt,
                        startedAt
                    ])
                let importID = db.lastInsertedRowID
                let writeRow = try makeRowWriter(db, importID)
                var rows = 0
                var warnings: [String] = []
                for i in parsed.rows.indices {
                    let row = CSVRow(table: parsed, index: i)
                    switch try writeRow(row) {
                    case .refused(let why): problems.append(.init(line: row.line, message: why.joined(separator: "; ")))
                    case .written(let warning):
                        rows += 1
                        if let warning { warnings.append("line \(row.line): " + warning) }
                    }
                }
                if rows == 0 && problems.isEmpty {
                    problems.append(.init(line: nil, message: "the file holds no rows"))
                }
                if !problems.isEmpty { throw CSVAbort.problems }
                try db.execute(
                    sql: "UPDATE imports SET feature_count = ?, finished_at = ? WHERE id = ?",
                    arguments: [rows, Clock.timestamp(), importID])
                try AuditLog.append(
                    db, context: context, entity: .import, entityID: importID, entityCode: nil,
                    details: .tableImport(
                        TableImportDetails(
                            layer: table, file: file, rows: rows,
                            warnings: warnings.count)))
                report.importID = importID
                report.rows = rows
                report.warnings = warnings
            }
        } catch CSVAbort.problems {
            throw CSVImportFailed(file: file, problems: problems, sheet: sheet)
        }
        return report
    }
}

private enum CSVAbort: Error { case problems }

extension CSVTable {
    /// The trimmed value of `column` in row `i`; nil when the column is absent or the cell is empty.
    func value(_ i: Int, _ column: String) -> String? {
        guard let c = self.column(column) else { return nil }
        let v = rows[i][c].trimmingCharacters(in: .whitespacesAndNewlines)
        return v.isEmpty ? nil : v
    }
}
