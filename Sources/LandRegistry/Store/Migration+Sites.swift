import GRDB

// MARK: - Sites, enterprises, enterprise years, tenancies (migration 2026-11-27-sites)
//
// `sites` is a feature layer like parcels (code unique among live rows, retired rows kept). The three other
// tables are GeoPackage `attributes` tables with an INTEGER PRIMARY KEY (Req 119). Nothing is deleted: a
// lease that ends gets an end date and status `ended`, never a DELETE. Stage, mode, use and status values are
// CHECKed here so that no program can store one landreg does not know.

extension Migrations {
    static func sites(_ db: Database, srsID: Int) throws {
        try db.execute(
            sql: """
                CREATE TABLE sites (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom MULTIPOLYGON NOT NULL,
                  code TEXT NOT NULL CHECK (length(code) > 0),
                  name TEXT,
                  holder_credit_code TEXT CHECK (holder_credit_code IS NULL OR length(holder_credit_code) = 18),
                  industry TEXT,
                  footprint_m2 REAL CHECK (footprint_m2 IS NULL OR footprint_m2 >= 0),
                  floor_area_m2 REAL CHECK (floor_area_m2 IS NULL OR floor_area_m2 >= 0),
                  planned_far REAL CHECK (planned_far IS NULL OR planned_far >= 0),
                  low_efficiency_type TEXT,
                  mode TEXT CHECK (mode IS NULL OR mode IN ('acquisition-storage', 'capacity-increase', 're-greening',
                                                            'swap', 'self-renewal', 'recovery')),
                  stage TEXT NOT NULL DEFAULT 'identified' CHECK (stage IN ('identified', 'assessed', 'planned',
                                                            'implementing', 'completed', 'suspended', 'cancelled')),
                  suspended_from TEXT CHECK (suspended_from IS NULL OR suspended_from IN ('identified', 'assessed',
                                                            'planned', 'implementing')),
                  disposed_m2 REAL NOT NULL DEFAULT 0 CHECK (disposed_m2 >= 0 AND disposed_m2 <= ellipsoidal_area_m2),
                  planar_area_m2 REAL NOT NULL CHECK (planar_area_m2 >= 0),
                  ellipsoidal_area_m2 REAL NOT NULL CHECK (ellipsoidal_area_m2 >= 0),
                  parcel_codes TEXT CHECK (parcel_codes IS NULL OR json_valid(parcel_codes)),
                  properties TEXT NOT NULL DEFAULT '{}',
                  import_id INTEGER REFERENCES imports(id),
                  source_index INTEGER,
                  created_at TEXT NOT NULL,
                  retired_at TEXT,
                  superseded_by INTEGER REFERENCES sites(fid)
                );
                CREATE UNIQUE INDEX sites_live_code ON sites(code) WHERE retired_at IS NULL;
                CREATE INDEX sites_code ON sites(code);
                CREATE INDEX sites_holder ON sites(holder_credit_code);
                CREATE TRIGGER sites_never_deleted BEFORE DELETE ON sites
                BEGIN SELECT RAISE(ABORT, 'sites are never deleted: retire them or advance them to cancelled'); END;

                CREATE TABLE enterprises (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  credit_code TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18),
                  name TEXT NOT NULL CHECK (length(name) > 0),
                  industry TEXT,
                  scale TEXT CHECK (scale IS NULL OR scale IN ('above', 'below')),
                  import_id INTEGER REFERENCES imports(id),
                  created_at TEXT NOT NULL
                );
                CREATE TRIGGER enterprises_never_deleted BEFORE DELETE ON enterprises
                BEGIN SELECT RAISE(ABORT, 'enterprises are never deleted'); END;

                CREATE TABLE enterprise_years (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  credit_code TEXT NOT NULL REFERENCES enterprises(credit_code),
                  year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
                  tax_yuan REAL CHECK (tax_yuan IS NULL OR tax_yuan >= 0),
                  value_added_yuan REAL,
                  revenue_yuan REAL CHECK (revenue_yuan IS NULL OR revenue_yuan >= 0),
                  energy_tce REAL CHECK (energy_tce IS NULL OR energy_tce >= 0),
                  employees INTEGER CHECK (employees IS NULL OR employees >= 0),
                  rd_yuan REAL CHECK (rd_yuan IS NULL OR rd_yuan >= 0),
                  import_id INTEGER REFERENCES imports(id),
                  created_at TEXT NOT NULL,
                  UNIQUE (credit_code, year)
                );
                CREATE TRIGGER enterprise_years_never_deleted BEFORE DELETE ON enterprise_years
                BEGIN SELECT RAISE(ABORT, 'enterprise years are never deleted'); END;

                CREATE TABLE tenancies (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  site_code TEXT NOT NULL,
                  site_fid INTEGER NOT NULL REFERENCES sites(fid),
                  tenant_credit_code TEXT NOT NULL REFERENCES enterprises(credit_code),
                  floor_area_m2 REAL NOT NULL CHECK (floor_area_m2 > 0),
                  start_date TEXT NOT NULL CHECK (length(start_date) = 10),
                  end_date TEXT CHECK (end_date IS NULL OR (length(end_date) = 10 AND end_date >= start_date)),
                  use TEXT NOT NULL DEFAULT 'production' CHECK (use IN ('production', 'storage', 'office')),
                  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'void')),
                  over_leased_at_creation INTEGER NOT NULL DEFAULT 0 CHECK (over_leased_at_creation IN (0, 1)),
                  import_id INTEGER REFERENCES imports(id),
                  created_at TEXT NOT NULL
                );
                CREATE INDEX tenancies_site ON tenancies(site_code);
                CREATE INDEX tenancies_tenant ON tenancies(tenant_credit_code);
                CREATE TRIGGER tenancies_never_deleted BEFORE DELETE ON tenancies
                BEGIN SELECT RAISE(ABORT, 'tenancies are never deleted: end them'); END;
                """)
        try GeoPackageSchema.registerFeatureLayer(
            db, table: "sites", geometryType: "MULTIPOLYGON", srsID: srsID,
            description: "industrial sites under second development (二次开发); live rows have retired_at NULL")
        for (table, what) in [
            ("enterprises", "enterprises by unified social credit code (统一社会信用代码)"),
            ("enterprise_years", "enterprise figures per year: tax, value added, revenue, energy, employees, R&D"),
            ("tenancies", "leases of factory floor space on sites (一厂多租)")
        ] {
            try GeoPackageSchema.registerAttributes(db, table: table, description: what)
        }
    }
}
