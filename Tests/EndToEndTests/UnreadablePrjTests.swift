import Foundation
import Testing

/// Found by the shapefile fuzz harness (tools/fuzz/harnesses/ShapefileFuzzHarness.swift): GDAL's Shapefile driver
/// parses the .prj lazily, when the layer's SRS is first asked for, which was outside the code collecting GDAL's
/// messages. A truncated .prj printed GDAL's own "ERROR 1: missing ]" on the clerk's terminal, and the import then
/// said the shapefile had no .prj.
@Suite("A Shapefile whose .prj GDAL cannot parse", .serialized)
struct UnreadablePrjTests {
    @Test func aTruncatedPrjIsNamedAsUnreadableAndGDALPrintsNothing() throws {
        let dir = CLI.temporaryDirectory()
        let shp = try FormatImportTests.gbkShapefile("cut", in: dir)
        // ArcGIS's WKT cut off inside the GEOGCS name, as a partial copy leaves it.
        try String(FormatImportTests.esriCM120E.prefix(60)).write(
            toFile: dir + "/cut.prj", atomically: true, encoding: .utf8)

        let (store, refused) = try FormatImportTests.importParcels(shp, in: dir)
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stderr.contains("cut.shp") && refused.stderr.contains("cut.prj cannot be read")
                && refused.stderr.contains("--crs EPSG:N"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("no .prj"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("ERROR 1"), "GDAL printed its own message: \(refused.stderr)")
        #expect(try FormatImportTests.sql(store, "SELECT count(*) FROM parcels") == ["0"])

        // --crs still overrides it, and GDAL stays quiet.
        let r = try CLI.landreg(
            [
                "import", "parcels", shp, "--profile", "sandiao", "--crs", "EPSG:4549", "--quiet",
                "--store", store
            ], in: dir)
        #expect(r.status == 0 && r.stdout.contains("imported 400 parcels"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("--crs EPSG:4549 overrides the file's CRS (cut.prj cannot be read"), "\(r.stdout)")
        #expect(
            !r.stderr.contains("ERROR 1") && !r.stdout.contains("ERROR 1"), "GDAL printed its own message: \(r.stderr)")
    }
}
