import Foundation
import Testing

@testable import LandGeoJSON
@testable import LandGeometry

/// Fixtures for the GeoJSON tests: files in a fresh temporary directory.
enum GeoJSONFixtures {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("landreg-geojson-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` (UTF-8) to a new file named `name` and returns its path.
    static func file(_ name: String, _ text: String) throws -> String {
        try file(name, Array(text.utf8))
    }

    static func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = try directory().appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func readAll(_ path: String, bufferSize: Int = 1 << 20) throws -> [GeoJSONFeature] {
        let source = try GeoJSONFeatureSource(path: path, bufferSize: bufferSize)
        var features: [GeoJSONFeature] = []
        while let f = try source.nextFeature() { features.append(f) }
        return features
    }

    /// The error thrown while opening and reading all of `path`, or nil.
    static func readError(_ path: String, bufferSize: Int = 1 << 20) -> GeoJSONError? {
        do {
            _ = try readAll(path, bufferSize: bufferSize)
            return nil
        } catch let e as GeoJSONError {
            return e
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    static func square(_ x: Double, _ y: Double, _ size: Double) -> Ring {
        [XY(x, y), XY(x + size, y), XY(x + size, y + size), XY(x, y + size), XY(x, y)]
    }

    /// A FeatureCollection of `count` parcels laid out as ogr2ogr writes them (crs before features, one
    /// feature per line).
    static func parcelCollection(count: Int) -> String {
        var s = """
            {
            "type": "FeatureCollection",
            "name": "parcels",
            "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4549" } },
            "features": [

            """
        for i in 0..<count {
            let x = 500000.0 + Double(i) * 12.5
            let y = 3400000.123 + Double(i % 17) * 0.001
            let comma = i + 1 < count ? "," : ""
            s += """
                { "type": "Feature", "properties": { "code": "330110-\(i)", "land_use": "0101", "area": \(i).50, \
                "note": "a \\"quoted\\" \\\\ \\u00e9 \\ud83d\\ude00 '; DROP TABLE parcels; --" }, "geometry": \
                { "type": "Polygon", "coordinates": [ [ [ \(x), \(y) ], [ \(x + 10), \(y) ], [ \(x + 10), \(y + 10.25) ], \
                [ \(x), \(y + 10.25) ], [ \(x), \(y) ] ] ] } }\(comma)

                """
        }
        s += "]\n}\n"
        return s
    }
}

@Suite("GeoJSON reader")
struct GeoJSONReaderTests {
    @Test("reads an ogr2ogr FeatureCollection with the legacy crs member")
    func featureCollectionWithLegacyCRS() throws {
        let path = try GeoJSONFixtures.file("parcels.geojson", GeoJSONFixtures.parcelCollection(count: 3))
        let source = try GeoJSONFeatureSource(path: path)
        #expect(source.format == .featureCollection)
        #expect(source.legacyCRSName == "urn:ogc:def:crs:EPSG::4549")
        #expect(source.collectionName == "parcels")
        var features: [GeoJSONFeature] = []
        while let f = try source.nextFeature() { features.append(f) }
        #expect(features.count == 3)
        #expect(features.map(\.index) == [0, 1, 2])
        let f = features[1]
        #expect(f.properties["code"] == .string("330110-1"))
        #expect(f.properties["area"] == .number("1.50"))
        #expect(f.properties["note"]?.stringValue == "a \"quoted\" \\ é 😀 '; DROP TABLE parcels; --")
        #expect(f.properties.keys == ["code", "land_use", "area", "note"])
        let polygon = try #require(f.geometry?.polygons?.first)
        #expect(polygon.exterior.count == 5)
        #expect(polygon.exterior[0] == XY(500012.5, 3400000.123 + 0.001))
        #expect(polygon.holes.isEmpty)
        #expect(source.bytesRead == source.fileSize)
    }

    @Test("a crs member after the features is known once the reader has returned nil")
    func crsAfterFeatures() throws {
        let text = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}],
            "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}}}
            """
        let source = try GeoJSONFeatureSource(path: try GeoJSONFixtures.file("late-crs.json", text))
        #expect(try source.nextFeature()?.geometry == nil)
        #expect(try source.nextFeature() == nil)
        #expect(source.legacyCRSName == "urn:ogc:def:crs:EPSG::4490")
    }

    @Test("reads newline-delimited and RFC 8142 sequences, detected by content")
    func sequences() throws {
        let lines = (0..<4).map { i in
            "{\"type\":\"Feature\",\"id\":\(i),\"properties\":{\"n\":\(i)},\"geometry\":{\"type\":\"Point\",\"coordinates\":[\(i),\(i + 1)]}}"
        }
        let newline = try GeoJSONFixtures.file("spots.json", lines.joined(separator: "\n") + "\n")
        let rs = try GeoJSONFixtures.file("spots.geojsons", lines.map { "\u{1E}" + $0 + "\n" }.joined())
        for path in [newline, rs] {
            let source = try GeoJSONFeatureSource(path: path)
            #expect(source.format == .sequence)
            var features: [GeoJSONFeature] = []
            while let f = try source.nextFeature() { features.append(f) }
            #expect(features.count == 4)
            #expect(features[3].id == .number("3"))
            #expect(features[3].geometry == .point(XY(3, 4)))
            #expect(features.map(\.index) == [0, 1, 2, 3])
        }
    }

    @Test("a sequence whose first feature names its type last is still a sequence")
    func sequenceTypeLast() throws {
        let text = """
            {"geometry":{"coordinates":[1,2],"type":"Point"},"properties":{"a":"x"},"type":"Feature"}
            {"geometry":null,"properties":{"a":"y"},"type":"Feature"}
            """
        let path = try GeoJSONFixtures.file("sorted.geojsonl", text)
        let source = try GeoJSONFeatureSource(path: path)
        #expect(source.format == .sequence)
        let features = try GeoJSONFixtures.readAll(path)
        #expect(features.count == 2)
        #expect(features[0].geometry == .point(XY(1, 2)))
        #expect(features[1].properties["a"] == .string("y"))
    }

    @Test("a tiny buffer gives the same features as a large one", arguments: [7, 1, 64, 1000])
    func tinyBuffer(bufferSize: Int) throws {
        let path = try GeoJSONFixtures.file("many.geojson", GeoJSONFixtures.parcelCollection(count: 300))
        let large = try GeoJSONFeatureSource(path: path)
        let small = try GeoJSONFeatureSource(path: path, bufferSize: bufferSize)
        #expect(small.legacyCRSName == large.legacyCRSName)
        var count = 0
        while let a = try large.nextRawFeature() {
            let b = try #require(try small.nextRawFeature())
            #expect(a.bytes == b.bytes)
            #expect(a.index == b.index && a.line == b.line)
            let fa = try GeoJSONFeatureParser.parse(a, file: path)
            let fb = try GeoJSONFeatureParser.parse(b, file: path)
            #expect(fa.geometry == fb.geometry && fa.properties == fb.properties)
            count += 1
        }
        #expect(try small.nextRawFeature() == nil)
        #expect(count == 300)
    }

    @Test("a tiny buffer reads sequences the same way")
    func tinyBufferSequence() throws {
        var text = ""
        for i in 0..<200 {
            text +=
                "\u{1E}{\"type\":\"Feature\",\"properties\":{\"s\":\"}{][\\\"\(i)\"},\"geometry\":"
                + "{\"type\":\"LineString\",\"coordinates\":[[\(i),0],[\(i).5,1e-3]]}}\n"
        }
        let path = try GeoJSONFixtures.file("lines.geojsonseq", text)
        let a = try GeoJSONFixtures.readAll(path)
        let b = try GeoJSONFixtures.readAll(path, bufferSize: 7)
        #expect(a.count == 200 && b.count == 200)
        for (x, y) in zip(a, b) { #expect(x.geometry == y.geometry && x.properties == y.properties) }
        #expect(a[199].properties["s"] == .string("}{][\"199"))
        #expect(a[199].geometry == .lineString([XY(199, 0), XY(199.5, 0.001)]))
    }

    @Test("a UTF-8 byte order mark is skipped")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(GeoJSONFixtures.parcelCollection(count: 2).utf8)
        let features = try GeoJSONFixtures.readAll(try GeoJSONFixtures.file("bom.geojson", bytes), bufferSize: 2)
        #expect(features.count == 2)
    }

    @Test("reads every geometry type; Z and M are dropped; coordinates may come before type")
    func geometryTypes() throws {
        let geometries = [
            #"{"type":"Point","coordinates":[1.5,2.5,3.5,4.5]}"#,
            #"{"coordinates":[[0,0],[1,0],[1,1],[0,0]],"type":"MultiPoint"}"#,
            #"{"type":"LineString","coordinates":[[0,0,9],[1,1,9]]}"#,
            #"{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}"#,
            #"{"coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[2,2]]],"bbox":[0,0,10,10],"type":"Polygon"}"#,
            #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#,
            #"{"geometries":[{"type":"Point","coordinates":[1,2]},{"type":"Polygon","coordinates":[]}],"type":"GeometryCollection"}"#,
            #"null"#
        ]
        let text = geometries.map { #"{"type":"Feature","properties":null,"geometry":"# + $0 + "}" }.joined(
            separator: "\n")
        let features = try GeoJSONFixtures.readAll(try GeoJSONFixtures.file("types.geojsonl", text))
        #expect(features.count == 8)
        #expect(features[0].geometry == .point(XY(1.5, 2.5)))
        #expect(features[1].geometry == .multiPoint([XY(0, 0), XY(1, 0), XY(1, 1), XY(0, 0)]))
        #expect(features[2].geometry == .lineString([XY(0, 0), XY(1, 1)]))
        #expect(features[3].geometry == .multiLineString([[XY(0, 0), XY(1, 1)], [XY(2, 2), XY(3, 3)]]))
        let polygon = try #require(features[4].geometry?.polygons?.first)
        #expect(polygon.exterior.count == 5 && polygon.holes.count == 1 && polygon.holes[0][1] == XY(2, 4))
        #expect(features[5].geometry?.polygons?.count == 2)
        #expect(features[6].geometry == .geometryCollection([.point(XY(1, 2)), .polygon(Polygon(exterior: []))]))
        #expect(features[7].geometry == nil)
        #expect(features[0].properties.isEmpty)
    }

    @Test("strings are decoded per JSON escapes; number lexemes are kept")
    func stringsAndNumbers() throws {
        let text = #"""
            {"type":"Feature","id":"A\"1","properties":{"ctl":"\u0000\u001f\t\n\r\b\f","slash":"\/","pair":"\uD83D\uDE00",
            "cjk":"耕地 0101","big":12345678901234567890123,"neg":-0,"exp":1E+3,"frac":0.500,"t":true,"f":false,"n":null,
            "arr":[1,"x",[],{}],"obj":{"k":"v"},"sql":"'); DELETE FROM parcels; --","quote\"key":1},"geometry":null}
            """#
        let f = try #require(try GeoJSONFixtures.readAll(try GeoJSONFixtures.file("s.geojsonl", text)).first)
        #expect(f.id == .string("A\"1"))
        let p = f.properties
        #expect(p["ctl"] == .string("\u{0}\u{1F}\t\n\r\u{8}\u{C}"))
        #expect(p["slash"] == .string("/"))
        #expect(p["pair"] == .string("😀"))
        #expect(p["cjk"] == .string("耕地 0101"))
        #expect(p["big"] == .number("12345678901234567890123"))
        #expect(p["neg"] == .number("-0"))
        #expect(p["exp"] == .number("1E+3"))
        #expect(p["exp"]?.doubleValue == 1000)
        #expect(p["frac"] == .number("0.500"))
        #expect(p["t"] == .bool(true) && p["f"] == .bool(false) && p["n"] == .null)
        #expect(p["arr"] == .array([.number("1"), .string("x"), .array([]), .object(JSONObject())]))
        #expect(p["obj"] == .object(JSONObject([("k", .string("v"))])))
        #expect(p["sql"] == .string("'); DELETE FROM parcels; --"))
        #expect(p["quote\"key"] == .number("1"))
        #expect(p["ctl"]?.serialized == #""\u0000\u001f\t\n\r\b\f""#)
    }

    @Test("numbers are parsed to the correctly rounded double")
    func correctlyRoundedNumbers() throws {
        var rng = GeoJSONTestRandom(seed: 42)
        var texts: [String] = [
            "0", "-0", "1", "0.1", "0.3", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
            "9007199254740993", "9007199254740992.5", "123456789012345678901234567890",
            "0.000000000000000000000000000001", "500000.123456789", "120.12345678901234567",
            "3.14159265358979323846264338327950288", "1e22", "1e23", "1e-22", "1e-23",
            "89255.0e-22", "7.0E-10", "4503599627370496.5", "4503599627370497.5", "4503599627370497.49",
            "4503599627370497.51", "2251799813685248.25", "2251799813685248.75", "2251799813685249.25",
            "9007199254740993.0", "0.1000000000000000055511151231257827", "1.0000000000000001110",
            "1.00000000000000011102230246251565404236316680908203125"
        ]
        for _ in 0..<20000 {
            let d = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            texts.append(d.description)
            let scaled = Double(rng.next() % 100_000_000_000) / 1000
            texts.append(String(format: "%.*f", Int(rng.next() % 12), scaled))
            texts.append(String(format: "%.17g", scaled))
            texts.append(String(format: "-%.*e", Int(rng.next() % 20), d))
            // 17–19 significant digits with 1–19 decimals: the 128-bit division path.
            let digits = String(rng.next() % 9_000_000_000_000_000_000 + 100_000_000_000_000_000)
            let decimals = 1 + Int(rng.next() % 19)
            let cut = digits.index(digits.endIndex, offsetBy: -min(decimals, digits.count - 1))
            texts.append(String(digits[..<cut]) + "." + String(digits[cut...]))
            texts.append("0." + String(digits.prefix(17 + Int(rng.next() % 3))))
        }
        // Halfway cases between adjacent doubles, which a sloppy rounding gets wrong.
        for _ in 0..<2000 {
            let d = Double(rng.next() % 1_000_000_000) / 1e3 + 1
            let halfway = (Decimal(d) + Decimal(d.nextUp)) / 2
            texts.append("\(halfway)")
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let parsed = try bytes.withUnsafeBufferPointer { buf in
                var reader = JSONByteReader(buf, maxDepth: 64, endDescription: "the end")
                let v = try reader.parseDouble()
                #expect(reader.atEnd, "\(text)")
                return v
            }
            let expected = strtod(text, nil)
            #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) vs \(expected)")
        }
    }
}

/// A small deterministic generator (SplitMix64) so that generated fixtures are the same on every run.
struct GeoJSONTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
