import CGDAL
import Foundation

// MARK: - A Shapefile read by position, on every worker at once
//
// GDAL's per-feature cost (reading the shape and the .dbf record, building the OGRFeature and its polygons) was
// paid on the import's one scanning thread, which then bounded a Shapefile import. A Shapefile layer reads any
// feature by position cheaply (OLCRandomRead: the .shx gives each shape's offset, the .dbf has fixed-size
// records), so here each preparing worker opens its own read-only handle of the dataset (GDAL handles are not
// thread-safe: one per thread) and reads its own chunk of each batch (OGR_L_SetNextByIndex + GetNextFeature,
// the very calls the serial path makes), while the scanning thread only hands out positions.
//
// The features are the serial path's, at the same positions, with the same messages, because the parallel path
// is taken only where the two cannot differ:
// - a plain Shapefile on disk (not inside a .zip: /vsizip/ would inflate the archive once per handle) whose
//   .shp, .shx and .dbf sizes agree with their headers and with the feature count (a truncated file leaves
//   GDAL's .dbf handle at end-of-file, which changes what the next read returns: such files are read serially);
// - GetNextFeature skips a record the .dbf marks deleted, so that serial positions stop being shape ids: the
//   scanning thread checks the deletion flags of each batch's records before handing out their positions, and
//   at the first deleted record the rest of the layer is read serially from there (positions up to it are still
//   shape ids, so OGR_L_SetNextByIndex puts the serial reading exactly where it would have been).

/// The plan for reading one Shapefile layer by position; its state lives on the scanning thread.
final class GDALPositionalPlan {
    let openPath: String
    let openOptions: [String]
    let layerName: String
    let featureCount: Int
    private let dbf: UnsafeMutablePointer<VSILFILE>
    private let dbfHeaderBytes: Int
    private let dbfRecordBytes: Int
    /// The next position to hand out; positions before it were handed out in parallel.
    private(set) var nextPosition = 0

    /// Nil when the layer cannot be read by position with the serial path's results (see the header).
    init?(openPath: String, openOptions: [String], layer: OGRLayerH, layerName: String, featureCount: Int64?) {
        guard !openPath.hasPrefix("/vsi"), let n = featureCount, n > 0, n < Int64(Int32.max),
            OGR_L_TestCapability(layer, OLCRandomRead) != 0, OGR_L_TestCapability(layer, OLCFastFeatureCount) != 0
        else { return nil }
        let base = String(openPath[..<(openPath.lastIndex(of: ".") ?? openPath.endIndex)])
        func existing(_ extensions: [String]) -> String? {
            extensions.map { base + "." + $0 }.first { FileManager.default.fileExists(atPath: $0) }
        }
        func size(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        }
        func header(_ path: String, _ count: Int) -> [UInt8]? {
            guard let h = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? h.close() }
            guard let d = try? h.read(upToCount: count), d.count == count else { return nil }
            return [UInt8](d)
        }
        func bigEndian32(_ b: [UInt8], _ at: Int) -> Int {
            Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
        }
        guard openPath.hasSuffix(".shp") || openPath.hasSuffix(".SHP"),
            let shx = existing(["shx", "SHX"]), let dbfPath = existing(["dbf", "DBF"]),
            let shpSize = size(openPath), let shxSize = size(shx), let dbfSize = size(dbfPath),
            let shpHeader = header(openPath, 100), let shxHeader = header(shx, 100),
            let dbfHeader = header(dbfPath, 12),
            // File lengths in the headers are in 16-bit words.
            bigEndian32(shpHeader, 24) * 2 == shpSize, bigEndian32(shxHeader, 24) * 2 == shxSize,
            shxSize == 100 + 8 * Int(n)
        else { return nil }
        let records = Int(dbfHeader[4]) | Int(dbfHeader[5]) << 8 | Int(dbfHeader[6]) << 16 | Int(dbfHeader[7]) << 24
        let headerBytes = Int(dbfHeader[8]) | Int(dbfHeader[9]) << 8
        let recordBytes = Int(dbfHeader[10]) | Int(dbfHeader[11]) << 8
        guard records == Int(n), recordBytes > 0, headerBytes >= 32, dbfSize >= headerBytes + recordBytes * records,
            let file = VSIFOpenL(dbfPath, "rb")
        else { return nil }
        self.openPath = openPath; self.openOptions = openOptions; self.layerName = layerName
        self.featureCount = Int(n)
        self.dbf = file; self.dbfHeaderBytes = headerBytes; self.dbfRecordBytes = recordBytes
    }

    deinit { VSIFCloseL(dbf) }

    /// The positions of the next batch (empty at the end), or nil when the first deleted record is among them:
    /// then `layer` is positioned at `nextPosition`, where serial reading goes on.
    func nextPositions(max count: Int, layer: OGRLayerH) -> Range<Int>? {
        let lo = nextPosition, hi = min(featureCount, lo + count)
        if lo < hi && anyDeleted(lo..<hi) {
            OGR_L_SetNextByIndex(layer, Int64(lo))
            return nil
        }
        nextPosition = hi
        return lo..<hi
    }

    /// Whether the .dbf marks any of these records deleted ('*' as a record's first byte); an unreadable stretch
    /// counts as deleted, so that the serial path reads it and reports what is wrong.
    private func anyDeleted(_ records: Range<Int>) -> Bool {
        // At most about 1 MiB per read, whatever the record size.
        let perRead = max(1, (1 << 20) / dbfRecordBytes)
        var buffer = [UInt8](repeating: 0, count: min(records.count, perRead) * dbfRecordBytes)
        var at = records.lowerBound
        while at < records.upperBound {
            let n = min(perRead, records.upperBound - at)
            let bytes = n * dbfRecordBytes
            guard VSIFSeekL(dbf, vsi_l_offset(dbfHeaderBytes + at * dbfRecordBytes), SEEK_SET) == 0 else { return true }
            let read = buffer.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, bytes, dbf) }
            guard read == bytes else { return true }
            for k in 0..<n where buffer[k * dbfRecordBytes] != 0x20 { return true }
            at += n
        }
        return false
    }
}

/// One worker's own read-only handle of a layer read by position; used by one thread at a time.
public final class GDALPositionReader {
    private let dataset: GDALDatasetH
    private let layer: OGRLayerH
    private let layout: GDALFieldLayout
    private let layerName: String
    private let featureCount: Int
    /// Where the handle's next GetNextFeature reads.
    private var next = 0

    init(_ plan: GDALPositionalPlan, layout: GDALFieldLayout) throws {
        let (opened, messages) = GDALRuntime.collectingMessages { () -> GDALDatasetH? in
            GDALFeatureSource.withCStringList(["ESRI Shapefile"]) { drivers in
                GDALFeatureSource.withCStringList(plan.openOptions) { options in
                    GDALOpenEx(plan.openPath, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), drivers, options, nil)
                }
            }
        }
        guard let dataset = opened else {
            throw GDALSourceError("cannot be opened again for reading" + GDALFeatureSource.gdalDetail(messages))
        }
        guard let layer = GDALDatasetGetLayerByName(dataset, plan.layerName),
            OGR_L_GetFeatureCount(layer, 0) == Int64(plan.featureCount)
        else {
            GDALClose(dataset)
            throw GDALSourceError("layer \(plan.layerName) changed while it was read")
        }
        // The driver parses the .prj lazily, on the first read otherwise: its complaints about an unreadable .prj
        // (which the source's own handle has already reported, GDALFeatureSource.crs) would become the first
        // feature's problem. Found by UnreadablePrjTests.
        _ = GDALRuntime.collectingMessages { OGR_L_GetSpatialRef(layer) }
        self.dataset = dataset; self.layer = layer; self.layout = layout
        self.layerName = plan.layerName; self.featureCount = plan.featureCount
    }

    deinit { GDALClose(dataset) }

    /// The feature at `position` as the serial path fetches it, or the error that stops reading there (the one
    /// the serial path would throw at that position).
    public func read(_ position: Int) -> Result<GDALFeatureHandle, GDALSourceError> {
        let (fetched, messages) = GDALRuntime.collectingMessages { () -> OGRFeatureH? in
            if next != position { OGR_L_SetNextByIndex(layer, Int64(position)) }
            return OGR_L_GetNextFeature(layer)
        }
        let failures = messages.filter { $0.level == .failure || $0.level == .fatal }
        guard let feature = fetched else {
            next = -1
            if !failures.isEmpty {
                return .failure(
                    GDALSourceError(
                        "layer \(layerName): reading stopped after feature \(position): "
                            + failures.map(\.text).joined(separator: "; ")))
            }
            return .failure(
                GDALSourceError("layer \(layerName): only \(position) of its \(featureCount) features could be read"))
        }
        next = position + 1
        guard OGR_F_GetFID(feature) == Int64(position) else {
            // Cannot happen after the plan's checks (a deleted record is read serially); said rather than misnumbered.
            let fid = OGR_F_GetFID(feature)
            OGR_F_Destroy(feature)
            next = -1
            return .failure(
                GDALSourceError(
                    "layer \(layerName): feature \(position + 1) came back as fid \(fid) when read by position"))
        }
        return .success(
            GDALFeatureHandle(
                feature, index: position, layout: layout,
                readProblem: failures.isEmpty
                    ? nil : "GDAL cannot read it: " + failures.map(\.text).joined(separator: "; ")))
    }
}

extension GDALFeatureSource {
    /// Whether the import's workers read this layer by position (each with `makePositionReader()`), the scanning
    /// thread only handing out positions (`nextPositions`).
    public var readsByPosition: Bool { positionalPlan != nil }

    /// A worker's own handle for reading by position.
    public func makePositionReader() throws -> GDALPositionReader {
        guard let plan = positionalPlan else { preconditionFailure("the layer is not read by position") }
        return try GDALPositionReader(plan, layout: layout)
    }

    /// The positions of the next batch of at most `count` features (empty at the end of the layer), or nil when
    /// features are to be fetched with `nextSourceFeature()` from here on. Called on the scanning thread.
    public func nextPositions(max count: Int) -> Range<Int>? {
        guard let plan = positionalPlan else { return nil }
        guard let range = plan.nextPositions(max: count, layer: layer) else {
            // Serial from here, exactly where the serial path would be.
            position = plan.nextPosition
            positionalPlan = nil
            return nil
        }
        bytesRead = Int64(range.upperBound)
        return range
    }
}
