import CGDAL
import Foundation
import LandGeoJSON
import LandGeometry

// libFuzzer entry point for Shapefile imports through GDAL (Sources/LandFormats, compiled with this file; GDAL
// itself is not instrumented: the target is landreg's code around it). Each input is cut into the files of one
// shapefile (layout below), written to a tmpfs folder and opened with `GDALFeatureSource` as
// `landreg import parcels x.shp` (or `x.zip`, `--layer x`, `--encoding E`) does: encoding choice from the option,
// the .cpg or the language-driver byte, the .dbf/.shp record-count check, CRS identification from the .prj.
// Every feature is read and taken the way the import pipeline takes it (LayerSource.feature, GeometryIngest):
// WKB decoded by LandGeometry, polygonal check, structural problems, GEOS validity and make-valid, transform to
// the store CRS, areas, the GeoPackage blob. (Those two files are in LandRegistry, which needs GRDB and cannot be
// compiled alone; the calls below are theirs, in their order.) Properties checked:
// - the source throws only GDALSourceError, with a message; features come with index 0, 1, 2 … and bytesRead
//   counts them; a read that ends cleanly has read exactly featureCount features but the .dbf's deleted records;
// - the decoded properties, serialised as the store keeps them (JSON text) and parsed again, are the same;
// - GDAL's WKB decoded, encoded and decoded again is the same geometry (encodedSize = bytes written);
// - make-valid of an invalid polygon is polygonal and structurally sound (GEOS round trips: the wkb harness);
// - the blob written for the store decodes to the same srs_id and geometry.
// - no GDAL message escapes GDALRuntime.collectingMessages (it would reach the terminal, not landreg's error).
// Any crash, hang, sanitizer report or failed property is a bug. Built and run by tools/fuzz/run-all.sh.
//
// Input layout: byte 0 flags — bit 0 a .cpg follows, bit 1 a .prj follows, bit 2 the files go into x.zip,
// bit 3 --layer x, bit 4 --encoding (bits 5–6: gbk, gb18030, utf-8, cp936), bit 7 upper-case .SHX/.DBF/.CPG/.PRJ.
// Then a little-endian UInt16 length and that many bytes for each of .shp, .shx and (when flagged) .cpg and
// .prj, in that order; the rest is the .dbf. Lengths past the end are cut to what is left.

let folder = "/dev/shm/landreg-fuzz-shapefile-\(getpid())"
let geos = GEOSContext()
let storeCRS = CRS.cgcs2000GK120E
/// Transforms to the store CRS by source EPSG code (a PROJ transform costs milliseconds to create).
nonisolated(unsafe) var transforms: [Int: CoordinateTransform] = [:]
nonisolated(unsafe) var storeAreas: AreaCalculator? = nil
/// Features read per input at most (an input is one file; a .shx can promise many records).
let featureLimit = 2_000
/// Geometries with more coordinates than this skip make-valid (quadratic in the worst case), not the other checks.
let makeValidCoordinateLimit = 256
let encodings: [String] = ["gbk", "gb18030", "utf-8", "cp936"]
/// LANDREG_FUZZ_TRACE=1: one line per input on stderr (what was opened, features read or the error), for replays.
let trace = ProcessInfo.processInfo.environment["LANDREG_FUZZ_TRACE"] == "1"

struct Parts {
    var flags: UInt8 = 0
    var shp: [UInt8] = [], shx: [UInt8] = [], cpg: [UInt8]? = nil, prj: [UInt8]? = nil, dbf: [UInt8] = []
}

func split(_ bytes: UnsafeRawBufferPointer) -> Parts? {
    guard let flags = bytes.first else { return nil }
    var parts = Parts(flags: flags)
    var at = 1
    func next() -> [UInt8] {
        var length = 0
        if at < bytes.count { length = Int(bytes[at]); at += 1 }
        if at < bytes.count { length |= Int(bytes[at]) << 8; at += 1 }
        let end = min(bytes.count, at + length)
        defer { at = end }
        return Array(bytes[at..<end])
    }
    parts.shp = next()
    parts.shx = next()
    if flags & 1 != 0 { parts.cpg = next() }
    if flags & 2 != 0 { parts.prj = next() }
    parts.dbf = Array(bytes[min(at, bytes.count)...])
    return parts
}

func files(_ p: Parts) -> [(name: String, bytes: [UInt8])] {
    let upper = p.flags & 0x80 != 0
    func ext(_ e: String) -> String { upper ? e.uppercased() : e }
    var out: [(String, [UInt8])] = [("x.shp", p.shp), ("x." + ext("shx"), p.shx), ("x." + ext("dbf"), p.dbf)]
    if let cpg = p.cpg { out.append(("x." + ext("cpg"), cpg)) }
    if let prj = p.prj { out.append(("x." + ext("prj"), prj)) }
    return out
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd < 0 || bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) != bytes.count {
        fatalError("cannot write \(path)")
    }
    close(fd)
}

/// The parts as x.zip, written with GDAL's own zip writer (stored, not deflated: the reader is what is fuzzed).
func writeZip(_ path: String, _ entries: [(name: String, bytes: [UInt8])]) {
    let options = CSLSetNameValue(nil, "COMPRESSED", "NO")
    defer { CSLDestroy(options) }
    guard let zip = CPLCreateZip(path, options) else { fatalError("cannot create \(path)") }
    for e in entries {
        guard CPLCreateFileInZip(zip, e.name, nil) == CE_None,
            e.bytes.withUnsafeBytes({ CPLWriteFileInZip(zip, $0.baseAddress, Int32($0.count)) }) == CE_None,
            CPLCloseFileInZip(zip) == CE_None
        else { fatalError("cannot write \(e.name) into \(path)") }
    }
    if CPLCloseZip(zip) != CE_None { fatalError("cannot close \(path)") }
    // GDAL caches a zip's directory by path and reloads it only when the size or the mtime (seconds) changed:
    // each input's zip gets a later mtime, so that no input is read through the previous one's directory.
    zipGeneration += 1
    var times = [
        timeval(tv_sec: 1_000_000_000 + zipGeneration, tv_usec: 0),
        timeval(tv_sec: 1_000_000_000 + zipGeneration, tv_usec: 0)
    ]
    if utimes(path, &times) != 0 { fatalError("cannot set the mtime of \(path)") }
}
nonisolated(unsafe) var zipGeneration = 0

func coordinateCount(_ g: Geometry) -> Int {
    var n = 0
    g.forEachCoordinate { _ in n += 1 }
    return n
}

/// Same geometry, NaNs compared as NaNs (GEOS and PROJ need not keep a NaN's payload).
func canonicalWKB(_ g: Geometry) -> [UInt8] {
    WKB.encode(g.mapCoordinates { XY($0.x.isNaN ? .nan : $0.x, $0.y.isNaN ? .nan : $0.y) })
}

/// What the import pipeline does with one feature GDAL read (LayerSource.feature, then GeometryIngest.ingest).
func take(_ d: DecodedFeature, sourceCRS: CRS?) {
    let json = d.properties.serialized
    do {
        let again = try JSONObject.parse(json)
        if again != d.properties { fatalError("properties \(d.properties) as JSON \(json) read back as \(again)") }
    } catch {
        fatalError("properties serialised as \(json) do not parse: \(error)")
    }
    if d.problem != nil { return } // a problem of the feature: reported, not read further
    guard let wkb = d.wkb, let g = try? WKB.decode(wkb) else { return }
    let encoded = WKB.encode(g)
    if encoded.count != WKB.encodedSize(g) {
        fatalError("encodedSize \(WKB.encodedSize(g)) but encode wrote \(encoded.count)")
    }
    guard let again = try? WKB.decode(encoded), WKB.encode(again) == encoded else {
        fatalError("our WKB of \(g) (from GDAL's \(wkb)) does not decode to the same geometry")
    }

    guard let polygons = g.polygons, !g.isEmpty else { return }
    let multi = Geometry.multiPolygon(polygons)
    guard multi.structuralProblems().isEmpty else { return }
    var geometry = multi
    if let validity = try? geos.validity(of: multi), !validity.isValid {
        guard coordinateCount(multi) <= makeValidCoordinateLimit, let repaired = try? geos.makeValid(multi) else {
            return
        }
        guard let parts = repaired.polygons else { fatalError("make-valid of \(multi) is not polygonal: \(repaired)") }
        if !repaired.structuralProblems().isEmpty { fatalError("make-valid of \(multi) has structural problems") }
        if parts.isEmpty { return }
        geometry = .multiPolygon(parts)
    }
    guard let sourceCRS else { return } // the import stops before reading: --crs is needed
    do {
        if sourceCRS != storeCRS {
            let t = try transforms[sourceCRS.epsg] ?? CoordinateTransform(from: sourceCRS, to: storeCRS)
            transforms[sourceCRS.epsg] = t
            geometry = try t.transform(geometry)
        }
        guard geometry.envelope != nil else { return }
        let areas = try storeAreas ?? AreaCalculator(crs: storeCRS)
        storeAreas = areas
        _ = areas.planarArea(geometry)
        _ = try areas.ellipsoidalArea(geometry)
    } catch {
        return // "geometry could not be processed": a feature problem
    }
    let blob = GeoPackageBinary.encode(geometry, srsID: Int32(storeCRS.epsg))
    guard let (srs, stored) = try? GeoPackageBinary.decode(blob), srs == Int32(storeCRS.epsg),
        canonicalWKB(stored) == canonicalWKB(geometry)
    else {
        fatalError("the store blob of \(geometry) does not decode to it")
    }
}

/// GDAL's default handler: GDALRuntime.collectingMessages pushes a handler of its own, so a message arriving here
/// escaped landreg's collection and would be printed on the user's terminal, unreported in landreg's error (that
/// is how a corrupt .prj and a corrupt sheet went unnoticed). Installed once, before the first input.
func failOnEscapedGDALMessages() {
    CPLSetErrorHandler { level, number, message in
        if level == CE_Debug || level == CE_None { return }
        fatalError(
            "GDAL message outside landreg's collection (class \(level.rawValue), number \(number)): "
                + (message.map { String(cString: $0) } ?? ""))
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>
) -> CInt {
    mkdir(folder, 0o700)
    failOnEscapedGDALMessages()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let parts = split(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    let entries = files(parts)
    let zipped = parts.flags & 4 != 0
    var written: [String] = []
    if zipped {
        written = [folder + "/x.zip"]
        writeZip(written[0], entries)
    } else {
        for e in entries { written.append(folder + "/" + e.name); writeFile(written.last!, e.bytes) }
    }
    defer { for path in written { unlink(path) } }

    let layer = parts.flags & 8 != 0 ? "x" : nil
    let encoding = parts.flags & 16 != 0 ? TextEncoding(name: encodings[Int(parts.flags >> 5) & 3]) : nil
    do {
        let source = try GDALFeatureSource(path: written[0], layer: layer, encoding: encoding)
        // LayerSource.declaredCRS: an identified EPSG code becomes the source CRS; anything else needs --crs.
        var sourceCRS: CRS? = nil
        if case .identified(let epsg, _) = source.crs { sourceCRS = try? CRS(epsg: epsg) }
        let scratch = GDALDecodingScratch()
        var count = 0
        while count < featureLimit {
            guard let next = try source.nextSourceFeature() else {
                // GDAL's count includes the records the .dbf marks deleted, which its reading skips: a clean end
                // short of the count is right only when as many records are marked deleted.
                if let n = source.featureCount, n != Int64(count), n > Int64(count + deletedRecords(parts.dbf)) {
                    fatalError("the read ended after \(count) features of \(n) without an error")
                }
                break
            }
            // The source fetches on this thread and hands the feature over undecoded; ImportPipeline decodes it on
            // a worker with a scratch of its own. A decoding failure stops the read as the import stops.
            let d: DecodedFeature
            switch next {
            case .decoded(let decoded): d = decoded
            case .gdalFeature(let handle):
                switch handle.decode(using: scratch) {
                case .success(let decoded): d = decoded
                case .failure(let e):
                    if e.message.isEmpty { fatalError("a decoding GDALSourceError without a message") }
                    return 0
                }
            case .geoJSON: fatalError("a GDAL source handed over GeoJSON text")
            }
            if d.index != count { fatalError("feature \(count) came with index \(d.index)") }
            count += 1
            if source.bytesRead != Int64(count) { fatalError("bytesRead \(source.bytesRead) after \(count) features") }
            take(d, sourceCRS: sourceCRS)
        }
        if trace {
            FileHandle.standardError.write(
                Data(
                    ("\(written[0]): \(count) features, encoding \(source.encoding) from "
                        + "\(source.encodingSource), CRS \(source.crs)\n").utf8))
        }
    } catch let e as GDALSourceError {
        if trace { FileHandle.standardError.write(Data("\(written[0]): \(e.message)\n".utf8)) }
        if e.message.isEmpty { fatalError("a GDALSourceError without a message") }
    } catch {
        // LayerSource.open turns only GDALSourceError into "FILE: message"; anything else escapes the CLI's handling.
        fatalError("GDALFeatureSource threw \(type(of: error)): \(error)")
    }
    return 0
}

/// Records of a .dbf marked deleted ('*'), among those its header counts that are there in full: computed from the
/// bytes here, apart from GDALFeatureSource.deletedRecords, which the property checks.
func deletedRecords(_ dbf: [UInt8]) -> Int {
    guard dbf.count >= 12 else { return 0 }
    let records = Int(dbf[4]) | Int(dbf[5]) << 8 | Int(dbf[6]) << 16 | Int(dbf[7]) << 24
    let header = Int(dbf[8]) | Int(dbf[9]) << 8, size = Int(dbf[10]) | Int(dbf[11]) << 8
    guard size > 0 else { return 0 }
    var deleted = 0
    for r in 0..<records where header + (r + 1) * size <= dbf.count {
        if dbf[header + r * size] == 0x2A { deleted += 1 }
    }
    return deleted
}
