import Foundation
import GRDB

// MARK: - The layer_styles table (QGIS's styles inside a GeoPackage)
//
// QGIS keeps a GeoPackage's layer styles in `layer_styles`, which it creates through OGR on the first "Save
// style → in database" (QgsOgrProviderMetadata::saveStyle: f_table_* TEXT(256), styleName/owner/ui TEXT(30),
// useAsDefault a boolean, update_time a DateTime defaulting to now — GDAL's GeoPackage driver writes that
// default as strftime('%Y-%m-%dT%H:%M:%fZ','now')), registered in gpkg_contents as `attributes`. On opening a
// layer QGIS applies the newest row with useAsDefault = 1 whose f_table_name and f_geometry_column are the
// layer's (catalog and schema are empty in a GeoPackage). Rows are never deleted here: writing a layer's styles
// again marks landreg's earlier default rows useAsDefault = 0 and inserts new ones.

public enum LayerStyles {
    /// The DDL, as GDAL writes it for QGIS.
    static let createTableSQL = """
        CREATE TABLE "layer_styles" (
          "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
          "f_table_catalog" TEXT(256),
          "f_table_schema" TEXT(256),
          "f_table_name" TEXT(256),
          "f_geometry_column" TEXT(256),
          "styleName" TEXT(30),
          "styleQML" TEXT,
          "styleSLD" TEXT,
          "useAsDefault" BOOLEAN,
          "description" TEXT,
          "owner" TEXT(30),
          "ui" TEXT(30),
          "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
        )
        """

    /// Who landreg's rows name as owner.
    static let owner = "landreg"

    /// Creates layer_styles and registers it in gpkg_contents, unless the file has it already (a GeoPackage
    /// QGIS saved a style into).
    static func createTableIfMissing(_ db: Database) throws {
        if try !db.tableExists("layer_styles") { try db.execute(sql: createTableSQL) }
        let registered =
            try Bool.fetchOne(
                db, sql: "SELECT count(*) > 0 FROM gpkg_contents WHERE table_name = 'layer_styles'") ?? false
        if !registered {
            try GeoPackageSchema.registerAttributes(
                db, table: "layer_styles",
                description: "QGIS layer styles (default style of every layer)")
        }
    }

    /// Writes `style` as the default of `table` (default: the style's own layer): landreg's earlier default rows
    /// for that table become non-default, one new row is inserted.
    /// - Returns: the new row's id.
    @discardableResult
    static func writeDefault(
        _ style: LayerStyleDefinition, table: String? = nil, geometryColumn: String? = nil,
        db: Database
    ) throws -> Int64 {
        let table = table ?? style.layer
        try db.execute(
            sql: """
                UPDATE layer_styles SET useAsDefault = 0
                WHERE f_table_name = ? AND useAsDefault = 1 AND owner = ? AND styleName = ?
                """,
            arguments: [table, owner, style.name])
        try db.execute(
            sql: """
                INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,
                  styleQML, styleSLD, useAsDefault, description, owner)
                VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, ?)
                """,
            arguments: [
                table, geometryColumn ?? style.geometryColumn, style.name, QGISStyleDocument.qml(style),
                SLDStyleDocument.sld(style), style.description, owner
            ])
        return db.lastInsertedRowID
    }

    /// Creates the table if needed and writes the default style of every store layer. Used by the migration
    /// that brings layer_styles to a store (new stores get it the same way) and by `styles reset`.
    /// - Returns: the new row ids, by layer.
    @discardableResult
    static func writeStoreDefaults(_ db: Database) throws -> [(layer: String, id: Int64)] {
        try createTableIfMissing(db)
        return try DefaultStyles.storeLayers.map { layer in
            (layer, try writeDefault(DefaultStyles.definition(for: layer)!, db: db))
        }
    }

    /// Writes landreg's default style for `layer` into another GeoPackage (an exported file), as the default of
    /// its table `table` (default: `layer`). The file's layer_styles is created and registered if missing.
    /// - Throws: `LayerStylesError.noStyle` when landreg has no style for `layer`, `.noSuchTable` when the file
    ///   has no such feature table; SQLite errors otherwise (nothing is written then).
    public static func install(layer: String, into databasePath: String, table: String? = nil) throws {
        guard let style = DefaultStyles.definition(for: layer) else {
            throw LayerStylesError.noStyle(layer: layer, known: DefaultStyles.allLayers)
        }
        let table = table ?? layer
        let dbQueue = try DatabaseQueue(path: databasePath)
        defer { try? dbQueue.close() }
        try dbQueue.write { db in
            let column = try String.fetchOne(
                db, sql: "SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                arguments: [table])
            guard let column else { throw LayerStylesError.noSuchTable(file: databasePath, table: table) }
            try createTableIfMissing(db)
            try writeDefault(style, table: table, geometryColumn: column, db: db)
        }
    }
}

public enum LayerStylesError: Error, LocalizedError, Equatable {
    case noStyle(layer: String, known: [String])
    case noSuchTable(file: String, table: String)

    public var errorDescription: String? {
        switch self {
        case .noStyle(let layer, let known):
            return "landreg has no default style for layer \(layer) (it has: \(known.joined(separator: ", ")))"
        case .noSuchTable(let file, let table):
            return "\(file): there is no feature table \(table) (gpkg_geometry_columns has no row for it)"
        }
    }
}

/// One row of layer_styles, as `landreg styles list` shows it.
public struct LayerStyleRow: Codable, Sendable, Equatable {
    public let id: Int64
    public let table: String
    public let geometryColumn: String?
    public let name: String?
    public let isDefault: Bool
    public let owner: String?
    public let description: String?
    public let updatedAt: String?
    public let qmlBytes: Int
    public let sldBytes: Int

    // Two names differ from the property: `default` is a Swift keyword, `update_time` is QGIS's column.
    enum CodingKeys: String, CodingKey {
        case id, table, geometryColumn, name, owner, description, qmlBytes, sldBytes
        case isDefault = "default", updatedAt = "update_time"
    }
}

extension Registry {
    /// Every row of the store's layer_styles, oldest first (empty when the store has none).
    public func layerStyles() throws -> [LayerStyleRow] {
        try dbQueue.read { db in
            guard try db.tableExists("layer_styles") else { return [] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, f_table_name, f_geometry_column, styleName, useAsDefault, owner, description, update_time,
                      length(CAST(styleQML AS BLOB)) AS qml_bytes, length(CAST(styleSLD AS BLOB)) AS sld_bytes
                    FROM layer_styles ORDER BY id
                    """
            ).map { row in
                LayerStyleRow(
                    id: row["id"], table: row["f_table_name"] ?? "", geometryColumn: row["f_geometry_column"],
                    name: row["styleName"], isDefault: (row["useAsDefault"] as Int?) == 1, owner: row["owner"],
                    description: row["description"], updatedAt: row["update_time"],
                    qmlBytes: row["qml_bytes"] ?? 0, sldBytes: row["sld_bytes"] ?? 0)
            }
        }
    }

    /// Writes landreg's default styles again (after a colleague changed them in QGIS, or after an upgrade of
    /// landreg's styles): new default rows for every store layer, the earlier landreg rows kept as non-default,
    /// and one `styles-reset` event. Styles others saved under other names stay as they are.
    /// - Returns: the new rows.
    @discardableResult
    public func resetLayerStyles(context: ChangeContext) throws -> [LayerStyleRow] {
        let ids: [Int64] = try write { db in
            let demoted =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM layer_styles WHERE useAsDefault = 1 AND owner = ? AND styleName LIKE 'landreg-%'
                        """, arguments: [LayerStyles.owner]) ?? 0
            let written = try LayerStyles.writeStoreDefaults(db)
            try AuditLog.append(
                db, context: context, entity: .layerStyles, entityID: nil, entityCode: nil,
                details: .stylesReset(
                    StylesResetDetails(
                        layers: written.map(\.layer), styleIDs: written.map(\.id),
                        replacedDefaults: demoted)))
            return written.map(\.id)
        }
        return try layerStyles().filter { ids.contains($0.id) }
    }
}
