import Testing

@testable import LandGeometry

/// Blobs written by GDAL 3.6.2 (`/usr/bin/python3`, osgeo.ogr): a GPKG layer of type wkbUnknown in EPSG:4549,
/// one feature per WKT below via `ogr.CreateGeometryFromWkt`, then `select hex(geom) from t order by fid` in
/// sqlite3.
enum GDALBlobs {
    /// POLYGON ((500000 3340000,500100 3340000,500100 3340100,500000 3340100,500000 3340000),
    ///          (500010 3340010,500010 3340020,500020 3340020,500020 3340010,500010 3340010))
    static let polygonWithHole =
        "47500003c51100000000000080841e410000000010861e4100000000707b494100000000a27b4941010300000002000000050000000000000080841e4100000000707b49410000000010861e4100000000707b49410000000010861e4100000000a27b49410000000080841e4100000000a27b49410000000080841e4100000000707b49410500000000000000a8841e4100000000757b494100000000a8841e41000000007a7b494100000000d0841e41000000007a7b494100000000d0841e4100000000757b494100000000a8841e4100000000757b4941"
    /// MULTIPOLYGON (((0 0,1 0,1 1,0 0)),((2 2,3 2,3 3,2 2)))
    static let multiPolygon =
        "47500003c511000000000000000000000000000000000840000000000000000000000000000008400106000000020000000103000000010000000400000000000000000000000000000000000000000000000000f03f0000000000000000000000000000f03f000000000000f03f000000000000000000000000000000000103000000010000000400000000000000000000400000000000000040000000000000084000000000000000400000000000000840000000000000084000000000000000400000000000000040"
    /// POINT (500000.5 3340000.25): no envelope
    static let point = "47500001c511000001010000000000000082841e4100000020707b4941"
    /// POLYGON EMPTY: empty flag, no envelope
    static let emptyPolygon = "47500011c5110000010300000000000000"
    /// POINT EMPTY: empty flag, POINT(NaN NaN)
    static let emptyPoint = "47500011c51100000101000000000000000000f87f000000000000f87f"
    /// MULTIPOLYGON EMPTY
    static let emptyMultiPolygon = "47500011c5110000010600000000000000"
}

@Suite("GeoPackageBinary")
struct GeoPackageBinaryTests {
    let holed = Geometry.polygon(
        Polygon(
            exterior: Fixture.square(500000, 3340000, 100),
            holes: [
                [
                    XY(500010, 3340010), XY(500010, 3340020), XY(500020, 3340020), XY(500020, 3340010),
                    XY(500010, 3340010)
                ]
            ]))

    @Test("encoding matches GDAL byte for byte")
    func matchesGDAL() {
        #expect(Fixture.hexString(GeoPackageBinary.encode(holed, srsID: 4549)) == GDALBlobs.polygonWithHole)
        #expect(Fixture.hexString(GeoPackageBinary.encode(Fixture.twoTriangles, srsID: 4549)) == GDALBlobs.multiPolygon)
        #expect(
            Fixture.hexString(GeoPackageBinary.encode(.point(XY(500000.5, 3340000.25)), srsID: 4549)) == GDALBlobs.point
        )
        #expect(
            Fixture.hexString(GeoPackageBinary.encode(.polygon(Polygon(exterior: [])), srsID: 4549))
                == GDALBlobs.emptyPolygon)
        #expect(Fixture.hexString(GeoPackageBinary.encode(.point(XY(.nan, .nan)), srsID: 4549)) == GDALBlobs.emptyPoint)
        #expect(
            Fixture.hexString(GeoPackageBinary.encode(.multiPolygon([]), srsID: 4549)) == GDALBlobs.emptyMultiPolygon)
    }

    @Test("GDAL's blobs decode, with srs_id and envelope")
    func decodesGDAL() throws {
        let blob = Fixture.hex(GDALBlobs.polygonWithHole)
        let (srs, g) = try GeoPackageBinary.decode(blob)
        #expect(srs == 4549)
        #expect(g == holed)
        let e = try #require(try GeoPackageBinary.envelope(of: blob))
        #expect(e == Envelope(minX: 500000, minY: 3340000, maxX: 500100, maxY: 3340100))
        #expect(try GeoPackageBinary.isEmpty(blob) == false)

        let point = Fixture.hex(GDALBlobs.point)
        #expect(
            try GeoPackageBinary.envelope(of: point)
                == Envelope(minX: 500000.5, minY: 3340000.25, maxX: 500000.5, maxY: 3340000.25))
        for empty in [GDALBlobs.emptyPolygon, GDALBlobs.emptyPoint, GDALBlobs.emptyMultiPolygon] {
            let b = Fixture.hex(empty)
            #expect(try GeoPackageBinary.isEmpty(b))
            #expect(try GeoPackageBinary.envelope(of: b) == nil)
        }
        #expect(try GeoPackageBinary.decode(Fixture.hex(GDALBlobs.emptyPoint)).geometry.isEmptyPoint)
    }

    @Test("a reused buffer gives the same bytes")
    func reusedBuffer() throws {
        var buf: [UInt8] = []
        for g in [holed, Fixture.twoTriangles, holed] {
            buf.removeAll(keepingCapacity: true)
            GeoPackageBinary.encode(g, srsID: 4549, into: &buf)
            #expect(buf == GeoPackageBinary.encode(g, srsID: 4549))
            #expect(try GeoPackageBinary.decode(buf).geometry == g)
        }
    }

    @Test("bad magic, version and truncation throw GeometryInputError")
    func malformed() {
        var blob = Fixture.hex(GDALBlobs.polygonWithHole)
        #expect(throws: GeometryInputError.self) { try GeoPackageBinary.decode(Array(blob.prefix(20))) }
        blob[2] = 1
        #expect(throws: GeometryInputError.self) { try GeoPackageBinary.decode(blob) }
        blob[0] = 0x58
        #expect(throws: GeometryInputError.self) { try GeoPackageBinary.decode(blob) }
    }
}
