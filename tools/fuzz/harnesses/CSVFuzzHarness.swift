import Foundation

// libFuzzer entry point for the CSV reader (Sources/LandRegistry/Import/CSVReader.swift, which needs only
// Foundation, so it is compiled alone). Each input is written to a file and read with `CSVTable(contentsOf:)`
// (the path every CSV import takes: UTF-8 check, BOM) and, when it is UTF-8, parsed with `CSVTable(text:file:)`.
// Properties checked:
// - both entry points agree (same header and rows, or both refuse);
// - a parsed table, written back as RFC 4180 with every field quoted and parsed again, is the same table;
// - every row has as many fields as the header, and the line numbers increase.
// Any crash, hang, sanitizer report or failed property is a bug. Built and run by tools/fuzz/run-all.sh.

let inputPath = "/dev/shm/landreg-fuzz-csv-\(getpid()).csv"

/// RFC 4180 text of a table: every field quoted (so commas, quotes, CR and LF inside survive), LF between records.
/// Quotes are doubled scalar by scalar: `replacingOccurrences(of: "\"", …)` compares Characters and misses a quote
/// that a combining mark joins into one Character (this harness found that in its own first version).
func serialized(header: [String], rows: [[String]]) -> String {
    func quote(_ field: String) -> String {
        var out = "\""
        for c in field.unicodeScalars {
            if c == "\"" { out.unicodeScalars.append("\"") }
            out.unicodeScalars.append(c)
        }
        out.unicodeScalars.append("\"")
        return out
    }
    return ([header] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let fd = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd < 0 || write(fd, data, size) != size { fatalError("cannot write \(inputPath)") }
    close(fd)
    let fromFile = try? CSVTable(contentsOf: inputPath)

    if var text = String(data: bytes, encoding: .utf8) {
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let fromText = try? CSVTable(text: text, file: inputPath)
        if fromFile?.header != fromText?.header || fromFile?.rows != fromText?.rows {
            fatalError("CSVTable(contentsOf:) and CSVTable(text:) disagree on \(text.debugDescription)")
        }
    } else if fromFile != nil {
        fatalError("CSVTable(contentsOf:) accepted bytes that are not UTF-8")
    }

    guard let table = fromFile else { return 0 }
    for (i, row) in table.rows.enumerated() where row.count != table.header.count {
        fatalError("row \(i) has \(row.count) fields, the header \(table.header.count)")
    }
    if table.lineNumbers.count != table.rows.count
        || zip(table.lineNumbers, table.lineNumbers.dropFirst()).contains(where: { $0 >= $1 })
        || (table.lineNumbers.first.map { $0 < 2 } ?? false)
    {
        fatalError("line numbers \(table.lineNumbers) do not increase from 2 for \(table.rows.count) rows")
    }
    // A record of one empty field is a blank line to this dialect: a header trimmed to [""] cannot be written back.
    if table.header == [""] { return 0 }
    let text = serialized(header: table.header, rows: table.rows)
    do {
        let again = try CSVTable(text: text, file: "reserialized")
        if again.header != table.header || again.rows != table.rows {
            fatalError(
                "re-serialised and parsed again, the table differs:\n\(table.header) \(table.rows)\n"
                    + "\(again.header) \(again.rows)\nfrom \(text.debugDescription)")
        }
    } catch {
        fatalError("re-serialised table refused: \(error) for \(text.debugDescription)")
    }
    return 0
}
