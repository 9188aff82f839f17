import Foundation
import GRDB
import GRDBSQLite
import LandFormats
import LandGeoJSON
import LandGeometry

// MARK: - A layer exported straight from its table (GeoPackage and UTF-8 Shapefile, store CRS)
//
// Why by hand (measured, 100,000 parcels to a UTF-8 Shapefile, release build, 2 loaded cores): the general path
// (FormatExport: rows through `makeRow` into JSON values, a schema pass then a write pass, both in Swift) took
// 7.4 s of CPU at first and 5.4 s once its row building and schema bookkeeping were trimmed, against ogr2ogr's
// 2.7–3.0 s on the same store. Here the schema comes from two aggregate queries that SQLite answers in C (the
// table's columns and, through json_each, the kept properties' keys, JSON types, widest texts and first
// appearance), and the one write pass hands SQLite's column pointers (texts, doubles, the stored WKB) to one
// reused OGR feature without a Swift value per field: 3.2–3.8 s of CPU. The json_each query is about 1 s of
// that; a byte scanner of the properties texts would be the next step. Figures: README, Performance.
//
// Same output as the general path, byte for byte on the bench store. Whatever this path cannot decide from
// the aggregates the general path handles (it returns nil, or throws `ColumnExportFallBack` before the output
// is renamed into place, so nothing is left behind): a text too wide for a .dbf (the refusal names the
// feature), a kept key that shadows a column, a key needing JSON-path quoting, arrays or objects, a key whose
// values mix texts and numbers, an integer beyond Int64, a geometry of another family, an empty layer.

/// A table whose export is its columns, computed 亩, then the kept properties' keys.
struct ColumnLayer {
    enum Kind {
        case text, real
        /// 亩 of the square metres in column `sql`.
        case mu
    }

    struct Column {
        let name: String
        /// The SQL expression over `from` (for `.mu`: the m² column).
        let sql: String
        let kind: Kind
    }

    let layer: String
    let columns: [Column]
    /// Which column is the feature's id (named in errors).
    let idColumn: Int
    /// The table with alias, e.g. "parcels p"; `joins` adds what `columns` need.
    let table: String
    let joins: String
    /// "" or "WHERE …" over `table`'s alias.
    let filter: String
    let order: String
    /// Integer expression giving export order (first appearance of a key), e.g. "p.fid".
    let rowKey: String
    let geometry: String
    let properties: String
    /// The geometry family the table's declared type guarantees.
    let family: GDALLayerWriter.GeometryFamily
}

/// Thrown inside the write when a row needs the general path; the temporary output is removed.
struct ColumnExportFallBack: Error {}

extension Registry {
    /// Exports `plan` if this path can (returns nil when the general path must do it).
    func exportColumnLayer(_ plan: ColumnLayer, to file: String, options: ExportOptions) throws -> ExportReport? {
        guard options.crs == storeCRS,
            options.format == .gpkg || (options.format == .shp && options.encoding == .utf8)
        else { return nil }
        do {
            let (report, messages) = try GDALRuntime.collectingMessages {
                try exportColumnLayerCollecting(plan, to: file, options: options)
            }
            return report?.adding(messages)
        } catch is ColumnExportFallBack {
            return nil
        }
    }

    private struct PlannedField {
        var field: ExportField
        /// The result column holding its value (0 is the geometry).
        var column: Int32
        var isMu = false
    }

    private func exportColumnLayerCollecting(_ plan: ColumnLayer, to file: String, options: ExportOptions) throws
        -> ExportReport?
    {
        try dbQueue.read { db -> ExportReport? in
            guard let planned = try columnSchema(plan, db: db, options: options) else { return nil }
            let fields = planned.map(\.field)
            let keys = planned.dropFirst(plan.columns.count).map(\.field.name)
            // Keys are plain (checked in columnSchema): '$."key"' needs no escaping.
            let select =
                ([plan.geometry] + plan.columns.map(\.sql)
                + keys.map { "json_extract(\(plan.properties), '$.\"\($0)\"')" })
                .joined(separator: ", ")
            let sql = "SELECT \(select) FROM \(plan.table) \(plan.joins) \(plan.filter) \(plan.order)"
            var count = 0
            try OutputFile.write(to: file, policy: outputPolicy(options.outputPolicy, expects: options.outputKind)) {
                path in
                let sink = try LayerSink(
                    path: path, layer: plan.layer, epsg: options.crs.epsg, family: plan.family,
                    fields: fields, options: options)
                guard let writer = sink.gdalWriter else { throw ColumnExportFallBack() }
                let statement = try db.makeStatement(sql: sql)
                let h = statement.sqliteStatement
                let idColumn = Int32(1 + plan.idColumn)
                func describe() -> String {
                    let id = sqlite3_column_text(h, idColumn).map { String(cString: $0) }
                    return describeFeature(count, id.map(JSONValue.string))
                }
                while true {
                    let step = sqlite3_step(h)
                    if step == SQLITE_DONE { break }
                    guard step == SQLITE_ROW else {
                        throw DatabaseError(
                            resultCode: ResultCode(rawValue: step),
                            message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                    }
                    try writer.beginFeature()
                    for (i, p) in planned.enumerated() where sqlite3_column_type(h, p.column) != SQLITE_NULL {
                        switch p.field.type {
                        case .real:
                            let v = sqlite3_column_double(h, p.column)
                            writer.setDouble(i, p.isMu ? AreaUnits.mu(v) : v)
                        case .integer64: writer.setInteger(i, sqlite3_column_int64(h, p.column))
                        case .boolean: writer.setBoolean(i, sqlite3_column_int64(h, p.column) != 0)
                        case .string:
                            // sqlite3_column_text returns NUL-terminated UTF-8, valid until the next step.
                            guard let text = sqlite3_column_text(h, p.column) else { continue }
                            text.withMemoryRebound(to: CChar.self, capacity: 1) { writer.setText(i, $0) }
                        case .date:
                            guard let text = sqlite3_column_text(h, p.column), sqlite3_column_bytes(h, p.column) == 10
                            else { continue }
                            // YYYY-MM-DD, checked a date by the schema query.
                            func number(_ from: Int, _ n: Int) -> Int {
                                (from..<from + n).reduce(0) { $0 * 10 + Int(text[$1]) - 48 }
                            }
                            writer.setDate(i, year: number(0, 4), month: number(5, 2), day: number(8, 2))
                        }
                    }
                    guard let blob = sqlite3_column_blob(h, 0) else { throw ColumnExportFallBack() }
                    let raw = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(h, 0)))
                    let start = try GeoPackageWKB.wkbOffset(raw)
                    let wkb = UnsafeRawBufferPointer(rebasing: raw[start...])
                    // Another family: the general path refuses it (Shapefile) or declares a Geometry layer.
                    guard GeoPackageWKB.family(ofWKB: wkb) == plan.family else { throw ColumnExportFallBack() }
                    try writer.endFeature(wkb: wkb, feature: describe())
                    count += 1
                }
                try sink.finish()
                // An exported GeoPackage carries its layer's default style, as QGIS reads it (docs/styles.md).
                if options.format == .gpkg { try LayerStyles.install(layer: plan.layer, into: path) }
            }
            return ExportReport(
                layer: plan.layer, file: file, crs: options.crs.description, features: count,
                fieldNames: options.format == .shp
                    ? fields.map {
                        ShapefileFieldName(field: $0.name, shapefile: $0.fileName)
                    } : nil)
        }
    }

    /// The fields as the general path's schema pass would settle them, from two aggregate queries; nil when
    /// that cannot be decided from the aggregates.
    private func columnSchema(_ plan: ColumnLayer, db: Database, options: ExportOptions) throws -> [PlannedField]? {
        let hasDates = options.format.hasDates
        let shp = options.format == .shp
        // Per column: non-null count; for texts also the widest in UTF-8 bytes and how many are YYYY-MM-DD days
        // (CASE so that date() runs only on ten-character texts with a dash where a day has one).
        let aggregates =
            ["count(*)"]
            + plan.columns.flatMap { c -> [String] in
                guard case .text = c.kind else { return ["count(\(c.sql))", "0", "0"] }
                return [
                    "count(\(c.sql))", "coalesce(max(length(CAST(\(c.sql) AS BLOB))), 0)",
                    "coalesce(sum(CASE WHEN length(\(c.sql)) = 10 AND substr(\(c.sql), 5, 1) = '-' THEN date(\(c.sql)) IS \(c.sql) ELSE 0 END), 0)"
                ]
            }
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(aggregates.joined(separator: ", ")) FROM \(plan.table) \(plan.joins) \(plan.filter)"),
            (row[0] as Int64) > 0
        else { return nil }
        var planned: [PlannedField] = []
        for (i, c) in plan.columns.enumerated() {
            let present: Int64 = row[1 + 3 * i], width: Int = row[2 + 3 * i], days: Int64 = row[3 + 3 * i]
            var type: ExportFieldType = .string
            if present > 0 {
                switch c.kind {
                case .real, .mu: type = .real
                case .text: type = hasDates && days == present ? .date : .string
                }
            }
            if shp && c.kind == .text && width > 254 { return nil }
            planned.append(
                PlannedField(
                    field: ExportField(name: c.name, type: type, widthBytes: max(1, c.kind == .text ? width : 1)),
                    column: Int32(1 + i), isMu: c.kind == .mu))
        }
        // Per kept key and JSON type: first appearance (row, then position), count, widest text, texts that are
        // days, integers beyond Int64. Grouped by type too: each json_each column is read once per value (this
        // query took 1.5 s of CPU on 100,000 parcels with one aggregate per type, 1.07 s so).
        let keySQL = """
            SELECT j.key, j.type, min((\(plan.rowKey) << 32) + j.id), count(*),
                   coalesce(max(CASE WHEN j.type = 'text' THEN length(CAST(j.atom AS BLOB)) END), 0),
                   sum(CASE WHEN j.type = 'text' AND length(j.atom) = 10 THEN date(j.atom) IS j.atom ELSE 0 END),
                   sum(CASE WHEN j.type = 'integer' THEN typeof(j.atom) <> 'integer' ELSE 0 END)
            FROM \(plan.table), json_each(\(plan.properties)) j \(plan.filter) GROUP BY j.key, j.type
            """
        struct Tally {
            var first = Int64.max, bools: Int64 = 0, ints: Int64 = 0, reals: Int64 = 0, texts: Int64 = 0,
                nested: Int64 = 0, bigInts: Int64 = 0, width = 0, days: Int64 = 0
        }
        var tallies: [String: Tally] = [:]
        for r in try Row.fetchAll(db, sql: keySQL) {
            let name: String = r[0], type: String = r[1], n: Int64 = r[3]
            var t = tallies[name] ?? Tally()
            t.first = min(t.first, r[2])
            switch type {
            case "true", "false": t.bools += n
            case "integer": t.ints += n
            case "real": t.reals += n
            case "text": t.texts += n; t.width = max(t.width, r[4]); t.days += r[5]
            case "array", "object": t.nested += n
            default: break // null
            }
            t.bigInts += r[6]
            tallies[name] = t
        }
        struct Key { let name: String; let first: Int64; let type: ExportFieldType?; let width: Int }
        var keys: [Key] = []
        let taken = Set(plan.columns.map(\.name))
        for (name, t) in tallies {
            guard !name.isEmpty, !taken.contains(name), !name.contains("\""), !name.contains("\\"), !name.contains("'"),
                t.nested == 0, t.bigInts == 0, !(shp && t.width > 254)
            else { return nil }
            let kinds = [t.bools > 0, t.ints + t.reals > 0, t.texts > 0].filter { $0 }.count
            // Texts mixed with numbers or booleans become texts whose width depends on each lexeme: general path.
            guard kinds <= 1 else { return nil }
            var type: ExportFieldType?
            if t.bools > 0 { type = .boolean }
            if t.ints + t.reals > 0 { type = t.reals > 0 || ExportSchemaBuilder.isReal(name) ? .real : .integer64 }
            if t.texts > 0 { type = hasDates && t.days == t.texts ? .date : .string }
            keys.append(Key(name: name, first: t.first, type: type, width: t.width))
        }
        keys.sort { $0.first < $1.first }
        let column0 = Int32(1 + plan.columns.count)
        for (i, k) in keys.enumerated() {
            planned.append(
                PlannedField(
                    field: ExportField(name: k.name, type: k.type ?? .string, widthBytes: max(1, k.width)),
                    column: column0 + Int32(i)))
        }
        if shp {
            if planned.count > 255 { return nil }
            let fileNames = ShapefileFieldNames.shorten(planned.map(\.field.name), encoding: .utf8)
            for i in planned.indices { planned[i].field.fileName = fileNames[i] }
        }
        return planned
    }
}

extension GeoPackageWKB {
    /// The geometry family of WKB from its type code (no decoding).
    static func family(ofWKB wkb: UnsafeRawBufferPointer) -> GDALLayerWriter.GeometryFamily? {
        guard wkb.count >= 5 else { return nil }
        let little = wkb[0] == 1
        var type: UInt32 = 0
        for i in 0..<4 { type |= UInt32(wkb[1 + (little ? i : 3 - i)]) << (8 * UInt32(i)) }
        return GDALLayerWriter.GeometryFamily(wkbType: type)
    }
}
