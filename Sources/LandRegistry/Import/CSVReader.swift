import Foundation

// MARK: - CSV (RFC 4180) reading
//
// Used for seeds and for the CSV imports (enterprises, tenancies, spot updates). UTF-8 with or without BOM,
// comma-separated, double-quoted fields may hold commas, quotes ("") and newlines. The first row is the header.

public struct CSVTable: Sendable {
    public let file: String
    public let header: [String]
    /// Data rows; `lineNumbers[i]` is the 1-based line where row i starts (the header is line 1).
    public let rows: [[String]]
    public let lineNumbers: [Int]

    /// Reads and parses a whole CSV file. Throws `CSVError` naming the file and line on malformed input.
    /// - Parameter encoding: gbk, gb18030 or utf-8 (default UTF-8; a BOM means UTF-8); see TableDecoding.swift.
    public init(contentsOf path: String, encoding: String? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVError(file: path, line: nil, message: "cannot read the file")
        }
        var text = try Self.decodedText(data, file: path, encoding: encoding)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        try self.init(text: text, file: path)
    }

    public init(text: String, file: String) throws {
        self.file = file
        var records: [[String]] = []
        var starts: [Int] = []
        var field = "", record: [String] = []
        var inQuotes = false, line = 1, recordStart = 1, fieldWasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            record.append(field); field = ""; fieldWasQuoted = false
            if !(record.count == 1 && record[0].isEmpty) { records.append(record); starts.append(recordStart) }
            record = []
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                if field.isEmpty && !fieldWasQuoted {
                    inQuotes = true; fieldWasQuoted = true
                } else {
                    throw CSVError(file: file, line: line, message: "a quote inside an unquoted field")
                }
            case ",":
                record.append(field); field = ""; fieldWasQuoted = false
            case "\r":
                continue
            case "\n":
                endRecord(); line += 1; recordStart = line
            default:
                if fieldWasQuoted { throw CSVError(file: file, line: line, message: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw CSVError(file: file, line: recordStart, message: "the file ends inside a quoted field") }
        if !field.isEmpty || !record.isEmpty { endRecord() }
        guard let header = records.first else { throw CSVError(file: file, line: 1, message: "no header row") }
        self.header = header.map { $0.trimmingCharacters(in: .whitespaces) }
        // A header cell names its column: an empty or a repeated name would make a row's values ambiguous
        // (and `record(_:)` a dictionary with two values for one key). Columns are counted from 1, as in a sheet.
        var firstColumn: [String: Int] = [:]
        for (i, name) in self.header.enumerated() {
            if name.isEmpty {
                throw CSVError(file: file, line: nil, message: "column \(i + 1) has no name (an empty header cell)")
            }
            if let other = firstColumn[name] {
                throw CSVError(file: file, line: nil, message: "column \(i + 1) \"\(name)\" repeats column \(other)")
            }
            firstColumn[name] = i + 1
        }
        self.rows = Array(records.dropFirst())
        self.lineNumbers = Array(starts.dropFirst())
        for (i, row) in rows.enumerated() where row.count != self.header.count {
            throw CSVError(
                file: file, line: lineNumbers[i],
                message: "\(row.count) fields, but the header has \(self.header.count)")
        }
    }

    /// The column index of `name`, or nil.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Throws unless every name in `required` is a column.
    public func require(_ required: [String]) throws {
        let missing = required.filter { column($0) == nil }
        if !missing.isEmpty {
            throw CSVError(
                file: file, line: 1,
                message: "missing column(s) " + missing.joined(separator: ", ")
                    + " (the header has " + header.joined(separator: ", ") + ")")
        }
    }

    /// Throws unless every name in `required` is a column and every column is in `known` (a misspelt column
    /// would otherwise be ignored silently, and its values lost).
    public func require(_ required: [String], known: [String]) throws {
        let unknown = header.filter { !known.contains($0) }
        guard !unknown.isEmpty else { return try require(required) }
        let names = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
        var message =
            "unknown column\(unknown.count == 1 ? "" : "s") \(names) (known: " + known.joined(separator: ", ") + ")"
        // A misspelt required column is also missing: say both, the likely cause first.
        do { try require(required) } catch let missing as CSVError { message += "; " + missing.message }
        throw CSVError(file: file, line: nil, message: message)
    }

    /// Row `i` as a dictionary from column name to value (empty strings kept). Header names are unique and every
    /// row has as many cells as the header (both checked in `init`), so no value is dropped.
    public func record(_ i: Int) -> [String: String] {
        Dictionary(zip(header, rows[i]), uniquingKeysWith: { first, _ in first })
    }
}

public struct CSVError: Error, LocalizedError, Equatable {
    public let file: String
    public let line: Int?
    public let message: String
    public var errorDescription: String? {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}
