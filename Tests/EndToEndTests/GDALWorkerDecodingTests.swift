import Foundation
import Testing

/// GDAL features are fetched on the scanning thread and decoded on the workers (ImportPipeline). A field that
/// stops the import (not UTF-8 in a file that declares no encoding) must still be reported as the first such
/// feature in file order, whatever worker or batch decoded it first, with the store unchanged.
@Suite("Decoding GDAL features on the workers", .serialized)
struct GDALWorkerDecodingTests {
    /// The sample parcels three times (1,200 features, more than two 512-feature batches) as a UTF-8 Shapefile
    /// without .cpg or language-driver byte, whose DLMC fields at the 1-based `gbkAt` positions hold GBK bytes.
    static func shapefile(in dir: String, gbkAt positions: [Int]) throws -> String {
        let shp = dir + "/mixed.shp"
        try FormatImportTests.ogr(
            ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, FormatImportTests.parcels], in: dir)
        for _ in 0..<2 { try FormatImportTests.ogr(["-append", shp, FormatImportTests.parcels], in: dir) }
        try FileManager.default.removeItem(atPath: dir + "/mixed.cpg")
        // Patches the .dbf by hand: byte 29 (language driver) to 0, and "地" in GBK (B5 D8: invalid UTF-8) at the
        // start of DLMC in the given records.
        let r = try CLI.gdalPython([
            "-c",
            """
            import struct, sys
            path = sys.argv[1]; positions = [int(p) for p in sys.argv[2].split(",")]
            data = bytearray(open(path, "rb").read())
            count, header, record = struct.unpack("<IHH", data[4:12])
            assert count == 1200, count
            offset, field = 1, None
            for i in range(32, header - 1, 32):
                name = data[i:i + 11].split(b"\\0")[0].decode()
                if name == "DLMC": field = offset
                offset += data[i + 16]
            assert field is not None, "no DLMC field"
            data[29] = 0
            for p in positions:
                at = header + (p - 1) * record + field
                data[at:at + 2] = b"\\xb5\\xd8"
            open(path, "wb").write(data)
            """, dir + "/mixed.dbf", positions.map(String.init).joined(separator: ",")
        ])
        try #require(r.status == 0, "patching mixed.dbf: \(r.stderr)")
        return shp
    }

    @Test(arguments: [1, 2, 4])
    func theFirstUndecodableFeatureInFileOrderStopsTheImport(workers: Int) throws {
        let dir = CLI.temporaryDirectory()
        // 700 and 1000 are in the same batch (513–1024) but in different chunks; 1100 is in the next batch.
        let shp = try Self.shapefile(in: dir, gbkAt: [1000, 700, 1100])
        let store = try FormatImportTests.newStore(dir)
        let before = FormatImportTests.storeBytes(store)
        let r = try CLI.landreg(
            [
                "import", "parcels", shp, "--profile", "sandiao", "--quiet", "--workers", String(workers),
                "--store", store
            ], in: dir)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(
            r.stderr.contains(
                "mixed.dbf: field DLMC of feature 700 is not UTF-8 and the file declares no encoding "
                    + "(no .cpg, no language-driver byte); pass --encoding gbk|gb18030|utf-8"), "\(r.stderr)")
        #expect(!r.stderr.contains("of feature 1000 ") && !r.stderr.contains("of feature 1100 "), "\(r.stderr)")
        #expect(FormatImportTests.storeBytes(store) == before, "the store changed")
    }
}
