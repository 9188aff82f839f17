import GRDB

// MARK: - Survey versions and parcel lineage (2026-12-02)
//
// parcels.survey_year: the annual survey (国土变更调查, as of 31 December) a row came in with. Rows that were in the
// store before (`import parcels`) keep NULL, "before versions": the year they were imported in says nothing about
// which survey they are (a 2023 survey is usually imported in 2024), so none is guessed.
// survey_versions: one row per `import survey` (its import and the year); version Y is the set of rows live just
// after the latest import of year Y. parcel_lineage: which rows of the previous version a new or changed parcel
// took area from, with the shared area. landuse_balance_classes: GB/T 21010 code prefixes → the classes of the
// farmland ledger (data: seeds/landuse-balance-classes.csv replaces the defaults written here).

extension Migrations {
    static func surveyVersions(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE parcels ADD COLUMN survey_year INTEGER CHECK (survey_year IS NULL OR survey_year BETWEEN 1900 AND 9999);
                CREATE INDEX parcels_survey_year ON parcels(survey_year);
                CREATE TABLE survey_versions (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  import_id INTEGER NOT NULL UNIQUE REFERENCES imports(id),
                  year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
                  imported_at TEXT NOT NULL
                );
                CREATE TABLE parcel_lineage (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  parcel_fid INTEGER NOT NULL REFERENCES parcels(fid),
                  predecessor_fid INTEGER NOT NULL REFERENCES parcels(fid),
                  shared_area_m2 REAL NOT NULL CHECK (shared_area_m2 >= 0),
                  shared_planar_area_m2 REAL NOT NULL CHECK (shared_planar_area_m2 >= 0),
                  UNIQUE (parcel_fid, predecessor_fid)
                );
                CREATE INDEX parcel_lineage_predecessor ON parcel_lineage(predecessor_fid);
                CREATE TRIGGER parcel_lineage_never_deleted BEFORE DELETE ON parcel_lineage
                BEGIN SELECT RAISE(ABORT, 'lineage is never deleted'); END;
                CREATE TABLE landuse_balance_classes (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  code TEXT NOT NULL UNIQUE CHECK (length(code) > 0),
                  class TEXT NOT NULL CHECK (class IN ('farmland', 'garden', 'forest', 'grassland', 'other-agricultural',
                                                       'construction', 'unused'))
                );
                INSERT INTO landuse_balance_classes (code, class) VALUES
                  ('01', 'farmland'), ('02', 'garden'), ('03', 'forest'), ('04', 'grassland'), ('0404', 'unused'),
                  ('05', 'construction'), ('06', 'construction'), ('07', 'construction'), ('08', 'construction'),
                  ('09', 'construction'), ('10', 'construction'), ('1006', 'other-agricultural'),
                  ('11', 'unused'), ('1103', 'other-agricultural'), ('1104', 'other-agricultural'),
                  ('1107', 'other-agricultural'), ('1109', 'construction'), ('12', 'unused'), ('1201', 'construction'),
                  ('1202', 'other-agricultural'), ('1203', 'other-agricultural');
                """)
        try GeoPackageSchema.registerAttributes(
            db, table: "survey_versions", description: "annual survey versions (import survey): year and import")
        try GeoPackageSchema.registerAttributes(
            db, table: "parcel_lineage", description: "predecessors of new and changed parcels, by overlay")
        try GeoPackageSchema.registerAttributes(
            db, table: "landuse_balance_classes", description: "land-use code prefixes → farmland-ledger classes")
    }
}
