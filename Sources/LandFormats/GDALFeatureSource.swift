import CGDAL
import Foundation
import LandGeoJSON
import LandGeometry
import Synchronization

// MARK: - Layers of any vector format GDAL reads, one feature at a time
//
// Shapefile (.shp, or a .zip holding them, through /vsizip/), FileGDB folders (OpenFileGDB), GeoPackage, KML/KMZ
// and CSV with a WKT column. The driver list is chosen by extension, so that a file is never silently read as
// some other format. Datasets are opened read-only. Features are read with OGR_L_GetNextFeature (a plain
// Shapefile by position, on every worker at once: GDALPositionalReads.swift), their geometry
// exported as ISO WKB (decoded by LandGeometry on the import's workers) and their fields typed the way the
// GeoJSON path types properties. GDAL's messages are collected (GDALRuntime) and become landreg's errors.
//
// Shapefile text: GDAL's default for a .dbf without .cpg is ISO-8859-1, which turns GBK into mojibake. So the
// .dbf is always opened raw (ENCODING="") and decoded here from what the user or the file says: --encoding, the
// .cpg, the language-driver byte (offset 29: 0x4D = code page 936, as ArcGIS on Chinese Windows writes it), or,
// with none of them, UTF-8 only when the bytes are valid UTF-8.

/// A source (file or layer) that cannot be read; the message does not repeat the file's path.
public struct GDALSourceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What the source says its CRS is.
public enum SourceCRS: Sendable, Equatable {
    /// No CRS at all (a shapefile without .prj, a CSV).
    case none
    /// Identified to an EPSG code by GDAL/PROJ (confidence ≥ 90).
    case identified(epsg: Int, name: String)
    /// A CRS GDAL could read but not match to an EPSG code, or a Shapefile's .prj GDAL cannot parse (the name
    /// then says so).
    case unidentified(name: String)
}

/// Where the text encoding of a source's fields came from.
public enum EncodingSource: Sendable, Equatable {
    case option, cpg, languageDriver, assumedUTF8, gdal
}

public final class GDALFeatureSource: FeatureSource {
    /// The path as given.
    public let path: String
    public let layerName: String
    public let driverName: String
    /// The layer's feature count as GDAL reports it; nil when the driver would have to read everything.
    public let featureCount: Int64?
    public let crs: SourceCRS
    /// How field text is decoded and why.
    public let encoding: TextEncoding
    public let encodingSource: EncodingSource
    /// The .dbf's name for messages about its text (Shapefiles), else the file's name.
    private let textFileName: String
    /// Features read so far (the progress unit of this source; `fileSize` is the feature count).
    public internal(set) var bytesRead: Int64 = 0
    public var fileSize: Int64? { featureCount }

    private let dataset: GDALDatasetH
    let layer: OGRLayerH
    /// How the workers type and decode this layer's features.
    let layout: GDALFieldLayout
    /// The layer's field names (decoded), in order.
    public var fieldNames: [String] { layout.fieldNames }
    var position = 0
    /// Set while the import's workers read the layer by position (GDALPositionalReads.swift).
    var positionalPlan: GDALPositionalPlan?
    private var finished = false
    /// A Shapefile's .dbf (to check the records GDAL skipped are the ones it marks deleted).
    private var shapefileDBF: String?
    /// The record number the next feature read serially should have, and the numbers GDAL passed over.
    private var nextExpectedFID: Int64?
    private var skippedFIDs: [Range<Int64>] = []

    /// Extensions a layer import reads through GDAL.
    public static let layerExtensions = ["shp", "zip", "gdb", "gpkg", "kml", "kmz", "csv"]

    /// Opens `path` read-only and picks its layer.
    /// - Parameters:
    ///   - layer: `--layer`; required when the source has several layers.
    ///   - encoding: `--encoding`, for a Shapefile's .dbf.
    /// - Throws: `GDALSourceError` saying what is wrong (unknown extension, not that format, several layers …).
    public init(path: String, layer wantedLayer: String?, encoding wantedEncoding: TextEncoding?) throws {
        GDALRuntime.ensureRegistered()
        self.path = path
        let ext = (path as NSString).pathExtension.lowercased()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GDALSourceError("no such file or folder")
        }
        let absolute =
            (path as NSString).standardizingPath.hasPrefix("/")
            ? (path as NSString).standardizingPath
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)

        var openPath = absolute
        var drivers: [String]
        var openOptions: [String] = []
        var isShapefile = false
        switch ext {
        case "shp": drivers = ["ESRI Shapefile"]; isShapefile = true
        case "zip":
            openPath = try Self.shapefileInZip(absolute, layer: wantedLayer)
            drivers = ["ESRI Shapefile"]; isShapefile = true
        case "gdb":
            guard isDirectory.boolValue else { throw GDALSourceError("a FileGDB is a folder, but this is a file") }
            drivers = ["OpenFileGDB"]
        case "gpkg": drivers = ["GPKG"]
        case "kml": drivers = ["KML", "LIBKML"]
        case "kmz": drivers = ["LIBKML"]
        case "csv":
            drivers = ["CSV"]
            openOptions = ["GEOM_POSSIBLE_NAMES=WKT,wkt,geometry,geom,the_geom", "KEEP_GEOM_COLUMNS=NO"]
        default:
            throw GDALSourceError(
                "a layer is read from .geojson, .geojsons, "
                    + Self.layerExtensions.map { "." + $0 }.joined(separator: ", ")
                    + "; .\(ext.isEmpty ? "(no extension)" : ext) is none of them")
        }
        if isDirectory.boolValue && ext != "gdb" { throw GDALSourceError("is a folder, not a .\(ext) file") }

        var chosenEncoding = TextEncoding.utf8
        var encodingSource = EncodingSource.gdal
        var dbfName = (path as NSString).lastPathComponent
        if isShapefile {
            let base = Self.withoutExtension(openPath)
            let dbfPath = Self.sibling(base, ["dbf", "DBF"])
            shapefileDBF = dbfPath
            dbfName = ((dbfPath ?? base + ".dbf") as NSString).lastPathComponent
            if let wantedEncoding {
                chosenEncoding = wantedEncoding; encodingSource = .option
            } else if let cpgPath = Self.sibling(base, ["cpg", "CPG"]), let cpg = Self.readVSI(cpgPath, limit: 256) {
                let text = String(decoding: cpg, as: UTF8.self)
                guard let e = TextEncoding(name: text) else {
                    throw GDALSourceError(
                        "\((cpgPath as NSString).lastPathComponent) names the encoding \""
                            + text.trimmingCharacters(in: .whitespacesAndNewlines)
                            + "\", which landreg does not read; pass --encoding gbk|gb18030|utf-8")
                }
                chosenEncoding = e; encodingSource = .cpg
            } else if let dbfPath, let header = Self.readVSI(dbfPath, limit: 32), header.count >= 30,
                header[29] != 0
            {
                // 0x4D: code page 936 (ArcGIS's "Chinese GBK"); 0x7A: the same code page in ESRI's newer table.
                guard header[29] == 0x4D || header[29] == 0x7A else {
                    throw GDALSourceError(
                        "\(dbfName): language-driver byte 0x\(String(header[29], radix: 16, uppercase: true)) "
                            + "is not code page 936 (GBK); pass --encoding gbk|gb18030|utf-8")
                }
                chosenEncoding = .gbk; encodingSource = .languageDriver
            } else {
                chosenEncoding = .utf8; encodingSource = .assumedUTF8
            }
            // Raw bytes: decoded (and checked) here, not by GDAL.
            openOptions.append("ENCODING=")
        } else if let wantedEncoding, wantedEncoding != .utf8 {
            throw GDALSourceError(
                "--encoding applies to Shapefiles (.dbf) and CSV tables; "
                    + "\(drivers[0]) text is always UTF-8")
        }
        self.encoding = chosenEncoding
        self.encodingSource = encodingSource
        self.textFileName = dbfName

        let (opened, messages) = GDALRuntime.collectingMessages { () -> GDALDatasetH? in
            Self.withCStringList(drivers) { driverList in
                Self.withCStringList(openOptions) { optionList in
                    GDALOpenEx(openPath, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), driverList, optionList, nil)
                }
            }
        }
        guard let dataset = opened else {
            if isShapefile, messages.contains(where: { $0.text.contains(".shx") && $0.text.contains("Unable to open") })
            {
                let shx = (Self.withoutExtension(openPath) as NSString).lastPathComponent + ".shx"
                throw GDALSourceError("its index \(shx) is missing: a shapefile needs its .shp, .shx and .dbf together")
            }
            let what: String
            switch ext {
            case "gdb": what = "is not a FileGDB (OpenFileGDB cannot open it)"
            case "zip", "shp": what = "is not a readable Shapefile"
            default: what = "is not a \(drivers[0]) file GDAL can read"
            }
            throw GDALSourceError(what + Self.gdalDetail(messages))
        }
        self.dataset = dataset
        self.driverName =
            drivers.count == 1
            ? drivers[0]
            : GDALGetDatasetDriver(dataset).flatMap { GDALGetDriverShortName($0) }.map { String(cString: $0) }
                ?? drivers[0]

        do {
            // Layers with their counts, for the messages that list them.
            let count = Int(GDALDatasetGetLayerCount(dataset))
            var layers: [(name: String, handle: OGRLayerH)] = []
            for i in 0..<count {
                guard let l = GDALDatasetGetLayer(dataset, Int32(i)) else { continue }
                layers.append((String(cString: OGR_L_GetName(l)), l))
            }
            func listing() -> String {
                layers.map { "\($0.name) (\(OGR_L_GetFeatureCount($0.handle, 1)) features)" }.joined(separator: ", ")
            }
            let chosen: (name: String, handle: OGRLayerH)
            if isShapefile && ext == "zip", let only = layers.first, layers.count == 1 {
                chosen = only // --layer already chose the shapefile inside the zip
            } else if let wantedLayer {
                guard let match = layers.first(where: { $0.name == wantedLayer }) else {
                    throw GDALSourceError(
                        "has no layer \(wantedLayer); its layers: \(layers.isEmpty ? "none" : listing())")
                }
                chosen = match
            } else if layers.count == 1 {
                chosen = layers[0]
            } else if layers.isEmpty {
                throw GDALSourceError("holds no layer")
            } else {
                throw GDALSourceError("holds \(layers.count) layers: \(listing()); pass --layer NAME")
            }
            self.layer = chosen.handle
            self.layerName = chosen.name
            let n = OGR_L_GetFeatureCount(chosen.handle, 0)
            self.featureCount = n >= 0 ? n : nil

            if isShapefile, let n = featureCount {
                if let dbf = shapefileDBF, let header = Self.readVSI(dbf, limit: 32),
                    header.count >= 8
                {
                    let records =
                        Int64(header[4]) | Int64(header[5]) << 8 | Int64(header[6]) << 16 | Int64(header[7]) << 24
                    if records != n {
                        throw GDALSourceError(
                            "\(dbfName) holds \(records) records but the .shp \(n) shapes; "
                                + "the .shp, .shx and .dbf must be written together")
                    }
                }
            }

            // The Shapefile driver parses the .prj here, lazily: its complaints are collected, not printed, and a
            // .prj it cannot parse is reported as such rather than as a missing one (found by the shapefile fuzzer).
            let (srs, srsMessages) = GDALRuntime.collectingMessages { OGR_L_GetSpatialRef(chosen.handle) }
            if srs == nil, isShapefile, let prj = Self.sibling(Self.withoutExtension(openPath), ["prj", "PRJ"]) {
                self.crs = .unidentified(
                    name: "\((prj as NSString).lastPathComponent) cannot be read"
                        + Self.gdalDetail(srsMessages))
            } else {
                self.crs = Self.identify(srs)
            }

            let definition = OGR_L_GetLayerDefn(chosen.handle)
            var names: [String] = [], types: [OGRFieldType] = [], skipped: Set<Int> = []
            let decodeNames = TextDecoder(chosenEncoding)
            for i in 0..<Int(OGR_FD_GetFieldCount(definition)) {
                let field = OGR_FD_GetFieldDefn(definition, Int32(i))
                let raw = OGR_Fld_GetNameRef(field)!
                let name: String
                switch decodeNames.decode(UnsafeRawBufferPointer(start: raw, count: strlen(raw))) {
                case .success(let s): name = s
                case .failure:
                    throw GDALSourceError(
                        "\(dbfName): the name of field \(i + 1) is not \(chosenEncoding.iconvName)"
                            + Self.encodingAdvice(encodingSource))
                }
                names.append(name)
                types.append(OGR_Fld_GetType(field))
                if driverName == "OpenFileGDB", ["shape_area", "shape_length"].contains(name.lowercased()) {
                    skipped.insert(i)
                }
            }
            self.layout = GDALFieldLayout(
                fieldNames: names, fieldTypes: types,
                skippedFields: names.indices.map { skipped.contains($0) },
                encoding: chosenEncoding, encodingSource: encodingSource,
                textFileName: dbfName)
            OGR_L_ResetReading(chosen.handle)
            if isShapefile {
                positionalPlan = GDALPositionalPlan(
                    openPath: openPath, openOptions: openOptions, layer: chosen.handle, layerName: chosen.name,
                    featureCount: featureCount)
            }
        } catch {
            GDALClose(dataset)
            throw error
        }
    }

    deinit { GDALClose(dataset) }

    /// The file name the messages about field text name (the .dbf of a Shapefile).
    public var textSourceName: String { textFileName }

    /// Fetches the next feature and hands it over undecoded (see FeatureSource.swift: the workers decode it).
    public func nextSourceFeature() throws -> SourceFeature? {
        if finished { return nil }
        let (fetched, messages) = GDALRuntime.collectingMessages { OGR_L_GetNextFeature(layer) }
        let failures = messages.filter { $0.level == .failure || $0.level == .fatal }
        guard let feature = fetched else {
            finished = true
            if !failures.isEmpty {
                throw GDALSourceError(
                    "layer \(layerName): reading stopped after feature \(position): "
                        + failures.map(\.text).joined(separator: "; "))
            }
            if let n = featureCount, Int64(position) != n {
                // GDAL's count includes the records a .dbf marks deleted ('*', as dBASE tools leave them) and its
                // reading skips them, as ArcGIS and QGIS do: those are not missing features. Accepted only when
                // every record number GDAL passed over is one the .dbf marks deleted.
                let expected = nextExpectedFID ?? Int64(position)
                if expected < n { skippedFIDs.append(expected..<n) }
                if let dbf = shapefileDBF, !skippedFIDs.isEmpty,
                    Int64(position) + skippedFIDs.reduce(0, { $0 + Int64($1.count) }) == n,
                    Self.allDeleted(dbf, records: skippedFIDs)
                {
                    return nil
                }
                throw GDALSourceError("layer \(layerName): only \(position) of its \(n) features could be read")
            }
            return nil
        }
        if shapefileDBF != nil {
            // A Shapefile's FIDs are its record numbers, in order: a gap is a record GDAL passed over.
            let fid = OGR_F_GetFID(feature)
            let expected = nextExpectedFID ?? Int64(position)
            if fid > expected { skippedFIDs.append(expected..<fid) }
            nextExpectedFID = max(expected, fid + 1)
        }
        let handle = GDALFeatureHandle(
            feature, index: position, layout: layout,
            readProblem: failures.isEmpty
                ? nil
                : "GDAL cannot read it: " + failures.map(\.text).joined(separator: "; "))
        position += 1
        bytesRead = Int64(position)
        return .gdalFeature(handle)
    }

    static func encodingAdvice(_ source: EncodingSource) -> String {
        switch source {
        case .option: return " as --encoding says"
        case .cpg: return " as the .cpg says; pass --encoding gbk|gb18030|utf-8 if the .cpg is wrong"
        case .languageDriver: return " as the .dbf's language-driver byte says; pass --encoding if it is wrong"
        case .assumedUTF8, .gdal: return ""
        }
    }

    static func dateText(_ feature: OGRFeatureH, _ f: Int32, _ type: OGRFieldType) -> String {
        var y: Int32 = 0, m: Int32 = 0, d: Int32 = 0, h: Int32 = 0, mi: Int32 = 0, tz: Int32 = 0
        var s: Float = 0
        _ = OGR_F_GetFieldAsDateTimeEx(feature, f, &y, &m, &d, &h, &mi, &s, &tz)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let date = String(format: "%04d", y) + "-" + two(m) + "-" + two(d)
        let seconds = Int32(s.rounded(.down))
        let time = two(h) + ":" + two(mi) + ":" + two(seconds)
        switch type {
        case OFTDate: return date
        case OFTTime: return time
        default: return date + "T" + time
        }
    }

    /// Identifies a layer's SRS to an EPSG code: OSRFindMatches (which reads ESRI WKT from a .prj as well as
    /// EPSG-coded SRSs) with confidence ≥ 90.
    static func identify(_ srs: OGRSpatialReferenceH?) -> SourceCRS {
        guard let srs else { return .none }
        // OSRFindMatches searches PROJ's database (about 50 ms): a CRS already identified in this process (several
        // layers of one source, the fuzz harness's inputs) is answered from its WKT.
        var wktPointer: UnsafeMutablePointer<CChar>? = nil
        let (exported, _) = GDALRuntime.collectingMessages { OSRExportToWkt(srs, &wktPointer) }
        let wkt = exported == OGRERR_NONE ? wktPointer.map { String(cString: $0) } : nil
        VSIFree(wktPointer)
        if let wkt, let known = identifiedCRS.withLock({ $0[wkt] }) { return known }
        let found = findMatches(srs)
        if let wkt { identifiedCRS.withLock { $0[wkt] = found } }
        return found
    }

    private static let identifiedCRS = Mutex<[String: SourceCRS]>([:])

    private static func findMatches(_ srs: OGRSpatialReferenceH) -> SourceCRS {
        let name = OSRGetName(srs).map { String(cString: $0) } ?? "unnamed CRS"
        var count: Int32 = 0
        var confidences: UnsafeMutablePointer<Int32>? = nil
        let (matches, _) = GDALRuntime.collectingMessages { OSRFindMatches(srs, nil, &count, &confidences) }
        defer {
            if let matches { OSRFreeSRSArray(matches) }
            VSIFree(confidences) // CPLFree is a macro for VSIFree
        }
        if let matches, let confidences {
            for i in 0..<Int(count) where confidences[i] >= 90 {
                guard let m = matches[i], let authority = OSRGetAuthorityName(m, nil),
                    String(cString: authority).uppercased() == "EPSG",
                    let code = OSRGetAuthorityCode(m, nil), let epsg = Int(String(cString: code))
                else { continue }
                return .identified(epsg: epsg, name: name)
            }
        }
        return .unidentified(name: name)
    }

    /// The single shapefile inside a zip (or the one `layer` names) as a /vsizip/ path.
    private static func shapefileInZip(_ absolute: String, layer: String?) throws -> String {
        let root = "/vsizip/" + absolute
        let (entries, messages) = GDALRuntime.collectingMessages { () -> [String]? in
            guard let list = VSIReadDirRecursive(root) else { return nil }
            defer { CSLDestroy(list) }
            var out: [String] = []
            var i = 0
            while let p = list[i] { out.append(String(cString: p)); i += 1 }
            return out
        }
        guard let entries else { throw GDALSourceError("is not a readable zip archive" + gdalDetail(messages)) }
        let shapefiles = entries.filter { $0.lowercased().hasSuffix(".shp") && !$0.hasPrefix("__MACOSX") }.sorted()
        if shapefiles.isEmpty { throw GDALSourceError("holds no shapefile (.shp)") }
        func name(_ entry: String) -> String {
            ((entry as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        if let layer {
            guard let hit = shapefiles.first(where: { name($0) == layer }) else {
                throw GDALSourceError("has no layer \(layer); its layers: " + listing(root, shapefiles, name))
            }
            return root + "/" + hit
        }
        if shapefiles.count > 1 {
            throw GDALSourceError(
                "holds \(shapefiles.count) shapefiles: " + listing(root, shapefiles, name) + "; pass --layer NAME")
        }
        return root + "/" + shapefiles[0]
    }

    private static func listing(_ root: String, _ entries: [String], _ name: (String) -> String) -> String {
        entries.map { entry -> String in
            let (count, _) = GDALRuntime.collectingMessages { () -> Int64? in
                guard let ds = GDALOpenEx(root + "/" + entry, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil)
                else { return nil }
                defer { GDALClose(ds) }
                return GDALDatasetGetLayer(ds, 0).map { OGR_L_GetFeatureCount($0, 1) }
            }
            return "\(name(entry)) (\(count.map { "\($0) features" } ?? "unreadable"))"
        }.joined(separator: ", ")
    }

    /// The path without its extension, by hand: NSString's path methods collapse the "//" of "/vsizip//abs/path".
    private static func withoutExtension(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path }
        return String(path[..<dot])
    }

    /// The first of `base.ext` for `extensions` that exists (through GDAL's virtual file system).
    private static func sibling(_ base: String, _ extensions: [String]) -> String? {
        for e in extensions {
            if let fp = VSIFOpenL(base + "." + e, "rb") { VSIFCloseL(fp); return base + "." + e }
        }
        return nil
    }

    /// Up to `limit` bytes of a file (through GDAL's virtual file system, so inside zips too).
    /// Whether every record in `records` (0-based numbers) is one the .dbf marks deleted (its first byte '*').
    public static func allDeleted(_ dbf: String, records: [Range<Int64>]) -> Bool {
        guard let header = readVSI(dbf, limit: 32), header.count >= 12, let fp = VSIFOpenL(dbf, "rb") else {
            return false
        }
        defer { VSIFCloseL(fp) }
        let count = Int64(header[4]) | Int64(header[5]) << 8 | Int64(header[6]) << 16 | Int64(header[7]) << 24
        let headerBytes = Int64(header[8]) | Int64(header[9]) << 8
        let recordBytes = Int64(header[10]) | Int64(header[11]) << 8
        guard recordBytes > 0 else { return false }
        for range in records {
            for r in range {
                var flag: UInt8 = 0
                guard r >= 0, r < count, VSIFSeekL(fp, vsi_l_offset(headerBytes + r * recordBytes), SEEK_SET) == 0,
                    VSIFReadL(&flag, 1, 1, fp) == 1, flag == 0x2A
                else { return false }
            }
        }
        return true
    }

    private static func readVSI(_ path: String, limit: Int) -> [UInt8]? {
        guard let fp = VSIFOpenL(path, "rb") else { return nil }
        defer { VSIFCloseL(fp) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = buffer.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, limit, fp) }
        return Array(buffer[0..<n])
    }

    static func gdalDetail(_ messages: [GDALMessage]) -> String {
        let texts = messages.filter { $0.level != .debug }.map(\.text)
        return texts.isEmpty ? "" : ": " + texts.joined(separator: "; ")
    }

    /// A NULL-terminated C string list for GDAL's char** parameters; an empty list passes NULL.
    static func withCStringList<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
        if strings.isEmpty { return body(nil) }
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeMutableBufferPointer { body(UnsafePointer($0.baseAddress)) }
    }
}

/// What a worker needs to type one layer's features; fixed once the layer is opened.
struct GDALFieldLayout: Sendable {
    let fieldNames: [String]
    let fieldTypes: [OGRFieldType]
    /// Fields the format computes from the geometry (FileGDB's Shape_Area, Shape_Length): not attributes.
    let skippedFields: [Bool]
    let encoding: TextEncoding
    let encodingSource: EncodingSource
    /// The .dbf's name (Shapefiles) or the file's, for messages about field text.
    let textFileName: String
}

/// What one worker thread reuses from feature to feature: its iconv decoders (an iconv descriptor is not
/// shareable between threads, and opening one per field was measurable). One per worker, used by one thread at
/// a time.
public final class GDALDecodingScratch {
    private var decoders: [TextDecoder] = []
    public init() {}

    func decoder(_ encoding: TextEncoding) -> TextDecoder {
        if let d = decoders.first(where: { $0.encoding == encoding }) { return d }
        let d = TextDecoder(encoding)
        decoders.append(d)
        return d
    }
}

/// One feature fetched from a layer, not yet decoded. It owns its OGRFeatureH (destroyed with the handle); GDAL
/// features hold their own values and a reference-counted (atomically) definition, so a handle may be decoded
/// and released on any thread, one at a time, while the layer stays on the scanning thread.
public final class GDALFeatureHandle: @unchecked Sendable {
    /// 0-based position in the layer.
    public let index: Int
    private let feature: OGRFeatureH
    private let layout: GDALFieldLayout
    /// What GDAL reported while fetching it.
    private let readProblem: String?

    init(_ feature: OGRFeatureH, index: Int, layout: GDALFieldLayout, readProblem: String?) {
        self.feature = feature; self.index = index; self.layout = layout; self.readProblem = readProblem
    }

    deinit { OGR_F_Destroy(feature) }

    /// Typed fields and WKB. An undecodable field of a file that declares no encoding is a failure that stops
    /// the import (every later feature would fail the same way); a field invalid in a declared encoding is this
    /// feature's problem.
    public func decode(using scratch: GDALDecodingScratch) -> Result<DecodedFeature, GDALSourceError> {
        let (decoded, messages) = GDALRuntime.collectingMessages { decodeFields(scratch) }
        let failures = messages.filter { $0.level == .failure || $0.level == .fatal }
        guard case .success(let d) = decoded, readProblem != nil || !failures.isEmpty else { return decoded }
        let decodingNote =
            failures.isEmpty ? nil : "GDAL cannot read it: " + failures.map(\.text).joined(separator: "; ")
        let notes = [d.problem, readProblem, decodingNote].compactMap { $0 }
        return .success(
            DecodedFeature(
                index: d.index, fid: d.fid, properties: d.properties, wkb: d.wkb,
                problem: notes.joined(separator: "; ")))
    }

    private func decodeFields(_ scratch: GDALDecodingScratch) -> Result<DecodedFeature, GDALSourceError> {
        let layout = self.layout
        let decoder = scratch.decoder(layout.encoding)
        let fid = OGR_F_GetFID(feature)
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(layout.fieldNames.count)
        var problem: String? = nil
        for i in 0..<layout.fieldNames.count where !layout.skippedFields[i] {
            let f = Int32(i)
            guard OGR_F_IsFieldSetAndNotNull(feature, f) != 0 else {
                members.append((layout.fieldNames[i], .null)); continue
            }
            let value: JSONValue
            switch layout.fieldTypes[i] {
            case OFTInteger, OFTInteger64:
                value = .number(String(OGR_F_GetFieldAsInteger64(feature, f)))
            case OFTReal:
                value = JSONValue(double: OGR_F_GetFieldAsDouble(feature, f))
            case OFTDate, OFTDateTime, OFTTime:
                value = .string(GDALFeatureSource.dateText(feature, f, layout.fieldTypes[i]))
            default:
                let raw = OGR_F_GetFieldAsString(feature, f)!
                switch decoder.decode(UnsafeRawBufferPointer(start: raw, count: strlen(raw))) {
                case .success(let s): value = .string(s)
                case .failure(let failure):
                    if layout.encodingSource == .assumedUTF8 {
                        return .failure(
                            GDALSourceError(
                                "\(layout.textFileName): field \(layout.fieldNames[i]) of feature \(index + 1) is not UTF-8 "
                                    + "and the file declares no encoding (no .cpg, no language-driver byte); "
                                    + "pass --encoding gbk|gb18030|utf-8"))
                    }
                    problem =
                        problem
                        ?? ("field \(layout.fieldNames[i]) is not valid \(layout.encoding.iconvName) "
                            + "(byte \(failure.offset + 1) of the value)"
                            + GDALFeatureSource.encodingAdvice(layout.encodingSource))
                    value = .null
                }
            }
            members.append((layout.fieldNames[i], value))
        }
        var wkb: [UInt8]? = nil
        if let g = OGR_F_GetGeometryRef(feature) {
            var geometry = g
            var linear: OGRGeometryH? = nil
            if OGR_G_HasCurveGeometry(g, 0) != 0, let l = OGR_G_GetLinearGeometry(g, 0, nil) {
                linear = l; geometry = l
            }
            defer { if let linear { OGR_G_DestroyGeometry(linear) } }
            let size = Int(OGR_G_WkbSizeEx(geometry))
            // Written in place: no zero-filling of a buffer GDAL overwrites whole.
            var status = OGRERR_NONE
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                status = OGR_G_ExportToIsoWkb(geometry, wkbNDR, buffer.baseAddress)
                count = status == OGRERR_NONE ? size : 0
            }
            if status == OGRERR_NONE {
                wkb = bytes
            } else {
                problem = problem ?? "its geometry cannot be exported as WKB"
            }
        }
        return .success(
            DecodedFeature(index: index, fid: fid, properties: JSONObject(members), wkb: wkb, problem: problem))
    }
}
