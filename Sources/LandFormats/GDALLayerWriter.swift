import CGDAL
import Foundation

// MARK: - Writing one layer through GDAL (GeoPackage, Shapefile, CSV, KML)
//
// GDAL's drivers do the formats; this class only creates the dataset at the path it is given, declares the
// fields, and streams features in (memory stays flat: one OGR feature at a time). Geometries arrive as WKB in the
// layer's CRS (GIS axis order: x = easting / longitude). Each C call's failure value is checked; GDAL's own text
// (CPLGetLastErrorMsg) goes into the thrown error. Not Sendable: one writer lives on one thread.

public final class GDALLayerWriter {
    public enum Driver: Sendable {
        /// A standalone GeoPackage (an SQLite database: create it only at a temporary path).
        case geoPackage
        /// A folder holding LAYER.shp/.shx/.dbf/.prj/.cpg.
        case shapefile(ShapefileEncoding)
        /// Attributes, with a WKT geometry column when `wkt`.
        case csv(wkt: Bool)
        /// KML (EPSG:4326 only); placemarks named by `nameField`.
        case kml(nameField: String?)

        var gdalName: String {
            switch self {
            case .geoPackage: return "GPKG"
            case .shapefile: return "ESRI Shapefile"
            case .csv: return "CSV"
            case .kml: return "KML"
            }
        }
    }

    /// The geometry family of a layer: what a Shapefile (one type per file) declares.
    public enum GeometryFamily: String, Sendable {
        case point = "Point", line = "LineString", polygon = "Polygon"
        /// Several families in one layer (a GeoPackage declares Geometry; a Shapefile refuses it).
        case any = "Geometry"

        /// The family of an OGC WKB geometry type code (ISO or with Z/M flags), nil for collections.
        public init?(wkbType: UInt32) {
            switch (wkbType & 0x0fff_ffff) % 1000 {
            case 1, 4: self = .point
            case 2, 5: self = .line
            case 3, 6: self = .polygon
            default: return nil
            }
        }

        var multiType: OGRwkbGeometryType {
            switch self {
            case .point: return wkbMultiPoint
            case .line: return wkbMultiLineString
            case .polygon: return wkbMultiPolygon
            case .any: return wkbUnknown
            }
        }
    }

    public let path: String
    public let driver: Driver
    private var dataset: GDALDatasetH?
    let layer: OGRLayerH
    let definition: OGRFeatureDefnH
    private let fields: [ExportField]
    /// Each field's index in the layer (KML layers start with their own Name and Description fields).
    let indices: [Int32]
    let family: GeometryFamily?
    private let inTransaction: Bool
    /// The one OGR feature every row of `write` goes through (created once: OGR_F_Create per row was a malloc and
    /// a field array per feature); nil until the first write.
    private var reused: OGRFeatureH?
    private let guardFormulas: Bool
    var written = 0

    /// Creates the dataset at `path` (nothing may exist there) with one layer.
    /// - Parameters:
    ///   - epsg: the CRS of the geometries written (becomes the layer's SRS / .prj).
    ///   - family: the layer's geometry family (nil: attributes only, e.g. CSV without WKT).
    /// - Throws: `ExportWriteError` when GDAL cannot create the dataset, layer or a field.
    public init(
        path: String, driver: Driver, layerName: String, epsg: Int, family: GeometryFamily?,
        fields: [ExportField]
    ) throws {
        GDALRuntime.ensureRegistered()
        self.path = path; self.driver = driver; self.fields = fields; self.family = family
        // GDALGetDriverByName returns NULL when the driver is not built in.
        guard let gdalDriver = GDALGetDriverByName(driver.gdalName) else {
            throw ExportWriteError("GDAL has no \(driver.gdalName) driver (install GDAL with it)")
        }
        var datasetOptions: [String] = []
        var layerOptions: [String] = []
        switch driver {
        case .geoPackage: layerOptions = ["GEOMETRY_NAME=geom", "FID=fid"]
        case .shapefile(let encoding):
            // SPATIAL_INDEX=NO: a .qix is not part of what the office asked for and costs a pass over the file.
            layerOptions = ["ENCODING=\(encoding.gdalName)", "SPATIAL_INDEX=NO"]
        case .csv(let wkt):
            // A UTF-8 BOM so that Excel on a Chinese Windows opens the file as UTF-8, not GBK.
            layerOptions =
                ["WRITE_BOM=YES", "STRING_QUOTING=IF_NEEDED", "CREATE_CSVT=NO"] + (wkt ? ["GEOMETRY=AS_WKT"] : [])
        case .kml(let nameField):
            if let nameField { datasetOptions = ["NameField=\(nameField)"] }
        }
        let created = withCStringList(datasetOptions) { GDALCreate(gdalDriver, path, 0, 0, 0, GDT_Unknown, $0) }
        // GDALCreate returns NULL on failure (path not writable, folder exists …).
        guard let created else {
            throw ExportWriteError("\(path): GDAL cannot create a \(driver.gdalName) file: \(Self.lastError())")
        }
        dataset = created

        let srs = OSRNewSpatialReference(nil)
        defer { OSRDestroySpatialReference(srs) }
        // OSRImportFromEPSG returns OGRERR_NONE (0) on success.
        guard OSRImportFromEPSG(srs, Int32(epsg)) == OGRERR_NONE else {
            GDALClose(created); dataset = nil
            throw ExportWriteError("\(path): GDAL does not know EPSG:\(epsg): \(Self.lastError())")
        }
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
        let geometryType: OGRwkbGeometryType
        switch (driver, family) {
        case (_, nil): geometryType = wkbNone
        case (.csv(false), _): geometryType = wkbNone
        case (_, let f?): geometryType = f.multiType
        }
        let made = withCStringList(layerOptions) {
            GDALDatasetCreateLayer(created, layerName, geometryType == wkbNone ? nil : srs, geometryType, $0)
        }
        // GDALDatasetCreateLayer returns NULL on failure.
        guard let made else {
            GDALClose(created); dataset = nil
            throw ExportWriteError("\(path): GDAL cannot create layer \(layerName): \(Self.lastError())")
        }
        layer = made
        for field in fields {
            let type: OGRFieldType
            var subtype = OFSTNone
            switch field.type {
            case .integer64: type = OFTInteger64
            case .real: type = OFTReal
            case .string: type = OFTString
            case .date: type = OFTDate
            case .boolean: type = OFTInteger; subtype = OFSTBoolean
            }
            let defn = OGR_Fld_Create(field.fileName, type)
            defer { OGR_Fld_Destroy(defn) }
            OGR_Fld_SetSubType(defn, subtype)
            if case .shapefile = driver, field.type == .string {
                OGR_Fld_SetWidth(defn, Int32(max(1, field.widthBytes)))
            }
            // OGR_L_CreateField returns OGRERR_NONE on success; approx_ok = 0: refuse a silently changed field.
            guard OGR_L_CreateField(made, defn, 0) == OGRERR_NONE else {
                GDALClose(created); dataset = nil
                throw ExportWriteError("\(path): GDAL cannot create field \(field.fileName): \(Self.lastError())")
            }
        }
        if case .csv = driver { guardFormulas = true } else { guardFormulas = false }
        definition = OGR_L_GetLayerDefn(made)
        // OGR_FD_GetFieldIndex returns -1 for a name the layer does not have.
        indices = fields.map { OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(made), $0.fileName) }
        if let missing = zip(fields, indices).first(where: { $0.1 < 0 }) {
            GDALClose(created); dataset = nil
            throw ExportWriteError("\(path): GDAL created no field \(missing.0.fileName)")
        }
        // One transaction for the GeoPackage (one commit instead of one per feature); the others have none.
        if case .geoPackage = driver {
            inTransaction = GDALDatasetStartTransaction(created, 0) == OGRERR_NONE
        } else {
            inTransaction = false
        }
    }

    deinit {
        if let reused { OGR_F_Destroy(reused) }
        // An unfinished writer (an error midway) closes what it opened; the caller removes the partial output.
        if let dataset { GDALClose(dataset) }
    }

    /// Writes one feature: `values` in field order, `wkb` the geometry (nil for none).
    /// - Parameter feature: how errors name the feature ("feature 12 (id 330205-001-00012)").
    public func write(_ values: [ExportValue], wkb: UnsafeRawBufferPointer?, feature: @autoclosure () -> String) throws
    {
        if reused == nil { reused = try makeFeature() }
        let fill = FeatureFill(feature: reused!, writer: self)
        fill.clear()
        for (i, value) in values.enumerated() {
            switch value {
            case .null: break
            case .integer(let v): fill.setInteger(i, v)
            case .real(let v): fill.setDouble(i, v)
            case .boolean(let v): fill.setBoolean(i, v)
            case .date(let y, let m, let d): fill.setDate(i, year: y, month: m, day: d)
            case .string(let s):
                let text = guardFormulas ? FormulaGuard.csvText(s) : s
                text.withCString { fill.setText(i, $0) }
            }
        }
        if let wkb, wkb.count > 0 { try fill.setGeometry(wkb: wkb, feature: feature()) }
        try create(reused!, feature: feature())
    }

    /// A new OGR feature of the layer (the caller destroys it).
    func makeFeature() throws -> OGRFeatureH {
        // OGR_F_Create returns NULL only when out of memory.
        guard let made = OGR_F_Create(definition) else {
            throw ExportWriteError("\(path): GDAL cannot allocate a feature")
        }
        return made
    }

    /// Hands a filled feature to the driver.
    func create(_ f: OGRFeatureH, feature: @autoclosure () -> String) throws {
        // OGR_L_CreateFeature returns OGRERR_NONE on success.
        guard OGR_L_CreateFeature(layer, f) == OGRERR_NONE else {
            throw ExportWriteError("\(path): \(feature()): GDAL cannot write it: \(Self.lastError())")
        }
        written += 1
    }

    /// A new OGR geometry (the caller owns it) from WKB, single parts promoted to the layer's Multi* type.
    static func geometry(
        wkb: UnsafeRawBufferPointer, family: GeometryFamily, path: String, feature: @autoclosure () -> String
    ) throws -> OGRGeometryH {
        var geometry: OGRGeometryH?
        // OGR_G_CreateFromWkb returns OGRERR_NONE and a new geometry, or an error for bytes it cannot read.
        let err = OGR_G_CreateFromWkb(wkb.baseAddress, nil, &geometry, Int32(wkb.count))
        guard err == OGRERR_NONE, var g = geometry else {
            throw ExportWriteError("\(path): \(feature()): GDAL cannot read its geometry (WKB error \(err))")
        }
        let type = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
        // A layer declared Multi* holds single parts promoted to one-part multis (GeoPackage requires it).
        if type != family.multiType && family != .any {
            switch family {
            case .polygon: g = OGR_G_ForceToMultiPolygon(g)
            case .line: g = OGR_G_ForceToMultiLineString(g)
            case .point: g = OGR_G_ForceToMultiPoint(g)
            case .any: break
            }
        }
        return g
    }

    /// Commits and closes the dataset: after this the file at `path` is complete.
    public func finish() throws {
        guard let ds = dataset else { return }
        dataset = nil
        if inTransaction, GDALDatasetCommitTransaction(ds) != OGRERR_NONE {
            GDALClose(ds)
            throw ExportWriteError("\(path): GDAL cannot commit the GeoPackage: \(Self.lastError())")
        }
        CPLErrorReset()
        GDALClose(ds)
        // GDALClose reports a failed flush only through CPLGetLastErrorType.
        if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
            throw ExportWriteError("\(path): GDAL could not finish the file: \(Self.lastError())")
        }
        if case .shapefile(let encoding) = driver { try rewriteCodePage(encoding) }
    }

    /// GDAL writes "CP936" into the .cpg; older ArcGIS reads the bare code page number, which GDAL reads too.
    private func rewriteCodePage(_ encoding: ShapefileEncoding) throws {
        let folder = URL(fileURLWithPath: path)
        let cpgs = try FileManager.default.contentsOfDirectory(atPath: path).filter {
            $0.lowercased().hasSuffix(".cpg")
        }
        for cpg in cpgs {
            try Data(encoding.cpgText.utf8).write(to: folder.appendingPathComponent(cpg))
        }
    }

    static func lastError() -> String {
        // CPLGetLastErrorMsg returns "" when nothing was reported, never NULL.
        let text = String(cString: CPLGetLastErrorMsg())
        return text.isEmpty ? "no message from GDAL" : text
    }
}

/// Calls `body` with a NULL-terminated char** of `strings` (GDAL's option lists), valid during the call.
func withCStringList<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> T) -> T {
    if strings.isEmpty { return body(nil) }
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}

// MARK: - A Shapefile folder as one .zip

public enum ShapefileZip {
    /// Writes every file of `folder` (flat) into a new zip at `zipPath` (GDAL's minizip: CPLCreateZip).
    public static func zip(folder: String, to zipPath: String) throws {
        GDALRuntime.ensureRegistered()
        // CPLCreateZip returns NULL when the file cannot be created.
        guard let zip = CPLCreateZip(zipPath, nil) else {
            throw ExportWriteError("\(zipPath): cannot create the zip: \(GDALLayerWriter.lastError())")
        }
        var closed = false
        defer { if !closed { _ = CPLCloseZip(zip) } }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: folder).appendingPathComponent(name))
            defer { try? file.close() }
            // Each call returns CE_None on success.
            guard CPLCreateFileInZip(zip, name, nil) == CE_None else {
                throw ExportWriteError("\(zipPath): cannot add \(name): \(GDALLayerWriter.lastError())")
            }
            var ok = true
            // 1 MiB at a time: memory stays flat whatever the size of the .shp.
            while ok, let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {
                ok = chunk.withUnsafeBytes { CPLWriteFileInZip(zip, $0.baseAddress, Int32($0.count)) } == CE_None
            }
            guard ok, CPLCloseFileInZip(zip) == CE_None else {
                throw ExportWriteError("\(zipPath): cannot write \(name): \(GDALLayerWriter.lastError())")
            }
        }
        closed = true
        guard CPLCloseZip(zip) == CE_None else {
            throw ExportWriteError("\(zipPath): cannot finish the zip: \(GDALLayerWriter.lastError())")
        }
    }
}
