import Foundation
import Testing

@testable import LandGeometry

/// Shared fixtures for the LandGeometry tests.
enum Fixture {
    /// An axis-aligned square ring, counter-clockwise, closed.
    static func square(_ x: Double, _ y: Double, _ side: Double) -> Ring {
        [XY(x, y), XY(x + side, y), XY(x + side, y + side), XY(x, y + side), XY(x, y)]
    }

    /// A 10 × 10 square with a 2 × 2 hole: area 96.
    static let squareWithHole = Geometry.polygon(
        Polygon(exterior: square(0, 0, 10), holes: [square(2, 2, 2).reversed()]))

    /// Two triangles.
    static let twoTriangles = Geometry.multiPolygon([
        Polygon(exterior: [XY(0, 0), XY(1, 0), XY(1, 1), XY(0, 0)]),
        Polygon(exterior: [XY(2, 2), XY(3, 2), XY(3, 3), XY(2, 2)])
    ])

    /// The classic bow-tie: crosses itself at (5, 5).
    static let bowTie = Geometry.polygon(Polygon(exterior: [XY(0, 0), XY(10, 10), XY(10, 0), XY(0, 10), XY(0, 0)]))

    /// An irregular parcel in EPSG:4549 with a triangular hole (shapely area 287867.46875).
    static let irregularParcel = Geometry.polygon(
        Polygon(
            exterior: [
                XY(519325.5, 3341210.25), XY(519712.75, 3341190.5), XY(519980.125, 3341502.875),
                XY(519650, 3341890.5), XY(519401.375, 3341705.625), XY(519325.5, 3341210.25)
            ],
            holes: [[XY(519500, 3341400), XY(519600, 3341400), XY(519600, 3341500), XY(519500, 3341400)]]))

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func hexString(_ b: [UInt8]) -> String {
        b.map { String(format: "%02x", $0) }.joined()
    }
}

/// WKT of polygonal geometry, for handing to shapely.
func wkt(_ g: Geometry) -> String {
    func ring(_ r: Ring) -> String { "(" + r.map { "\($0.x) \($0.y)" }.joined(separator: ", ") + ")" }
    func poly(_ p: Polygon) -> String { "(" + p.rings.map(ring).joined(separator: ", ") + ")" }
    switch g {
    case .polygon(let p): return "POLYGON " + poly(p)
    case .multiPolygon(let ps): return "MULTIPOLYGON (" + ps.map(poly).joined(separator: ", ") + ")"
    default: fatalError("wkt fixture handles polygons only")
    }
}

/// The project virtual environment's python (tools/install-deps.sh): shapely 2 and pyproj.
let venvPython = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(".venv/bin/python3").path

/// Runs the venv's `python3 -c script` and returns its stdout. When the venv or a module is missing it records a
/// failure saying what to run (a test never skips for it) and returns nil.
func runPython(_ script: String) -> String? {
    let hint = "run tools/install-deps.sh (needs .venv with shapely, pyproj, openpyxl)"
    guard FileManager.default.isExecutableFile(atPath: venvPython) else {
        Issue.record("\(venvPython) is missing: \(hint)")
        return nil
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: venvPython)
    p.arguments = ["-c", script]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch {
        Issue.record("\(venvPython) does not start (\(error)): \(hint)")
        return nil
    }
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        let stderr = String(decoding: errData, as: UTF8.self)
        Issue.record("python failed (\(stderr.suffix(500))): \(stderr.contains("ModuleNotFoundError") ? hint : "")")
        return nil
    }
    return String(decoding: data, as: UTF8.self)
}

/// A small deterministic random generator (SplitMix64) so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
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
