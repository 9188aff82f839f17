import Foundation
import LandGeometryCore

// libFuzzer entry point for the GeoJSON reader. Each input is parsed as one feature (GeoJSONFeatureParser) and,
// written to a file, streamed by GeoJSONFeatureSource with a 5-byte and a 64 KiB buffer. Properties checked:
// - the two buffer sizes give the same features (or the same error at the same feature): buffering must not
//   change what is read;
// - every feature read with finite coordinates, written back by GeoJSONWriter and read again, has the same id,
//   properties and geometry (the export → import round trip).
// Any crash, hang, sanitizer report or failed property is a bug. Built and run by tools/fuzz/run-all.sh.

let inputPath = "/dev/shm/landreg-fuzz-geojson-\(getpid()).geojson"
let roundTripPath = "/dev/shm/landreg-fuzz-geojson-\(getpid())-out.geojson"

/// One feature, or the error that stopped the stream, as text comparable across buffer sizes.
enum Outcome: Equatable {
    case feature(index: Int, id: JSONValue?, properties: JSONObject, geometry: Geometry?)
    case failure(String)
}

func readAll(_ path: String, bufferSize: Int) -> [Outcome] {
    var out: [Outcome] = []
    do {
        let source = try GeoJSONFeatureSource(path: path, bufferSize: bufferSize)
        while let f = try source.nextFeature() {
            out.append(.feature(index: f.index, id: f.id, properties: f.properties, geometry: f.geometry))
            if out.count > 10_000 { break }
        }
    } catch {
        out.append(.failure(String(describing: error)))
    }
    return out
}

func hasOnlyFiniteCoordinates(_ g: Geometry?) -> Bool {
    var finite = true
    g?.forEachCoordinate { if !$0.x.isFinite || !$0.y.isFinite { finite = false } }
    return finite
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? GeoJSONFeatureParser.parse(RawFeature(index: 0, line: 1, bytes: bytes), file: "fuzz")
    let fd = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, size) }
    close(fd)

    let small = readAll(inputPath, bufferSize: 5)
    let large = readAll(inputPath, bufferSize: 1 << 16)
    if small != large {
        fatalError("the 5-byte and 64 KiB buffers read different features:\n\(small)\n\(large)")
    }

    // Export → import: write what was read, read it back.
    var written: [Outcome] = []
    if let writer = try? GeoJSONWriter(path: roundTripPath, rfc7946Orientation: false) {
        for case let .feature(_, id, properties, geometry) in large where hasOnlyFiniteCoordinates(geometry) {
            do {
                try writer.write(id: id, properties: properties, geometry: geometry)
                written.append(.feature(index: written.count, id: id, properties: properties, geometry: geometry))
            } catch {
                fatalError("GeoJSONWriter refused a feature with finite coordinates: \(error)")
            }
        }
        do { try writer.finish() } catch { fatalError("GeoJSONWriter.finish failed: \(error)") }
        let reread = readAll(roundTripPath, bufferSize: 1 << 16)
        if reread != written {
            fatalError("written and read back, the features differ:\n\(written)\n\(reread)")
        }
    }
    return 0
}
