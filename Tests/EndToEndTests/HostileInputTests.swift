import Foundation
import Testing

/// Hostile input through the built binary: every broken file is refused with a message naming the file, the
/// feature and the problem, a non-zero exit, and a store whose bytes did not change; strange but legal text is
/// stored verbatim.
@Suite("Hostile input through the CLI", .serialized)
struct HostileInputTests {
    /// A store holding two committed parcels, shared by the cases (each checks the bytes are unchanged).
    static let shared: (dir: String, store: String) = {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/hostile.gpkg"
        _ = try? CLI.landreg(["init", "--store", store], in: dir)
        let seed = dir + "/seed.geojson"
        try? collection([square("SEED-1", x: 530_000), square("SEED-2", x: 530_200)]).write(
            toFile: seed, atomically: true, encoding: .utf8)
        _ = try? CLI.landreg(["import", "parcels", seed, "--store", store], in: dir)
        return (dir, store)
    }()

    static let header =
        #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
        + "\n"

    static func collection(_ features: [String]) -> String { header + features.joined(separator: ",\n") + "\n]}\n" }

    static func square(_ code: String, x: Double = 520_000, y: Double = 3_340_000, side: Double = 100) -> String {
        polygon(code, ring: "[[\(x),\(y)],[\(x + side),\(y)],[\(x + side),\(y + side)],[\(x),\(y + side)],[\(x),\(y)]]")
    }

    static func polygon(_ code: String, ring: String, properties: String = "") -> String {
        #"{"type":"Feature","id":"\#(code)","properties":{"code":"\#(code)","land_use":"0101"\#(properties)},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#
    }

    /// Two good features, then `bad` as feature 2.
    static func third(_ bad: String) -> [UInt8] { third(bytes: Array(bad.utf8)) }

    static func third(bytes bad: [UInt8]) -> [UInt8] {
        let parts = collection([square("OK-0"), square("OK-1", x: 520_200), "@BAD@"]).components(separatedBy: "@BAD@")
        return Array(parts[0].utf8) + bad + Array(parts[1].utf8)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        /// Substrings the error must contain besides the file name.
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let good = collection([square("OK-0"), square("OK-1", x: 520_200), square("OK-2", x: 520_400)])
        let goodBytes = Array(good.utf8)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        return [
            Case(
                name: "malformed JSON (missing comma)",
                bytes: third(#"{"type":"Feature","properties":{"code":"X" "land_use":"0101"},"geometry":null}"#),
                expected: ["feature 2", "expected"]),
            Case(
                name: "truncated file", bytes: Array(goodBytes.prefix(goodBytes.count * 5 / 6)), expected: ["feature 2"]
            ),
            Case(
                name: "BOM before a file with a bad feature",
                bytes: [0xEF, 0xBB, 0xBF]
                    + third(
                        polygon(
                            "BOW",
                            ring:
                                "[[520000,3340000],[520100,3340100],[520100,3340000],[520000,3340100],[520000,3340000]]"
                        )),
                expected: ["feature 2", "Self-intersection"]),
            Case(name: "UTF-16 byte-order mark", bytes: [0xFF, 0xFE] + goodBytes, expected: []),
            Case(
                name: "invalid UTF-8 in a property",
                bytes: third(
                    bytes: Array(#"{"type":"Feature","properties":{"code":"U","owner":"A"#.utf8) + [0xC3, 0x28]
                        + Array(#""},"geometry":null}"#.utf8)),
                expected: ["feature 2", "UTF-8"]),
            Case(
                name: "1e999 in a coordinate",
                bytes: third(
                    polygon("BIG", ring: "[[520000,3340000],[1e999,3340000],[520100,3340100],[520000,3340000]]")),
                expected: ["feature 2", "not finite"]),
            Case(
                name: "NaN in a coordinate",
                bytes: third(
                    polygon("NAN", ring: "[[520000,3340000],[NaN,3340000],[520100,3340100],[520000,3340000]]")),
                expected: ["feature 2"]),
            Case(
                name: "Infinity in a coordinate",
                bytes: third(
                    polygon("INF", ring: "[[520000,3340000],[Infinity,3340000],[520100,3340100],[520000,3340000]]")),
                expected: ["feature 2"]),
            Case(
                name: "-Infinity in a property",
                bytes: third(
                    polygon(
                        "NINF", ring: "[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340000]]",
                        properties: #","registered_area_m2":-Infinity"#)),
                expected: ["feature 2"]),
            Case(
                name: "1e999 as a registered area",
                bytes: third(
                    polygon(
                        "HUGE", ring: "[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340000]]",
                        properties: #","registered_area_m2":1e999"#)),
                expected: ["feature 2"]),
            Case(
                name: "duplicate keys in properties",
                bytes: third(
                    polygon(
                        "DUP", ring: "[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340000]]",
                        properties: #","owner":"a","owner":"b""#)),
                expected: ["feature 2", "duplicate", "owner"]),
            Case(
                name: "duplicate geometry member",
                bytes: third(#"{"type":"Feature","properties":{"code":"G2"},"geometry":null,"geometry":null}"#),
                expected: ["feature 2", "duplicate", "geometry"]),
            Case(
                name: "nesting 100,000 deep",
                bytes: third(#"{"type":"Feature","properties":{"code":"DEEP","x":"# + deep + #"},"geometry":null}"#),
                expected: ["feature 2", "nesting"]),
            Case(
                name: "ring with 2 points",
                bytes: third(polygon("TWO", ring: "[[520000,3340000],[520100,3340000]]")),
                expected: ["feature 2", "TWO"]),
            Case(
                name: "unclosed ring",
                bytes: third(
                    polygon("OPEN", ring: "[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340100]]")),
                expected: ["feature 2", "OPEN", "closed"]),
            Case(
                name: "self-intersection",
                bytes: third(
                    polygon(
                        "BOW",
                        ring: "[[520000,3340000],[520100,3340100],[520100,3340000],[520000,3340100],[520000,3340000]]")),
                expected: ["feature 2", "BOW", "Self-intersection"]),
            Case(
                name: "spike",
                bytes: third(
                    polygon(
                        "SPIKE",
                        ring:
                            "[[520000,3340000],[520100,3340000],[520100,3340100],[520100,3340300],[520100,3340100],[520000,3340100],[520000,3340000]]"
                    )),
                expected: ["feature 2", "SPIKE", "invalid geometry"]),
            Case(
                name: "coordinates far outside the CRS",
                bytes: third(polygon("FAR", ring: "[[9e9,9e9],[9.1e9,9e9],[9.1e9,9.1e9],[9e9,9e9]]")),
                expected: ["feature 2", "FAR", "outside the area where EPSG:4549 is used"]),
            Case(
                name: "longitude/latitude in a projected file",
                bytes: third(polygon("LL", ring: "[[120.1,30.2],[120.2,30.2],[120.2,30.3],[120.1,30.2]]")),
                expected: ["feature 2", "LL", "longitude/latitude"]),
            Case(
                name: "a point, not a polygon",
                bytes: third(
                    #"{"type":"Feature","properties":{"code":"PT"},"geometry":{"type":"Point","coordinates":[520000,3340000]}}"#
                ),
                expected: ["feature 2", "PT", "Point"]),
            Case(
                name: "a raw control character in a string",
                bytes: third(#"{"type":"Feature","properties":{"code":"C"# + "\u{01}" + #""},"geometry":null}"#),
                expected: ["feature 2"]),
            Case(
                name: "a NUL character in a stored field",
                bytes: third(
                    polygon(
                        "NUL", ring: "[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340000]]",
                        properties: #","owner":"A\u0000B""#)),
                expected: ["feature 2", "NUL", "owner"]),
            Case(name: "a feature that is a number", bytes: third("42"), expected: ["feature 2"]),
            Case(name: "an empty file", bytes: [], expected: [])
        ]
    }()

    static func storeFiles(_ store: String) -> [Data?] {
        ["", "-wal"].map { try? Data(contentsOf: URL(fileURLWithPath: store + $0)) }
    }

    @Test("refused with file, feature and problem named; store bytes unchanged", arguments: cases)
    func refused(_ c: Case) throws {
        let (dir, store) = Self.shared
        let file = dir + "/hostile-\(UUID().uuidString.prefix(8)).geojson"
        try Data(c.bytes).write(to: URL(fileURLWithPath: file))
        let before = Self.storeFiles(store)
        let r = try CLI.landreg(["import", "parcels", file, "--quiet", "--store", store], in: dir)
        #expect(r.status == 1, "exit \(r.status): \(r.stderr)")
        #expect(r.stderr.contains((file as NSString).lastPathComponent), "\(r.stderr)")
        for e in c.expected { #expect(r.stderr.contains(e), "missing \"\(e)\" in: \(r.stderr.prefix(2000))") }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        #expect(Self.storeFiles(store) == before, "the store changed")
    }

    @Test("a UTF-8 byte-order mark is allowed (RFC 8259 §8.1) and does not shift line numbers")
    func byteOrderMark() throws {
        let (dir, store) = Self.shared
        let file = dir + "/bom.geojson"
        try Data([0xEF, 0xBB, 0xBF] + Array(Self.collection([Self.square("BOM-1", x: 540_000)]).utf8)).write(
            to: URL(fileURLWithPath: file))
        let r = try CLI.landreg(["import", "parcels", file, "--quiet", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try CLI.landreg(["parcels", "show", "BOM-1", "--store", store], in: dir).status == 0)
    }

    @Test("quotes, SQL and control characters in property names and values are stored verbatim")
    func verbatim() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/verbatim.gpkg"
        #expect(try CLI.landreg(["init", "--store", store], in: dir).status == 0)
        let code = #"Q"'; DROP TABLE parcels; --"#
        let owner = "O'Brien \"&\" \\ 地块\u{01}\u{1F}\t\n\r"
        let properties: [String: Any] = [
            "code": code, "land_use": "0101", "owner": owner,
            #"na"me'; DELETE FROM events; --"#: #"v"a'l\ue; SELECT * FROM sqlite_master; /*"#,
            "ctl\u{00}\u{07}\u{1B}[31m": "\u{00}\u{08}\u{0C}\u{7F}\u{2028}\u{FEFF} x",
            "nested": ["a\"b": ["'", "\u{0}", 1.5e300, -0.0, NSNull()]]
        ]
        let feature: [String: Any] = [
            "type": "Feature", "properties": properties,
            "geometry": [
                "type": "Polygon",
                "coordinates": [
                    [[520000, 3340000], [520100, 3340000], [520100, 3340100], [520000, 3340100], [520000, 3340000]]
                ]
            ]
        ]
        let fc: [String: Any] = [
            "type": "FeatureCollection",
            "crs": ["type": "name", "properties": ["name": "urn:ogc:def:crs:EPSG::4549"]],
            "features": [feature]
        ]
        let file = dir + "/verbatim.geojson"
        try JSONSerialization.data(withJSONObject: fc).write(to: URL(fileURLWithPath: file))
        // JSONSerialization writes the crs member after the features: name the CRS.
        let imp = try CLI.landreg(
            ["import", "parcels", file, "--crs", "EPSG:4549", "--quiet", "--store", store], in: dir)
        #expect(imp.status == 0, "\(imp.stderr)")

        // Read back through landreg …
        let show = try CLI.landreg(["parcels", "show", code, "--json", "--store", store], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        let parcel = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(parcel["code"] as? String == code)
        #expect(parcel["owner"] as? String == owner)
        let kept = try #require(
            try JSONSerialization.jsonObject(with: Data((parcel["properties"] as? String ?? "").utf8)) as? NSDictionary)
        var expectedKept = properties
        for field in ["code", "land_use", "owner"] { expectedKept.removeValue(forKey: field) }
        #expect(kept == expectedKept as NSDictionary, "kept: \(kept)")

        // … and through GDAL, which knows nothing of landreg.
        let ogr = try CLI.gdalPython([
            "-c",
            """
            import json, sys
            from osgeo import ogr
            ds = ogr.Open(sys.argv[1])
            lyr = ds.GetLayerByName("parcels")
            print(json.dumps([[f.GetField("code"), f.GetField("owner"), json.loads(f.GetField("properties"))] for f in lyr]))
            """, store
        ])
        #expect(ogr.status == 0, "\(ogr.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(ogr.stdout.utf8)) as? [[Any]])
        #expect(rows.count == 1)
        #expect(rows.first?[0] as? String == code)
        #expect(rows.first?[1] as? String == owner)
        #expect((rows.first?[2] as? NSDictionary) == expectedKept as NSDictionary)
        let info = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-q", store, "-sql", "SELECT code FROM parcels"])
        #expect(info.status == 0 && info.stdout.contains("code (String) = \(code)"), "\(info.stdout)")
        // Nothing was executed: every table and the audit log are as an import leaves them.
        let tables = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("SELECT count(*) FROM parcels").fetchone()[0], db.execute("SELECT count(*) FROM events").fetchone()[0])
            """, store
        ])
        #expect(tables.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1 1")
    }
}
