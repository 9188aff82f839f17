import Foundation
import LandFormats
import Testing

/// Which Shapefiles the import's workers read by position (GDALPositionalReads.swift), and how a layer goes
/// back to serial reading: the end-to-end comparison with the serial read is ShapefileParallelReadTests.
@Suite("Reading a Shapefile by position", .serialized)
struct ShapefilePositionalReadTests {
    /// The sample parcels three times over (1,200 features, three batches of 512) as `name.shp` in a new folder.
    static func shapefile(_ name: String) throws -> (dir: String, shp: String) {
        let dir = Fixtures.directory()
        let shp = dir + "/\(name).shp"
        let parcels = Fixtures.geoData + "/parcels.geojson"
        let first = try Fixtures.run(
            "/usr/bin/ogr2ogr", ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, parcels])
        try #require(first.status == 0, "ogr2ogr (install gdal-bin: tools/install-deps.sh): \(first.stderr)")
        for _ in 0..<2 {
            let more = try Fixtures.run("/usr/bin/ogr2ogr", ["-append", shp, parcels])
            try #require(more.status == 0, "ogr2ogr -append: \(more.stderr)")
        }
        return (dir, shp)
    }

    @Test func aPlainShapefileIsReadByPositionInBatchesToTheEnd() throws {
        let (_, shp) = try Self.shapefile("plain")
        let source = try GDALFeatureSource(path: shp, layer: nil, encoding: nil)
        #expect(source.readsByPosition)
        var batches: [Range<Int>] = []
        while let r = source.nextPositions(max: 512) {
            batches.append(r)
            if r.isEmpty { break }
        }
        #expect(batches == [0..<512, 512..<1024, 1024..<1200, 1200..<1200])
        #expect(source.bytesRead == 1200)
        let reader = try source.makePositionReader()
        // Out of order and repeated, as the workers' chunks come: each position is the feature with that FID.
        for p in [1199, 0, 700, 701, 3, 1199] {
            let handle = try reader.read(p).get()
            #expect(handle.index == p)
            let decoded = try handle.decode(using: GDALDecodingScratch()).get()
            #expect(decoded.fid == Int64(p))
        }
    }

    @Test func aZippedShapefileAndATruncatedOneAreReadSerially() throws {
        let (dir, shp) = try Self.shapefile("zipped")
        let zip = try Fixtures.run(
            "/usr/bin/zip",
            ["-q", "-j", dir + "/zipped.zip"] + ["shp", "shx", "dbf", "prj", "cpg"].map { "\(dir)/zipped.\($0)" })
        try #require(zip.status == 0, "zip: \(zip.stderr)")
        #expect(try GDALFeatureSource(path: dir + "/zipped.zip", layer: nil, encoding: nil).readsByPosition == false)
        // A .shp shorter than its header says: GDAL's handles keep end-of-file state, so the serial path reads it.
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: shp))
        try h.truncate(atOffset: try h.seekToEnd() - 100)
        try h.close()
        #expect(try GDALFeatureSource(path: shp, layer: nil, encoding: nil).readsByPosition == false)
    }

    @Test func aDeletedRecordSwitchesToSerialReadingAtItsBatch() throws {
        let (dir, shp) = try Self.shapefile("deleted")
        // Record 800 (0-based 799, in the second batch) marked deleted.
        let dbf = dir + "/deleted.dbf"
        var data = try Data(contentsOf: URL(fileURLWithPath: dbf))
        let header = Int(data[8]) | Int(data[9]) << 8, record = Int(data[10]) | Int(data[11]) << 8
        data[header + 799 * record] = UInt8(ascii: "*")
        try data.write(to: URL(fileURLWithPath: dbf))
        let source = try GDALFeatureSource(path: shp, layer: nil, encoding: nil)
        #expect(source.readsByPosition)
        #expect(source.nextPositions(max: 512) == 0..<512)
        #expect(source.nextPositions(max: 512) == nil)
        #expect(source.nextPositions(max: 512) == nil, "serial from then on")
        // Serial reading goes on at position 512, then skips the deleted record as GDAL does, and ends cleanly:
        // the one record GDAL's count has and its reading has not is the one marked deleted.
        var indexes: [Int] = [], fids: [Int64] = []
        while let f = try source.nextSourceFeature() {
            guard case .gdalFeature(let h) = f else { Issue.record("not a GDAL feature"); break }
            indexes.append(h.index)
            fids.append(try h.decode(using: GDALDecodingScratch()).get().fid)
        }
        #expect(GDALFeatureSource.allDeleted(dbf, records: [799..<800]))
        #expect(!GDALFeatureSource.allDeleted(dbf, records: [798..<800]), "record 798 is not deleted")
        #expect(indexes == Array(512..<1199))
        #expect(fids == (512..<799).map(Int64.init) + (800..<1200).map(Int64.init))
    }
}
