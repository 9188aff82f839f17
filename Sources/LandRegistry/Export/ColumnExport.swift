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
// 2.7–3.0 s on the same store. Here the schema comes from an aggregate query that SQLite answers in C (the
// table's columns) and a scan of the kept properties' texts (KeptKeyScan.swift: their keys, JSON types, widest
// texts and first appearance; json_each where the scan gives up), and the one write pass hands SQLite's column
// pointers (texts, doubles, the stored WKB) to OGR features without a Swift value per field, filled on a second
// thread while this one hands them to the driver (GDALFilledWrite.swift). Figures: docs/performance.md.
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
            let (result, messages) = try GDALRuntime.collectingMessages {
                try exportColumnLayerCollecting(plan, to: file, options: options)
            }
            // The filling thread's messages first: they come from reading the rows, before the driver writes them.
            return result.map { $0.report.adding($0.fillMessages + messages) }
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
        -> (report: ExportReport, fillMessages: [GDALMessage])?
    {
        try dbQueue.read { db -> (report: ExportReport, fillMessages: [GDALMessage])? in
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
            var fillMessages: [GDALMessage] = []
            try OutputFile.write(to: file, policy: outputPolicy(options.outputPolicy, expects: options.outputKind)) {
                path in
                let sink = try LayerSink(
                    path: path, layer: plan.layer, epsg: options.crs.epsg, family: plan.family,
                    fields: fields, options: options)
                guard let writer = sink.gdalWriter else { throw ColumnExportFallBack() }
                let statement = try db.makeStatement(sql: sql)
                let h = statement.sqliteStatement
                let idField = plan.idColumn
                // The statement is stepped on the writer's filling thread while this one waits in writeFilled
                // (SQLite's serialized mode; GRDB's connection is not used meanwhile).
                fillMessages = try writer.writeFilled(
                    fill: { f in
                        let step = sqlite3_step(h)
                        if step == SQLITE_DONE { return false }
                        guard step == SQLITE_ROW else {
                            throw DatabaseError(
                                resultCode: ResultCode(rawValue: step),
                                message: String(cString: sqlite3_errmsg(sqlite3_db_handle(h))))
                        }
                        for (i, p) in planned.enumerated() where sqlite3_column_type(h, p.column) != SQLITE_NULL {
                            switch p.field.type {
                            case .real:
                                let v = sqlite3_column_double(h, p.column)
                                f.setDouble(i, p.isMu ? AreaUnits.mu(v) : v)
                            case .integer64: f.setInteger(i, sqlite3_column_int64(h, p.column))
                            case .boolean: f.setBoolean(i, sqlite3_column_int64(h, p.column) != 0)
                            case .string:
                                // sqlite3_column_text returns NUL-terminated UTF-8, valid until the next step.
                                guard let text = sqlite3_column_text(h, p.column) else { continue }
                                text.withMemoryRebound(to: CChar.self, capacity: 1) { f.setText(i, $0) }
                            case .date:
                                guard let text = sqlite3_column_text(h, p.column),
                                    sqlite3_column_bytes(h, p.column) == 10
                                else { continue }
                                // YYYY-MM-DD, checked a date by the schema query.
                                func number(_ from: Int, _ n: Int) -> Int {
                                    (from..<from + n).reduce(0) { $0 * 10 + Int(text[$1]) - 48 }
                                }
                                f.setDate(i, year: number(0, 4), month: number(5, 2), day: number(8, 2))
                            }
                        }
                        guard let blob = sqlite3_column_blob(h, 0) else { throw ColumnExportFallBack() }
                        let raw = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(h, 0)))
                        let start = try GeoPackageWKB.wkbOffset(raw)
                        let wkb = UnsafeRawBufferPointer(rebasing: raw[start...])
                        // Another family: the general path refuses it (Shapefile) or declares a Geometry layer.
                        guard GeoPackageWKB.family(ofWKB: wkb) == plan.family else { throw ColumnExportFallBack() }
                        try f.setGeometry(
                            wkb: wkb, feature: describeFeature(count, f.text(idField).map(JSONValue.string)))
                        count += 1
                        return true
                    },
                    describe: { index, f in describeFeature(index, f.text(idField).map(JSONValue.string)) })
                try sink.finish()
                // An exported GeoPackage carries its layer's default style, as QGIS reads it (docs/styles.md).
                if options.format == .gpkg { try LayerStyles.install(layer: plan.layer, into: path) }
            }
            let report = ExportReport(
                layer: plan.layer, file: file, crs: options.crs.description, features: count,
                fieldNames: options.format == .shp
                    ? fields.map {
                        ShapefileFieldName(field: $0.name, shapefile: $0.fileName)
                    } : nil)
            return (report, fillMessages)
        }
    }

    /// The fields as the general path's schema pass would settle them, from two aggregate queries; nil when
    /// that cannot be decided from the aggregates.
    private func columnSchema(_ plan: ColumnLayer, db: Database, options: ExportOptions) throws -> [PlannedField]? {
        let hasDates = options.format.hasDates
        let shp = options.format == .shp
        // Per column: non-null count; for texts also the widest in UTF-8 bytes and how many are YYYY-MM-DD days
        // (CASE so that date() runs only on ten-character texts with a dash where a day has one; '+0 days' makes
        // an impossible day such as 2023-02-29 another text, as Clock.validDay of the general path has it).
        let aggregates =
            ["count(*)"]
            + plan.columns.flatMap { c -> [String] in
                guard case .text = c.kind else { return ["count(\(c.sql))", "0", "0"] }
                return [
                    "count(\(c.sql))", "coalesce(max(length(CAST(\(c.sql) AS BLOB))), 0)",
                    "coalesce(sum(CASE WHEN length(\(c.sql)) = 10 AND substr(\(c.sql), 5, 1) = '-' THEN date(\(c.sql), '+0 days') IS \(c.sql) ELSE 0 END), 0)"
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
        // Per kept key: first appearance, counts by JSON type, widest text, days, integers beyond Int64.
        let tallies =
            try KeptKeyTally.scanned(
                db, table: plan.table, filter: plan.filter, rowKey: plan.rowKey, properties: plan.properties)
            ?? KeptKeyTally.fromSQL(
                db, table: plan.table, filter: plan.filter, rowKey: plan.rowKey, properties: plan.properties)
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
