import GRDB

// MARK: - The spot land-class breakdown (2026-12-02, issue 14)
//
// The overlay table of the national system (套合结果): per spot the area on farmland (耕地), other agricultural land,
// construction land and unused land (三大类, by the crosswalk `landuse_three_classes` from seeds/), on the ecological
// red line and outside the urban development boundary (two new zone kinds), planar and ellipsoidal. Spots imported
// before this migration hold 0 until `landreg spots recompute` measures them (`landreg check` lists them as gaps).
// SQLite cannot change a CHECK, so the zones table is rebuilt with the two kinds added (same columns, rows, fids;
// the R*Tree keeps its rows, its triggers are made again).

extension Migrations {
    static func spotBreakdown(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE landuse_three_classes (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  system TEXT NOT NULL CHECK (system IN ('gb21010', 'yongdi')),
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  class TEXT NOT NULL CHECK (class IN ('farmland', 'agricultural', 'construction', 'unused')),
                  note TEXT,
                  UNIQUE (system, code)
                );

                CREATE TABLE zones_new (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom MULTIPOLYGON NOT NULL,
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  kind TEXT NOT NULL CHECK (kind IN ('community', 'village', 'grid', 'basic-farmland', 'development-area',
                                                     'eco-redline', 'urban-boundary', 'other')),
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
                INSERT INTO zones_new (fid, geom, code, kind, name, planar_area_m2, ellipsoidal_area_m2, properties,
                                       import_id, source_index, created_at, retired_at, superseded_by)
                  SELECT fid, geom, code, kind, name, planar_area_m2, ellipsoidal_area_m2, properties, import_id,
                         source_index, created_at, retired_at, superseded_by FROM zones;
                DROP TABLE zones;
                ALTER TABLE zones_new RENAME TO zones;
                CREATE UNIQUE INDEX zones_live_code ON zones(kind, code) WHERE retired_at IS NULL;
                CREATE INDEX zones_code ON zones(code);
                CREATE TRIGGER zones_never_deleted BEFORE DELETE ON zones
                BEGIN SELECT RAISE(ABORT, 'zones are never deleted: retire them'); END;
                """)
        try GeoPackageSchema.createRTreeTriggers(db, table: "zones")
        try GeoPackageSchema.registerAttributes(
            db, table: "landuse_three_classes", description: "land-use code → 三大类 class of the spot overlay table")
        for column in [
            "agricultural_area_m2", "agricultural_planar_area_m2", "construction_area_m2",
            "construction_planar_area_m2", "unused_area_m2", "unused_planar_area_m2", "eco_redline_area_m2",
            "eco_redline_planar_area_m2", "outside_urban_boundary_area_m2", "outside_urban_boundary_planar_area_m2"
        ] {
            try db.execute(
                sql: "ALTER TABLE spots ADD COLUMN \(column) REAL NOT NULL DEFAULT 0 CHECK (\(column) >= 0)")
        }
    }
}
