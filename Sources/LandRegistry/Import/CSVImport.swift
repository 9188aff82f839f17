import Foundation
import GRDB
import LandGeometry

// MARK: - What every CSV record import shares (enterprises, enterprise years, tenancies)
//
// Like the GeoJSON imports: one transaction holding an `imports` row, the rows and one `import` event; every
// bad row is listed with its line number (or, from a .xlsx, its sheet and row) and what is wrong, and if there
// is any, nothing is written.

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

/// Collects the problems of one CSV import, by line.
final class CSVProblems {
    private(set) var list: [CSVImportFailed.Problem] = []
    var isEmpty: Bool { list.isEmpty }
    func add(_ line: Int?, _ message: String) { list.append(.init(line: line, message: message)) }
}

extension Registry {
    /// Reads `file`, checks its columns (every one of `required` there, none outside `known`), and runs `body`
    /// inside one write transaction with an `imports` row.
    /// `body` inserts rows, notes problems and returns the row count and warnings; any problem rolls back.
    func importCSV(
        file: String, source: TableReadOptions = .init(), table: String, required: [String], known: [String],
        context: ChangeContext,
        body: (Database, CSVTable, Int64, CSVProblems) throws -> (rows: Int, warnings: [String])
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
        var problems = CSVProblems()
        let startedAt = Clock.timestamp()
        var report = CSVImportReport(importID: nil, table: table, file: file, rows: 0, warnings: [])
        do {
            try write { db in
                problems = CSVProblems() // a busy store may replay this transaction from the start
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
                let (rows, warnings) = try body(db, parsed, importID, problems)
                if rows == 0 && problems.isEmpty { problems.add(nil, "the file holds no rows") }
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
            throw CSVImportFailed(file: file, problems: problems.list, sheet: sheet)
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
