import GRDB

// MARK: - What every layer inserter shares
//
// Parcels, zones, sites and spots insert their rows differently (their columns, a spot's overlay and event), but
// the rest is one thing: the import's connection, id and timestamp; with --replace, retiring the live row that
// holds the feature's code; and turning a unique-code violation into words that name the other row (a feature
// of this file, or a live row of an earlier import). A layer's inserter holds an `InserterCore` for that.

/// A layer's codes are unique among its live rows, or among its live rows with one value of a column (zones:
/// the code is unique per kind).
struct CodeScope: Sendable {
    let column: String
    let value: String
}

/// The state and the code rules every layer inserter shares; made by the import on its writer thread, inside the
/// import transaction.
final class InserterCore {
    let db: Database
    let importID: Int64
    /// The import's timestamp: the rows' created_at and the retired rows' retired_at.
    let createdAt: String
    let table: String
    let codeScope: CodeScope?
    private let retireStatement: Statement

    /// - Throws: `DatabaseError` when the retire statement does not compile (no such table or column).
    init(_ db: Database, table: String, codeScope: CodeScope?, importID: Int64, createdAt: String) throws {
        self.db = db; self.table = table; self.codeScope = codeScope; self.importID = importID
        self.createdAt = createdAt
        retireStatement = try db.makeStatement(
            sql: """
                UPDATE \(table) SET retired_at = ? WHERE \(codeScope.map { "\($0.column) = ? AND " } ?? "")code = ? \
                AND retired_at IS NULL AND import_id IS NOT ? RETURNING fid
                """)
    }

    /// Inserts one feature's row with `statement` (the layer's INSERT, its values bound). With `replace`, first
    /// retires the live row of another import that holds the code. Returns the new row's fid and the retired one's.
    /// - Throws: `IngestError` when the code is live already (in this file, or in the store without --replace).
    func insert(code: String, replace: Bool, _ statement: BulkStatement) throws -> (fid: Int64, retired: Int64?) {
        let retired = try retireLive(code: code, replace: replace)
        do {
            try statement.execute() // resets itself on failure: ready for the next row
        } catch let e as DatabaseError where e.isUniqueViolation {
            throw IngestError(try duplicateCodeMessage(code))
        }
        return (db.lastInsertedRowID, retired)
    }

    private func retireLive(code: String, replace: Bool) throws -> Int64? {
        guard replace else { return nil }
        var arguments: StatementArguments = [createdAt]
        if let codeScope { arguments += [codeScope.value] }
        arguments += [code, importID]
        return try Int64.fetchOne(retireStatement, arguments: arguments)
    }

    /// Translates a unique-constraint failure on a live code into the words a user needs, naming the other row.
    private func duplicateCodeMessage(_ code: String) throws -> String {
        var arguments: StatementArguments = [code]
        if let codeScope { arguments += [codeScope.value] }
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT import_id, source_index, created_at FROM \(table) WHERE code = ? AND retired_at IS NULL \
                \(codeScope.map { "AND \($0.column) = ?" } ?? "")
                """, arguments: arguments)
        if let row, (row["import_id"] as Int64?) == importID {
            return Self.sameFileDuplicate(code: code, otherIndex: row["source_index"])
        }
        let when: String = row?["created_at"] ?? "earlier"
        return
            "code \(code) already exists (live since \(when)); use --replace to supersede it (the old row is retired, not deleted)"
    }

    /// A code given twice in one file, naming the feature (0-based index) that had it first.
    static func sameFileDuplicate(code: String, otherIndex: Int?) -> String {
        "duplicate code \(code): feature \(otherIndex.map(String.init) ?? "?") of this file has it too"
    }
}

/// The inserter of a layer whose row is one INSERT per feature (parcels, zones, sites): the statement, and how a
/// feature's values bind to it (1-based, in the INSERT's column order).
final class RowInserter<Fields: Sendable>: FeatureInserter {
    private let core: InserterCore
    private let statement: BulkStatement
    private let bind: (BulkStatement, PreparedFeature<Fields>) throws -> Void

    /// - Throws: `DatabaseError` when `insertSQL` does not compile.
    init(
        _ core: InserterCore, insertSQL: String,
        bind: @escaping (BulkStatement, PreparedFeature<Fields>) throws -> Void
    ) throws {
        self.core = core
        self.bind = bind
        statement = try BulkStatement(core.db, sql: insertSQL)
    }

    func insert(_ f: PreparedFeature<Fields>, replace: Bool) throws -> (fid: Int64, retired: Int64?) {
        try bind(statement, f)
        return try core.insert(code: f.code, replace: replace, statement)
    }
}

extension DatabaseError {
    var isUniqueViolation: Bool { extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE }
}
