import CGDAL
import Foundation
import LandGeoJSON
import LandGeometry

// MARK: - Tables from Excel workbooks (.xlsx), read with GDAL's XLSX driver
//
// A sheet comes back as the text the same table saved as CSV would hold, so that the CSV imports check it the
// same way: text cells as they are (a credit code stays text), whole numbers without ".0", other numbers in the
// shortest form that reads back the same, dates as YYYY-MM-DD. GDAL numbers features by spreadsheet row, so a
// problem can name the row a clerk sees in Excel. Read-only use of the XLSX driver.

/// One sheet as text cells.
public struct SpreadsheetTable: Sendable {
    public let sheet: String
    public let header: [String]
    public let rows: [[String]]
    /// The spreadsheet row of each data row (the header is row 1).
    public let rowNumbers: [Int]
}

public enum XLSXTableReader {
    /// Reads `sheet` (default: the first) of the workbook at `path`.
    /// - Throws: `GDALSourceError` when the file is not a workbook or has no such sheet.
    public static func read(path: String, sheet wanted: String?) throws -> SpreadsheetTable {
        GDALRuntime.ensureRegistered()
        guard FileManager.default.fileExists(atPath: path) else { throw GDALSourceError("no such file") }
        // Headers forced: the first row is the header even when every row is text (GDAL's guess would make it
        // data); types automatic, so that numbers and dates can be written as CSV text would have them. GDAL 3.6
        // has these as configuration options only; thread-local, for the whole read (the sheet is parsed lazily).
        CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", "FORCE")
        CPLSetThreadLocalConfigOption("OGR_XLSX_FIELD_TYPES", "AUTO")
        defer {
            CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", nil)
            CPLSetThreadLocalConfigOption("OGR_XLSX_FIELD_TYPES", nil)
        }
        let (opened, messages) = GDALRuntime.collectingMessages { () -> GDALDatasetH? in
            GDALFeatureSource.withCStringList(["XLSX"]) { drivers in
                GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), drivers, nil, nil)
            }
        }
        guard let dataset = opened else {
            throw GDALSourceError(
                "is not an Excel workbook (.xlsx) GDAL's XLSX driver can read"
                    + GDALFeatureSource.gdalDetail(messages))
        }
        defer { GDALClose(dataset) }
        var sheets: [(name: String, layer: OGRLayerH)] = []
        for i in 0..<GDALDatasetGetLayerCount(dataset) {
            if let l = GDALDatasetGetLayer(dataset, i) { sheets.append((String(cString: OGR_L_GetName(l)), l)) }
        }
        guard !sheets.isEmpty else { throw GDALSourceError("holds no sheet") }
        let chosen: (name: String, layer: OGRLayerH)
        if let wanted {
            guard let s = sheets.first(where: { $0.name == wanted }) else {
                throw GDALSourceError(
                    "has no sheet \(wanted); its sheets: " + sheets.map(\.name).joined(separator: ", "))
            }
            chosen = s
        } else {
            chosen = sheets[0]
        }
        // The driver parses the sheet's XML when the layer definition is first asked for: its complaints (a
        // corrupt or truncated sheet, of which GDAL keeps the rows before the fault) are collected here and refuse
        // the table below, instead of reaching the terminal while a shortened table is imported (found by the xlsx
        // fuzz harness).
        let ((header, types), definitionMessages) = GDALRuntime.collectingMessages { () -> ([String], [OGRFieldType]) in
            let definition = OGR_L_GetLayerDefn(chosen.layer)
            var header: [String] = [], types: [OGRFieldType] = []
            for i in 0..<Int(OGR_FD_GetFieldCount(definition)) {
                let f = OGR_FD_GetFieldDefn(definition, Int32(i))
                header.append(String(cString: OGR_Fld_GetNameRef(f)))
                types.append(OGR_Fld_GetType(f))
            }
            return (header, types)
        }
        let count = header.count
        var rows: [[String]] = [], numbers: [Int] = []
        let (_, readMessages) = GDALRuntime.collectingMessages { () -> Void in
            OGR_L_ResetReading(chosen.layer)
            while let feature = OGR_L_GetNextFeature(chosen.layer) {
                defer { OGR_F_Destroy(feature) }
                var cells: [String] = []
                cells.reserveCapacity(count)
                var empty = true
                for i in 0..<count {
                    let f = Int32(i)
                    guard OGR_F_IsFieldSetAndNotNull(feature, f) != 0 else { cells.append(""); continue }
                    empty = false
                    cells.append(cellText(feature, f, types[i]))
                }
                // A blank row is skipped, as the CSV reader skips a blank line.
                if empty { continue }
                rows.append(cells)
                numbers.append(Int(OGR_F_GetFID(feature)))
            }
        }
        let failures = (definitionMessages + readMessages).filter { $0.level == .failure || $0.level == .fatal }
        if !failures.isEmpty {
            throw GDALSourceError(
                "sheet \(chosen.name) cannot be read: " + failures.map(\.text).joined(separator: "; "))
        }
        return SpreadsheetTable(sheet: chosen.name, header: header, rows: rows, rowNumbers: numbers)
    }

    private static func cellText(_ feature: OGRFeatureH, _ f: Int32, _ type: OGRFieldType) -> String {
        switch type {
        case OFTInteger, OFTInteger64:
            return String(OGR_F_GetFieldAsInteger64(feature, f))
        case OFTReal:
            // JSONValue(double:) writes 3680162.0 as "3680162" and 554.92 as "554.92".
            return JSONValue(double: OGR_F_GetFieldAsDouble(feature, f)).serialized
        case OFTDate, OFTDateTime:
            var y: Int32 = 0, m: Int32 = 0, d: Int32 = 0, h: Int32 = 0, mi: Int32 = 0, tz: Int32 = 0
            var s: Float = 0
            _ = OGR_F_GetFieldAsDateTimeEx(feature, f, &y, &m, &d, &h, &mi, &s, &tz)
            let date = String(format: "%04d-%02d-%02d", y, m, d)
            if type == OFTDate || (h == 0 && mi == 0 && s == 0) { return date }
            return date + String(format: " %02d:%02d:%02d", h, mi, Int32(s))
        default:
            return String(cString: OGR_F_GetFieldAsString(feature, f))
        }
    }
}
