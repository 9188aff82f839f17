import Foundation

// MARK: - The district store's styles where QGIS looks for them: public.layer_styles
//
// QGIS finds a PostgreSQL layer's default style in the table `layer_styles` of the database's `public` schema,
// which it makes itself on the first "Save style → in database" (QgsPostgresProviderMetadata::saveStyle: styleQML
// and styleSLD as xml, useAsDefault a boolean, owner defaulting to the current user, update_time to now). On opening
// a layer it applies the newest row with useAsDefault whose catalog (the database), schema, table and geometry column
// are the layer's. The registry's own `landreg.layer_styles` keeps each subdistrict's rows for its GeoPackage (a
// copy out brings them back); this writes landreg's default style of each layer of the schema `landreg` there, when
// the schema is made (the first subdistrict copied in, `init --subdistrict`, `landreg migrate`). As in a GeoPackage,
// rows are never deleted: landreg's earlier default rows for a layer are marked useAsDefault = false.

enum PostGISLayerStyles {
    /// QGIS 3.22's table, for a database that does not have it yet (the `type` column: 3.22 and later add it).
    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS public.layer_styles (
          id serial PRIMARY KEY,
          f_table_catalog varchar, f_table_schema varchar, f_table_name varchar, f_geometry_column varchar,
          stylename text, styleqml xml, stylesld xml, useasdefault boolean, description text,
          owner varchar(63) DEFAULT CURRENT_USER, ui xml, update_time timestamp DEFAULT CURRENT_TIMESTAMP,
          type varchar
        )
        """

    /// Writes the default style of every store layer for the tables of `schema`, in the caller's transaction, under
    /// a savepoint: a role that may not make or write public.layer_styles (it is not the database's owner) leaves
    /// the layers unstyled in QGIS and the rest of the transaction as it was. Returns why it could not, or nil.
    static func write(_ pg: PGConnection, schema: String) throws -> String? {
        try pg.execute("SAVEPOINT landreg_qgis_styles")
        do {
            try pg.execute(createTableSQL)
            try pg.execute("GRANT SELECT ON public.layer_styles TO \(PostGISSchema.officeRole)")
            for layer in DefaultStyles.storeLayers {
                guard let style = DefaultStyles.definition(for: layer) else { continue }
                let key = [schema, layer, style.geometryColumn]
                try pg.execute(
                    """
                    UPDATE public.layer_styles SET useasdefault = false
                    WHERE f_table_catalog = current_database() AND f_table_schema = $1 AND f_table_name = $2
                      AND f_geometry_column = $3 AND useasdefault AND owner = '\(LayerStyles.owner)'
                    """, key)
                // XMLPARSE(DOCUMENT …): a QML document starts with its DOCTYPE, which xml CONTENT may refuse.
                try pg.execute(
                    """
                    INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                      stylename, styleqml, stylesld, useasdefault, description, owner)
                    VALUES (current_database(), $1, $2, $3, $4, XMLPARSE(DOCUMENT $5), XMLPARSE(DOCUMENT $6), true, $7,
                      '\(LayerStyles.owner)')
                    """,
                    key + [
                        style.name, QGISStyleDocument.qml(style), SLDStyleDocument.sld(style), style.description
                    ])
            }
            try pg.execute("RELEASE SAVEPOINT landreg_qgis_styles")
            return nil
        } catch let e as PostgresError {
            try pg.execute("ROLLBACK TO SAVEPOINT landreg_qgis_styles")
            return e.message
        }
    }
}
