import CXLSXWriter
import Foundation

// MARK: - Reports as office tables (libxlsxwriter)
//
// Every sheet: Chinese headers with units, a bold frozen header row repeated on every printed page, numbers kept
// as numbers with a display format (亩 0.00, m² 0.0, rates 0.0%), an optional bold totals row, A4 landscape
// fitted to one page wide. Texts are string cells, never formulas (FormulaGuard). docs/exports.md shows the layout.

/// How a column's numbers are shown.
public enum OfficeColumnKind: Sendable {
    case text, count
    /// 亩, two decimals.
    case mu
    /// m², one decimal.
    case squareMetres
    /// A ratio shown as a percentage with one decimal (0.5 → 50.0%).
    case rate
    /// A plain number with this Excel number format (e.g. "0.00").
    case number(String)

    var numberFormat: String? {
        switch self {
        case .text: return nil
        case .count: return "0"
        case .mu: return "0.00"
        case .squareMetres: return "0.0"
        case .rate: return "0.0%"
        case .number(let f): return f
        }
    }
}

public struct OfficeColumn: Sendable {
    public var header: String
    public var kind: OfficeColumnKind
    /// Column width in Excel's character units.
    public var width: Double
    public init(_ header: String, _ kind: OfficeColumnKind, width: Double? = nil) {
        self.header = header; self.kind = kind
        if let width {
            self.width = width
        } else {
            // Wide (CJK) characters take two units; numbers need room for their format.
            let units = header.unicodeScalars.reduce(0.0) { $0 + ($1.value > 0x2E80 ? 2 : 1) }
            self.width = max(units + 2, kind.numberFormat == nil ? 12 : 10)
        }
    }
}

public enum OfficeCell: Sendable, Equatable {
    case text(String)
    case number(Double)
    case empty

    /// A number, or an empty cell for nil (a ratio with a zero denominator).
    public static func value(_ v: Double?) -> OfficeCell { v.map(OfficeCell.number) ?? .empty }
    public static func count(_ v: Int) -> OfficeCell { .number(Double(v)) }
}

public struct OfficeSheet: Sendable {
    /// The sheet's tab name (Excel allows 31 characters, no []:*?/\).
    public var name: String
    /// Printed in the page header (e.g. "违法图斑整改统计 截至 2026-06-30").
    public var title: String
    public var columns: [OfficeColumn]
    public var rows: [[OfficeCell]]
    /// The bold totals row under the rows, if any.
    public var totals: [OfficeCell]?

    public init(name: String, title: String, columns: [OfficeColumn], rows: [[OfficeCell]], totals: [OfficeCell]? = nil)
    {
        self.name = name; self.title = title; self.columns = columns; self.rows = rows; self.totals = totals
    }
}

public enum OfficeWorkbookWriter {
    /// Creates the workbook at `path` (nothing may exist there) with `sheets`, in order.
    /// - Throws: `ExportWriteError` naming the sheet, row and column libxlsxwriter refused.
    public static func write(_ sheets: [OfficeSheet], to path: String) throws {
        // workbook_new returns NULL only when out of memory; the file itself is written by workbook_close.
        guard let wb = workbook_new(path) else { throw ExportWriteError("\(path): cannot create the workbook") }
        var closed = false
        defer { if !closed { workbook_close(wb) } }
        let header = workbook_add_format(wb)!
        format_set_bold(header)
        format_set_text_wrap(header)
        format_set_align(header, UInt8(LXW_ALIGN_CENTER.rawValue))
        format_set_align(header, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
        format_set_bg_color(header, 0xDDEBF7)
        format_set_border(header, UInt8(LXW_BORDER_THIN.rawValue))
        // One plain and one bold format per number format, made once and shared by the sheets.
        var formats: [String: UnsafeMutablePointer<lxw_format>] = [:]
        func format(_ numberFormat: String?, bold: Bool) -> UnsafeMutablePointer<lxw_format> {
            let key = (bold ? "b:" : "n:") + (numberFormat ?? "@text")
            if let f = formats[key] { return f }
            let f = workbook_add_format(wb)!
            if let numberFormat { format_set_num_format(f, numberFormat) }
            if bold { format_set_bold(f); format_set_top(f, UInt8(LXW_BORDER_THIN.rawValue)) }
            formats[key] = f
            return f
        }
        for sheet in sheets {
            guard let ws = workbook_add_worksheet(wb, sheet.name) else {
                throw ExportWriteError("\(path): cannot add sheet \(sheet.name) (a name Excel refuses or used twice)")
            }
            worksheet_set_landscape(ws)
            worksheet_set_paper(ws, 9) // 9 = A4 in Excel's paper codes
            worksheet_fit_to_pages(ws, 1, 0) // one page wide, as many pages tall as needed
            _ = worksheet_repeat_rows(ws, 0, 0)
            worksheet_freeze_panes(ws, 1, 0)
            _ = worksheet_set_header(ws, "&C" + sheet.title.replacingOccurrences(of: "&", with: "&&"))
            _ = worksheet_set_footer(ws, "&C&P / &N")
            for (c, column) in sheet.columns.enumerated() {
                _ = worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), column.width, nil)
                try check(
                    worksheet_write_string(ws, 0, lxw_col_t(c), column.header, header), path, sheet.name, 0,
                    column.header)
            }
            var r: UInt32 = 1
            for cells in sheet.rows + (sheet.totals.map { [$0] } ?? []) {
                let bold = sheet.totals != nil && Int(r) == sheet.rows.count + 1
                for (c, cell) in cells.enumerated() where c < sheet.columns.count {
                    let kind = sheet.columns[c].kind
                    let f = format(kind.numberFormat, bold: bold)
                    let col = lxw_col_t(c)
                    switch cell {
                    case .text(let s):
                        // A string cell is never evaluated: "=HYPERLINK(…)" stays text.
                        try check(
                            worksheet_write_string(ws, r, col, s, f), path, sheet.name, r, sheet.columns[c].header)
                    case .number(let v):
                        try check(
                            worksheet_write_number(ws, r, col, v, f), path, sheet.name, r, sheet.columns[c].header)
                    case .empty:
                        try check(worksheet_write_blank(ws, r, col, f), path, sheet.name, r, sheet.columns[c].header)
                    }
                }
                r += 1
            }
        }
        closed = true
        let err = workbook_close(wb)
        guard err == LXW_NO_ERROR else {
            throw ExportWriteError("\(path): cannot write the workbook: \(XLSXTableWriter.describe(err))")
        }
    }

    private static func check(_ err: lxw_error, _ path: String, _ sheet: String, _ row: UInt32, _ column: String) throws
    {
        guard err == LXW_NO_ERROR else {
            throw ExportWriteError(
                "\(path): sheet \(sheet), row \(row + 1), column \(column): \(XLSXTableWriter.describe(err))")
        }
    }
}
