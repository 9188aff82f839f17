import GRDB
import LandGeometry

// MARK: - The R*Tree of a layer during a bulk import
//
// Normally a layer's R*Tree is kept by the gpkg_rtree_index AFTER INSERT trigger. For a bulk import that
// trigger is the dearest part of a row: it runs five SQL functions and, because an INSERT that fires a trigger
// may change several rows, SQLite keeps a statement journal for every such INSERT (a copy of each page it
// touches, written to a temporary file: 1.4 million pwrite calls for 100,000 parcels). Like GDAL's bulk
// loads, the import drops the insert trigger inside its own transaction, inserts the R*Tree rows itself
// (the envelope is already known), and creates the trigger again, from its exact stored SQL, before the
// transaction commits. DDL is transactional in SQLite: a failed or refused import rolls the trigger back
// with everything else, and no other connection ever sees the layer without it.

final class BulkSpatialIndex {
    private let triggerName: String
    private let triggerSQL: String?
    private let insert: BulkStatement?

    /// Takes over the R*Tree of `table` (its `geom` column) for the rest of the transaction; a layer without
    /// the insert trigger is left as it is (nothing is indexed by the import either, as the trigger would not).
    /// - Throws: `DatabaseError`.
    init(_ db: Database, table: String) throws {
        let rtree = "rtree_\(table)_geom"
        triggerName = rtree + "_insert"
        triggerSQL = try String.fetchOne(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
            arguments: [triggerName, table])
        if triggerSQL != nil {
            try db.execute(sql: "DROP TRIGGER \"\(triggerName)\"")
            insert = try BulkStatement(db, sql: "INSERT OR REPLACE INTO \"\(rtree)\" VALUES (?, ?, ?, ?, ?)")
        } else {
            insert = nil
        }
    }

    /// Indexes the row `fid` just inserted, as the trigger would have (nothing for an empty envelope).
    func add(fid: Int64, envelope: Envelope) throws {
        guard let insert, !envelope.isEmpty else { return }
        insert.bind(1, fid)
        insert.bind(2, envelope.minX)
        insert.bind(3, envelope.maxX)
        insert.bind(4, envelope.minY)
        insert.bind(5, envelope.maxY)
        try insert.execute()
    }

    /// Puts the trigger back, exactly as it was stored. Call before the transaction commits.
    func finish(_ db: Database) throws {
        if let triggerSQL { try db.execute(sql: triggerSQL) }
    }
}
