import Foundation
import Testing

/// Found by the xlsx fuzz harness (tools/fuzz/harnesses/XLSXFuzzHarness.swift): GDAL's XLSX driver parses a sheet's
/// XML when the layer definition is first asked for, which was outside the code collecting GDAL's messages. A
/// sheet whose XML breaks off after some rows printed GDAL's "ERROR 1: XML parsing … failed" on the terminal and
/// the rows before the fault were imported as if they were the whole table.
@Suite("A workbook whose sheet XML is cut off", .serialized)
struct CorruptSheetTests {
    @Test func aTruncatedSheetIsRefusedNotImportedInPart() throws {
        let dir = CLI.temporaryDirectory()
        try FormatImportTests.workbook(from: CLI.geoData + "/enterprises.csv", to: dir + "/whole.xlsx")
        // The same workbook with its sheet's XML cut inside row 5, as an interrupted copy or a broken mail
        // attachment leaves it (the zip itself is sound: every entry rewritten whole).
        let cut = try CLI.python(
            """
            import sys, zipfile
            src, out = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
                for e in z.infolist():
                    data = z.read(e)
                    if e.filename == "xl/worksheets/sheet1.xml":
                        data = data[:data.index(b'<row r="5"')] + b'<row r="5"><c r="A5" t="inlineStr"><is><t>9'
                    o.writestr(e, data)
            """, [dir + "/whole.xlsx", dir + "/firms.xlsx"])
        try #require(cut.status == 0, "\(cut.stderr)")

        let store = try FormatImportTests.newStore(dir)
        let before = FormatImportTests.storeBytes(store)
        let r = try CLI.landreg(["import", "enterprises", dir + "/firms.xlsx", "--store", store], in: dir)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(
            r.stderr.contains("firms.xlsx") && r.stderr.contains("sheet Sheet1 cannot be read")
                && r.stderr.contains("XML parsing"), "\(r.stderr)")
        #expect(!r.stderr.contains("ERROR 1"), "GDAL printed its own message: \(r.stderr)")
        #expect(FormatImportTests.storeBytes(store) == before)

        // The whole workbook still imports.
        let w = try CLI.landreg(["import", "enterprises", dir + "/whole.xlsx", "--store", store], in: dir)
        #expect(w.status == 0, "\(w.stderr)")
    }
}
