import Foundation
import LandFormats

// MARK: - Tables as offices send them: CSV in UTF-8 or GBK, or an Excel workbook
//
// Excel on Chinese Windows saves CSV in GBK (no BOM) or, as "CSV UTF-8", with a BOM; both with CRLF. The CSV
// parser takes text; this file turns the bytes into text: the BOM wins, then --encoding, then UTF-8, and bytes
// that are not valid in that encoding are refused naming their line. A .xlsx is read with GDAL's XLSX driver
// into the same table of text cells.

/// How to read a table file: `--encoding` for CSV, `--sheet` for .xlsx.
public struct TableReadOptions: Sendable {
    public var encoding: String?
    public var sheet: String?
    public init(encoding: String? = nil, sheet: String? = nil) { self.encoding = encoding; self.sheet = sheet }
}

extension CSVTable {
    /// Reads a CSV or .xlsx table; for a workbook also returns the sheet read (problems are located by sheet and
    /// row). - Throws: `CSVError`.
    public static func read(_ path: String, options: TableReadOptions = .init()) throws -> (
        table: CSVTable, sheet: String?
    ) {
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "xlsx" {
            if options.encoding != nil {
                throw CSVError(
                    file: path, line: nil,
                    message: "--encoding applies to CSV files; a workbook's text is always Unicode")
            }
            let sheet: SpreadsheetTable
            do { sheet = try XLSXTableReader.read(path: path, sheet: options.sheet) } catch let e as GDALSourceError {
                throw CSVError(file: path, line: nil, message: e.message)
            }
            return (try CSVTable(spreadsheet: sheet, file: path), sheet.sheet)
        }
        if ext == "xls" {
            throw CSVError(
                file: path, line: nil,
                message: "the old Excel format (.xls) is not read; save the sheet as .xlsx or CSV")
        }
        if let sheet = options.sheet {
            throw CSVError(file: path, line: nil, message: "--sheet \(sheet) applies to .xlsx workbooks, not CSV")
        }
        return (try CSVTable(contentsOf: path, encoding: options.encoding), nil)
    }

    /// The text of a CSV file's bytes: a UTF-8 BOM means UTF-8 (dropped), else `encoding` (gbk, gb18030, utf-8),
    /// else UTF-8. - Throws: `CSVError` naming the first line with bytes invalid in that encoding.
    static func decodedText(_ data: Data, file: String, encoding name: String?) throws -> String {
        let bytes = [UInt8](data)
        let hasBOM = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        var encoding = TextEncoding.utf8
        if let name, !hasBOM {
            guard let e = TextEncoding(name: name) else {
                throw CSVError(file: file, line: nil, message: "--encoding \(name): expected gbk, gb18030 or utf-8")
            }
            encoding = e
        }
        let body = hasBOM ? Array(bytes.dropFirst(3)) : bytes
        switch TextDecoder(encoding).decode(body) {
        case .success(let text): return text
        case .failure(let failure):
            let line = 1 + body[..<min(failure.offset, body.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            if failure.unavailable {
                throw CSVError(file: file, line: nil, message: "this system has no \(encoding) decoder (iconv)")
            }
            let byte = failure.offset < body.count ? String(format: " (byte 0x%02X)", body[failure.offset]) : ""
            let advice =
                name == nil || hasBOM
                ? "; if the file is GBK (as Excel on Chinese Windows saves CSV), pass --encoding gbk"
                : ""
            throw CSVError(file: file, line: line, message: "not valid \(encoding) text\(byte)\(advice)")
        }
    }

    /// A sheet's cells as a table; the row numbers are the spreadsheet's.
    init(spreadsheet s: SpreadsheetTable, file: String) throws {
        self.file = file
        self.header = s.header.map { $0.trimmingCharacters(in: .whitespaces) }
        self.rows = s.rows
        self.lineNumbers = s.rowNumbers
        if header.isEmpty { throw CSVError(file: file, line: 1, message: "sheet \(s.sheet) has no header row") }
    }
}
