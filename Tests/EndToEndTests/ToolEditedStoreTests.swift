import Foundation
import Testing

/// A store edited by another tool (QGIS, sqlite3, a script) can hold what landreg never writes. Reading it must end
/// in an error that names the row, not in a trap.
@Suite("Stores edited by other tools", .serialized)
struct ToolEditedStoreTests {
    /// Opens the store named by argv[1] as another program would (plain sqlite3), with stand-ins for the
    /// GeoPackage SQL functions the R*Tree triggers call (no geometry changes), schema writable.
    static let editPrelude = """
        import sqlite3, sys
        def connect():
            db = sqlite3.connect(sys.argv[1])
            for f in ["ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"]:
                db.create_function(f, 1, lambda g: 0)
            return db
        db = connect()
        db.execute("PRAGMA writable_schema = ON")

        """

    /// Drops `NOT NULL` from planar_area_m2 of parcels, spots and sites (the schema is edited the way a tool that
    /// rewrites a table would leave it), sets it to NULL in the first row of each, and prints each row's fid and
    /// code.
    static let nullOutPlanarArea =
        editPrelude + """
            for t in ["parcels", "spots", "sites"]:
                n = db.execute("UPDATE sqlite_master SET sql = replace(sql, 'planar_area_m2 REAL NOT NULL', 'planar_area_m2 REAL') WHERE name = ?", (t,)).rowcount
                assert n == 1, t
            db.commit(); db.close()
            db = connect()
            for t in ["parcels", "spots", "sites"]:
                fid, code = db.execute(f"SELECT fid, code FROM {t} ORDER BY fid LIMIT 1").fetchone()
                db.execute(f"UPDATE {t} SET planar_area_m2 = NULL WHERE fid = ?", (fid,))
                print(t, fid, code)
            db.commit()
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()  # checkpoints the WAL: the file compared below is then the whole store
            """

    @Test func aNullWhereLandregAlwaysWritesAValueIsAnErrorNamingTheRowNotACrash() throws {
        // Given the demo store with a NULL planar area in one parcel, one spot and one site
        let dir = CLI.temporaryDirectory()
        let store = dir + "/edited.gpkg"
        let demo = try CLI.landreg(["demo", "--store", store], in: dir)
        #expect(demo.status == 0, "\(demo.stderr)")
        let edit = try CLI.python(Self.nullOutPlanarArea, [store])
        try #require(edit.status == 0, "\(edit.stderr)")
        let edited = edit.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        try #require(edited.map(\.first) == ["parcels", "spots", "sites"], "\(edit.stdout)")
        let before = try Data(contentsOf: URL(fileURLWithPath: store))

        for row in edited {
            let (table, fid, code) = (row[0], row[1], row[2])
            for format in [[], ["--json"]] {
                // When the layer is listed
                let r = try CLI.landreg([table, "list", "--store", store] + format, in: dir)
                // Then landreg exits 1 (a trap would be a signal) naming file, table, row, code and column
                #expect(r.status == 1, "\(table) list \(format): \(r.status) \(r.stderr)")
                #expect(r.stdout.isEmpty)
                #expect(r.stderr.hasPrefix("Error: \(store): \(table) fid \(fid) (code \(code)): "), "\(r.stderr)")
                #expect(
                    r.stderr.contains(#"could not decode Double from database value NULL - column: "planar_area_m2""#),
                    "\(r.stderr)")
                #expect(r.stderr.contains("Nothing was changed."))
                // and GRDB's dump of the row and its SQL stays out of the message
                #expect(!r.stderr.contains("SELECT"), "\(r.stderr)")
            }
        }
        // and the store is byte for byte as it was
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
    }

    /// Drops `NOT NULL` from the geometry of parcels and zones and empties it in the first row of each (GDAL and
    /// QGIS allow a feature without geometry); prints each row's table, fid and code.
    static let nullOutGeometry =
        editPrelude + """
            for t in ["parcels", "zones"]:
                n = db.execute("UPDATE sqlite_master SET sql = replace(sql, 'geom MULTIPOLYGON NOT NULL', 'geom MULTIPOLYGON') WHERE name = ?", (t,)).rowcount
                assert n == 1, t
            db.commit(); db.close()
            db = connect()
            for t in ["parcels", "zones"]:
                # a row in the middle: an export that streams the table meets it after writing others
                live = f"FROM {t} WHERE retired_at IS NULL"
                fid, code = db.execute(f"SELECT fid, code {live} ORDER BY fid LIMIT 1 OFFSET (SELECT count(*) / 2 {live})").fetchone()
                db.execute(f"UPDATE {t} SET geom = NULL WHERE fid = ?", (fid,))
                print(t, fid, code)
            db.commit()
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
            """

    @Test func aFeatureWithoutGeometryIsAnErrorNamingTheRowNotACrash() throws {
        // Given the demo store with one parcel and one zone whose geometry another program emptied
        let dir = CLI.temporaryDirectory()
        let store = dir + "/edited.gpkg"
        let demo = try CLI.landreg(["demo", "--store", store], in: dir)
        #expect(demo.status == 0, "\(demo.stderr)")
        let edit = try CLI.python(Self.nullOutGeometry, [store])
        try #require(edit.status == 0, "\(edit.stderr)")
        let edited = edit.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        try #require(edited.map(\.first) == ["parcels", "zones"], "\(edit.stdout)")
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        func expectNamed(_ r: CLI.Result, _ table: String, _ fid: String, _ code: String, _ what: String) {
            #expect(r.status == 1, "\(what): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("\(store): \(table) fid \(fid) (code \(code)): "), "\(what): \(r.stderr)")
            #expect(r.stderr.contains(#"column: "geom""#), "\(what): \(r.stderr)")
        }
        for row in edited {
            let (table, fid, code) = (row[0], row[1], row[2])
            // When the layer is exported, then landreg exits 1 naming the row, and leaves no output behind. A
            // GeoPackage or UTF-8 Shapefile of the parcels is read straight from the table on a second thread
            // (ColumnExport): the row it cannot read stops it midway and the general path names the row.
            for (name, format) in [("\(table).geojson", "geojson"), ("\(table).gpkg", "gpkg"), ("\(table)-shp", "shp")]
            {
                let out = dir + "/" + name
                let export = try CLI.landreg(
                    ["export", table, "-o", out, "--format", format, "--store", store], in: dir)
                expectNamed(export, table, fid, code, "export \(table) --format \(format)")
                #expect(!FileManager.default.fileExists(atPath: out), "export \(table) left \(out)")
            }
        }
        // When the parcels of the emptied zone are listed (its geometry is read by code), the zone is named
        let (zoneFID, zoneCode) = (edited[1][1], edited[1][2])
        let list = try CLI.landreg(["parcels", "list", "--zone", zoneCode, "--store", store], in: dir)
        expectNamed(list, "zones", zoneFID, zoneCode, "parcels list --zone")
        // and the store is byte for byte as it was
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
    }
}
