import CXLSXWriter
import Foundation

// MARK: - A layer's attributes as one xlsx sheet (libxlsxwriter)
//
// Why libxlsxwriter and not GDAL's XLSX driver: GDAL's driver keeps every feature in memory until it closes,
// while libxlsxwriter's constant_memory mode writes each row to disk as it comes (memory stays flat for 100,000
// parcels); it also lets us choose cell types (a text is always a string cell, never a formula) and formats.
// Not Sendable: one writer lives on one thread.

public final class XLSXTableWriter {
    public let path: String
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    private let sheet: UnsafeMutablePointer<lxw_worksheet>
    private let fields: [ExportField]
    private let dateFormat: UnsafeMutablePointer<lxw_format>
    private var row: UInt32 = 1
    /// Excel's limits: 1,048,576 rows, 32,767 characters in a cell.
    public static let maxRows: UInt32 = 1_048_576
    public static let maxCellCharacters = 32_767

    /// Creates the workbook at `path` with one sheet named `sheetName` and a bold, frozen header row.
    public init(path: String, sheetName: String, fields: [ExportField]) throws {
        self.path = path; self.fields = fields
        var options = lxw_workbook_options()
        options.constant_memory = 1
        // Temporary row files go beside the output, not into a possibly small /tmp.
        let folder = strdup(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        defer { free(folder) }
        options.tmpdir = folder
        options.use_zip64 = 1
        // workbook_new_opt returns NULL when out of memory (the file is opened only at close).
        guard let wb = workbook_new_opt(path, &options) else {
            throw ExportWriteError("\(path): cannot create the workbook")
        }
        // workbook_add_worksheet returns NULL for an invalid or duplicate name.
        guard let ws = workbook_add_worksheet(wb, String(sheetName.prefix(31))) else {
            workbook_close(wb)
            throw ExportWriteError("\(path): cannot add sheet \(sheetName)")
        }
        workbook = wb; sheet = ws
        let bold = workbook_add_format(wb)!
        format_set_bold(bold)
        dateFormat = workbook_add_format(wb)!
        format_set_num_format(dateFormat, "yyyy-mm-dd")
        worksheet_freeze_panes(ws, 1, 0)
        for (c, f) in fields.enumerated() {
            // worksheet_write_string returns LXW_NO_ERROR on success.
            let err = worksheet_write_string(ws, 0, lxw_col_t(c), f.name, bold)
            guard err == LXW_NO_ERROR else {
                throw ExportWriteError("\(path): header \(f.name): \(Self.describe(err))")
            }
        }
    }

    deinit {
        // An unfinished writer still closes the workbook (the caller removes the partial file).
        if let workbook { workbook_close(workbook) }
    }

    /// Writes one row: `values` in field order.
    public func write(_ values: [ExportValue], feature: @autoclosure () -> String) throws {
        guard row < Self.maxRows else {
            throw ExportWriteError("\(path): \(feature()): more rows than an Excel sheet holds (\(Self.maxRows - 1))")
        }
        for (c, value) in values.enumerated() {
            let col = lxw_col_t(c)
            let err: lxw_error
            switch value {
            case .null: continue
            case .integer(let v): err = worksheet_write_number(sheet, row, col, Double(v), nil)
            case .real(let v): err = worksheet_write_number(sheet, row, col, v, nil)
            case .boolean(let v): err = worksheet_write_boolean(sheet, row, col, v ? 1 : 0, nil)
            case .date(let y, let m, let d):
                var dt = lxw_datetime(year: Int32(y), month: Int32(m), day: Int32(d), hour: 0, min: 0, sec: 0)
                err = worksheet_write_datetime(sheet, row, col, &dt, dateFormat)
            case .string(let s):
                guard s.utf16.count <= Self.maxCellCharacters else {
                    throw ExportWriteError(
                        "\(path): \(feature()), field \(fields[c].name): a text of \(s.utf16.count) "
                            + "characters is more than an Excel cell holds (\(Self.maxCellCharacters))")
                }
                // A string cell: Excel never evaluates it, so "=HYPERLINK(…)" stays text (FormulaGuard).
                err = worksheet_write_string(sheet, row, col, s, nil)
            }
            guard err == LXW_NO_ERROR else {
                throw ExportWriteError("\(path): \(feature()), field \(fields[c].name): \(Self.describe(err))")
            }
        }
        row += 1
    }

    /// Closes the workbook: after this the file at `path` is complete.
    public func finish() throws {
        guard let wb = workbook else { return }
        workbook = nil
        let err = workbook_close(wb)
        guard err == LXW_NO_ERROR else {
            throw ExportWriteError("\(path): cannot write the workbook: \(Self.describe(err))")
        }
    }

    static func describe(_ err: lxw_error) -> String {
        // lxw_strerror returns a static string for every code.
        String(cString: lxw_strerror(err))
    }
}
