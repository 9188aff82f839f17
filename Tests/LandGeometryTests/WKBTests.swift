import Testing

@testable import LandGeometry

@Suite("WKB")
struct WKBTests {
    @Test("polygon with a hole round-trips")
    func polygonWithHole() throws {
        let bytes = WKB.encode(Fixture.squareWithHole)
        #expect(bytes.count == WKB.encodedSize(Fixture.squareWithHole))
        #expect(bytes[0] == 1) // little-endian
        #expect(Array(bytes[1..<5]) == [3, 0, 0, 0]) // ISO type 3 = Polygon
        #expect(try WKB.decode(bytes) == Fixture.squareWithHole)
    }

    @Test("multipolygon round-trips")
    func multiPolygon() throws {
        #expect(try WKB.decode(WKB.encode(Fixture.twoTriangles)) == Fixture.twoTriangles)
    }

    @Test("every geometry kind round-trips, encoding appends to a reused buffer")
    func allKinds() throws {
        let kinds: [Geometry] = [
            .point(XY(1.5, -2)), .lineString([XY(0, 0), XY(1, 1)]), .multiPoint([XY(1, 2), XY(3, 4)]),
            .multiLineString([[XY(0, 0), XY(1, 1)], [XY(2, 2), XY(3, 3)]]),
            .geometryCollection([.point(XY(1, 1)), Fixture.squareWithHole]),
            .polygon(Polygon(exterior: [])), .multiPolygon([])
        ]
        var buffer: [UInt8] = [0xAA]
        for g in kinds {
            buffer.removeAll(keepingCapacity: true)
            WKB.encode(g, into: &buffer)
            #expect(try WKB.decode(buffer) == g)
        }
    }

    @Test("big-endian input decodes")
    func bigEndian() throws {
        // POLYGON ((0 0, 1 0, 1 1, 0 0)) in XDR (byte order 0)
        var b: [UInt8] = [0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4]
        func d(_ v: Double) { withUnsafeBytes(of: v.bitPattern.bigEndian) { b.append(contentsOf: $0) } }
        for (x, y) in [(0.0, 0.0), (1, 0), (1, 1), (0, 0)] { d(x); d(y) }
        let g = try WKB.decode(b)
        #expect(g == .polygon(Polygon(exterior: [XY(0, 0), XY(1, 0), XY(1, 1), XY(0, 0)])))
    }

    @Test("Z and M are dropped: ISO 1003 and EWKB Z|SRID")
    func zAndM() throws {
        // ISO POLYGON Z: type 1003, xyz per coordinate
        var iso: [UInt8] = [1]
        func u(_ v: UInt32, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func d(_ v: Double, _ out: inout [UInt8]) {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        u(1003, &iso); u(1, &iso); u(4, &iso)
        for (x, y) in [(0.0, 0.0), (1, 0), (1, 1), (0, 0)] { d(x, &iso); d(y, &iso); d(99, &iso) }
        let expected = Geometry.polygon(Polygon(exterior: [XY(0, 0), XY(1, 0), XY(1, 1), XY(0, 0)]))
        #expect(try WKB.decode(iso) == expected)
        // EWKB POINT ZM with SRID 4549
        var ewkb: [UInt8] = [1]
        u(0x8000_0000 | 0x4000_0000 | 0x2000_0000 | 1, &ewkb); u(4549, &ewkb)
        d(3, &ewkb); d(4, &ewkb); d(5, &ewkb); d(6, &ewkb)
        #expect(try WKB.decode(ewkb) == .point(XY(3, 4)))
    }

    @Test("truncated and garbage input throw GeometryInputError")
    func malformed() {
        let good = WKB.encode(Fixture.squareWithHole)
        #expect(throws: GeometryInputError.self) { try WKB.decode(Array(good.dropLast(3))) }
        #expect(throws: GeometryInputError.self) { try WKB.decode([UInt8]()) }
        #expect(throws: GeometryInputError.self) { try WKB.decode([1, 9, 0, 0, 0]) }
        #expect(throws: GeometryInputError.self) { try WKB.decode([1, 3, 0, 0, 0, 255, 255, 255, 127]) }
    }
}
