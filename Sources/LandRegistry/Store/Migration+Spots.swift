import GRDB

// MARK: - Violation spots (违法图斑)
//
// One feature layer. The computed overlay figures (farmland, basic farmland, zones) are a snapshot taken at
// import, both planar (store CRS) and ellipsoidal (CGCS2000, what 三调 reports). The lifecycle columns
// (judgement … closed_doc, status) change only through the spot state machine, each change with an event;
// the CHECKs below hold whatever program writes to the file.

extension Migrations {
    static func spots(_ db: Database, srsID: Int) throws {
        try db.execute(
            sql: """
                CREATE TABLE spots (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom MULTIPOLYGON NOT NULL,
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  batch TEXT NOT NULL CHECK (length(batch) > 0),
                  detected_date TEXT CHECK (detected_date IS NULL OR date(detected_date) IS detected_date),
                  clue_code TEXT,
                  village TEXT,
                  properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
                  planar_area_m2 REAL NOT NULL CHECK (planar_area_m2 >= 0),
                  ellipsoidal_area_m2 REAL NOT NULL CHECK (ellipsoidal_area_m2 >= 0),
                  farmland_area_m2 REAL NOT NULL DEFAULT 0 CHECK (farmland_area_m2 >= 0),
                  farmland_planar_area_m2 REAL NOT NULL DEFAULT 0 CHECK (farmland_planar_area_m2 >= 0),
                  basic_farmland_area_m2 REAL NOT NULL DEFAULT 0 CHECK (basic_farmland_area_m2 >= 0),
                  basic_farmland_planar_area_m2 REAL NOT NULL DEFAULT 0 CHECK (basic_farmland_planar_area_m2 >= 0),
                  zone_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(zone_codes) AND json_type(zone_codes) = 'array'),
                  judgement TEXT CHECK (judgement IS NULL OR judgement IN ('legal', 'illegal', 'other')),
                  basis TEXT,
                  approval_doc TEXT,
                  measure TEXT REFERENCES rectification_measures(code),
                  deadline TEXT CHECK (deadline IS NULL OR date(deadline) IS deadline),
                  restored_m2 REAL CHECK (restored_m2 IS NULL OR restored_m2 >= 0),
                  recultivated_m2 REAL CHECK (recultivated_m2 IS NULL OR recultivated_m2 >= 0),
                  remaining_m2 REAL CHECK (remaining_m2 IS NULL OR remaining_m2 >= 0),
                  status TEXT NOT NULL DEFAULT 'reported' CHECK (status IN
                    ('reported', 'verifying', 'legal', 'other', 'illegal', 'rectifying', 'rectified', 'closed')),
                  closed_doc TEXT,
                  import_id INTEGER REFERENCES imports(id),
                  source_index INTEGER,
                  created_at TEXT NOT NULL,
                  retired_at TEXT,
                  superseded_by INTEGER REFERENCES spots(fid),
                  -- a judged status is the judgement; rectification happens only to illegal spots
                  CHECK (status NOT IN ('legal', 'other', 'illegal') OR judgement IS status),
                  CHECK (status NOT IN ('rectifying', 'rectified') OR
                         (judgement IS 'illegal' AND measure IS NOT NULL AND deadline IS NOT NULL)),
                  CHECK (status NOT IN ('reported', 'verifying') OR judgement IS NULL),
                  CHECK (status IS NOT 'closed' OR judgement IS NOT NULL),
                  -- a spot counts as rectified only when nothing remains
                  CHECK (status IS NOT 'rectified' OR remaining_m2 = 0)
                );
                CREATE UNIQUE INDEX spots_live_code ON spots(code) WHERE retired_at IS NULL;
                CREATE INDEX spots_code ON spots(code);
                CREATE INDEX spots_batch ON spots(batch);
                CREATE INDEX spots_status ON spots(status);
                CREATE TRIGGER spots_never_deleted BEFORE DELETE ON spots
                BEGIN SELECT RAISE(ABORT, 'spots are never deleted: their history is the audit trail'); END;
                """)
        try GeoPackageSchema.registerFeatureLayer(
            db, table: "spots", geometryType: "MULTIPOLYGON", srsID: srsID,
            description: "violation spots (违法图斑) from satellite-inspection batches, with their rectification status")
    }
}
