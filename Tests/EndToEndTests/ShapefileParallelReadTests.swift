import Foundation
import Testing

/// A plain Shapefile is read by position on every worker, each with its own GDAL handle (GDALPositionalReads);
/// the same shapefile inside a .zip is read feature by feature on the scanning thread. Both must give the same
/// parcels, the same problems in the same order and the same refusals, on a file of several batches.
@Suite("Reading a Shapefile on every worker gives what reading it serially gives", .serialized)
struct ShapefileParallelReadTests {
    static let parcelCount = 3000

    /// A generated district of `parcelCount` parcels as a GBK Shapefile `name.shp` in `dir`, with the 1-based
    /// features in `bowTies` made self-intersecting; returns the .shp and the generator's GeoJSON.
    static func district(in dir: String, name: String, bowTies: [Int] = []) throws -> (shp: String, geojson: String) {
        let data = dir + "/gen"
        if !FileManager.default.fileExists(atPath: data + "/parcels.geojson") {
            let g = try CLI.run(
                try CLI.requirePython(),
                [
                    CLI.repo.appendingPathComponent("tools/gen_district.py").path, "--parcels", String(parcelCount),
                    "--seed", "7", "--out", data, "--crs", "4549", "--format", "geojson", "--quiet"
                ])
            try #require(g.status == 0, "gen_district.py: \(g.stderr)")
        }
        let shp = dir + "/\(name).shp"
        try FormatImportTests.ogr(
            ["-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", shp, data + "/parcels.geojson"], in: dir)
        if !bowTies.isEmpty {
            let r = try CLI.gdalPython([
                "-c",
                """
                import sys
                from osgeo import ogr
                ds = ogr.Open(sys.argv[1], 1)
                layer = ds.GetLayer(0)
                for p in sys.argv[2].split(","):
                    f = layer.GetFeature(int(p) - 1)
                    x0, x1, y0, y1 = f.GetGeometryRef().GetEnvelope()
                    f.SetGeometry(ogr.CreateGeometryFromWkt(
                        f"POLYGON (({x0} {y0}, {x1} {y1}, {x1} {y0}, {x0} {y1}, {x0} {y0}))"))
                    assert layer.SetFeature(f) == 0
                ds = None
                """, shp, bowTies.map(String.init).joined(separator: ",")
            ])
            try #require(r.status == 0, "planting bow-ties: \(r.stderr)")
        }
        return (shp, data + "/parcels.geojson")
    }

    /// The shapefile's four files zipped as `name.zip` (read through /vsizip/: serially).
    static func zipped(_ shp: String, in dir: String) throws -> String {
        try FormatImportTests.requireTool("/usr/bin/zip", "zip")
        let base = ((shp as NSString).lastPathComponent as NSString).deletingPathExtension
        let zip = dir + "/\(base).zip"
        let z = try CLI.run(
            "/usr/bin/zip", ["-q", zip] + ["shp", "shx", "dbf", "prj", "cpg"].map { "\(base).\($0)" }, in: dir)
        try #require(z.status == 0, "zip: \(z.stderr)")
        return zip
    }

    /// stderr with the file's path and name replaced, so that runs on the .shp and the .zip compare.
    static func normalized(_ stderr: String, _ file: String) -> String {
        stderr.replacingOccurrences(of: file, with: "FILE").replacingOccurrences(
            of: (file as NSString).lastPathComponent, with: "FILE")
    }

    @Test func theSameParcelsAndAreasAsTheSerialReadAndAsShapely() throws {
        let dir = CLI.temporaryDirectory()
        let (shp, geojson) = try Self.district(in: dir, name: "district")
        let zip = try Self.zipped(shp, in: dir)
        let (parallelStore, p) = try FormatImportTests.importParcels(shp, in: dir, ["--workers", "3"])
        try #require(p.status == 0, "\(p.stderr)")
        let (serialStore, s) = try FormatImportTests.importParcels(zip, in: dir, ["--workers", "3"])
        try #require(s.status == 0, "\(s.stderr)")
        #expect(p.stdout.contains("imported \(Self.parcelCount) parcels"), "\(p.stdout)")
        let rows = try FormatImportTests.parcelRows(parallelStore)
        #expect(rows.count == Self.parcelCount)
        #expect(rows == (try FormatImportTests.parcelRows(serialStore)), "codes or attributes differ")
        #expect(rows.contains { $0.contains(#""DLMC":"旱地""#) }, "Chinese text lost: \(rows.prefix(3))")
        let fids = try FormatImportTests.sql(parallelStore, "SELECT code FROM parcels ORDER BY fid")
        #expect(fids == (try FormatImportTests.sql(serialStore, "SELECT code FROM parcels ORDER BY fid")), "file order")
        let areas = try FormatImportTests.parcelAreas(parallelStore)
        #expect(areas == (try FormatImportTests.parcelAreas(serialStore)), "areas differ")
        // Planar areas against shapely's of the generator's GeoJSON (the Shapefile holds the same coordinates).
        let r = try CLI.python(
            """
            import json, sys
            from shapely.geometry import shape
            for f in json.load(open(sys.argv[1], encoding="utf-8"))["features"]:
                print(f["properties"]["BSM"], repr(shape(f["geometry"]).area))
            """, [geojson])
        try #require(r.status == 0, "\(r.stderr)")
        var checked = 0
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard let expected = Double(parts[1]), let ours = areas["'\(parts[0])'"]?.first else {
                Issue.record("no parcel \(parts[0]) in the store")
                continue
            }
            #expect(abs(ours - expected) <= 1e-9 * expected, "\(parts[0]): \(ours) m² vs shapely \(expected) m²")
            checked += 1
        }
        #expect(checked == Self.parcelCount)
    }

    @Test(arguments: [1, 2, 4])
    func badFeaturesNearTheEndAreReportedAsTheSerialReadReportsThem(workers: Int) throws {
        let dir = CLI.temporaryDirectory()
        // 2,950 and 2,990 are in the last of six 512-feature batches, 1,100 in the third.
        let (shp, _) = try Self.district(in: dir, name: "bad", bowTies: [2990, 1100, 2950])
        let zip = try Self.zipped(shp, in: dir)
        let store = try FormatImportTests.newStore(dir)
        let before = FormatImportTests.storeBytes(store)
        var outputs: [String] = []
        for file in [shp, zip] {
            let r = try CLI.landreg(
                [
                    "import", "parcels", file, "--profile", "sandiao", "--quiet", "--workers", String(workers),
                    "--store", store
                ], in: dir)
            #expect(r.status == 1, "\(file): exit \(r.status): \(r.stderr)")
            #expect(FormatImportTests.storeBytes(store) == before, "\(file): the store changed")
            outputs.append(Self.normalized(r.stderr, file))
        }
        #expect(outputs[0] == outputs[1], "parallel:\n\(outputs[0])\nserial:\n\(outputs[1])")
        let lines = outputs[0].split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("3 problems; nothing was imported") == true, "\(outputs[0])")
        let located = lines.dropFirst().map { $0.components(separatedBy: ": feature ").last ?? "" }
        #expect(
            located.map { $0.prefix(while: { $0 != " " }) } == ["1100", "2950", "2990"], "order: \(outputs[0])")
        #expect(lines.dropFirst().allSatisfy { $0.contains("Self-intersection") }, "\(outputs[0])")
        #expect(outputs[0].contains("layer bad: feature 2950 (fid 2949, code "), "\(outputs[0])")
    }

    /// A record the .dbf marks deleted is not a feature (GDAL skips it, as ArcGIS and QGIS do): the import takes
    /// the others, the same by position and serially, and the deleted parcel is not among them.
    @Test func aDeletedRecordSendsTheRestOfTheLayerToTheSerialReadWithTheSameResult() throws {
        let dir = CLI.temporaryDirectory()
        let (shp, _) = try Self.district(in: dir, name: "deleted")
        // Record 2,000 (in the fourth batch) marked deleted in the .dbf, as dBASE tools do: GDAL skips it.
        let r = try CLI.gdalPython([
            "-c",
            """
            import struct, sys
            from osgeo import ogr
            ds = ogr.Open(sys.argv[2])
            print(ds.GetLayer(0).GetFeature(1999).GetField("BSM"))
            ds = None
            data = bytearray(open(sys.argv[1], "rb").read())
            count, header, record = struct.unpack("<IHH", data[4:12])
            data[header + 1999 * record] = ord("*")
            open(sys.argv[1], "wb").write(data)
            """, dir + "/deleted.dbf", shp
        ])
        try #require(r.status == 0, "\(r.stderr)")
        let deletedCode = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let zip = try Self.zipped(shp, in: dir)
        var codes: [[String]] = []
        for (i, file) in [shp, zip].enumerated() {
            let store = dir + "/deleted-\(i).gpkg"
            #expect(try CLI.landreg(["init", "--store", store], in: dir).status == 0)
            let run = try CLI.landreg(
                ["import", "parcels", file, "--profile", "sandiao", "--quiet", "--workers", "2", "--store", store],
                in: dir)
            #expect(run.status == 0, "\(file): exit \(run.status): \(run.stderr)")
            codes.append(try SafetyTests.sql(store, "SELECT code FROM parcels ORDER BY fid"))
        }
        #expect(codes[0].count == Self.parcelCount - 1, "\(codes[0].count) parcels imported")
        #expect(codes[0] == codes[1], "by position and serially the parcels differ")
        // The deleted record's parcel (the 2,000th of the file) is the one not there.
        #expect(!deletedCode.isEmpty && !codes[0].contains(deletedCode), "\(deletedCode) was imported")
        #expect(Set(codes[0]).count == Self.parcelCount - 1)
    }

    /// Only records the .dbf marks deleted excuse a short read: a deleted record and a shape cut off the end of
    /// the .shp together are refused, naming the layer, and the store is unchanged.
    @Test func aDeletedRecordDoesNotExcuseAMissingOne() throws {
        let dir = CLI.temporaryDirectory()
        let (shp, _) = try Self.district(in: dir, name: "short")
        let r = try CLI.gdalPython([
            "-c",
            """
            import struct, sys
            dbf = bytearray(open(sys.argv[1], "rb").read())
            count, header, record = struct.unpack("<IHH", dbf[4:12])
            dbf[header + 1999 * record] = ord("*")
            open(sys.argv[1], "wb").write(dbf)
            # The last shape's bytes go from the .shp (its .shx entry stays): GDAL cannot read it.
            shx = open(sys.argv[2], "rb").read()
            offset = struct.unpack(">i", shx[100 + 8 * (count - 1):104 + 8 * (count - 1)])[0] * 2
            shp = open(sys.argv[3], "rb").read()[:offset]
            open(sys.argv[3], "wb").write(shp)
            """, dir + "/short.dbf", dir + "/short.shx", shp
        ])
        try #require(r.status == 0, "\(r.stderr)")
        let store = try FormatImportTests.newStore(dir)
        let before = FormatImportTests.storeBytes(store)
        let run = try CLI.landreg(
            ["import", "parcels", shp, "--profile", "sandiao", "--quiet", "--store", store], in: dir)
        #expect(run.status == 1, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("short"), "\(run.stderr)")
        #expect(FormatImportTests.storeBytes(store) == before, "the store changed")
    }

}
