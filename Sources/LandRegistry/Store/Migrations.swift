import GRDB

// MARK: - Migrations
//
// GeoPackage requires every table listed in gpkg_contents to have an INTEGER PRIMARY KEY (Req 119), so code
// lists have an `id` and a UNIQUE natural key.
// Ids are dated and never change once shipped; a migration is raw SQL that names no app type. Stores keep the
// applied ids in grdb_migrations: a store the migrator says has been superseded (it holds an id this build does
// not know) was written by a newer landreg and is refused (Registry.open). Each later concern adds its migration in its own file and one line
// in `all` below, in shipping order.

enum Migrations {
    /// Builds the migrator for a store whose working CRS is `storeSRSID` (an EPSG code registered in
    /// gpkg_spatial_ref_sys by the first migration).
    static func migrator(storeCRS: StoreCRSDefinition) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-26-core") { db in try core(db, storeCRS: storeCRS) }
        migrator.registerMigration("2026-11-26-parcels-zones") { db in try parcelsAndZones(db, srsID: storeCRS.epsg) }
        migrator.registerMigration("2026-11-27-sites") { db in try sites(db, srsID: storeCRS.epsg) }
        migrator.registerMigration("2026-11-27-spots") { db in try spots(db, srsID: storeCRS.epsg) }
        migrator.registerMigration("2026-12-01-layer-styles") { db in try layerStyles(db) }
        migrator.registerMigration("2026-12-02-spot-split-review") { db in try spotSplitReview(db) }
        migrator.registerMigration("2026-12-02-spot-photos") { db in try spotPhotos(db, srsID: storeCRS.epsg) }
        migrator.registerMigration("2026-12-02-spot-breakdown") { db in try spotBreakdown(db) }
        migrator.registerMigration("2026-12-02-approvals") { db in try approvals(db, srsID: storeCRS.epsg) }
        migrator.registerMigration("2026-12-02-survey-versions") { db in try surveyVersions(db) }
        return migrator
    }

    /// GeoPackage core tables, store metadata, the audit log, imports and the code lists.
    private static func core(_ db: Database, storeCRS: StoreCRSDefinition) throws {
        try GeoPackageSchema.createCoreTables(db)
        try GeoPackageSchema.registerSRS(db, epsg: storeCRS.epsg, name: storeCRS.name, wkt: storeCRS.wkt)
        if let g = storeCRS.geographic {
            try GeoPackageSchema.registerSRS(db, epsg: g.epsg, name: g.name, wkt: g.wkt)
        }
        try db.execute(
            sql: """
                CREATE TABLE landreg_meta (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  key TEXT NOT NULL UNIQUE,
                  value TEXT NOT NULL
                );
                CREATE TABLE imports (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  layer TEXT NOT NULL,
                  file_name TEXT NOT NULL,
                  file_bytes INTEGER,
                  file_sha256 TEXT,
                  source_crs TEXT NOT NULL,
                  options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
                  feature_count INTEGER NOT NULL CHECK (feature_count >= 0),
                  replaced_count INTEGER NOT NULL DEFAULT 0,
                  repaired_count INTEGER NOT NULL DEFAULT 0,
                  actor TEXT NOT NULL,
                  started_at TEXT NOT NULL,
                  finished_at TEXT NOT NULL
                );
                CREATE TABLE events (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  recorded_at TEXT NOT NULL,
                  effective_date TEXT NOT NULL,
                  actor TEXT NOT NULL CHECK (length(actor) > 0),
                  entity TEXT NOT NULL,
                  entity_id INTEGER,
                  entity_code TEXT,
                  action TEXT NOT NULL,
                  from_state TEXT,
                  to_state TEXT,
                  note TEXT,
                  evidence_path TEXT,
                  evidence_sha256 TEXT,
                  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                );
                CREATE INDEX events_entity ON events(entity, entity_id);
                CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'events is an append-only audit log: its rows cannot be changed'); END;
                CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'events is an append-only audit log: its rows cannot be deleted'); END;

                CREATE TABLE landuse_codes (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  system TEXT NOT NULL CHECK (system IN ('gb21010', 'yongdi')),
                  code TEXT NOT NULL,
                  name_zh TEXT NOT NULL,
                  name_en TEXT,
                  parent TEXT,
                  level INTEGER,
                  UNIQUE (system, code)
                );
                CREATE TABLE landuse_crosswalk (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  gb_code TEXT NOT NULL,
                  yongdi_code TEXT NOT NULL,
                  note TEXT,
                  UNIQUE (gb_code, yongdi_code)
                );
                CREATE TABLE field_profiles (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  profile TEXT NOT NULL,
                  field TEXT NOT NULL,
                  property TEXT NOT NULL,
                  UNIQUE (profile, field)
                );
                CREATE TABLE rectification_measures (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  code TEXT NOT NULL UNIQUE,
                  name_zh TEXT NOT NULL,
                  restores_land INTEGER NOT NULL CHECK (restores_land IN (0, 1))
                );
                CREATE TABLE industry_min_far (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  industry TEXT NOT NULL UNIQUE,
                  min_far REAL NOT NULL CHECK (min_far > 0),
                  note TEXT
                );
                CREATE TABLE efficiency_thresholds (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  indicator TEXT NOT NULL,
                  class TEXT NOT NULL CHECK (class IN ('A', 'B', 'C', 'D')),
                  min_value REAL NOT NULL,
                  unit TEXT,
                  note TEXT,
                  UNIQUE (indicator, class)
                );
                """)
        for (table, what) in [
            ("landreg_meta", "landreg store metadata (working CRS, version)"),
            ("imports", "one row per committed import"),
            ("events", "append-only audit log of every change of state"),
            ("landuse_codes", "land-use codes: GB/T 21010-2017 and 用地用海"),
            ("landuse_crosswalk", "GB/T 21010-2017 to 用地用海 crosswalk"),
            ("field_profiles", "import field-name profiles"),
            ("rectification_measures", "violation-spot rectification measures"),
            ("industry_min_far", "minimum floor-area ratio by industry"),
            ("efficiency_thresholds", "亩均 efficiency class thresholds (local)")
        ] {
            try GeoPackageSchema.registerAttributes(db, table: table, description: what)
        }
        try db.execute(
            sql:
                "INSERT INTO landreg_meta (key, value) VALUES ('store_crs', ?), ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
            arguments: ["EPSG:\(storeCRS.epsg)"])
    }

    /// The parcels and zones feature layers. Rows are never deleted: a re-survey retires the old row.
    private static func parcelsAndZones(_ db: Database, srsID: Int) throws {
        try db.execute(
            sql: """
                CREATE TABLE parcels (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom MULTIPOLYGON NOT NULL,
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  land_use TEXT,
                  land_use_system TEXT NOT NULL DEFAULT 'gb21010',
                  owner TEXT,
                  name TEXT,
                  registered_area_m2 REAL CHECK (registered_area_m2 IS NULL OR registered_area_m2 >= 0),
                  planar_area_m2 REAL NOT NULL CHECK (planar_area_m2 >= 0),
                  ellipsoidal_area_m2 REAL NOT NULL CHECK (ellipsoidal_area_m2 >= 0),
                  properties TEXT NOT NULL DEFAULT '{}',
                  import_id INTEGER REFERENCES imports(id),
                  source_index INTEGER,
                  created_at TEXT NOT NULL,
                  retired_at TEXT,
                  superseded_by INTEGER REFERENCES parcels(fid)
                );
                CREATE UNIQUE INDEX parcels_live_code ON parcels(code) WHERE retired_at IS NULL;
                CREATE INDEX parcels_code ON parcels(code);
                CREATE TRIGGER parcels_never_deleted BEFORE DELETE ON parcels
                BEGIN SELECT RAISE(ABORT, 'parcels are never deleted: a re-surveyed parcel retires the old row'); END;

                CREATE TABLE zones (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom MULTIPOLYGON NOT NULL,
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  kind TEXT NOT NULL CHECK (kind IN ('community', 'village', 'grid', 'basic-farmland', 'development-area', 'other')),
                  name TEXT,
                  planar_area_m2 REAL NOT NULL CHECK (planar_area_m2 >= 0),
                  ellipsoidal_area_m2 REAL NOT NULL CHECK (ellipsoidal_area_m2 >= 0),
                  properties TEXT NOT NULL DEFAULT '{}',
                  import_id INTEGER REFERENCES imports(id),
                  source_index INTEGER,
                  created_at TEXT NOT NULL,
                  retired_at TEXT,
                  superseded_by INTEGER REFERENCES zones(fid)
                );
                CREATE UNIQUE INDEX zones_live_code ON zones(kind, code) WHERE retired_at IS NULL;
                CREATE INDEX zones_code ON zones(code);
                CREATE TRIGGER zones_never_deleted BEFORE DELETE ON zones
                BEGIN SELECT RAISE(ABORT, 'zones are never deleted: retire them'); END;
                """)
        try GeoPackageSchema.registerFeatureLayer(
            db, table: "parcels", geometryType: "MULTIPOLYGON", srsID: srsID,
            description: "survey parcels (地块); live rows have retired_at NULL")
        try GeoPackageSchema.registerFeatureLayer(
            db, table: "zones", geometryType: "MULTIPOLYGON", srsID: srsID,
            description: "zones (片区, 村/社区, 网格, 永久基本农田 …)")
    }
}

/// What the first migration needs to know about the store's CRS (computed with PROJ before migrating).
struct StoreCRSDefinition: Sendable {
    struct Entry: Sendable { let epsg: Int; let name: String; let wkt: String }
    let epsg: Int
    let name: String
    let wkt: String
    /// The geographic CRS of the same datum, registered too so exports can name it.
    let geographic: Entry?
}
