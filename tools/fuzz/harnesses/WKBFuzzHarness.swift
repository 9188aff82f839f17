import CGEOS
import Foundation
import LandGeometryCore

// libFuzzer entry point for the geometry blob decoders: a blob in a store edited by another tool. Each input is
// decoded as WKB (WKB.decode) and as a GeoPackage blob (GeoPackageBinary.decode / envelope / isEmpty); what decodes
// takes the path of a blob read from the store: structural checks (structuralProblems), then, when there are
// none, GEOS (validity as `landreg check` does, make-valid as imports do). Properties checked:
// - decode → encode → decode is stable (same bytes), and `WKB.encodedSize` is what `encode` writes;
// - a GeoPackage blob re-encoded with its srs_id decodes to the same srs_id and geometry, and its envelope
//   (header or WKB) is the geometry's;
// - a structurally sound geometry converted to GEOS and back is unchanged;
// - make-valid returns a polygonal geometry with no structural problems.
// Any crash, hang, sanitizer report or failed property is a bug. Built and run by tools/fuzz/run-all.sh.

let geos = GEOSContext()

/// Geometries with more coordinates than this skip make-valid (quadratic in the worst case), not the other checks.
let makeValidCoordinateLimit = 256

/// make-valid's time budget in the harness (GEOSTimeBudget; landreg's default is 60 s): below libFuzzer's -timeout
/// of 20 s, so that a polygon on which GEOS's overlay does not converge is given up, as landreg gives it up, and
/// not reported as a hang. Giving up is an error the caller reports, not a bug.
let makeValidBudgetSeconds = 5.0

func coordinateCount(_ g: Geometry) -> Int {
    var n = 0
    g.forEachCoordinate { _ in n += 1 }
    return n
}

/// The WKB of `g` with every NaN made the canonical quiet NaN: GEOS (and any copy through a Double operation)
/// need not keep a NaN's payload bits, and POINT EMPTY is any NaN pair.
func canonicalWKB(_ g: Geometry) -> [UInt8] {
    WKB.encode(g.mapCoordinates { XY($0.x.isNaN ? .nan : $0.x, $0.y.isNaN ? .nan : $0.y) })
}

func checkRoundTrip(_ g: Geometry, _ what: String) {
    let encoded = WKB.encode(g)
    if encoded.count != WKB.encodedSize(g) {
        fatalError("\(what): encodedSize \(WKB.encodedSize(g)) but encode wrote \(encoded.count) bytes")
    }
    do {
        let again = try WKB.decode(encoded)
        if WKB.encode(again) != encoded { fatalError("\(what): decode(encode(g)) differs from g: \(g) vs \(again)") }
    } catch {
        fatalError("\(what): our own WKB of \(g) does not decode: \(error)")
    }
}

/// What the store's readers do with a decoded geometry.
func checkAsStoreReader(_ g: Geometry, _ what: String) {
    guard g.structuralProblems().isEmpty else { return }
    do {
        let p = try geos.build(g, "fuzz")
        defer { GEOSGeom_destroy_r(geos.handle, p) }
        let back = try geos.geometry(from: p, "fuzz")
        if canonicalWKB(back) != canonicalWKB(g) { fatalError("\(what): through GEOS and back, \(g) became \(back)") }
    } catch {
        // GEOS may refuse what passed the structural checks (e.g. a ring GEOS will not close); that is an error
        // the reader reports, not a crash.
    }
    _ = try? geos.validity(of: g)
    if coordinateCount(g) <= makeValidCoordinateLimit,
        let repaired = try? geos.makeValid(g, budgetSeconds: makeValidBudgetSeconds)
    {
        if repaired.polygons == nil { fatalError("\(what): make-valid of \(g) is not polygonal: \(repaired)") }
        let problems = repaired.structuralProblems()
        if !problems.isEmpty { fatalError("\(what): make-valid of \(g) has structural problems \(problems)") }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)

    if let (g, used) = try? WKB.decodePrefix(bytes) {
        if used > size { fatalError("WKB: decoded \(used) bytes of \(size)") }
        checkRoundTrip(g, "WKB")
        checkAsStoreReader(g, "WKB")
    }

    let empty = try? GeoPackageBinary.isEmpty(bytes)
    let envelope = try? GeoPackageBinary.envelope(of: bytes)
    if let (srsID, g) = try? GeoPackageBinary.decode(bytes) {
        if empty == nil { fatalError("GeoPackage: decode accepted a blob whose header isEmpty refused") }
        if empty == false, envelope == nil, let e = g.envelope {
            fatalError("GeoPackage: a non-empty blob of \(g) had no envelope, the geometry has \(e)")
        }
        checkRoundTrip(g, "GeoPackage")
        let blob = GeoPackageBinary.encode(g, srsID: srsID)
        do {
            let (srsAgain, again) = try GeoPackageBinary.decode(blob)
            if srsAgain != srsID || WKB.encode(again) != WKB.encode(g) {
                fatalError("GeoPackage: re-encoded, \(srsID) \(g) came back as \(srsAgain) \(again)")
            }
            let expected = (g.isEmpty || g.isEmptyPoint) ? nil : g.envelope
            if try GeoPackageBinary.envelope(of: blob) != expected {
                fatalError("GeoPackage: the envelope of our own blob of \(g) is not \(String(describing: expected))")
            }
        } catch {
            fatalError("GeoPackage: our own blob of \(g) does not decode: \(error)")
        }
        checkAsStoreReader(g, "GeoPackage")
    }
    return 0
}
