import Foundation
import LandGeoJSON
import LandGeometry

// libFuzzer entry point for the option values the CLI parses itself. The first input byte picks the parser, the
// rest is the option's text (UTF-8, as the shell hands it over):
//   0  CRS.parse (--crs, --source-crs; the GeoJSON "crs" member): PROJ's database behind it. On success the
//      code must be in the text (or the text names CRS84) and "EPSG:<code>" must parse to the same CRS.
//   1  Clock.validDay (what the CLI's parseDay calls for --on, --as-of, --deadline, --active-on, and what CSV
//      imports call for their date columns): an accepted day must be written YYYY-MM-DD in ASCII digits and be
//      a real day of the (proleptic Gregorian) calendar; a text of that shape for a year 1600–9999 must be
//      accepted exactly when Foundation's Gregorian calendar has that day.
//   2  --decimals N as the exporter applies it: N parsed as swift-argument-parser's Int(argument:) does
//      (Int(String)), the rest of the bytes taken as coordinates, written by GeoJSONWriter with
//      coordinateDecimals N and read back; each coordinate must come back within half a unit in the N-th
//      decimal (exactly when N is outside 0…15, which means full precision).
// Any crash, hang, sanitizer report or failed property is a bug. Built and run by tools/fuzz/run-all.sh.

let decimalsPath = "/dev/shm/landreg-fuzz-options-\(getpid()).geojson"

/// Foundation's Gregorian calendar in UTC: the independent judge of which days exist.
let gregorian: Calendar = {
    var c = Calendar(identifier: .gregorian)
    c.timeZone = TimeZone(identifier: "UTC")!
    return c
}()

func fuzzCRS(_ text: String) {
    guard let crs = try? CRS.parse(text) else { return }
    let upper = text.uppercased()
    if !upper.contains(String(crs.epsg)) && !(crs.epsg == 4326 && upper.contains("CRS") && upper.contains("84")) {
        fatalError("CRS.parse(\(text.debugDescription)) gave EPSG:\(crs.epsg), which the text does not name")
    }
    guard let again = try? CRS.parse(crs.description), again == crs, again.name == crs.name,
        again.isGeographic == crs.isGeographic
    else {
        fatalError("CRS.parse(\(text.debugDescription)) gave \(crs), which does not parse back to itself")
    }
}

func fuzzDay(_ text: String) {
    let accepted = Clock.validDay(text)
    let scalars = Array(text.unicodeScalars)
    let shaped =
        scalars.count == 10
        && scalars.enumerated().allSatisfy { i, c in
            i == 4 || i == 7 ? c == "-" : ("0"..."9").contains(c)
        }
    if let accepted {
        if accepted != text { fatalError("validDay(\(text.debugDescription)) returned \(accepted.debugDescription)") }
        if !shaped { fatalError("validDay accepted \(text.debugDescription), which is not YYYY-MM-DD in digits") }
    }
    guard shaped else { return }
    let y = Int(String(text.prefix(4)))!, m = Int(String(text.dropFirst(5).prefix(2)))!,
        d = Int(String(text.suffix(2)))!
    guard y >= 1600 else { return } // Foundation's Gregorian calendar is Julian before 1582
    let components = DateComponents(year: y, month: m, day: d)
    let exists = components.isValidDate(in: gregorian)
    if exists != (accepted != nil) {
        fatalError(
            "validDay(\(text.debugDescription)) \(accepted == nil ? "refused" : "accepted") it, "
                + "but the Gregorian calendar says the day \(exists ? "exists" : "does not exist")")
    }
}

func fuzzDecimals(_ bytes: ArraySlice<UInt8>) {
    // "N;" then 8-byte little-endian doubles: the option's text, then the coordinates to write.
    guard let separator = bytes.firstIndex(of: UInt8(ascii: ";")) else { return }
    guard let decimals = Int(String(decoding: bytes[..<separator], as: UTF8.self)) else { return }
    let raw = Array(bytes[(separator + 1)...])
    var coordinates: [XY] = []
    var i = 0
    while i + 16 <= raw.count && coordinates.count < 64 {
        let x = raw[i..<i + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let y = raw[i + 8..<i + 16].enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        let p = XY(Double(bitPattern: x), Double(bitPattern: y))
        if p.x.isFinite && p.y.isFinite { coordinates.append(p) }
        i += 16
    }
    guard coordinates.count >= 2 else { return }
    let line = Geometry.lineString(coordinates)
    // The writer creates its file and never replaces one (O_EXCL): the previous input's file goes first.
    _ = unlink(decimalsPath)
    do {
        let writer = try GeoJSONWriter(path: decimalsPath, rfc7946Orientation: false, coordinateDecimals: decimals)
        try writer.write(id: nil, properties: JSONObject(), geometry: line)
        try writer.finish()
        let source = try GeoJSONFeatureSource(path: decimalsPath)
        guard let feature = try source.nextFeature(), case .lineString(let back)? = feature.geometry,
            back.count == coordinates.count
        else {
            fatalError("--decimals \(decimals): the written line of \(coordinates) did not come back as a line")
        }
        let fullPrecision = !(0...15).contains(decimals)
        let halfUnit = fullPrecision ? 0 : 0.5 / pow(10, Double(decimals))
        for (a, b) in zip(coordinates, back) {
            for (v, w) in [(a.x, b.x), (a.y, b.y)] {
                // Scaling by 10^N and dividing back costs a few ulps of v; allow them.
                let slack = halfUnit + 4 * v.magnitude.ulp
                if fullPrecision ? v != w : !((v - w).magnitude <= slack) {
                    fatalError("--decimals \(decimals): \(v) was written as \(w)")
                }
            }
        }
    } catch {
        fatalError("--decimals \(decimals): writing and reading \(coordinates) failed: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    switch bytes[0] % 3 {
    case 0: fuzzCRS(text)
    case 1: fuzzDay(text)
    default: fuzzDecimals(bytes.dropFirst())
    }
    return 0
}
