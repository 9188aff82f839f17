import GRDB

// MARK: - Photo evidence of spots (migration 2026-12-02-spot-photos)
//
// Field photos (举证照片) are kept inside the store as the GeoPackage Related Tables Extension (OGC 18-000) has
// it, so that GDAL and QGIS find them: a media table (`spot_photo_media`: id, data, content_type, as the Media
// requirements class asks, plus the file's name, size and SHA-256), related to `spots` through the mapping table
// `spots_spot_photo_media` (base_id = spots.fid, related_id = spot_photo_media.id), declared in
// `gpkgext_relations` with relation_name `media`. The mapping table is declared in gpkg_extensions, not in
// gpkg_contents (it has no INTEGER PRIMARY KEY, which every gpkg_contents table needs: Req 119; GDAL does the same). Where each photo was taken and which way the camera looked is
// the point layer `spot_photos` (store CRS, R*Tree), one row per photo, pointing at its media row. Nothing is
// deleted: the three tables refuse DELETE, and the media bytes refuse UPDATE.

extension Migrations {
    static let relatedTablesExtension = "gpkg_related_tables"
    static let relatedTablesDefinition = "http://docs.opengeospatial.org/is/18-000/18-000.html"

    static func spotPhotos(_ db: Database, srsID: Int) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS gpkgext_relations (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  base_table_name TEXT NOT NULL,
                  base_primary_column TEXT NOT NULL DEFAULT 'id',
                  related_table_name TEXT NOT NULL,
                  related_primary_column TEXT NOT NULL DEFAULT 'id',
                  relation_name TEXT NOT NULL,
                  mapping_table_name TEXT NOT NULL UNIQUE
                );

                CREATE TABLE spot_photo_media (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  data BLOB NOT NULL,
                  content_type TEXT NOT NULL,
                  file_name TEXT NOT NULL,
                  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
                  sha256 TEXT NOT NULL CHECK (length(sha256) = 64)
                );
                CREATE TRIGGER spot_photo_media_never_deleted BEFORE DELETE ON spot_photo_media
                BEGIN SELECT RAISE(ABORT, 'evidence photos are never deleted'); END;
                CREATE TRIGGER spot_photo_media_never_changed BEFORE UPDATE OF data, sha256 ON spot_photo_media
                BEGIN SELECT RAISE(ABORT, 'evidence photos are never changed'); END;

                CREATE TABLE spots_spot_photo_media (
                  base_id INTEGER NOT NULL REFERENCES spots(fid),
                  related_id INTEGER NOT NULL REFERENCES spot_photo_media(id)
                );
                CREATE INDEX spots_spot_photo_media_base ON spots_spot_photo_media(base_id);
                CREATE TRIGGER spots_spot_photo_media_never_deleted BEFORE DELETE ON spots_spot_photo_media
                BEGIN SELECT RAISE(ABORT, 'evidence photos are never deleted'); END;

                CREATE TABLE spot_photos (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom POINT,
                  spot_code TEXT NOT NULL,
                  spot_fid INTEGER NOT NULL REFERENCES spots(fid),
                  media_id INTEGER NOT NULL UNIQUE REFERENCES spot_photo_media(id),
                  file TEXT NOT NULL,
                  taken_at TEXT,
                  latitude REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
                  longitude REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
                  direction_deg REAL CHECK (direction_deg IS NULL OR direction_deg BETWEEN 0 AND 360),
                  direction_ref TEXT,
                  camera TEXT,
                  distance_m REAL CHECK (distance_m IS NULL OR distance_m >= 0),
                  event_id INTEGER NOT NULL REFERENCES events(id),
                  created_at TEXT NOT NULL
                );
                CREATE INDEX spot_photos_spot ON spot_photos(spot_code);
                CREATE TRIGGER spot_photos_never_deleted BEFORE DELETE ON spot_photos
                BEGIN SELECT RAISE(ABORT, 'evidence photos are never deleted'); END;
                """)
        try db.execute(
            sql: """
                INSERT INTO gpkgext_relations (base_table_name, base_primary_column, related_table_name,
                  related_primary_column, relation_name, mapping_table_name)
                VALUES ('spots', 'fid', 'spot_photo_media', 'id', 'media', 'spots_spot_photo_media')
                """)
        for table in ["gpkgext_relations", "spots_spot_photo_media"] {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
                    VALUES (?, NULL, ?, ?, 'read-write')
                    """,
                arguments: [table, relatedTablesExtension, relatedTablesDefinition])
        }
        try GeoPackageSchema.registerAttributes(
            db, table: "spot_photo_media", description: "evidence photos of violation spots (举证照片), JPEG bytes")
        try GeoPackageSchema.registerFeatureLayer(
            db, table: "spot_photos", geometryType: "POINT", srsID: srsID,
            description: "where each evidence photo was taken and the direction the camera faced")
    }
}
