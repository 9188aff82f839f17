import Foundation
import Testing

/// landreg does not link GDAL: Sources/CGDALLazy loads it on the first GDAL call, so that a look-up, a report or a
/// GeoJSON import does not pay GDAL's ~110 shared libraries at start (tools/bench's look-up rows). glibc's loader
/// names every library it loads under LD_DEBUG=libs; the test reads that list.
@Suite("GDAL is loaded only by the commands that use it", .serialized)
struct StartupTests {
    /// The libraries the loader loaded while landreg ran `arguments` (LD_DEBUG=libs writes "calling init: PATH").
    static func loadedLibraries(_ arguments: [String], in dir: String) throws -> (CLI.Result, [String]) {
        let r = try CLI.landreg(arguments, in: dir, environment: ["LD_DEBUG": "libs"])
        let loaded = r.stderr.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "calling init: ") else { return nil }
            return String(line[range.upperBound...])
        }
        return (r, loaded)
    }

    @Test func lookUpsAndGeoJSONDoNotLoadGDALAndAShapefileImportDoes() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/store.gpkg"
        let parcels = CLI.geoData + "/parcels.geojson"
        let (imported, importLibraries) = try Self.loadedLibraries(
            ["init", "--store", store], in: dir)
        #expect(imported.status == 0, "\(imported.stderr.suffix(2000))")
        #expect(importLibraries.contains { $0.contains("libgeos") }, "LD_DEBUG=libs did not list the libraries")
        let (geojson, geojsonLibraries) = try Self.loadedLibraries(
            ["import", "parcels", parcels, "--profile", "sandiao", "--quiet", "--store", store], in: dir)
        #expect(geojson.status == 0, "\(geojson.stderr.suffix(2000))")
        #expect(!geojsonLibraries.contains { $0.contains("libgdal") }, "a GeoJSON import loaded GDAL")
        let code = try #require(
            try CLI.landreg(["parcels", "list", "--json", "--store", store], in: dir).stdout
                .firstMatch(of: /"code"\s*:\s*"([^"]+)"/)?.1)
        for lookUp in [["parcels", "show", String(code)], ["report", "rectification"], ["check"]] {
            let (r, libraries) = try Self.loadedLibraries(lookUp + ["--store", store], in: dir)
            #expect(r.status == 0, "\(lookUp): \(r.stderr.suffix(2000))")
            #expect(!libraries.contains { $0.contains("libgdal") }, "\(lookUp.joined(separator: " ")) loaded GDAL")
        }
        // The same parcels from a Shapefile: GDAL is loaded, on demand, and the import works.
        let shp = dir + "/parcels.shp"
        let ogr = try CLI.run("/usr/bin/ogr2ogr", ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, parcels])
        try #require(ogr.status == 0, "ogr2ogr: \(ogr.stderr)")
        let second = dir + "/second.gpkg"
        #expect(try CLI.landreg(["init", "--store", second], in: dir).status == 0)
        let (shapefile, shapefileLibraries) = try Self.loadedLibraries(
            ["import", "parcels", shp, "--profile", "sandiao", "--quiet", "--store", second], in: dir)
        #expect(shapefile.status == 0, "\(shapefile.stderr.suffix(2000))")
        #expect(shapefileLibraries.contains { $0.contains("libgdal.so") }, "a Shapefile import did not load GDAL")
        let counts = try ["store.gpkg", "second.gpkg"].map { name in
            try CLI.landreg(["parcels", "list", "--json", "--store", dir + "/" + name], in: dir).stdout
                .matches(of: /"code"\s*:/).count
        }
        #expect(counts[0] > 0 && counts[0] == counts[1], "parcels from GeoJSON and Shapefile: \(counts)")
    }
}
