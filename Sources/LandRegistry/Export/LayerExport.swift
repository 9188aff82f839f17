import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Exporting layers as GeoJSON
//
// Streams rows from the store through a PROJ transform into a GeoJSON writer: memory does not grow with the
// layer. By default the output is RFC 7946 (EPSG:4326 lon/lat, exterior rings counter-clockwise, no crs
// member); with a projected --crs the legacy crs member is written so GIS tools place it right. The file
// appears only when complete and never replaces the store, a database, a link or (without --overwrite) an existing
// file: `OutputFile.write` (Support/OutputFile.swift) owns the checks, the temporary and the rename. "-" writes to
// standard output.

public enum ExportFormat: String, CaseIterable, Sendable {
    case geojson, geojsonseq
    // Through GDAL / libxlsxwriter: FormatExport.swift.
    case gpkg, shp, csv, kml, xlsx
}

public struct ExportOptions: Sendable {
    public var crs: CRS
    public var format: ExportFormat
    /// Decimal places of coordinates; nil = shortest text that reads back to the same double.
    public var decimals: Int?
    public var includeRetired: Bool
    /// What the output may replace; the exporting store's own path is always protected as well.
    public var outputPolicy: OutputPolicy
    /// Shapefile .dbf encoding (UTF-8 .cpg by default; GBK for older ArcGIS).
    public var encoding: ExportEncoding = .utf8
    /// Shapefile: write a .zip holding the files instead of a folder.
    public var shapefileZip = false
    /// CSV: add a WKT geometry column.
    public var csvWKT = false

    /// What the export creates at its target: a folder for a Shapefile not zipped, else a file.
    public var outputKind: OutputKind { format == .shp && !shapefileZip ? .directory : .file }

    public init(
        crs: CRS = .wgs84, format: ExportFormat = .geojson, decimals: Int? = nil, includeRetired: Bool = false,
        outputPolicy: OutputPolicy = OutputPolicy()
    ) {
        self.crs = crs; self.format = format; self.decimals = decimals; self.includeRetired = includeRetired
        self.outputPolicy = outputPolicy
    }
}

public struct ExportReport: Sendable, Codable {
    public let layer: String
    public let file: String
    public let crs: String
    public let features: Int
    /// Shapefile exports: each field's name in the .dbf (the 10-byte rule, docs/exports.md).
    public var fieldNames: [ShapefileFieldName]? = nil
    /// What GDAL warned about while writing (nil when nothing).
    public var warnings: [String]? = nil
}

/// A row of a layer as it is exported: an id, properties in order, the geometry blob.
struct ExportRow {
    let id: JSONValue?
    let properties: JSONObject
    let blob: Data
}

extension Registry {
    /// Exports live parcels (code, land use and its name, owner, areas in m² and 亩, kept properties).
    public func exportParcels(to file: String, options: ExportOptions) throws -> ExportReport {
        if !options.format.isGeoJSON {
            let m2 = ColumnLayer.Kind.real
            let columns: [ColumnLayer.Column] =
                [
                    .init(name: "code", sql: "p.code", kind: .text),
                    .init(name: "land_use", sql: "p.land_use", kind: .text),
                    .init(name: "land_use_name", sql: "c.name_zh", kind: .text),
                    .init(name: "land_use_system", sql: "p.land_use_system", kind: .text),
                    .init(name: "owner", sql: "p.owner", kind: .text), .init(name: "name", sql: "p.name", kind: .text),
                    .init(name: "registered_area_m2", sql: "p.registered_area_m2", kind: m2),
                    .init(name: "planar_area_m2", sql: "p.planar_area_m2", kind: m2),
                    .init(name: "ellipsoidal_area_m2", sql: "p.ellipsoidal_area_m2", kind: m2),
                    .init(name: "area_mu", sql: "p.ellipsoidal_area_m2", kind: .mu)
                ] + (options.includeRetired ? [.init(name: "retired_at", sql: "p.retired_at", kind: .text)] : [])
            let plan = ColumnLayer(
                layer: "parcels", columns: columns, idColumn: 0, table: "parcels p",
                joins: "LEFT JOIN landuse_codes c ON c.system = p.land_use_system AND c.code = p.land_use",
                filter: options.includeRetired ? "" : "WHERE p.retired_at IS NULL", order: "ORDER BY p.fid",
                rowKey: "p.fid", geometry: "p.geom", properties: "p.properties", family: .polygon)
            if let report = try exportColumnLayer(plan, to: file, options: options) { return report }
        }
        // Columns read by position: decoding a `Parcel` (Codable, by column name) was 19 % of a Shapefile export.
        // `fid` (last) is read only to name a row that cannot be read.
        let sql = """
            SELECT p.geom, p.code, p.land_use, c.name_zh, p.land_use_system, p.owner, p.name, p.registered_area_m2,
                   p.planar_area_m2, p.ellipsoidal_area_m2, p.retired_at, p.properties, p.fid
            FROM parcels p LEFT JOIN landuse_codes c ON c.system = p.land_use_system AND c.code = p.land_use
            """ + (options.includeRetired ? "" : " WHERE p.retired_at IS NULL") + " ORDER BY p.fid"
        let includeRetired = options.includeRetired
        return try exportLayer("parcels", sql: sql, to: file, options: options) { row in
            func text(_ i: Int) -> JSONValue { (row[i] as String?).map(JSONValue.string) ?? .null }
            // Columns landreg always fills: NULL there (another program's edit) is named, not trapped on.
            func required<Value: DatabaseValueConvertible>(_ i: Int) throws -> Value {
                try UnreadableRow.value(row, at: i, file: path, table: "parcels")
            }
            let code: String = try required(1)
            let ellipsoidalM2: Double = try required(9)
            let planarM2: Double = try required(8)
            var props: [(key: String, value: JSONValue)] = [
                ("code", .string(code)),
                ("land_use", text(2)),
                ("land_use_name", text(3)),
                ("land_use_system", text(4)),
                ("owner", text(5)),
                ("name", text(6)),
                ("registered_area_m2", (row[7] as Double?).map { JSONValue(double: $0) } ?? .null),
                ("planar_area_m2", JSONValue(double: planarM2)),
                ("ellipsoidal_area_m2", JSONValue(double: ellipsoidalM2)),
                ("area_mu", JSONValue(double: AreaUnits.mu(ellipsoidalM2)))
            ]
            if includeRetired { props.append(("retired_at", text(10))) }
            props += try JSONObject.parse(try required(11) as String).map { ($0.key, $0.value) }
            return ExportRow(id: .string(code), properties: JSONObject(props), blob: try required(0))
        }
    }

    /// Exports live zones (code, kind, name, areas).
    public func exportZones(to file: String, kind: ZoneKind? = nil, options: ExportOptions) throws -> ExportReport {
        let sql = """
            SELECT geom, fid, code, kind, name, planar_area_m2, ellipsoidal_area_m2, properties FROM zones
            WHERE retired_at IS NULL \(kind.map { "AND kind = '\($0.rawValue)'" } ?? "") ORDER BY kind, code
            """
        return try exportLayer("zones", sql: sql, to: file, options: options) { row in
            func required<Value: DatabaseValueConvertible>(_ column: String) throws -> Value {
                try UnreadableRow.value(row, column, file: path, table: "zones")
            }
            let area: Double = try required("ellipsoidal_area_m2")
            let code: String = try required("code")
            var props: [(key: String, value: JSONValue)] = [
                ("code", .string(code)), ("kind", .string(try required("kind"))),
                ("name", (row["name"] as String?).map(JSONValue.string) ?? .null),
                ("planar_area_m2", JSONValue(double: try required("planar_area_m2"))),
                ("ellipsoidal_area_m2", JSONValue(double: area)),
                ("area_mu", JSONValue(double: AreaUnits.mu(area)))
            ]
            props += try JSONObject.parse(try required("properties") as String).map { ($0.key, $0.value) }
            return ExportRow(id: .string(code), properties: JSONObject(props), blob: try required("geom"))
        }
    }

    /// Streams `sql`'s rows through `makeRow` into a GeoJSON file in `options.crs`.
    func exportLayer(
        _ layer: String, sql: String, arguments: StatementArguments = [], to file: String,
        options: ExportOptions, makeRow: (Row) throws -> ExportRow
    ) throws -> ExportReport {
        if !options.format.isGeoJSON {
            return try exportLayerToFile(
                layer, sql: sql, arguments: arguments, to: file, options: options, makeRow: makeRow)
        }
        let count = try writeGeoJSON(layer, to: file, options: options) { writer, transform in
            var count = 0
            try dbQueue.read { db in
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    let out = try makeRow(row)
                    var geometry = try decodeGeometry(out.blob)
                    if let transform { geometry = try transform.transform(geometry) }
                    if case .multiPolygon(let parts) = geometry, parts.count == 1 { geometry = .polygon(parts[0]) }
                    try writer.write(id: out.id, properties: out.properties, geometry: geometry)
                    count += 1
                }
            }
            return count
        }
        return ExportReport(layer: layer, file: file, crs: options.crs.description, features: count)
    }
}

extension Registry {
    /// Exports computed features (geometries in the store CRS, e.g. analysis results) the same way as a layer.
    public func exportFeatures(
        _ layer: String, _ features: [(id: JSONValue?, properties: JSONObject, geometry: Geometry)],
        to file: String, options: ExportOptions
    ) throws -> ExportReport {
        if !options.format.isGeoJSON { return try exportFeaturesToFile(layer, features, to: file, options: options) }
        try writeGeoJSON(layer, to: file, options: options) { writer, transform in
            for f in features {
                var geometry = f.geometry
                if let transform { geometry = try transform.transform(geometry) }
                try writer.write(id: f.id, properties: f.properties, geometry: geometry)
            }
        }
        return ExportReport(layer: layer, file: file, crs: options.crs.description, features: features.count)
    }
}

extension Registry {
    /// The policy an export of this store writes under: `options.outputPolicy` with the store protected.
    public func outputPolicy(_ policy: OutputPolicy, expects kind: OutputKind = .file) -> OutputPolicy {
        var p = policy
        if !p.protectedPaths.contains(path) { p.protectedPaths.append(path) }
        p.expects = kind
        return p
    }

    /// Writes `file` through `OutputFile` (checked, then written under a temporary name and moved into place):
    /// `body` gets a GeoJSON writer for `options` and the transform from the store CRS (nil when the same).
    fileprivate func writeGeoJSON<T>(
        _ layer: String, to file: String, options: ExportOptions,
        _ body: (GeoJSONWriter, CoordinateTransform?) throws -> T
    ) throws -> T {
        let transform = options.crs == storeCRS ? nil : try CoordinateTransform(from: storeCRS, to: options.crs)
        let rfc7946 = options.crs == .wgs84
        func write(_ path: String) throws -> T {
            let writer = try GeoJSONWriter(
                path: path, format: options.format == .geojson ? .featureCollection : .sequence,
                legacyCRSName: rfc7946 ? nil : "urn:ogc:def:crs:EPSG::\(options.crs.epsg)",
                rfc7946Orientation: true, coordinateDecimals: options.decimals, name: layer)
            let result = try body(writer, transform)
            try writer.finish()
            return result
        }
        if file == "-" { return try write(file) }
        return try OutputFile.write(to: file, policy: outputPolicy(options.outputPolicy)) { temporary in
            do {
                return try write(temporary)
            } catch let e as GeoJSONError where e.file == temporary {
                // Name the output the user asked for, not the hidden temporary.
                throw GeoJSONError(
                    file: file, featureIndex: e.featureIndex, featureID: e.featureID, line: e.line,
                    message: e.message + " (no file was left there)")
            }
        }
    }
}
