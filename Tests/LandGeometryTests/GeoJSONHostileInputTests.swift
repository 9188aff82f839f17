import Foundation
import Testing

@testable import LandGeoJSON
@testable import LandGeometry

/// Hostile input (issue 7): never a crash, always an error naming the file, the feature and the problem.
@Suite("GeoJSON hostile input")
struct GeoJSONHostileInputTests {
    /// A FeatureCollection of two good features and `bad` as the third (index 2).
    static func collection(withThirdFeature bad: String) -> String {
        let good =
            #"{"type":"Feature","id":"ok","properties":{"code":"A"},"geometry":{"type":"Point","coordinates":[1,2]}}"#
        return "{\"type\":\"FeatureCollection\",\"features\":[\n\(good),\n\(good),\n\(bad)\n]}\n"
    }

    /// Reads a collection whose third feature is `bad` and returns the error.
    static func errorForThirdFeature(_ bad: String, bufferSize: Int = 1 << 20) throws -> GeoJSONError {
        let path = try GeoJSONFixtures.file("bad.geojson", collection(withThirdFeature: bad))
        let error = try #require(GeoJSONFixtures.readError(path, bufferSize: bufferSize))
        #expect(error.file == path)
        return error
    }

    static let featureCases: [(feature: String, message: String)] = [
        (#"{"type":"Feature","properties":{"a":1,},"geometry":null}"#, "expected a member name (a string), found '}'"),
        (#"{"type":"Feature","properties":{"a" 1},"geometry":null}"#, "expected ':' after a member name"),
        (#"{"type":"Feature","properties":{"a":tru},"geometry":null}"#, "invalid literal"),
        (#"{"type":"Feature","properties":{"a":01},"geometry":null}"#, "leading zero"),
        (
            "{\"type\":\"Feature\",\"properties\":{\"a\":\"x\ty\"},\"geometry\":null}",
            "unescaped control character U+0009 in string"
        ),
        (#"{"type":"Feature","properties":{"a":"\q"},"geometry":null}"#, "invalid escape"),
        (#"{"type":"Feature","properties":{"a":"\uD800x"},"geometry":null}"#, "unpaired surrogate"),
        (#"{"type":"Feature","properties":{"a":"\u12"},"geometry":null}"#, "invalid \\u escape"),
        (#"{"type":"Feature","properties":{"code":"A","code":"B"},"geometry":null}"#, #"duplicate key "code""#),
        (#"{"type":"Feature","properties":{},"geometry":null,"geometry":null}"#, #"duplicate key "geometry""#),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","type":"Point","coordinates":[1,2]}}"#,
            #"duplicate key "type""#
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[NaN,1]}}"#,
            "NaN (not valid JSON)"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[Infinity,1]}}"#,
            "Infinity (not valid JSON)"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-Infinity,1]}}"#,
            "-Infinity is not valid JSON"
        ),
        (#"{"type":"Feature","properties":{"v":NaN},"geometry":null}"#, "NaN (not valid JSON)"),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1e999,1]}}"#,
            "coordinates: number 1e999 is out of range (not finite)"
        ),
        (#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,-1e400]}}"#, "out of range"),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1]}}"#,
            "a position needs at least 2 numbers, found 1"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2],[]]}}"#,
            "a position needs at least 2 numbers, found 0"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Polygn","coordinates":[]}}"#,
            #"unknown geometry type "Polygn""#
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"coordinates":[],"type":"Circle"}}"#,
            #"unknown geometry type "Circle""#
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[1,2],[3,4]]}}"#,
            "geometry (Polygon): coordinates: expected a position [x, y], found a number"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[[1,2]]}}"#,
            "geometry (Point): coordinates: expected a number, found an array"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[1,2]]]}}"#,
            "geometry (MultiPolygon): coordinates: expected a position [x, y], found a number"
        ),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,"2"]}}"#,
            "expected a number, found a string"
        ),
        (#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon"}}"#, "Polygon has no \"coordinates\""),
        (#"{"type":"Feature","properties":{},"geometry":{"coordinates":[1,2]}}"#, "geometry has no \"type\""),
        (
            #"{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point"}]}}"#,
            "geometry.geometries[0] (Point): Point has no \"coordinates\""
        ),
        (#"{"type":"Feature","properties":{},"geometry":[1,2]}"#, "expected a geometry object or null, found an array"),
        (#"{"type":"Feature","properties":[],"geometry":null}"#, "\"properties\" must be an object or null"),
        (#"{"properties":{},"geometry":null}"#, "not a Feature: no \"type\": \"Feature\" member"),
        (#"{"type":"Polygon","coordinates":[]}"#, #"expected "type": "Feature", found "Polygon""#),
        (#"{"type":"Feature","properties":{},"geometry":null}}"#, "expected ',' or ']' after feature 2, found '}'")
    ]

    @Test(
        "each malformed feature gets an error naming the file, feature 2 and the problem",
        arguments: 0..<featureCases.count)
    func malformedFeature(_ i: Int) throws {
        let (feature, message) = GeoJSONHostileInputTests.featureCases[i]
        for bufferSize in [1 << 20, 5] {
            let error = try GeoJSONHostileInputTests.errorForThirdFeature(feature, bufferSize: bufferSize)
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.featureIndex == 2, "\(error)")
            #expect(error.line == 4, "\(error)")
            #expect(error.description.contains("feature 2"), "\(error)")
        }
    }

    @Test("the error description names file, feature, id, problem and line")
    func descriptionFormat() throws {
        let bad =
            #"{"type":"Feature","id":"330110-0042","properties":{},"geometry":{"type":"Point","coordinates":[1,"x"]}}"#
        let error = try GeoJSONHostileInputTests.errorForThirdFeature(bad)
        #expect(error.featureID == "330110-0042")
        #expect(
            error.description == "\(error.file): feature 2 (id 330110-0042): geometry (Point): coordinates: "
                + "expected a number, found a string at line 4")
    }

    @Test("the line of an error inside a pretty-printed feature is the line of the problem")
    func lineInsideFeature() throws {
        let bad =
            "{\n\"type\": \"Feature\",\n\"id\": 7,\n\"properties\": {\n\"a\": [1,\n2,\n]\n},\n\"geometry\": null\n}"
        let error = try GeoJSONHostileInputTests.errorForThirdFeature(bad)
        #expect(error.line == 10)
        #expect(error.featureID == "7")
    }

    @Test("invalid UTF-8 in a string is an error")
    func invalidUTF8() throws {
        for bad: [UInt8] in [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xE4, 0xB8]] {
            let head = Array(#"{"type":"Feature","properties":{"name":""#.utf8)
            let tail = Array(#""},"geometry":null}"#.utf8)
            let path = try GeoJSONFixtures.file("utf8.geojsonl", head + bad + tail)
            let error = try #require(GeoJSONFixtures.readError(path))
            #expect(error.message.contains("invalid UTF-8 in string"), "\(error)")
            #expect(error.featureIndex == 0)
        }
        // Also after an escape (the slow path).
        let path = try GeoJSONFixtures.file(
            "utf8b.geojsonl",
            Array(#"{"type":"Feature","properties":{"n":"\n"#.utf8) + [0xC3] + Array(#""},"geometry":null}"#.utf8))
        #expect(GeoJSONFixtures.readError(path)?.message.contains("invalid UTF-8") == true)
    }

    @Test("a truncated file says which feature it ends inside", arguments: [1 << 20, 7])
    func truncated(bufferSize: Int) throws {
        let full = GeoJSONFixtures.parcelCollection(count: 20)
        // Cut in the middle of the 13th feature (index 12).
        let lines = full.split(separator: "\n", omittingEmptySubsequences: false)
        let featureLine = lines[5 + 12]
        let cut = lines[0..<(5 + 12)].joined(separator: "\n") + "\n" + featureLine.prefix(featureLine.count / 2)
        let error = try #require(
            GeoJSONFixtures.readError(
                try GeoJSONFixtures.file("cut.geojson", String(cut)),
                bufferSize: bufferSize))
        #expect(error.message.contains("the file ends inside feature 12"), "\(error)")
        #expect(error.featureIndex == 12)

        // Cut between features.
        let between = lines[0..<(5 + 12)].joined(separator: "\n")
        let error2 = try #require(GeoJSONFixtures.readError(try GeoJSONFixtures.file("cut2.geojson", between)))
        #expect(error2.message.contains("ends inside the \"features\" array, after feature 11"), "\(error2)")

        // Cut inside the header.
        let error3 = try #require(
            GeoJSONFixtures.readError(try GeoJSONFixtures.file("cut3.geojson", "{\"type\":\"Feature")))
        #expect(error3.message.contains("ends inside"), "\(error3)")
    }

    @Test("nesting beyond the limit is an error; 100,000 levels do not overflow the stack")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 100_000)
        let deepObjects = String(repeating: "{\"a\":", count: 100_000)
        let inFeature =
            #"{"type":"Feature","properties":{"x":"# + deep + "1" + String(repeating: "]", count: 100_000)
            + "},\"geometry\":null}"
        for (name, text, expected) in [
            (
                "deep1.geojson", GeoJSONHostileInputTests.collection(withThirdFeature: inFeature),
                "nesting deeper than 64 levels"
            ),
            ("deep2.geojsonl", inFeature, "nesting deeper than 64 levels"),
            (
                "deep3.geojson",
                GeoJSONHostileInputTests.collection(
                    withThirdFeature: #"{"type":"Feature","properties":"# + deepObjects),
                "nesting deeper than 64 levels"
            ),
            ("deep4.geojson", "{\"type\":\"FeatureCollection\",\"x\":" + deep, "nesting deeper than 64 levels"),
            ("deep5.geojson", deep, "not GeoJSON"),
            (
                "deep6.geojson", "{\"type\":\"FeatureCollection\",\"features\":" + deep,
                "expected a feature object, found an array"
            )
        ] {
            let error = try #require(GeoJSONFixtures.readError(try GeoJSONFixtures.file(name, text), bufferSize: 4096))
            #expect(error.message.contains(expected), "\(name): \(error)")
        }
        // The parser alone (bypassing the scanner) also refuses, iteratively bounded.
        let raw = RawFeature(index: 5, line: 1, bytes: Array(inFeature.utf8))
        #expect(throws: GeoJSONError.self) { try GeoJSONFeatureParser.parse(raw, file: "x.geojson") }
        do {
            _ = try GeoJSONFeatureParser.parse(raw, file: "x.geojson")
        } catch let e as GeoJSONError {
            #expect(e.message.contains("nesting deeper than 64 levels") && e.featureIndex == 5)
        }
        // 64 levels inside a feature are fine.
        let ok =
            #"{"type":"Feature","properties":{"x":"# + String(repeating: "[", count: 62)
            + String(repeating: "]", count: 62)
            + "},\"geometry\":null}"
        #expect(try GeoJSONFixtures.readAll(try GeoJSONFixtures.file("ok.geojsonl", ok)).count == 1)
    }

    @Test("top levels that are neither a FeatureCollection nor a feature sequence are refused")
    func badTopLevel() throws {
        let cases: [(String, String, String)] = [
            ("empty.geojson", "", "the file is empty"),
            ("ws.geojson", " \n\t ", "the file is empty"),
            ("array.geojson", "[1,2]", "not GeoJSON: expected '{' at the start, found an array"),
            ("geom.geojson", #"{"type":"Polygon","coordinates":[]}"#, #"the top level is a "Polygon""#),
            ("other.json", #"{"foo":1}"#, "neither a FeatureCollection nor a Feature"),
            ("typenum.json", #"{"type":5}"#, "the top-level \"type\" must be a string"),
            ("nofeatures.json", #"{"type":"FeatureCollection"}"#, "has no \"features\" member"),
            ("featuresobj.json", #"{"type":"FeatureCollection","features":{}}"#, "\"features\" must be an array"),
            (
                "dup.json", #"{"type":"FeatureCollection","type":"FeatureCollection","features":[]}"#,
                #"duplicate key "type""#
            ),
            (
                "trailing.json", #"{"type":"FeatureCollection","features":[]} x"#,
                "after the end of the FeatureCollection"
            ),
            (
                "comma.json",
                #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null},]}"#,
                "expected a feature object, found ']'"
            ),
            (
                "badmember.json", #"{"type":"FeatureCollection","bbox":[1,,2],"features":[]}"#,
                "\"bbox\": expected a value"
            ),
            ("utf16.json", "", "UTF-16"),
            (
                "seqjunk.geojsonl", "{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}\nhello",
                "expected a feature object ('{')"
            )
        ]
        for (name, text, expected) in cases {
            var bytes = Array(text.utf8)
            if name == "utf16.json" { bytes = [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00] }
            let error = try #require(GeoJSONFixtures.readError(try GeoJSONFixtures.file(name, bytes)), "\(name)")
            #expect(error.message.contains(expected), "\(name): \(error)")
        }
        let missing = GeoJSONFixtures.readError("/nonexistent/parcels.geojson")
        #expect(missing?.message.contains("cannot open") == true)
    }

    @Test("a sequence of features without a type member still names the feature")
    func sequenceWithoutType() throws {
        let path = try GeoJSONFixtures.file("untyped.geojsonl", #"{"properties":{},"geometry":null}"#)
        let error = try #require(GeoJSONFixtures.readError(path))
        #expect(error.featureIndex == 0 && error.message.contains("no \"type\": \"Feature\""), "\(error)")
    }

    @Test("random corruption of a valid file never crashes (mutation fuzzing)")
    func mutationFuzz() throws {
        var rng = GeoJSONTestRandom(seed: 7)
        let base =
            Array(GeoJSONFixtures.parcelCollection(count: 4).utf8)
            + Array(
                #"{"type":"Feature","properties":{"u":"\u00e9\ud83d\ude00"},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}}"#
                    .utf8)
        let specials = Array("{}[]\",:\\-+.eE0123456789 \n\u{1E}tfnNI".utf8) + [0x00, 0x80, 0xC3, 0xFF, 0xED]
        let dir = try GeoJSONFixtures.directory()
        var errors = 0
        var successes = 0
        for round in 0..<1500 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0: bytes[at] = specials[Int(rng.next() % UInt64(specials.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(specials[Int(rng.next() % UInt64(specials.count))], at: at)
                case 3: bytes = Array(bytes[0..<at])
                default: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            let path = dir.appendingPathComponent("fuzz-\(round).geojson").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if GeoJSONFixtures.readError(path, bufferSize: [3, 64, 1 << 20][round % 3]) == nil {
                successes += 1
            } else {
                errors += 1
            }
            try? FileManager.default.removeItem(atPath: path)
            // The parser alone on the same bytes, as a worker thread would see them.
            _ = try? GeoJSONFeatureParser.parse(RawFeature(index: 0, line: 1, bytes: bytes), file: "fuzz")
        }
        #expect(errors + successes == 1500)
        #expect(errors > 500)
    }
}
