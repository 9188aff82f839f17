import GRDB
import GRDBSQLite

// MARK: - A statement run once per row of a bulk import
//
// GRDB's `StatementArguments` builds an array of `DatabaseValue`s for every execution and copies blobs into
// `Data`; at a million rows that is a visible share of an import's writer thread. A `BulkStatement` binds
// straight into the `sqlite3_stmt` of a GRDB statement and steps it with the C API. Use it on the
// connection that prepared it, inside that connection's transaction (it does not change transaction state).

final class BulkStatement {
    /// Owns the sqlite3_stmt (finalized when GRDB's statement goes).
    private let statement: Statement
    private let handle: SQLiteStatement
    private let connection: SQLiteConnection
    /// SQLite copies the bytes before the bind call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Prepares `sql`. - Throws: `DatabaseError` when it does not compile.
    init(_ db: Database, sql: String) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the connection is closed")
        }
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        self.connection = connection
    }

    // Parameters are 1-based, as in SQLite. Bind calls fail only for an index out of range (a programming
    // error the first test catches) or out of memory (reported by the next step).

    func bind(_ index: Int32, _ text: String?) {
        guard var text else { sqlite3_bind_null(handle, index); return }
        // A NULL pointer would bind NULL, not an empty text.
        if text.isEmpty { sqlite3_bind_text(handle, index, "", 0, Self.transient); return }
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), Self.transient)
            }
        }
    }

    func bind(_ index: Int32, _ number: Double?) {
        guard let number else { sqlite3_bind_null(handle, index); return }
        sqlite3_bind_double(handle, index, number)
    }

    func bind(_ index: Int32, _ integer: Int64?) {
        guard let integer else { sqlite3_bind_null(handle, index); return }
        sqlite3_bind_int64(handle, index, integer)
    }

    func bind(_ index: Int32, blob: [UInt8]) {
        _ = blob.withUnsafeBytes { bytes in
            // A zero-length blob with a NULL pointer binds NULL; geometry blobs are never empty (8-byte header).
            sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// Binds `values` to parameters 1, 2, 3 … in order (the statement's VALUES list), each by its type: text,
    /// real, integer, blob ([UInt8]), NULL for nil. A parameter pack: no array of values is built per row.
    func bindRow<each Value: BulkBindable>(_ values: repeat each Value) {
        var index: Int32 = 0
        for value in repeat each values {
            index += 1
            value.bind(to: self, at: index)
        }
    }

    /// Runs the statement to completion with the bound values and resets it for the next row.
    /// - Throws: `DatabaseError` with SQLite's extended result code and message (constraint failures included).
    func execute() throws {
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        if code == SQLITE_DONE {
            sqlite3_reset(handle)
            return
        }
        let message = String(cString: sqlite3_errmsg(connection))
        let extended = sqlite3_extended_errcode(connection)
        // sqlite3_reset returns the same error again; it is the one being thrown.
        sqlite3_reset(handle)
        throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
    }
}

/// A value `BulkStatement.bindRow` binds straight into SQLite.
protocol BulkBindable {
    func bind(to statement: BulkStatement, at index: Int32)
}

extension String: BulkBindable {
    func bind(to statement: BulkStatement, at index: Int32) { statement.bind(index, self) }
}

extension Double: BulkBindable {
    func bind(to statement: BulkStatement, at index: Int32) { statement.bind(index, self) }
}

extension Int64: BulkBindable {
    func bind(to statement: BulkStatement, at index: Int32) { statement.bind(index, self) }
}

extension Int: BulkBindable {
    func bind(to statement: BulkStatement, at index: Int32) { statement.bind(index, Int64(self)) }
}

/// Bytes bind as a blob.
extension Array: BulkBindable where Element == UInt8 {
    func bind(to statement: BulkStatement, at index: Int32) { statement.bind(index, blob: self) }
}

extension Optional: BulkBindable where Wrapped: BulkBindable {
    func bind(to statement: BulkStatement, at index: Int32) {
        if let self { self.bind(to: statement, at: index) } else { statement.bindNull(index) }
    }
}
