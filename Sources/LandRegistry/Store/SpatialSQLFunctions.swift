import GRDB
import GRDBSQLite
import LandGeometry

// MARK: - SQL functions over GeoPackage geometry blobs
//
// The gpkg_rtree_index triggers call ST_IsEmpty and ST_MinX/MaxX/MinY/MaxY; GDAL registers the same names on
// its connections. Every landreg connection registers them in `prepareDatabase`. They read the envelope from
// the blob header when it is there (GDAL and landreg write one for every non-point geometry), so the
// trigger cost per row is a header read, not a WKB decode. NULL in, NULL out; a blob that is not a
// GeoPackage geometry is an SQL error naming what is wrong.
//
// They are registered with the SQLite C API, not GRDB's `DatabaseFunction`: the triggers call five of them for
// every inserted row, and GRDB's wrapper copies the blob into a `Data` and builds a `[DatabaseValue]` per call
// (a third of a bulk import's writer time went there). Here the header is read in place from SQLite's pointer.

enum SpatialSQLFunctions {
    static func register(on db: Database) {
        guard let connection = db.sqliteConnection else { return }
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        // sqlite3_create_function_v2 fails only on a bad name or argument count (ours are constant) or when out
        // of memory, which the next statement reports.
        sqlite3_create_function_v2(
            connection, "ST_IsEmpty", 1, flags, nil,
            { ctx, _, args in
                SpatialSQLFunctions.withBlob(ctx, args) { blob in
                    sqlite3_result_int(ctx, try GeoPackageBinary.isEmpty(blob) ? 1 : 0)
                }
            }, nil, nil, nil)
        sqlite3_create_function_v2(
            connection, "ST_MinX", 1, flags, nil,
            { ctx, _, args in
                SpatialSQLFunctions.envelopeResult(ctx, args) { $0.minX }
            }, nil, nil, nil)
        sqlite3_create_function_v2(
            connection, "ST_MaxX", 1, flags, nil,
            { ctx, _, args in
                SpatialSQLFunctions.envelopeResult(ctx, args) { $0.maxX }
            }, nil, nil, nil)
        sqlite3_create_function_v2(
            connection, "ST_MinY", 1, flags, nil,
            { ctx, _, args in
                SpatialSQLFunctions.envelopeResult(ctx, args) { $0.minY }
            }, nil, nil, nil)
        sqlite3_create_function_v2(
            connection, "ST_MaxY", 1, flags, nil,
            { ctx, _, args in
                SpatialSQLFunctions.envelopeResult(ctx, args) { $0.maxY }
            }, nil, nil, nil)
    }

    /// Calls `body` with the argument's bytes, without copying; NULL result for a non-blob argument, an SQL
    /// error when `body` throws.
    private static func withBlob(
        _ ctx: OpaquePointer?, _ args: UnsafeMutablePointer<OpaquePointer?>?,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) {
        guard let value = args?[0], sqlite3_value_type(value) == SQLITE_BLOB else {
            sqlite3_result_null(ctx)
            return
        }
        // For a zero-length blob sqlite3_value_blob returns NULL: an empty buffer, which the header check refuses.
        let count = Int(sqlite3_value_bytes(value))
        let bytes = UnsafeRawBufferPointer(start: sqlite3_value_blob(value), count: count)
        do {
            try body(bytes)
        } catch {
            sqlite3_result_error(ctx, "\(error)", -1)
        }
    }

    private static func envelopeResult(
        _ ctx: OpaquePointer?, _ args: UnsafeMutablePointer<OpaquePointer?>?, _ pick: (Envelope) -> Double
    ) {
        withBlob(ctx, args) { blob in
            if let e = try GeoPackageBinary.envelope(of: blob) {
                sqlite3_result_double(ctx, pick(e))
            } else {
                sqlite3_result_null(ctx)
            }
        }
    }
}
