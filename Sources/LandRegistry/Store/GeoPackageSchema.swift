import GRDB
import LandGeometry

// MARK: - GeoPackage core tables and feature layers
//
// The store is an OGC GeoPackage 1.2 file (user_version 10200, the version GDAL 3.6 writes and opens without
// warning) with the gpkg_rtree_index extension on every feature layer, using the six R*Tree triggers of the
// 1.2 spec. Those triggers call ST_IsEmpty and ST_MinX/MaxX/MinY/MaxY, which every landreg connection
// registers (SpatialSQLFunctions) and which GDAL registers on its own connections.

enum GeoPackageSchema {
    /// "GPKG" as a big-endian 32-bit integer: PRAGMA application_id of every GeoPackage.
    static let applicationID: Int32 = 0x4750_4B47
    /// GeoPackage 1.2.0.
    static let userVersion = 10200

    /// Creates gpkg_spatial_ref_sys (with the three rows the spec requires), gpkg_contents,
    /// gpkg_geometry_columns and gpkg_extensions.
    static func createCoreTables(_ db: Database) throws {
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(userVersion)")
        try db.execute(
            sql: """
                CREATE TABLE gpkg_spatial_ref_sys (
                  srs_name TEXT NOT NULL,
                  srs_id INTEGER NOT NULL PRIMARY KEY,
                  organization TEXT NOT NULL,
                  organization_coordsys_id INTEGER NOT NULL,
                  definition TEXT NOT NULL,
                  description TEXT
                );
                CREATE TABLE gpkg_contents (
                  table_name TEXT NOT NULL PRIMARY KEY,
                  data_type TEXT NOT NULL,
                  identifier TEXT UNIQUE,
                  description TEXT DEFAULT '',
                  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
                  srs_id INTEGER,
                  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
                );
                CREATE TABLE gpkg_geometry_columns (
                  table_name TEXT NOT NULL,
                  column_name TEXT NOT NULL,
                  geometry_type_name TEXT NOT NULL,
                  srs_id INTEGER NOT NULL,
                  z TINYINT NOT NULL,
                  m TINYINT NOT NULL,
                  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
                  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
                  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
                  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
                );
                CREATE TABLE gpkg_extensions (
                  table_name TEXT,
                  column_name TEXT,
                  extension_name TEXT NOT NULL,
                  definition TEXT NOT NULL,
                  scope TEXT NOT NULL,
                  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
                );
                """)
        try db.execute(
            sql: """
                INSERT INTO gpkg_spatial_ref_sys VALUES
                  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
                  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
                  ('WGS 84 geodetic', 4326, 'EPSG', 4326,
                   'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
                   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
                """)
    }

    /// Registers an EPSG CRS in gpkg_spatial_ref_sys (no-op when it is there).
    static func registerSRS(_ db: Database, epsg: Int, name: String, wkt: String) throws {
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO gpkg_spatial_ref_sys
                  (srs_name, srs_id, organization, organization_coordsys_id, definition, description)
                VALUES (?, ?, 'EPSG', ?, ?, ?)
                """,
            arguments: [name, epsg, epsg, wkt, name])
    }

    /// Registers a non-spatial table as an `attributes` row of gpkg_contents, so GIS tools list it.
    static func registerAttributes(_ db: Database, table: String, description: String) throws {
        try db.execute(
            sql:
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?, 'attributes', ?, ?)",
            arguments: [table, table, description])
    }

    /// Registers an already created feature table: gpkg_contents, gpkg_geometry_columns, and the
    /// gpkg_rtree_index extension (virtual R*Tree table + the six maintenance triggers).
    /// `table` and `column` come from our own migrations, never from input.
    static func registerFeatureLayer(
        _ db: Database, table: String, column: String = "geom", primaryKey: String = "fid",
        geometryType: String, srsID: Int, description: String
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
                VALUES (?, 'features', ?, ?, ?)
                """,
            arguments: [table, table, description, srsID])
        try db.execute(
            sql: "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
            arguments: [table, column, geometryType, srsID])
        try db.execute(
            sql: """
                INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index',
                  'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')
                """,
            arguments: [table, column])
        try db.execute(
            sql: "CREATE VIRTUAL TABLE \"rtree_\(table)_\(column)\" USING rtree(id, minx, maxx, miny, maxy)")
        try createRTreeTriggers(db, table: table, column: column, primaryKey: primaryKey)
    }

    /// GDAL's six R*Tree triggers of a feature table (made again when a migration rebuilds the table).
    static func createRTreeTriggers(
        _ db: Database, table: String, column: String = "geom", primaryKey: String = "fid"
    ) throws {
        let t = table, c = column, i = primaryKey, r = "rtree_\(table)_\(column)"
        try db.execute(
            sql: """
                CREATE TRIGGER "\(r)_insert" AFTER INSERT ON "\(t)"
                  WHEN (new."\(c)" NOT NULL AND NOT ST_IsEmpty(NEW."\(c)"))
                BEGIN
                  INSERT OR REPLACE INTO "\(r)" VALUES (NEW."\(i)",
                    ST_MinX(NEW."\(c)"), ST_MaxX(NEW."\(c)"), ST_MinY(NEW."\(c)"), ST_MaxY(NEW."\(c)"));
                END;
                CREATE TRIGGER "\(r)_update1" AFTER UPDATE OF "\(c)" ON "\(t)"
                  WHEN OLD."\(i)" = NEW."\(i)" AND (NEW."\(c)" NOTNULL AND NOT ST_IsEmpty(NEW."\(c)"))
                BEGIN
                  INSERT OR REPLACE INTO "\(r)" VALUES (NEW."\(i)",
                    ST_MinX(NEW."\(c)"), ST_MaxX(NEW."\(c)"), ST_MinY(NEW."\(c)"), ST_MaxY(NEW."\(c)"));
                END;
                CREATE TRIGGER "\(r)_update2" AFTER UPDATE OF "\(c)" ON "\(t)"
                  WHEN OLD."\(i)" = NEW."\(i)" AND (NEW."\(c)" ISNULL OR ST_IsEmpty(NEW."\(c)"))
                BEGIN
                  DELETE FROM "\(r)" WHERE id = OLD."\(i)";
                END;
                CREATE TRIGGER "\(r)_update3" AFTER UPDATE ON "\(t)"
                  WHEN OLD."\(i)" != NEW."\(i)" AND (NEW."\(c)" NOTNULL AND NOT ST_IsEmpty(NEW."\(c)"))
                BEGIN
                  DELETE FROM "\(r)" WHERE id = OLD."\(i)";
                  INSERT OR REPLACE INTO "\(r)" VALUES (NEW."\(i)",
                    ST_MinX(NEW."\(c)"), ST_MaxX(NEW."\(c)"), ST_MinY(NEW."\(c)"), ST_MaxY(NEW."\(c)"));
                END;
                CREATE TRIGGER "\(r)_update4" AFTER UPDATE ON "\(t)"
                  WHEN OLD."\(i)" != NEW."\(i)" AND (NEW."\(c)" ISNULL OR ST_IsEmpty(NEW."\(c)"))
                BEGIN
                  DELETE FROM "\(r)" WHERE id IN (OLD."\(i)", NEW."\(i)");
                END;
                CREATE TRIGGER "\(r)_delete" AFTER DELETE ON "\(t)"
                  WHEN old."\(c)" NOT NULL
                BEGIN
                  DELETE FROM "\(r)" WHERE id = OLD."\(i)";
                END;
                """)
    }

    /// Widens a layer's extent in gpkg_contents and stamps last_change (GIS tools zoom to this extent).
    static func touchLayer(_ db: Database, table: String, extent: Envelope?) throws {
        if let e = extent {
            try db.execute(
                sql: """
                    UPDATE gpkg_contents SET
                      min_x = min(coalesce(min_x, ?1), ?1), min_y = min(coalesce(min_y, ?2), ?2),
                      max_x = max(coalesce(max_x, ?3), ?3), max_y = max(coalesce(max_y, ?4), ?4),
                      last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now')
                    WHERE table_name = ?5
                    """,
                arguments: [e.minX, e.minY, e.maxX, e.maxY, table])
        } else {
            try db.execute(
                sql: "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
                arguments: [table])
        }
    }
}
