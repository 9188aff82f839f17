import Foundation
import Testing

@testable import LandGeoJSON
@testable import LandGeometry

/// Replays the committed fuzz corpus (tools/fuzz/corpus/{geojson,wkb,options}) through the parsers the fuzz
/// harnesses drive, so that an input that once crashed a harness (committed there as `crash-*`) stays fixed.
/// Seeds not named `crash-*` are real samples or written by GDAL: they must also parse, as the harnesses' first
/// inputs. The CSV and date corpora are replayed by LandRegistryTests/FuzzCorpusReplayTests.
enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/fuzz/corpus")

    /// The corpus files of one harness, sorted; fails the test when there are none.
    static func files(_ harness: String) throws -> [URL] {
        let folder = root.appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        try #require(!names.isEmpty, "no fuzz corpus in \(folder.path): tools/fuzz/corpus/\(harness) is committed")
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    static func isCrashInput(_ url: URL) -> Bool { url.lastPathComponent.hasPrefix("crash-") }
}

@Suite("Fuzz corpus replay (geometry)")
struct FuzzCorpusReplayTests {
    @Test("every GeoJSON seed reads the same with a 5-byte and a 64 KiB buffer; the samples read without error")
    func geojson() throws {
        for url in try FuzzCorpus.files("geojson") {
            let bytes = Array(try Data(contentsOf: url))
            _ = try? GeoJSONFeatureParser.parse(RawFeature(index: 0, line: 1, bytes: bytes), file: url.path)
            func read(_ bufferSize: Int) -> (features: [GeoJSONFeature], error: String?) {
                var features: [GeoJSONFeature] = []
                do {
                    let source = try GeoJSONFeatureSource(path: url.path, bufferSize: bufferSize)
                    while let f = try source.nextFeature() { features.append(f) }
                    return (features, nil)
                } catch { return (features, String(describing: error)) }
            }
            let small = read(5), large = read(1 << 16)
            #expect(small.error == large.error, "\(url.lastPathComponent)")
            #expect(small.features.map(\.geometry) == large.features.map(\.geometry), "\(url.lastPathComponent)")
            #expect(small.features.map(\.properties) == large.features.map(\.properties), "\(url.lastPathComponent)")
            if !url.lastPathComponent.hasPrefix("hostile-") && !FuzzCorpus.isCrashInput(url) {
                #expect(
                    large.error == nil && !large.features.isEmpty,
                    "sample \(url.lastPathComponent): \(large.error ?? "no features")")
            }
        }
    }

    @Test("every WKB and GeoPackage seed decodes, round-trips and survives the store reader's checks")
    func wkb() throws {
        let geos = GEOSContext()
        var decodedBlobs = 0, decodedWKB = 0
        for url in try FuzzCorpus.files("wkb") {
            let bytes = Array(try Data(contentsOf: url))
            let asWKB = try? WKB.decode(bytes)
            let asBlob = try? GeoPackageBinary.decode(bytes)
            for g in [asWKB, asBlob?.geometry].compactMap({ $0 }) {
                let encoded = WKB.encode(g)
                #expect(encoded.count == WKB.encodedSize(g), "\(url.lastPathComponent)")
                #expect(WKB.encode(try WKB.decode(encoded)) == encoded, "\(url.lastPathComponent)")
                if g.structuralProblems().isEmpty {
                    _ = try? geos.validity(of: g)
                    if let repaired = try? geos.makeValid(g) {
                        #expect(
                            repaired.polygons != nil && repaired.structuralProblems().isEmpty,
                            "\(url.lastPathComponent)")
                    }
                }
            }
            if let (srsID, g) = asBlob {
                let again = try GeoPackageBinary.decode(GeoPackageBinary.encode(g, srsID: srsID))
                #expect(again.srsID == srsID && WKB.encode(again.geometry) == WKB.encode(g), "\(url.lastPathComponent)")
            }
            if FuzzCorpus.isCrashInput(url) { continue }
            // GDAL wrote these: each must decode as what its name says it is.
            if url.pathExtension == "blob" {
                #expect(asBlob != nil, "GDAL's GeoPackage blob \(url.lastPathComponent) does not decode")
                decodedBlobs += asBlob == nil ? 0 : 1
            } else {
                #expect(asWKB != nil, "GDAL's WKB \(url.lastPathComponent) does not decode")
                decodedWKB += asWKB == nil ? 0 : 1
            }
        }
        #expect(decodedBlobs > 0 && decodedWKB > 0)
    }

    @Test("CRS seeds: what parses names its code and parses back; the hostile ones are refused")
    func crs() throws {
        var parsed: Set<Int> = []
        for url in try FuzzCorpus.files("options")
        where url.lastPathComponent.hasPrefix("crs-") || FuzzCorpus.isCrashInput(url) {
            let bytes = Array(try Data(contentsOf: url))
            guard bytes.first.map({ $0 % 3 == 0 }) == true else { continue }
            let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
            guard let crs = try? CRS.parse(text) else { continue }
            parsed.insert(crs.epsg)
            #expect(
                text.uppercased().contains(String(crs.epsg))
                    || (crs.epsg == 4326 && text.uppercased().contains("CRS84")),
                "\(text.debugDescription) parsed as \(crs)")
            #expect(try CRS.parse(crs.description) == crs)
        }
        #expect(parsed.isSuperset(of: [4549, 4326, 4490, 3857]), "parsed \(parsed.sorted())")
        #expect(!parsed.contains(999_999))
    }

    @Test("--decimals seeds: coordinates written with N decimals come back within half a unit of the N-th")
    func decimals() throws {
        var replayed = 0
        for url in try FuzzCorpus.files("options") where url.lastPathComponent.hasPrefix("decimals-") {
            let bytes = Array(try Data(contentsOf: url).dropFirst())
            let separator = try #require(bytes.firstIndex(of: UInt8(ascii: ";")))
            let decimals = try #require(Int(String(decoding: bytes[..<separator], as: UTF8.self)))
            let values = stride(from: separator + 1, to: bytes.count - 7, by: 8).map { i in
                Double(bitPattern: bytes[i..<i + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            }
            let line = Geometry.lineString(
                stride(from: 0, to: values.count - 1, by: 2).map { XY(values[$0], values[$0 + 1]) })
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "landreg-decimals-\(getpid()).geojson"
            ).path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let writer = try GeoJSONWriter(path: path, rfc7946Orientation: false, coordinateDecimals: decimals)
            try writer.write(id: nil, properties: JSONObject(), geometry: line)
            try writer.finish()
            let back = try #require(try GeoJSONFeatureSource(path: path).nextFeature()?.geometry)
            guard case .lineString(let written) = line, case .lineString(let read) = back else {
                Issue.record("\(url.lastPathComponent): not a line"); continue
            }
            let half = (0...15).contains(decimals) ? 0.5 / pow(10, Double(decimals)) : 0
            for (a, b) in zip(written, read) {
                #expect(
                    abs(a.x - b.x) <= half + 4 * a.x.ulp && abs(a.y - b.y) <= half + 4 * a.y.ulp,
                    "--decimals \(decimals): \(a) came back as \(b)")
            }
            replayed += 1
        }
        #expect(replayed >= 3)
    }
}
