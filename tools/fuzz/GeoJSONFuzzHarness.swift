import Foundation

// libFuzzer entry point: each input is parsed as one feature (GeoJSONFeatureParser) and, written to a file,
// streamed by GeoJSONFeatureSource with a tiny and a normal buffer. Any crash, hang or sanitizer report is a bug.
// Built and run by tools/fuzz/run-fuzz.sh.

let fuzzPath = "/dev/shm/geojson-fuzz-\(getpid()).geojson"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? GeoJSONFeatureParser.parse(RawFeature(index: 0, line: 1, bytes: bytes), file: "fuzz")
    let fd = open(fuzzPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, size) }
    close(fd)
    for bufferSize in [5, 1 << 16] {
        if let source = try? GeoJSONFeatureSource(path: fuzzPath, bufferSize: bufferSize) {
            while let f = try? source.nextFeature() {
                // Round trip what was read through the writer's number and string encoders.
                _ = f.properties.serialized
            }
        }
    }
    return 0
}
