import Foundation
import Testing

@testable import LandGeoJSON
@testable import LandGeometry

@Suite("GeoJSON writer")
struct GeoJSONWriterTests {
    static func outputPath(_ name: String) throws -> String {
        try GeoJSONFixtures.directory().appendingPathComponent(name).path
    }

    static func text(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    static let hostileProperties = JSONObject([
        ("code", .string("330110-0042")),
        ("quote\"key\n", .string("a \"b\" \\ c\u{0}\u{1}\u{1F}\u{7F}\t\r\n'; DROP TABLE parcels; --")),
        ("cjk", .string("水田 0101 😀")),
        (
            "lexemes",
            .array([.number("1.50"), .number("1E+3"), .number("-0"), .number("123456789012345678901234567890")])
        ),
        ("nested", .object(JSONObject([("t", .bool(true)), ("f", .bool(false)), ("n", .null)]))),
        ("area", JSONValue(double: 500000.0)),
        ("ratio", JSONValue(double: 0.1)),
        ("count", JSONValue(integer: -42))
    ])

    @Test("writer → reader keeps geometry, properties and number lexemes exactly")
    func roundTrip() throws {
        var rng = GeoJSONTestRandom(seed: 3)
        func coordinate() -> Double { Double(Int64(bitPattern: rng.next() % 10_000_000_000_000)) / 1e7 + 0.1 / 3 }
        var geometries: [Geometry?] = [
            .point(XY(120.123456789012345, 30.000000000000004)),
            .lineString([XY(0, 0), XY(1e-300, 1e300), XY(-0.0, Double.leastNonzeroMagnitude)]),
            .multiPoint([XY(1, 2)]),
            .multiLineString([[XY(0, 0), XY(1, 1)], []]),
            .polygon(Polygon(exterior: [])),
            .geometryCollection([.point(XY(1, 2)), .geometryCollection([])]),
            nil
        ]
        for _ in 0..<50 {
            let x = coordinate(), y = coordinate()
            let ring = [XY(x, y), XY(x + 10.5, y), XY(x + 10.5, y + coordinate() / 1e6 + 1), XY(x, y)]
            geometries.append(.multiPolygon([Polygon(exterior: ring)]))
        }
        for format in [GeoJSONWriter.Format.featureCollection, .sequence] {
            let path = try GeoJSONWriterTests.outputPath(format == .sequence ? "out.geojsonl" : "out.geojson")
            let writer = try GeoJSONWriter(path: path, format: format, rfc7946Orientation: false, bufferSize: 300)
            for (i, g) in geometries.enumerated() {
                try writer.write(
                    id: i % 2 == 0 ? .number("\(i)") : .string("id \"\(i)\""),
                    properties: GeoJSONWriterTests.hostileProperties, geometry: g)
            }
            try writer.finish()
            let features = try GeoJSONFixtures.readAll(path)
            #expect(features.count == geometries.count)
            for (f, g) in zip(features, geometries) {
                #expect(f.geometry == g)
                #expect(f.properties == GeoJSONWriterTests.hostileProperties)
            }
            #expect(features[1].id == .string("id \"1\""))
            #expect(features[2].id == .number("2"))
            #expect(features[0].properties["area"] == .number("500000"))
            let source = try GeoJSONFeatureSource(path: path)
            #expect(source.format == (format == .sequence ? .sequence : .featureCollection))
        }
    }

    @Test("RFC 8142 sequences start each feature with RS")
    func rfc8142() throws {
        let path = try GeoJSONWriterTests.outputPath("out.geojsonseq")
        let writer = try GeoJSONWriter(path: path, format: .sequence, rfc8142: true)
        try writer.write(id: nil, properties: JSONObject(), geometry: .point(XY(1, 2)))
        try writer.write(id: nil, properties: JSONObject(), geometry: nil)
        try writer.finish()
        let text = try GeoJSONWriterTests.text(path)
        #expect(
            text
                == "\u{1E}{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}\n"
                + "\u{1E}{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}\n")
        #expect(try GeoJSONFixtures.readAll(path).count == 2)
    }

    @Test("the legacy crs and name members are written and read back")
    func legacyCRS() throws {
        let path = try GeoJSONWriterTests.outputPath("crs.geojson")
        let writer = try GeoJSONWriter(path: path, legacyCRSName: "urn:ogc:def:crs:EPSG::4549", name: "parcels")
        try writer.finish()
        #expect(
            try GeoJSONWriterTests.text(path)
                == #"{"type":"FeatureCollection","name":"parcels","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
                + "\n]}\n")
        let source = try GeoJSONFeatureSource(path: path)
        #expect(source.legacyCRSName == "urn:ogc:def:crs:EPSG::4549")
        #expect(source.collectionName == "parcels")
        #expect(try source.nextFeature() == nil)
    }

    @Test("RFC 7946 orientation: exteriors counter-clockwise, holes clockwise")
    func orientation() throws {
        let clockwise: Ring = [XY(0, 0), XY(0, 10), XY(10, 10), XY(10, 0), XY(0, 0)]
        let counterClockwiseHole: Ring = [XY(2, 2), XY(4, 2), XY(4, 4), XY(2, 2)]
        let polygon = Polygon(exterior: clockwise, holes: [counterClockwiseHole])
        for rfc in [true, false] {
            let path = try GeoJSONWriterTests.outputPath("o.geojson")
            let writer = try GeoJSONWriter(path: path, rfc7946Orientation: rfc)
            try writer.write(id: nil, properties: JSONObject(), geometry: .multiPolygon([polygon]))
            try writer.finish()
            let read = try #require(try GeoJSONFixtures.readAll(path).first?.geometry?.polygons?.first)
            if rfc {
                #expect(signedRingArea(read.exterior) > 0)
                #expect(signedRingArea(read.holes[0]) < 0)
                #expect(read.exterior == clockwise.reversed())
                #expect(read.exterior.first == read.exterior.last)
            } else {
                #expect(read == polygon)
            }
        }
    }

    @Test("numbers: integral values without .0, fixed decimals trimmed, shortest otherwise")
    func numberFormats() throws {
        let path = try GeoJSONWriterTests.outputPath("n.geojsonl")
        let writer = try GeoJSONWriter(path: path, format: .sequence, coordinateDecimals: 7)
        try writer.write(
            id: nil, properties: JSONObject(),
            geometry: .lineString([
                XY(120.123456789, -30.00000004), XY(500000.0, 0.1), XY(-0.00000001, 1e300), XY(1.5, 2.25)
            ]))
        try writer.finish()
        #expect(
            try GeoJSONWriterTests.text(path).contains(
                "[[120.1234568,-30],[500000,0.1],[0,1e+300],[1.5,2.25]]"))

        let path2 = try GeoJSONWriterTests.outputPath("n2.geojsonl")
        let writer2 = try GeoJSONWriter(path: path2, format: .sequence)
        try writer2.write(
            id: nil, properties: JSONObject(),
            geometry: .lineString([
                XY(500000.0, 3400000.5), XY(0.1, 1e16), XY(1e-7, -2)
            ]))
        try writer2.finish()
        #expect(try GeoJSONWriterTests.text(path2).contains("[[500000,3400000.5],[0.1,1e+16],[1e-07,-2]]"))
        #expect(
            try GeoJSONFixtures.readAll(path2).first?.geometry
                == .lineString([XY(500000.0, 3400000.5), XY(0.1, 1e16), XY(1e-7, -2)]))
        #expect(JSONValue(double: .nan) == .null)
        #expect(JSONValue(double: 3) == .number("3"))
    }

    @Test("a non-finite coordinate is refused and nothing of the feature is written")
    func nonFinite() throws {
        let path = try GeoJSONWriterTests.outputPath("nf.geojson")
        let writer = try GeoJSONWriter(path: path)
        #expect(throws: GeoJSONError.self) {
            try writer.write(id: .string("x"), properties: JSONObject(), geometry: .point(XY(.infinity, 1)))
        }
        try writer.write(id: nil, properties: JSONObject(), geometry: .point(XY(1, 1)))
        try writer.finish()
        #expect(try GeoJSONFixtures.readAll(path).count == 1)
    }

    @Test("an unfinished writer leaves no file behind")
    func unfinished() throws {
        let path = try GeoJSONWriterTests.outputPath("u.geojson")
        do {
            let writer = try GeoJSONWriter(path: path)
            try writer.write(id: nil, properties: JSONObject(), geometry: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let dir = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("ogrinfo reads what the writer writes")
    func ogrinfoReads() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/ogrinfo"),
            "ogrinfo is missing: run tools/install-deps.sh (installs gdal-bin)")
        for (name, format, crs) in [
            ("parcels.geojson", GeoJSONWriter.Format.featureCollection, "urn:ogc:def:crs:EPSG::4549"),
            ("parcels.geojsonl", .sequence, nil)
        ] {
            let path = try GeoJSONWriterTests.outputPath(name)
            let writer = try GeoJSONWriter(
                path: path, format: format, legacyCRSName: crs, coordinateDecimals: 3, name: "parcels")
            for i in 0..<25 {
                let x = 500000.0 + Double(i) * 10
                var props = GeoJSONWriterTests.hostileProperties
                props.set("code", .string("P-\(i)"))
                props.set("area_m2", JSONValue(double: 100.25))
                try writer.write(
                    id: .number("\(i)"), properties: props,
                    geometry: .polygon(Polygon(exterior: GeoJSONFixtures.square(x, 3400000, 10))))
            }
            try writer.finish()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ogrinfo")
            process.arguments = ["-ro", "-al", "-so", path]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
            #expect(output.contains("Feature Count: 25"), "\(output)")
            #expect(output.contains("Polygon"), "\(output)")
            #expect(!output.contains("ERROR"), "\(output)")
            if crs != nil { #expect(output.contains("CGCS2000 / 3-degree Gauss-Kruger CM 120E"), "\(output)") }
        }
    }
}
