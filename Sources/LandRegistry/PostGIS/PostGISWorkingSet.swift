import Foundation
import GRDB
import LandGeometry

// MARK: - A change to the PostGIS store: the registry's own code, run on the rows it touches
//
// The rules of a change — the state machine, the checks, the event it appends — are written once, as SQL on the
// GeoPackage schema. A change to a PostGIS store runs that same code on a working set, inside one PostgreSQL
// transaction: the rows the change reads are selected from the subdistrict (the rows it changes `FOR UPDATE`, so
// that a concurrent step on the same spot waits for this one, then sees its result), loaded into an in-memory
// GeoPackage of this landreg's schema, and the change runs there. What it changed is written back in the same
// transaction: rows it updated (only the columns that changed), rows it added. Nothing is ever deleted, so a change
// that removes a row is refused. New rows of a table keyed by one integer (events, above all) take the next ids of
// the subdistrict under a transaction-scoped advisory lock, so that offices appending at the same moment never
// collide; references to those ids in the rows written follow them. The figures are the same as on a GeoPackage
// because the code is the same.

final class PostGISWorkingSet {
    let pg: PGConnection
    let subdistrict: String
    let scratch: DatabaseQueue
    /// The registry tables of the schema, by name.
    let shapes: [String: StoreTableShape]
    private let order: [String]
    private var before: [String: [Key: [CanonicalValue]]] = [:]
    /// New ids in PostgreSQL of rows the change added, by table: scratch id → stored id.
    private(set) var assignedIDs: [String: [Int64: Int64]] = [:]

    /// A row's key: its primary key's values (all its values when the table has none), as canonical bytes.
    struct Key: Hashable { let bytes: [UInt8] }

    init(pg: PGConnection, subdistrict: String, storeCRS: CRS) throws {
        self.pg = pg
        self.subdistrict = subdistrict
        var config = Registry.configuration()
        // The working set holds some rows, not all that they reference: PostgreSQL checks the foreign keys at commit.
        config.foreignKeysEnabled = false
        scratch = try DatabaseQueue(configuration: config)
        try Migrations.migrator(storeCRS: try StoreCRSDefinition(storeCRS)).migrate(scratch)
        let tables = try scratch.read { db in try StoreSchemaReader.tables(db) }
        shapes = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        order = tables.map(\.name)
    }

    /// Loads the subdistrict's rows of `table` that match `condition` (SQL on the table's columns, parameters from
    /// $2), locked for update when asked; returns them (with a condition) as canonical values in the order of the
    /// table's columns. A table loaded whole replaces what the migrations put there (reference rows, landreg_meta).
    @discardableResult
    func load(_ table: String, where condition: String? = nil, _ parameters: [String?] = [], forUpdate: Bool = false)
        throws -> [[CanonicalValue]]
    {
        guard let shape = shapes[table] else { throw PostGISStoreError("this landreg has no table \(table)") }
        var sql =
            "SELECT " + StoreCopy.selectList(shape) + " FROM \(PostGISSchema.qualified(table)) WHERE subdistrict = $1"
        if let condition { sql += " AND (\(condition))" }
        if forUpdate { sql += " FOR UPDATE" }
        let replacing = condition == nil && shape.refusals.isEmpty
        var rows: [[CanonicalValue]] = []
        try scratch.write { db in
            if replacing { try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)") }
            let statement = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO \(table.quotedDatabaseIdentifier) ("
                    + shape.columns.map { $0.name.quotedDatabaseIdentifier }.joined(separator: ", ") + ") VALUES ("
                    + Array(repeating: "?", count: shape.columns.count).joined(separator: ", ") + ")")
            // A whole table is read through a cursor and kept only in the working set; selected rows are returned.
            func add(_ text: [String?]) throws {
                var values: [CanonicalValue] = []
                values.reserveCapacity(shape.columns.count)
                var arguments: [DatabaseValue] = []
                arguments.reserveCapacity(shape.columns.count)
                for (i, column) in shape.columns.enumerated() {
                    let value: CanonicalValue
                    do { value = try CanonicalValue(postgres: text[i], column) } catch let p as ValueProblem {
                        throw p.at("\(pg.displayURL): \(table)")
                    }
                    values.append(value)
                    arguments.append(value.databaseValue(column))
                }
                try statement.execute(arguments: StatementArguments(arguments))
                if condition != nil { rows.append(values) }
            }
            if condition == nil && !forUpdate {
                try pg.forEachRow(sql, [subdistrict] + parameters) { try add($0) }
            } else {
                for row in try pg.execute(sql, [subdistrict] + parameters).rows { try add(row) }
            }
        }
        if forUpdate, rows.isEmpty {
            // Row-level security hides from FOR UPDATE the rows the role may not change; say so, not "no such row".
            let visible = try pg.scalar(
                "SELECT count(*) FROM \(PostGISSchema.qualified(table)) WHERE subdistrict = $1"
                    + (condition.map { " AND (\($0))" } ?? ""), [subdistrict] + parameters)
            if let visible, visible != "0" {
                throw PostGISStoreError(
                    "\(pg.displayURL): role \(try pg.scalar("SELECT current_user") ?? "?") may change only its own "
                        + "subdistrict's rows, not those of subdistrict \(subdistrict) (\(table))")
            }
        }
        return rows
    }

    /// The reference tables (seeds/) and landreg_meta, whole: small, and read by most changes.
    func loadReferenceTables() throws {
        for table in Set(SeedSet.entries.map(\.table)).sorted() + ["landreg_meta"] { try load(table) }
    }

    /// Every registry table of the subdistrict, whole.
    func loadAll() throws {
        for name in order { try load(name) }
    }

    /// The value of `column` in rows `load` returned.
    func value(_ column: String, of table: String, in row: [CanonicalValue]) -> CanonicalValue? {
        shapes[table]?.columns.firstIndex { $0.name == column }.map { row[$0] }
    }

    /// Runs `change` on the working set (one SQLite transaction) and writes what it changed back to PostgreSQL,
    /// in the caller's transaction. - Throws: what `change` throws (nothing is written), `PostGISStoreError`.
    func run<T>(_ change: (Database) throws -> T) throws -> T {
        before = try snapshot()
        let result = try scratch.write { db in try change(db) }
        try writeBack(after: try snapshot())
        return result
    }

    /// The id PostgreSQL gave a row the change added (the scratch id when the row was not new).
    func storedID(_ table: String, _ scratchID: Int64) -> Int64 { assignedIDs[table]?[scratchID] ?? scratchID }

    // MARK: Writing back

    private func snapshot() throws -> [String: [Key: [CanonicalValue]]] {
        try scratch.read { db in
            var tables: [String: [Key: [CanonicalValue]]] = [:]
            for name in order {
                let shape = shapes[name]!
                let keyIndexes = shape.orderColumns.compactMap { c in shape.columns.firstIndex { $0.name == c } }
                var rows: [Key: [CanonicalValue]] = [:]
                let cursor = try Row.fetchCursor(
                    db,
                    sql: "SELECT " + shape.columns.map { $0.name.quotedDatabaseIdentifier }.joined(separator: ", ")
                        + " FROM \(name.quotedDatabaseIdentifier)")
                while let row = try cursor.next() {
                    var values: [CanonicalValue] = []
                    for (i, column) in shape.columns.enumerated() {
                        do { values.append(try CanonicalValue(sqlite: row[i] as DatabaseValue, column)) } catch let p
                            as ValueProblem
                        { throw p.at("\(name) (working set)") }
                    }
                    rows[Self.key(keyIndexes.map { values[$0] })] = values
                }
                tables[name] = rows
            }
            return tables
        }
    }

    private static func key(_ values: [CanonicalValue]) -> Key {
        var checksum = TableChecksum()
        checksum.beginRow()
        for v in values { checksum.add(v) }
        return Key(bytes: Array(checksum.finish().utf8))
    }

    private func writeBack(after: [String: [Key: [CanonicalValue]]]) throws {
        var inserts: [(table: String, row: [CanonicalValue])] = []
        var updates: [(table: String, old: [CanonicalValue], new: [CanonicalValue])] = []
        for name in order {
            let old = before[name] ?? [:], new = after[name] ?? [:]
            if let gone = old.keys.first(where: { new[$0] == nil }) {
                let row = old[gone]!
                throw PostGISStoreError(
                    "the change would delete a row of \(name) (\(describeKey(name, row))); nothing is ever deleted")
            }
            for (key, row) in new {
                if let was = old[key] {
                    if !Self.same(was, row) { updates.append((name, was, row)) }
                } else {
                    inserts.append((name, row))
                }
            }
        }
        // New rows of a table keyed by one integer take the subdistrict's next ids, in the order the change made them.
        var remap: [String: [Int64: Int64]] = [:]
        for name in Set(inserts.map(\.table)).sorted() {
            guard let shape = shapes[name], shape.primaryKey.count == 1,
                let k = shape.columns.firstIndex(where: { $0.name == shape.primaryKey[0] }),
                shape.columns[k].valueClass == .integer
            else { continue }
            try pg.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ["landreg." + name, subdistrict])
            var next =
                Int64(
                    try pg.scalar(
                        "SELECT coalesce(max(\(PGConnection.identifier(shape.primaryKey[0]))), 0) FROM "
                            + "\(PostGISSchema.qualified(name)) WHERE subdistrict = $1", [subdistrict]) ?? "0") ?? 0
            let ids = inserts.filter { $0.table == name }.compactMap { row -> Int64? in
                if case .integer(let id) = row.row[k] { return id }
                return nil
            }
            for id in ids.sorted() {
                next += 1
                remap[name, default: [:]][id] = next
            }
        }
        assignedIDs = remap
        func followed(_ table: String, _ row: [CanonicalValue]) -> [CanonicalValue] {
            guard let shape = shapes[table] else { return row }
            var row = row
            for (i, column) in shape.columns.enumerated() {
                guard case .integer(let id) = row[i] else { continue }
                if shape.primaryKey == [column.name], let to = remap[table]?[id] { row[i] = .integer(to) }
                for fk in shape.foreignKeys where fk.columns == [column.name] {
                    if let to = remap[fk.table]?[id] { row[i] = .integer(to) }
                }
            }
            return row
        }
        for (table, row) in inserts { try insert(table, followed(table, row)) }
        for (table, old, new) in updates { try update(table, old: old, new: followed(table, new)) }
    }

    private func insert(_ table: String, _ row: [CanonicalValue]) throws {
        let shape = shapes[table]!
        let names = ["subdistrict"] + shape.columns.map { PGConnection.identifier($0.name) }
        try write(
            "INSERT INTO \(PostGISSchema.qualified(table)) (" + names.joined(separator: ", ") + ") VALUES ("
                + (1...names.count).map { "$\($0)" }.joined(separator: ", ") + ") RETURNING 1",
            [subdistrict] + zip(row, shape.columns).map { $0.parameter($1) }, table: table, row: row)
    }

    private func update(_ table: String, old: [CanonicalValue], new: [CanonicalValue]) throws {
        let shape = shapes[table]!
        var parameters: [String?] = [subdistrict]
        var sets: [String] = []
        for (i, column) in shape.columns.enumerated() where !Self.same([old[i]], [new[i]]) {
            parameters.append(new[i].parameter(column))
            sets.append("\(PGConnection.identifier(column.name)) = $\(parameters.count)")
        }
        var conditions = ["subdistrict = $1"]
        for name in shape.orderColumns {
            let i = shape.columns.firstIndex { $0.name == name }!
            parameters.append(old[i].parameter(shape.columns[i]))
            conditions.append("\(PGConnection.identifier(name)) = $\(parameters.count)")
        }
        try write(
            "UPDATE \(PostGISSchema.qualified(table)) SET " + sets.joined(separator: ", ") + " WHERE "
                + conditions.joined(separator: " AND ") + " RETURNING 1", parameters, table: table, row: old)
    }

    /// One INSERT or UPDATE … RETURNING 1 that must touch exactly one row; row-level security that hides the row or
    /// refuses it is reported as the office's rights.
    private func write(_ sql: String, _ parameters: [String?], table: String, row: [CanonicalValue]) throws {
        let touched: Int
        do { touched = try pg.execute(sql, parameters).rows.count } catch let e as PostgresError
            where e.sqlState == "42501"
        {
            throw PostGISStoreError(
                "\(pg.displayURL): the role may write only its own subdistrict's rows, not \(table) "
                    + "(\(describeKey(table, row))) of subdistrict \(subdistrict) (\(e.message))")
        }
        guard touched == 1 else {
            throw PostGISStoreError(
                "\(pg.displayURL): \(table) (\(describeKey(table, row))) of subdistrict \(subdistrict) was not changed: "
                    + "the role may change only its own subdistrict's rows")
        }
    }

    private func describeKey(_ table: String, _ row: [CanonicalValue]) -> String {
        guard let shape = shapes[table] else { return "" }
        return shape.primaryKey.compactMap { name -> String? in
            guard let i = shape.columns.firstIndex(where: { $0.name == name }) else { return nil }
            return "\(name) " + (row[i].parameter(shape.columns[i]) ?? "NULL")
        }.joined(separator: ", ")
    }

    /// Equal values, geometry compared by its WKB (NaN equal to NaN: an unchanged value is not a change).
    private static func same(_ a: [CanonicalValue], _ b: [CanonicalValue]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.null, .null): continue
            case (.integer(let p), .integer(let q)) where p == q: continue
            case (.real(let p), .real(let q)) where p.bitPattern == q.bitPattern: continue
            case (.text(let p), .text(let q)) where p == q: continue
            case (.blob(let p), .blob(let q)) where p == q: continue
            case (.geometry(_, let p), .geometry(_, let q)) where p == q: continue
            default: return false
            }
        }
        return true
    }
}

extension CanonicalValue {
    /// The value as a text parameter of PostgreSQL (geometry as hex EWKB with the column's SRID, bytea as \x hex).
    func parameter(_ column: StoreTableShape.Column) -> String? {
        switch self {
        case .null: return nil
        case .integer(let i): return String(i)
        case .real(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
            return "\(d)"
        case .text(let s): return s
        case .blob(let b): return "\\x" + Hex.text(b)
        case .geometry(_, let wkb):
            guard case .geometry(_, let srid) = column.valueClass else { return nil }
            return Hex.text(Self.ewkb(wkb, srid: srid))
        }
    }
}
