import Foundation

// MARK: - The PostGIS store's schema: the GeoPackage tables, one district, offices and their rights
//
// Everything lives in the schema `landreg` of the database the URL names. Each registry table is the GeoPackage
// table of the same name (StoreTableShape) with one more leading column, `subdistrict` (the 街道's code): a district
// holds many subdistricts' stores side by side, each keeping its own ids, so the primary key, the unique
// constraints and the foreign keys all lead with it. Geometry is PostGIS `geometry(type, srid)` in the store's CRS
// with a GiST index, so QGIS and ogr2ogr read the tables as they are. The CHECK constraints are the GeoPackage's,
// rewritten for PostgreSQL. `events` also records `db_role`, the database role that wrote each row.
//
// Rights (enforced by PostgreSQL, whoever connects): every object belongs to `landreg_owner`, a role nobody logs in
// as. Offices are login roles in the group `landreg_office` (`landreg office add`), listed in `landreg.offices` with
// their subdistrict. Row-level security lets an office read every row of the district and insert or update only
// rows of its own subdistrict; no office has DELETE or TRUNCATE on anything, nor UPDATE on events. Triggers refuse
// what the GeoPackage's triggers refuse (deleting a parcel, changing an event), for the owner too, and TRUNCATE of
// those tables; only the owner could drop them.

enum PostGISSchema {
    static let schemaName = "landreg"
    static let ownerRole = "landreg_owner"
    static let officeRole = "landreg_office"

    /// A table of the schema, quoted: `landreg."parcels"`.
    static func qualified(_ table: String) -> String { schemaName + "." + PGConnection.identifier(table) }

    /// What `landreg.store_schema` says about an installed schema; nil when the database has none.
    struct Installed: Equatable {
        let landregVersion: String
        let migrations: [String]
        let srid: Int

        /// Its schema steps are the first of `steps` (a store of an older landreg, which `landreg migrate` takes on).
        func isOlder(than steps: [String]) -> Bool {
            !migrations.isEmpty && migrations.count < steps.count && Array(steps.prefix(migrations.count)) == migrations
        }
    }

    static func installed(_ pg: PGConnection) throws -> Installed? {
        guard try pg.scalar("SELECT to_regclass('landreg.store_schema') IS NOT NULL") == "t" else { return nil }
        var values: [String: String] = [:]
        for row in try pg.execute("SELECT key, value FROM landreg.store_schema").rows {
            if let k = row[0], let v = row[1] { values[k] = v }
        }
        guard let version = values["landreg_version"], let migrations = values["migrations"],
            let srid = values["srid"].flatMap(Int.init)
        else { throw PostgresError(sqlState: nil, message: "landreg.store_schema is incomplete") }
        return Installed(
            landregVersion: version, migrations: migrations.split(separator: "\n").map(String.init), srid: srid)
    }

    /// Creates roles (when the cluster lacks them), the schema, every table and its rights, in the caller's
    /// transaction. The connected role must be able to create roles and to act as `landreg_owner` (a superuser,
    /// or a member of landreg_owner with CREATEROLE).
    static func create(_ pg: PGConnection, tables: [StoreTableShape], migrations: [String], srid: Int) throws {
        try pg.execute(
            """
            DO $$ BEGIN
              -- Roles belong to the cluster: another database's first store may be creating them at this moment,
              -- and then the second CREATE waits for the first and fails on pg_authid's unique index.
              BEGIN CREATE ROLE \(ownerRole) NOLOGIN;
              EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
              BEGIN CREATE ROLE \(officeRole) NOLOGIN;
              EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
            END $$;
            CREATE SCHEMA \(schemaName) AUTHORIZATION \(ownerRole);
            GRANT USAGE ON SCHEMA \(schemaName) TO \(officeRole);
            SET LOCAL ROLE \(ownerRole);
            CREATE TABLE \(schemaName).store_schema (key text PRIMARY KEY, value text NOT NULL);
            CREATE TABLE \(schemaName).offices (
              role_name text PRIMARY KEY,
              subdistrict text NOT NULL CHECK (subdistrict ~ '^[0-9]{6,12}$'),
              created_at timestamptz NOT NULL DEFAULT now(),
              created_by text NOT NULL DEFAULT session_user
            );
            CREATE TABLE \(schemaName).copies (
              id bigserial PRIMARY KEY,
              subdistrict text NOT NULL,
              direction text NOT NULL CHECK (direction IN ('in', 'out')),
              file text NOT NULL,
              row_counts jsonb NOT NULL,
              checksums jsonb NOT NULL,
              db_role text NOT NULL DEFAULT current_user,
              copied_at timestamptz NOT NULL DEFAULT now()
            );
            GRANT SELECT ON \(schemaName).store_schema, \(schemaName).offices, \(schemaName).copies TO \(officeRole);
            CREATE FUNCTION \(schemaName).office_subdistrict() RETURNS text LANGUAGE sql STABLE AS
              $f$ SELECT subdistrict FROM \(schemaName).offices WHERE role_name = current_user $f$;
            CREATE FUNCTION \(schemaName).refuse() RETURNS trigger LANGUAGE plpgsql AS
              $f$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $f$;
            \(sqliteFunctionsSQL)
            """)
        for statement in [
            "landreg_version": landregVersion, "migrations": migrations.joined(separator: "\n"), "srid": String(srid)
        ] {
            try pg.execute(
                "INSERT INTO \(schemaName).store_schema (key, value) VALUES ($1, $2)", [statement.key, statement.value])
        }
        for table in tables { try pg.execute(createTableSQL(table)) }
        try pg.execute("RESET ROLE")
    }

    /// The keys, indexes, foreign keys, triggers and rights of the tables `create` made, in the same transaction:
    /// after the first subdistrict's rows are in, so that each index is built in bulk and each foreign key checked
    /// by one join, not maintained and checked row by row (which made a first copy twice as slow).
    static func complete(_ pg: PGConnection, tables: [StoreTableShape]) throws {
        try pg.execute("SET LOCAL ROLE \(ownerRole)")
        for table in tables { try pg.execute(keysIndexesAndTriggersSQL(table)) }
        // Deferred, so that a later copy may insert in any order.
        for table in tables {
            for key in table.foreignKeys where referencedIsUnique(key, tables) {
                try pg.execute(
                    "ALTER TABLE \(qualified(table.name)) ADD FOREIGN KEY (subdistrict, "
                        + key.columns.map(PGConnection.identifier).joined(separator: ", ") + ") REFERENCES "
                        + qualified(key.table) + " (subdistrict, "
                        + key.referencedColumns.map(PGConnection.identifier).joined(separator: ", ")
                        + ") DEFERRABLE INITIALLY DEFERRED")
            }
        }
        for table in tables { try pg.execute(rightsSQL(table)) }
        try pg.execute("RESET ROLE")
        // Where QGIS looks for a PostgreSQL layer's style; a role that may not write there changes nothing else.
        if let why = try PostGISLayerStyles.write(pg, schema: schemaName) {
            FileHandle.standardError.write(
                Data("landreg: the layers' QGIS styles were not written to public.layer_styles (\(why))\n".utf8))
        }
    }

    /// SQLite's functions the CHECK constraints call (StoreSchemaReader.pgCheck), answering as SQLite does for the
    /// values the checks ask about: json_valid(NULL) is NULL, a text that is not JSON is false; json_type names
    /// SQLite's types (text, integer, real, true, false, null, array, object); date(x) is the YYYY-MM-DD of a text
    /// that starts with a valid one, else NULL.
    static let sqliteFunctionsSQL = """
        CREATE FUNCTION \(schemaName).json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
          BEGIN
            IF t IS NULL THEN RETURN NULL; END IF;
            PERFORM t::jsonb;
            RETURN true;
          EXCEPTION WHEN others THEN RETURN false;
          END $f$;
        CREATE FUNCTION \(schemaName).json_type(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
          DECLARE j jsonb;
          BEGIN
            IF t IS NULL THEN RETURN NULL; END IF;
            j := t::jsonb;
            RETURN CASE jsonb_typeof(j)
              WHEN 'string' THEN 'text'
              WHEN 'boolean' THEN j::text
              WHEN 'number' THEN CASE WHEN j::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END
              ELSE jsonb_typeof(j) END;
          EXCEPTION WHEN others THEN RETURN NULL;
          END $f$;
        CREATE FUNCTION \(schemaName).date(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
          BEGIN
            IF t IS NULL OR t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN RETURN NULL; END IF;
            RETURN to_char(substr(t, 1, 10)::date, 'YYYY-MM-DD');
          EXCEPTION WHEN others THEN RETURN NULL;
          END $f$;
        """

    /// A foreign key needs a full (not partial) unique key on the referenced columns.
    private static func referencedIsUnique(_ key: StoreTableShape.ForeignKey, _ tables: [StoreTableShape]) -> Bool {
        guard let target = tables.first(where: { $0.name == key.table }) else { return false }
        return target.primaryKey == key.referencedColumns
            || target.uniques.contains { $0.condition == nil && $0.columns == key.referencedColumns }
    }

    static func pgType(_ c: StoreTableShape.ValueClass) -> String {
        switch c {
        case .integer: return "bigint"
        case .real: return "double precision"
        case .text: return "text"
        case .blob: return "bytea"
        case .geometry(let type, let srid): return "geometry(\(postGISTypeName(type)), \(srid))"
        }
    }

    /// GeoPackage's upper-case names (MULTIPOLYGON) as PostGIS's typmod spells them (MultiPolygon).
    static func postGISTypeName(_ ogc: String) -> String {
        let names = [
            "POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon", "MULTIPOINT": "MultiPoint",
            "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon",
            "GEOMETRYCOLLECTION": "GeometryCollection", "GEOMETRY": "Geometry"
        ]
        return names[ogc.uppercased()] ?? "Geometry"
    }

    private static func createTableSQL(_ t: StoreTableShape) -> String {
        let q = qualified(t.name)
        var lines = ["subdistrict text NOT NULL CHECK (subdistrict ~ '^[0-9]{6,12}$')"]
        for c in t.columns {
            var line = PGConnection.identifier(c.name) + " " + pgType(c.valueClass)
            if c.notNull { line += " NOT NULL" }
            if let d = c.defaultLiteral { line += " DEFAULT " + d }
            lines.append(line)
        }
        if t.name == "events" { lines.append("db_role text NOT NULL DEFAULT current_user") }
        for check in t.checks { lines.append("CHECK (" + check + ")") }
        return "CREATE TABLE \(q) (\n  " + lines.joined(separator: ",\n  ") + "\n);\n"
    }

    private static func keysIndexesAndTriggersSQL(_ t: StoreTableShape) -> String {
        let q = qualified(t.name)
        var sql = ""
        if !t.primaryKey.isEmpty {
            sql +=
                "ALTER TABLE \(q) ADD PRIMARY KEY (subdistrict, "
                + t.primaryKey.map(PGConnection.identifier).joined(separator: ", ") + ");\n"
        }
        for (i, u) in t.uniques.enumerated() {
            sql +=
                "CREATE UNIQUE INDEX \(PGConnection.identifier("\(t.name)_unique_\(i + 1)")) ON \(q) (subdistrict, "
                + u.columns.map(PGConnection.identifier).joined(separator: ", ") + ")"
                + (u.condition.map { " WHERE " + $0 } ?? "") + ";\n"
        }
        for (i, columns) in t.indexes.enumerated() {
            sql +=
                "CREATE INDEX \(PGConnection.identifier("\(t.name)_index_\(i + 1)")) ON \(q) (subdistrict, "
                + columns.map(PGConnection.identifier).joined(separator: ", ") + ");\n"
        }
        if let g = t.geometryColumn {
            sql +=
                "CREATE INDEX \(PGConnection.identifier("\(t.name)_\(g.name)_gist")) ON \(q) USING gist ("
                + PGConnection.identifier(g.name) + ");\n"
        }
        for r in t.refusals {
            let of = r.columns.isEmpty ? "" : " OF " + r.columns.map(PGConnection.identifier).joined(separator: ", ")
            sql +=
                "CREATE TRIGGER \(PGConnection.identifier(r.name)) BEFORE \(r.event)\(of) ON \(q) FOR EACH ROW "
                + "EXECUTE FUNCTION \(schemaName).refuse(\(PGConnection.literal(r.message)));\n"
        }
        if t.neverDeleted {
            let message = t.refusals.first { $0.event == "DELETE" }!.message
            sql +=
                "CREATE TRIGGER \(PGConnection.identifier(t.name + "_never_truncated")) BEFORE TRUNCATE ON \(q) "
                + "FOR EACH STATEMENT EXECUTE FUNCTION \(schemaName).refuse(\(PGConnection.literal(message)));\n"
        }
        return sql
    }

    /// Row-level security and grants of one table: the district reads all, an office writes its own rows.
    private static func rightsSQL(_ t: StoreTableShape) -> String {
        let q = qualified(t.name)
        let own = "subdistrict = \(schemaName).office_subdistrict()"
        let appendOnly = t.refusals.contains { $0.event == "UPDATE" && $0.columns.isEmpty }
        var sql = """
            ALTER TABLE \(q) ENABLE ROW LEVEL SECURITY;
            CREATE POLICY district_reads ON \(q) FOR SELECT TO \(officeRole) USING (true);
            CREATE POLICY own_inserts ON \(q) FOR INSERT TO \(officeRole) WITH CHECK (\(own));
            GRANT SELECT, INSERT ON \(q) TO \(officeRole);

            """
        if !appendOnly {
            sql += """
                CREATE POLICY own_updates ON \(q) FOR UPDATE TO \(officeRole) USING (\(own)) WITH CHECK (\(own));
                GRANT UPDATE ON \(q) TO \(officeRole);

                """
        }
        return sql
    }
}
