import GRDB

// MARK: - Approvals (2026-12-02, issue 14)
//
// Approval polygons (用地审批 / 农转用, 土地供应, 临时用地, 设施农用地备案), one feature layer: the document number is
// the code (unique among live rows), with its kind, date and registered area. A legal verdict on a spot rests on
// them: per spot the coverage (area of the spot ∩ approvals dated on or before its detection, / the spot's area,
// 0–1) and the covering documents (a JSON array) are stored on the spot, measured at spot import, at approvals
// import and by `landreg spots recompute`.

extension Migrations {
    static func approvals(_ db: Database, srsID: Int) throws {
        try db.execute(
            sql: """
                CREATE TABLE approvals (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom MULTIPOLYGON NOT NULL,
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  kind TEXT NOT NULL CHECK (kind IN ('farmland-conversion', 'land-supply', 'temporary-use',
                                                     'facility-farmland')),
                  approval_date TEXT NOT NULL CHECK (date(approval_date) IS approval_date),
                  registered_area_m2 REAL CHECK (registered_area_m2 IS NULL OR registered_area_m2 >= 0),
                  planar_area_m2 REAL NOT NULL CHECK (planar_area_m2 >= 0),
                  ellipsoidal_area_m2 REAL NOT NULL CHECK (ellipsoidal_area_m2 >= 0),
                  properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
                  import_id INTEGER REFERENCES imports(id),
                  source_index INTEGER,
                  created_at TEXT NOT NULL,
                  retired_at TEXT,
                  superseded_by INTEGER REFERENCES approvals(fid)
                );
                CREATE UNIQUE INDEX approvals_live_code ON approvals(code) WHERE retired_at IS NULL;
                CREATE INDEX approvals_code ON approvals(code);
                CREATE TRIGGER approvals_never_deleted BEFORE DELETE ON approvals
                BEGIN SELECT RAISE(ABORT, 'approvals are never deleted: a newer import retires them'); END;
                ALTER TABLE spots ADD COLUMN approval_coverage REAL NOT NULL DEFAULT 0
                  CHECK (approval_coverage >= 0 AND approval_coverage <= 1);
                ALTER TABLE spots ADD COLUMN approval_documents TEXT NOT NULL DEFAULT '[]'
                  CHECK (json_valid(approval_documents) AND json_type(approval_documents) = 'array');
                """)
        try GeoPackageSchema.registerFeatureLayer(
            db, table: "approvals", geometryType: "MULTIPOLYGON", srsID: srsID,
            description: "approval polygons (用地审批, 土地供应, 临时用地, 设施农用地备案) with document number and date")
    }
}
