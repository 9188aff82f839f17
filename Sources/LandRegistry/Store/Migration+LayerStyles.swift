import GRDB

// MARK: - QGIS layer styles (2026-12-01)
//
// Adds QGIS's layer_styles table (DDL in LayerStyles.createTableSQL, as GDAL writes it for QGIS) and one default
// style row per store layer, so that QGIS opens every layer styled. The rows hold the QML/SLD this build
// generates; `landreg styles reset` writes newer ones later. A store QGIS already saved styles into keeps them
// (the table is created only when missing; QGIS applies the newest default).

extension Migrations {
    static func layerStyles(_ db: Database) throws {
        try LayerStyles.writeStoreDefaults(db)
    }
}
