import Foundation
import GRDB
import LandFormats
import LandGeoJSON
import LandGeometry

// MARK: - Exporting layers as GeoPackage, Shapefile, CSV, KML and xlsx
//
// The same rows and properties as the GeoJSON export (LayerExport's `makeRow`), written through GDAL's drivers
// or libxlsxwriter. Two passes over one read transaction (one snapshot): the first settles the schema (field
// types from the values, the widest text in the file's encoding, the Shapefile names) and refuses what the format
// cannot hold before any file exists; the second streams features into the writer. Memory holds one row at a
// time plus the schema. Types: integers Integer64, other numbers Real, YYYY-MM-DD texts Date (GeoPackage,
// Shapefile, xlsx; CSV and KML keep them as text), true/false Boolean, arrays and objects their JSON text.
// Rules and defaults: docs/exports.md. Parcels as GeoPackage or UTF-8 Shapefile take a faster path first
// (ColumnExport.swift: the schema from aggregate queries, one write pass), which comes back here when it cannot.

extension ExportFormat {
    /// GeoJSON or GeoJSON text sequence: today's writer (LandGeometry's GeoJSONWriter).
    public var isGeoJSON: Bool { self == .geojson || self == .geojsonseq }

    /// The format an output path's extension names; nil when it names none (then GeoJSON, as before).
    /// - Throws: for `.shp`, which is several files: the caller must give a folder (with --format shp) or a .zip.
    public static func inferred(fromPath path: String) throws -> ExportFormat? {
        let name = (path as NSString).lastPathComponent.lowercased()
        let ext = (name as NSString).pathExtension
        switch ext {
        case "geojson", "json": return .geojson
        case "geojsonl", "geojsons", "geojsonseq": return .geojsonseq
        case "gpkg": return .gpkg
        case "zip": return .shp
        case "csv": return .csv
        case "kml": return .kml
        case "xlsx": return .xlsx
        case "shp":
            throw ExportWriteError(
                "\(path): a Shapefile is several files (.shp .shx .dbf .prj .cpg): give a new folder "
                    + "with --format shp (-o parcels-shp --format shp) or a .zip (-o parcels.zip)")
        default: return nil
        }
    }

    /// Whether the format stores dates as dates (otherwise YYYY-MM-DD text).
    var hasDates: Bool { self == .gpkg || self == .shp || self == .xlsx }
    /// Whether the format has a geometry (xlsx and CSV without --wkt are attribute tables).
    func hasGeometry(csvWKT: Bool) -> Bool { self != .xlsx && (self != .csv || csvWKT) }
}

/// The text encoding of a Shapefile's .dbf.
public enum ExportEncoding: String, CaseIterable, Sendable {
    case utf8 = "utf-8", gbk

    var shapefile: ShapefileEncoding { self == .utf8 ? .utf8 : .gbk }
}

/// A Shapefile field name and the name it stands for (printed with --json, rule in docs/exports.md).
public struct ShapefileFieldName: Sendable, Codable, Equatable {
    public let field: String
    public let shapefile: String
}

extension Registry {
    /// Streams `sql`'s rows through `makeRow` into a file of `options.format` (not GeoJSON) in `options.crs`.
    func exportLayerToFile(
        _ layer: String, sql: String, arguments: StatementArguments = [], to file: String,
        options: ExportOptions, makeRow: (Row) throws -> ExportRow
    ) throws -> ExportReport {
        try checkFileOptions(options)
        // GDAL's messages are collected, not printed: failures are in the thrown errors, warnings in the report.
        let (report, messages) = try GDALRuntime.collectingMessages {
            try exportLayerToFileCollecting(
                layer, sql: sql, arguments: arguments, to: file, options: options, makeRow: makeRow)
        }
        return report.adding(messages)
    }

    private func exportLayerToFileCollecting(
        _ layer: String, sql: String, arguments: StatementArguments, to file: String,
        options: ExportOptions, makeRow: (Row) throws -> ExportRow
    ) throws -> ExportReport {
        let transform = options.crs == storeCRS ? nil : try CoordinateTransform(from: storeCRS, to: options.crs)
        return try dbQueue.read { db in
            // Pass 1: the schema, and every refusal, before anything is created.
            var schema = ExportSchemaBuilder(format: options.format, encoding: options.encoding.shapefile, file: file)
            var index = 0
            let first = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try first.next() {
                let out = try makeRow(row)
                try schema.observe(out.properties, index: index, id: out.id)
                try schema.observe(geometry: try GeoPackageWKB.family(of: out.blob), index: index, id: out.id)
                index += 1
            }
            let fields = try schema.fields()
            // Pass 2: the features, one at a time.
            var count = 0
            try OutputFile.write(to: file, policy: outputPolicy(options.outputPolicy, expects: options.outputKind)) {
                path in
                let sink = try LayerSink(
                    path: path, layer: layer, epsg: options.crs.epsg, family: schema.family,
                    fields: fields, options: options)
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    let out = try makeRow(row)
                    let values = schema.values(out.properties, fields: fields)
                    let feature = { describeFeature(count, out.id) }
                    if !sink.wantsGeometry {
                        try sink.write(values, wkb: nil, feature: feature())
                    } else if let transform {
                        let g = try transform.transform(try decodeGeometry(out.blob))
                        try WKB.encode(g).withUnsafeBytes { try sink.write(values, wkb: $0, feature: feature()) }
                    } else {
                        // Same CRS: the store's WKB goes to GDAL as it is (no decode, no re-encode).
                        try GeoPackageWKB.withWKB(of: out.blob) { try sink.write(values, wkb: $0, feature: feature()) }
                    }
                    count += 1
                }
                try sink.finish()
                // An exported GeoPackage carries its layer's default style, as QGIS reads it (docs/styles.md).
                if options.format == .gpkg { try LayerStyles.install(layer: layer, into: path) }
            }
            return ExportReport(
                layer: layer, file: file, crs: options.crs.description, features: count,
                fieldNames: options.format == .shp
                    ? zip(schema.names, fields).map {
                        ShapefileFieldName(field: $0, shapefile: $1.fileName)
                    } : nil)
        }
    }

    /// Writes computed features (geometries in the store CRS) to a file of `options.format` (not GeoJSON).
    func exportFeaturesToFile(
        _ layer: String, _ features: [(id: JSONValue?, properties: JSONObject, geometry: Geometry)],
        to file: String, options: ExportOptions
    ) throws -> ExportReport {
        try checkFileOptions(options)
        let (report, messages) = try GDALRuntime.collectingMessages {
            try exportFeaturesToFileCollecting(layer, features, to: file, options: options)
        }
        return report.adding(messages)
    }

    private func exportFeaturesToFileCollecting(
        _ layer: String,
        _ features: [(id: JSONValue?, properties: JSONObject, geometry: Geometry)],
        to file: String, options: ExportOptions
    ) throws -> ExportReport {
        let transform = options.crs == storeCRS ? nil : try CoordinateTransform(from: storeCRS, to: options.crs)
        var schema = ExportSchemaBuilder(format: options.format, encoding: options.encoding.shapefile, file: file)
        for (i, f) in features.enumerated() {
            try schema.observe(f.properties, index: i, id: f.id)
            try schema.observe(geometry: GeoPackageWKB.family(of: f.geometry), index: i, id: f.id)
        }
        let fields = try schema.fields()
        try OutputFile.write(to: file, policy: outputPolicy(options.outputPolicy, expects: options.outputKind)) {
            path in
            let sink = try LayerSink(
                path: path, layer: layer, epsg: options.crs.epsg, family: schema.family,
                fields: fields, options: options)
            for (i, f) in features.enumerated() {
                let g = try transform.map { try $0.transform(f.geometry) } ?? f.geometry
                let values = schema.values(f.properties, fields: fields)
                if sink.wantsGeometry {
                    try WKB.encode(g).withUnsafeBytes {
                        try sink.write(values, wkb: $0, feature: describeFeature(i, f.id))
                    }
                } else {
                    try sink.write(values, wkb: nil, feature: describeFeature(i, f.id))
                }
            }
            try sink.finish()
            // An exported GeoPackage carries its layer's default style, as QGIS reads it (docs/styles.md).
            if options.format == .gpkg { try LayerStyles.install(layer: layer, into: path) }
        }
        return ExportReport(
            layer: layer, file: file, crs: options.crs.description, features: features.count,
            fieldNames: options.format == .shp
                ? zip(schema.names, fields).map {
                    ShapefileFieldName(field: $0, shapefile: $1.fileName)
                } : nil)
    }

    private func checkFileOptions(_ options: ExportOptions) throws {
        if options.format == .kml && options.crs != .wgs84 {
            throw ExportWriteError("KML holds EPSG:4326 coordinates only (got --crs \(options.crs)): leave --crs out")
        }
    }
}

extension ExportReport {
    /// The report with GDAL's warnings (debug messages dropped).
    func adding(_ messages: [GDALMessage]) -> ExportReport {
        let warnings = messages.filter { $0.level != .debug }.map { "GDAL: \($0.text)" }
        var r = self
        r.warnings = warnings.isEmpty ? nil : warnings
        return r
    }
}

/// "feature 12 (id "330205-001-00012")": the 0-based index in export order and the feature's id.
func describeFeature(_ index: Int, _ id: JSONValue?) -> String {
    "feature \(index)" + (id.map { " (id \($0.stringValue.map { "\"\($0)\"" } ?? $0.serialized))" } ?? "")
}

// MARK: - Pass 1: the schema

struct ExportSchemaBuilder {
    let format: ExportFormat
    let encoding: ShapefileEncoding
    let file: String
    /// Field names in order of first appearance.
    private(set) var names: [String] = []
    /// Per field (same order as `names`): the settled type (nil while every value was null) and the widest text.
    private var types: [ExportFieldType?] = []
    private var widths: [Int] = []
    private var slots: [String: Int] = [:]
    private(set) var family: GDALLayerWriter.GeometryFamily?
    private var familyFeature = ""

    init(format: ExportFormat, encoding: ShapefileEncoding, file: String) {
        self.format = format; self.encoding = encoding; self.file = file
    }

    /// Measures the export computes as Doubles: Real even when every value is whole (the GeoJSON export writes
    /// 5000.0 as 5000). Names ending in _m2 or _mu are areas and Real too.
    static let realFields: Set<String> = [
        "far", "coverage", "occupancy", "vacancy", "planned_far", "min_far", "tax_per_mu", "value_added_per_mu",
        "holder_tax_per_mu", "holder_value_added_per_mu"
    ]

    static func isReal(_ name: String) -> Bool {
        realFields.contains(name) || name.hasSuffix("_m2") || name.hasSuffix("_mu")
    }

    /// The field index of the member at `position` named `key`, nil for a name not seen yet. Rows of one layer
    /// list their members in the same order, so the name at the same position is compared first: a string
    /// comparison instead of a hash per value (the hashing was 7 % of the Shapefile export's profile).
    @inline(__always)
    private func slot(_ key: String, position: Int) -> Int? {
        if position < names.count && names[position] == key { return position }
        return slots[key]
    }

    /// Settles each property's type and width; refuses a text a Shapefile cannot hold.
    mutating func observe(_ properties: JSONObject, index: Int, id: JSONValue?) throws {
        for (position, member) in properties.enumerated() {
            let key = member.key, value = member.value
            let i: Int
            if let known = slot(key, position: position) {
                i = known
            } else {
                i = names.count
                names.append(key); types.append(nil); widths.append(1); slots[key] = i
            }
            guard var type = Self.type(of: value, hasDates: format.hasDates) else { continue }
            if type == .integer64 && Self.isReal(key) { type = .real }
            types[i] = Self.merge(types[i], type)
            if format == .shp {
                let text = Self.text(of: value)
                if let bad = encoding.firstUnencodable(text) {
                    throw ExportWriteError(
                        "\(file): \(describeFeature(index, id)), field \(key): \"\(bad)\" (U+"
                            + String(bad.unicodeScalars.first!.value, radix: 16, uppercase: true)
                            + ") cannot be written in GBK; export with --encoding utf-8 or correct the value")
                }
                let bytes = encoding.byteCount(text) ?? 0
                if bytes > 254 {
                    throw ExportWriteError(
                        "\(file): \(describeFeature(index, id)), field \(key): a text of \(bytes) bytes in "
                            + "\(encoding == .utf8 ? "UTF-8" : "GBK") is longer than a Shapefile field holds (254 bytes)"
                    )
                }
                if bytes > widths[i] { widths[i] = bytes }
            }
        }
    }

    /// Refuses a second geometry family in a Shapefile (one type per file); elsewhere a mixed layer is Geometry.
    mutating func observe(geometry: GDALLayerWriter.GeometryFamily?, index: Int, id: JSONValue?) throws {
        guard let geometry else { return }
        guard let family else { family = geometry; familyFeature = describeFeature(index, id); return }
        guard family != geometry, family != .any else { return }
        if format == .shp {
            throw ExportWriteError(
                "\(file): \(describeFeature(index, id)): its geometry is a \(geometry.rawValue) but "
                    + "\(familyFeature) is a \(family.rawValue): a Shapefile holds one geometry type")
        }
        self.family = .any
    }

    /// The fields, with Shapefile names by the 10-byte rule.
    func fields() throws -> [ExportField] {
        if format == .shp {
            if names.count > 255 {
                throw ExportWriteError("\(file): \(names.count) fields; a Shapefile holds at most 255")
            }
            for n in names where encoding.firstUnencodable(n) != nil {
                throw ExportWriteError(
                    "\(file): field name \(n) cannot be written in GBK; export with --encoding utf-8")
            }
        }
        let fileNames = format == .shp ? ShapefileFieldNames.shorten(names, encoding: encoding) : names
        return names.indices.map { i in
            ExportField(name: names[i], fileName: fileNames[i], type: types[i] ?? .string, widthBytes: widths[i])
        }
    }

    /// One row's values in field order (`fields` is what `fields()` returned), converted to the settled types.
    func values(_ properties: JSONObject, fields: [ExportField]) -> [ExportValue] {
        var out = [ExportValue](repeating: .null, count: fields.count)
        // Walks the row's members once (a lookup by name per field was a linear search per field).
        for (position, member) in properties.enumerated() {
            guard let i = slot(member.key, position: position), !member.value.isNull else { continue }
            out[i] = Self.value(member.value, as: fields[i].type)
        }
        return out
    }

    static func value(_ v: JSONValue, as type: ExportFieldType) -> ExportValue {
        switch (type, v) {
        case (.integer64, .number(let lexeme)):
            return Int64(lexeme).map(ExportValue.integer) ?? .real(Double(lexeme) ?? 0)
        case (.real, .number(let lexeme)): return Double(lexeme).map(ExportValue.real) ?? .null
        case (.boolean, .bool(let b)): return .boolean(b)
        case (.date, .string(let s)):
            let p = s.split(separator: "-").compactMap { Int($0) }
            return .date(year: p[0], month: p[1], day: p[2])
        default: return .string(text(of: v))
        }
    }

    static func type(of value: JSONValue, hasDates: Bool) -> ExportFieldType? {
        switch value {
        case .null: return nil
        case .bool: return .boolean
        case .number(let lexeme): return Int64(lexeme) != nil ? .integer64 : .real
        case .string(let s): return hasDates && s.utf8.count == 10 && Clock.validDay(s) != nil ? .date : .string
        case .array, .object: return .string
        }
    }

    static func merge(_ a: ExportFieldType?, _ b: ExportFieldType) -> ExportFieldType {
        guard let a, a != b else { return b }
        if (a == .integer64 && b == .real) || (a == .real && b == .integer64) { return .real }
        return .string
    }

    /// A value as text (what a string field holds).
    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let lexeme): return lexeme
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        case .array, .object: return value.serialized
        }
    }
}

// MARK: - Pass 2: the writer

/// The writer of one export: a GDAL dataset or an xlsx sheet; for a zipped Shapefile, a scratch folder then the zip.
final class LayerSink {
    private var gdal: GDALLayerWriter?
    private var xlsx: XLSXTableWriter?
    /// For a .zip: the scratch folder GDAL writes (beside the zip, removed at the end) and the zip made from it.
    private var scratch: (folder: String, zip: String)?
    let wantsGeometry: Bool

    init(
        path: String, layer: String, epsg: Int, family: GDALLayerWriter.GeometryFamily?, fields: [ExportField],
        options: ExportOptions
    ) throws {
        wantsGeometry = options.format.hasGeometry(csvWKT: options.csvWKT)
        // An empty layer still declares a type: our layers are polygons.
        let family = family ?? .polygon
        switch options.format {
        case .xlsx:
            xlsx = try XLSXTableWriter(path: path, sheetName: layer, fields: fields)
        case .gpkg:
            gdal = try GDALLayerWriter(
                path: path, driver: .geoPackage, layerName: layer, epsg: epsg, family: family, fields: fields)
        case .shp:
            var folder = path
            if options.shapefileZip { folder = path + ".parts"; scratch = (folder, path) }
            gdal = try GDALLayerWriter(
                path: folder, driver: .shapefile(options.encoding.shapefile), layerName: layer,
                epsg: epsg, family: family, fields: fields)
        case .csv:
            gdal = try GDALLayerWriter(
                path: path, driver: .csv(wkt: options.csvWKT), layerName: layer, epsg: epsg,
                family: options.csvWKT ? family : nil, fields: fields)
        case .kml:
            // A placemark's <name> is the feature's `name` (GDAL's KML driver maps that field onto it), else its code.
            let named = fields.contains { $0.name.lowercased() == "name" }
            let nameField = named ? nil : fields.contains { $0.name == "code" } ? "code" : nil
            gdal = try GDALLayerWriter(
                path: path, driver: .kml(nameField: nameField), layerName: layer, epsg: epsg,
                family: family, fields: fields)
        case .geojson, .geojsonseq:
            throw ExportWriteError("GeoJSON goes through GeoJSONWriter")
        }
    }

    deinit {
        if let scratch { try? FileManager.default.removeItem(atPath: scratch.folder) }
    }

    /// The GDAL writer (nil for xlsx), for callers that set values straight from a statement (ColumnExport).
    var gdalWriter: GDALLayerWriter? { gdal }

    func write(_ values: [ExportValue], wkb: UnsafeRawBufferPointer?, feature: @autoclosure () -> String) throws {
        if let gdal {
            try gdal.write(values, wkb: wkb, feature: feature())
        } else {
            try xlsx!.write(values, feature: feature())
        }
    }

    func finish() throws {
        if let gdal { try gdal.finish() } else { try xlsx!.finish() }
        if let scratch { try ShapefileZip.zip(folder: scratch.folder, to: scratch.zip) }
    }
}

// MARK: - The WKB inside a store geometry blob

enum GeoPackageWKB {
    /// Calls `body` with the WKB part of a GeoPackage geometry blob (after the header and envelope).
    static func withWKB<T>(of blob: Data, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try blob.withUnsafeBytes { raw in
            let start = try wkbOffset(raw)
            return try body(UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }

    /// The geometry family of a blob from its WKB type code (no decoding).
    static func family(of blob: Data) throws -> GDALLayerWriter.GeometryFamily? {
        try blob.withUnsafeBytes { raw in
            let start = try wkbOffset(raw)
            guard raw.count >= start + 5 else { return nil }
            let little = raw[start] == 1
            var type: UInt32 = 0
            for i in 0..<4 { type |= UInt32(raw[start + 1 + (little ? i : 3 - i)]) << (8 * UInt32(i)) }
            return GDALLayerWriter.GeometryFamily(wkbType: type)
        }
    }

    static func family(of g: Geometry) -> GDALLayerWriter.GeometryFamily? {
        switch g {
        case .point, .multiPoint: return .point
        case .lineString, .multiLineString: return .line
        case .polygon, .multiPolygon: return .polygon
        case .geometryCollection: return .any
        }
    }

    /// GeoPackage §2.1.3: "GP", version, flags (bits 1–3: envelope kind → 0, 32, 48, 48 or 64 bytes), srs_id.
    static func wkbOffset(_ raw: UnsafeRawBufferPointer) throws -> Int {
        guard raw.count >= 8, raw[0] == 0x47, raw[1] == 0x50 else {
            throw ExportWriteError("a geometry blob is not GeoPackage binary")
        }
        let envelopeKind = Int((raw[3] >> 1) & 0x07)
        let sizes = [0, 32, 48, 48, 64]
        guard envelopeKind < sizes.count else {
            throw ExportWriteError("a geometry blob has envelope kind \(envelopeKind)")
        }
        return 8 + sizes[envelopeKind]
    }
}
