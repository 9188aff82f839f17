import Foundation
import GRDB

// MARK: - Is the store still a GeoPackage?
//
// The checks of OGC GeoPackage 1.2 that a landreg store can fail, done in SQL on our own connection (GDAL's
// validator is optional, see GDALValidator.swift): the header (application_id, user_version), the core tables,
// the three required SRS rows, every table in gpkg_contents present with an INTEGER PRIMARY KEY (Req 119), every
// feature table registered in gpkg_geometry_columns with a registered SRS, and every spatial index holding
// exactly the rows with a non-empty geometry (the R*Tree triggers keep it so; a store edited without our SQL
// functions, or a bug, would not).

enum GeoPackageStructureCheck {
    /// Every problem found, in words; empty when the structure is sound.
    static func problems(_ db: Database) throws -> [String] {
        var problems: [String] = []
        let applicationID = try Int.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if applicationID != Int(GeoPackageSchema.applicationID) {
            problems.append(String(format: "application_id is 0x%08X, not 0x47504B47 (\"GPKG\")", applicationID))
        }
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if !(10200..<10500).contains(userVersion) {
            problems.append("user_version is \(userVersion), not a GeoPackage 1.2–1.4 version (10200–10499)")
        }
        for table in ["gpkg_spatial_ref_sys", "gpkg_contents", "gpkg_geometry_columns"] where try !db.tableExists(table)
        {
            problems.append("the required table \(table) is missing")
        }
        if !problems.filter({ $0.hasPrefix("the required table") }).isEmpty { return problems }

        let srsIDs = Set(try Int.fetchAll(db, sql: "SELECT srs_id FROM gpkg_spatial_ref_sys"))
        for required in [-1, 0, 4326] where !srsIDs.contains(required) {
            problems.append("gpkg_spatial_ref_sys lacks the required row srs_id \(required)")
        }

        let contents = try Row.fetchAll(
            db, sql: "SELECT table_name, data_type, srs_id FROM gpkg_contents ORDER BY table_name")
        let geometryColumns = try Row.fetchAll(
            db, sql: "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name")
        // The GeoPackage DDL makes these columns NOT NULL, but a file edited by another tool may not hold to it:
        // such a row is a finding, never a trap.
        let geometryTables = Set(geometryColumns.compactMap { $0["table_name"] as String? })
        for row in contents {
            guard let table: String = row["table_name"], let dataType: String = row["data_type"] else {
                problems.append("gpkg_contents has a row without table_name or data_type"); continue
            }
            guard try db.tableExists(table) || db.viewExists(table) else {
                problems.append("gpkg_contents lists \(table), which does not exist"); continue
            }
            if let srs: Int = row["srs_id"], !srsIDs.contains(srs) {
                problems.append("gpkg_contents gives \(table) srs_id \(srs), which is not in gpkg_spatial_ref_sys")
            }
            if ["features", "attributes"].contains(dataType), try db.tableExists(table) {
                let pk = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))").filter {
                    ($0["pk"] as Int) > 0
                }
                if pk.count != 1 || (pk.first?["type"] as String?)?.uppercased() != "INTEGER" {
                    problems.append("\(table) has no INTEGER PRIMARY KEY (GeoPackage Req 119)")
                }
            }
            if dataType == "features" && !geometryTables.contains(table) {
                problems.append("feature table \(table) has no row in gpkg_geometry_columns")
            }
        }
        let listed = Set(contents.compactMap { $0["table_name"] as String? })
        for row in geometryColumns {
            guard let table: String = row["table_name"], let column: String = row["column_name"],
                let srs: Int = row["srs_id"]
            else {
                problems.append("gpkg_geometry_columns has a row without table_name, column_name or srs_id"); continue
            }
            if !listed.contains(table) {
                problems.append("gpkg_geometry_columns lists \(table), which gpkg_contents does not")
            }
            if !srsIDs.contains(srs) {
                problems.append("\(table).\(column) has srs_id \(srs), which is not in gpkg_spatial_ref_sys")
            }
            if try db.tableExists(table) {
                // A geometry blob the SQL functions cannot read makes the count fail: that is a finding too.
                do { problems += try spatialIndexProblems(db, table: table, column: column) } catch {
                    problems.append("the spatial index of \(table) could not be checked: \(error)")
                }
            }
        }
        return problems
    }

    /// The R*Tree of `table.column` must exist with its triggers and index exactly the non-empty geometries.
    private static func spatialIndexProblems(_ db: Database, table: String, column: String) throws -> [String] {
        let registered =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'
                      AND lower(table_name) = lower(?) AND lower(column_name) = lower(?)
                    """, arguments: [table, column]) ?? 0
        let rtree = "rtree_\(table)_\(column)"
        guard registered > 0 else { return ["\(table).\(column) has no spatial index (gpkg_rtree_index)"] }
        guard try db.tableExists(rtree) else { return ["the spatial index \(rtree) of \(table) is missing"] }
        var problems: [String] = []
        let triggers = Set(
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", arguments: [table]))
        let missing = ["insert", "update1", "update2", "update3", "update4", "delete"].map { "\(rtree)_\($0)" }
            .filter { !triggers.contains($0) }
        if !missing.isEmpty {
            problems.append("\(table) lacks the spatial-index triggers \(missing.joined(separator: ", "))")
        }

        let t = table.quotedDatabaseIdentifier, c = column.quotedDatabaseIdentifier, r = rtree.quotedDatabaseIdentifier
        let pk = try primaryKey(db, table: table)
        let geometries =
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t) WHERE \(c) IS NOT NULL AND NOT ST_IsEmpty(\(c))") ?? 0
        let indexed = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(r)") ?? 0
        let unindexed =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM \(t) WHERE \(c) IS NOT NULL AND NOT ST_IsEmpty(\(c))
                      AND NOT EXISTS (SELECT 1 FROM \(r) WHERE id = \(t).\(pk))
                    """) ?? 0
        if geometries != indexed || unindexed > 0 {
            problems.append(
                "the spatial index of \(table) holds \(indexed) rows for \(geometries) non-empty geometries"
                    + (unindexed > 0 ? " (\(unindexed) geometries not indexed)" : ""))
        }
        return problems
    }

    private static func primaryKey(_ db: Database, table: String) throws -> String {
        let pk = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))").first {
            ($0["pk"] as Int) == 1
        }
        return (pk?["name"] as String? ?? "rowid").quotedDatabaseIdentifier
    }
}
