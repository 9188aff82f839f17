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
    let file: String?
    let storeCRS: CRS
    private var before = Image()
    /// The largest integer key of each table before the change: rows above it are new.
    private var maxKeyBefore: [String: Int64] = [:]
    /// New ids in PostgreSQL of rows the change added, by table: scratch id → stored id.
    private(set) var assignedIDs: [String: [Int64: Int64]] = [:]
    /// Set by `reserveIDs`: new rows keep the ids the working set gave them, which are the stored ones.
    private var idsReserved = false

    /// A row's key: its primary key's values (all its values when the table has none), as canonical bytes.
    struct Key: Hashable { let bytes: [UInt8] }

    /// A SHA-256 of a row's values as SQLite holds them (a geometry's blob as it is, not decoded).
    struct RowDigest: Hashable { let bytes: [UInt8] }

    /// What the working set held, to be compared after the change: the rows of a table keyed by one integer as one
    /// digest each (a working set of a million parcels keeps 32 bytes a row, not its values), the others (small:
    /// reference tables, link tables) as their canonical values.
    struct Image {
        var digests: [String: [Int64: RowDigest]] = [:]
        var values: [String: [Key: [CanonicalValue]]] = [:]
    }

    /// The working set is in memory, or in the GeoPackage file `file` (a change that may add a million rows, or
    /// that opens connections of its own to the store, as an import's overlays do).
    init(pg: PGConnection, subdistrict: String, storeCRS: CRS, file: String? = nil) throws {
        self.pg = pg
        self.subdistrict = subdistrict
        self.storeCRS = storeCRS
        self.file = file
        var config = Registry.configuration()
        // The working set holds some rows, not all that they reference: PostgreSQL checks the foreign keys at commit.
        config.foreignKeysEnabled = false
        if let file {
            scratch = try DatabaseQueue(path: file, configuration: config)
            // A throw-away file: no fsync; the journal in memory still rolls a failed or dry-run change back.
            try scratch.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = OFF")
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = MEMORY")
            }
        } else {
            scratch = try DatabaseQueue(configuration: config)
        }
        try Migrations.migrator(storeCRS: try StoreCRSDefinition(storeCRS)).migrate(scratch)
        let tables = try scratch.read { db in try StoreSchemaReader.tables(db) }
        shapes = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        order = tables.map(\.name)
    }

    /// Loads the subdistrict's rows of `table` that match `condition` (SQL on the table's columns, parameters from
    /// $2), locked for update when asked; returns them (with a condition) as canonical values in the order of the
    /// table's columns. A table loaded whole replaces what the migrations put there (reference rows, landreg_meta),
    /// and is read through a cursor (memory bounded by a batch) unless `throughCursor` is false (a small table).
    @discardableResult
    func load(
        _ table: String, where condition: String? = nil, _ parameters: [String?] = [], forUpdate: Bool = false,
        throughCursor: Bool = true
    ) throws -> [[CanonicalValue]] {
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
            if condition == nil && !forUpdate && throughCursor {
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

    /// The tables a new store already holds rows in, whole: the reference tables (seeds/), the import field
    /// profiles, the layer styles and landreg_meta; small, and read by most changes.
    func loadReferenceTables() throws {
        // In one statement each (a cursor costs two more round trips per table).
        for table in Set(SeedSet.entries.map(\.table)).sorted() + ["field_profiles", "layer_styles", "landreg_meta"] {
            try load(table, throughCursor: false)
        }
    }

    /// Every registry table of the subdistrict, whole.
    func loadAll() throws {
        for name in order { try load(name) }
    }

    /// `tables` whole with the reference tables; nil: every table.
    func load(tables: [String]?) throws {
        guard let tables else { return try loadAll() }
        try loadReferenceTables()
        for table in tables { try load(table) }
    }

    /// The column of a table keyed by one integer (the GeoPackage's fid or id); nil for other tables.
    func integerKey(_ table: String) -> String? {
        guard let shape = shapes[table], shape.primaryKey.count == 1,
            let column = shape.columns.first(where: { $0.name == shape.primaryKey[0] }), column.valueClass == .integer
        else { return nil }
        return column.name
    }

    /// Makes the working set give new rows the subdistrict's next ids itself: each integer-keyed table's
    /// advisory lock is taken (held to the commit) and SQLite's AUTOINCREMENT counter set to the stored maximum.
    /// Ids a change writes into other columns and into JSON (an import event's entity_id, a retire event's
    /// successor) are then the stored ones, and new rows are written back as they are, in bulk (COPY).
    func reserveIDs() throws {
        let keyed = order.compactMap { name in integerKey(name).map { (table: name, key: $0) } }
        guard !keyed.isEmpty else { return }
        for (table, _) in keyed {
            try pg.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ["landreg." + table, subdistrict])
        }
        let maxima = try pg.execute(
            keyed.map { t in
                "SELECT \(PGConnection.literal(t.table)), coalesce(max(\(PGConnection.identifier(t.key))), 0) FROM "
                    + "\(PostGISSchema.qualified(t.table)) WHERE subdistrict = $1"
            }.joined(separator: " UNION ALL "), [subdistrict]
        ).rows
        try scratch.write { db in
            for row in maxima {
                guard let table = row[0], let max = row[1].flatMap({ Int64($0) }) else { continue }
                try db.execute(
                    sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", arguments: [max, table])
                if db.changesCount == 0 {
                    try db.execute(
                        sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [table, max])
                }
            }
        }
        idsReserved = true
    }

    /// The value of `column` in rows `load` returned.
    func value(_ column: String, of table: String, in row: [CanonicalValue]) -> CanonicalValue? {
        shapes[table]?.columns.firstIndex { $0.name == column }.map { row[$0] }
    }

    /// Runs `change` on the working set (one SQLite transaction) and writes what it changed back to PostgreSQL,
    /// in the caller's transaction. - Throws: what `change` throws (nothing is written), `PostGISStoreError`.
    func run<T>(_ change: (Database) throws -> T) throws -> T {
        try runOnRegistry { registry in try registry.dbQueue.write { db in try change(db) } }
    }

    /// Runs `change` on the working set as a registry (its own transactions, as on a GeoPackage file) and writes
    /// what it changed back to PostgreSQL, in the caller's transaction.
    func runOnRegistry<T>(_ change: (Registry) throws -> T) throws -> T {
        before = try snapshot()
        let registry = Registry(path: pg.displayURL, storeCRS: storeCRS, dbQueue: scratch, file: file)
        let result = try change(registry)
        try writeBack()
        return result
    }

    /// The id PostgreSQL gave a row the change added (the scratch id when the row was not new).
    func storedID(_ table: String, _ scratchID: Int64) -> Int64 { assignedIDs[table]?[scratchID] ?? scratchID }

    // MARK: Writing back

    /// The rows of every table (see `Image`). With `upToKeysBefore`, a table keyed by one integer gives only its
    /// rows up to the largest key it had before the change (the rows above it are new: `newRowsSQL`).
    private func snapshot(upToKeysBefore: Bool = false) throws -> Image {
        try scratch.read { db in
            var image = Image()
            for name in order {
                let shape = shapes[name]!
                var sql = "SELECT " + Self.columnList(shape) + " FROM \(name.quotedDatabaseIdentifier)"
                if let integerKey = self.integerKey(name) {
                    let k = shape.columns.firstIndex { $0.name == integerKey }!
                    if upToKeysBefore {
                        guard let max = maxKeyBefore[name] else { continue }
                        sql += " WHERE \(integerKey.quotedDatabaseIdentifier) <= \(max)"
                    }
                    var digests: [Int64: RowDigest] = [:]
                    let cursor = try Row.fetchCursor(db, sql: sql)
                    while let row = try cursor.next() {
                        guard let id = row[k] as Int64? else { continue }
                        digests[id] = Self.digest(row, columns: shape.columns.count)
                    }
                    image.digests[name] = digests
                    if !upToKeysBefore { maxKeyBefore[name] = digests.keys.max() }
                } else {
                    let keyIndexes = shape.orderColumns.compactMap { c in shape.columns.firstIndex { $0.name == c } }
                    var rows: [Key: [CanonicalValue]] = [:]
                    let cursor = try Row.fetchCursor(db, sql: sql)
                    while let row = try cursor.next() {
                        let values = try Self.values(row, shape)
                        rows[Self.key(keyIndexes.map { values[$0] })] = values
                    }
                    image.values[name] = rows
                }
            }
            return image
        }
    }

    /// The digest of a row's values as SQLite holds them, by storage class (a geometry's blob as its bytes, not
    /// decoded), in TableChecksum's tagged form.
    private static func digest(_ row: Row, columns: Int) -> RowDigest {
        var checksum = TableChecksum()
        checksum.beginRow()
        for i in 0..<columns {
            switch (row[i] as DatabaseValue).storage {
            case .null: checksum.add(.null)
            case .int64(let v): checksum.add(.integer(v))
            case .double(let v): checksum.add(.real(v))
            case .string(let v): checksum.add(.text(v))
            case .blob(let v): checksum.add(bytes: v, tag: 4) // the blob's bytes hashed in place
            }
        }
        return RowDigest(bytes: checksum.finishBytes())
    }

    /// One row of the working set by its integer key, as canonical values.
    private func scratchRow(_ table: String, id: Int64) throws -> [CanonicalValue] {
        let shape = shapes[table]!, key = integerKey(table)!
        return try scratch.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT " + Self.columnList(shape) + " FROM \(table.quotedDatabaseIdentifier) WHERE "
                        + "\(key.quotedDatabaseIdentifier) = ?", arguments: [id])
            else { throw PostGISStoreError("\(table) \(key) \(id) vanished from the working set") }
            return try Self.values(row, shape)
        }
    }

    /// One stored row by its integer key, as canonical values (the row the working set loaded: the change holds
    /// the locks that keep it so).
    private func storedRow(_ table: String, id: Int64) throws -> [CanonicalValue] {
        let shape = shapes[table]!, key = integerKey(table)!
        guard
            let row = try pg.execute(
                "SELECT " + StoreCopy.selectList(shape) + " FROM \(PostGISSchema.qualified(table)) "
                    + "WHERE subdistrict = $1 AND \(PGConnection.identifier(key)) = $2", [subdistrict, String(id)]
            ).rows.first
        else {
            throw PostGISStoreError("\(pg.displayURL): \(table) \(key) \(id) of subdistrict \(subdistrict) is gone")
        }
        return try zip(row, shape.columns).map { text, column in
            do { return try CanonicalValue(postgres: text, column) } catch let p as ValueProblem {
                throw p.at("\(pg.displayURL): \(table)")
            }
        }
    }

    private static func columnList(_ shape: StoreTableShape) -> String {
        shape.columns.map { $0.name.quotedDatabaseIdentifier }.joined(separator: ", ")
    }

    private static func values(_ row: Row, _ shape: StoreTableShape) throws -> [CanonicalValue] {
        var values: [CanonicalValue] = []
        values.reserveCapacity(shape.columns.count)
        for (i, column) in shape.columns.enumerated() {
            do { values.append(try CanonicalValue(sqlite: row[i] as DatabaseValue, column)) } catch let p
                as ValueProblem
            {
                throw p.at("\(shape.name) (working set)")
            }
        }
        return values
    }

    /// The SELECT of a table's rows added above its largest key before the change, in key order.
    private func newRowsSQL(_ table: String) -> String? {
        guard let key = integerKey(table), let shape = shapes[table] else { return nil }
        return "SELECT " + Self.columnList(shape) + " FROM \(table.quotedDatabaseIdentifier) WHERE "
            + "\(key.quotedDatabaseIdentifier) > \(maxKeyBefore[table] ?? Int64.min) ORDER BY \(key.quotedDatabaseIdentifier)"
    }

    private static func key(_ values: [CanonicalValue]) -> Key {
        var checksum = TableChecksum()
        checksum.beginRow()
        for v in values { checksum.add(v) }
        return Key(bytes: Array(checksum.finish().utf8))
    }

    private func writeBack() throws {
        let after = try snapshot(upToKeysBefore: true)
        var inserts: [(table: String, row: [CanonicalValue])] = []
        var updates: [(table: String, old: [CanonicalValue], new: [CanonicalValue])] = []
        for name in order {
            if integerKey(name) != nil {
                let old = before.digests[name] ?? [:], new = after.digests[name] ?? [:]
                if let gone = old.keys.first(where: { new[$0] == nil }) {
                    throw PostGISStoreError(
                        "the change would delete a row of \(name) (\(integerKey(name)!) \(gone)); nothing is ever deleted"
                    )
                }
                var changed: [Int64] = [], added: [Int64] = []
                for (id, digest) in new {
                    if let was = old[id] {
                        if was != digest { changed.append(id) }
                    } else {
                        added.append(id)
                    }
                }
                for id in changed.sorted() {
                    // The stored row is the one loaded (the change holds its locks); a row whose bytes changed but
                    // not its values (an integer stored again as a real) is no update.
                    let (stored, now) = (try storedRow(name, id: id), try scratchRow(name, id: id))
                    if !Self.same(stored, now) { updates.append((name, stored, now)) }
                }
                for id in added.sorted() { inserts.append((name, try scratchRow(name, id: id))) }
                continue
            }
            let old = before.values[name] ?? [:], new = after.values[name] ?? [:]
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
        // Rows above a table's largest key before: streamed by COPY when their ids are reserved (an import's
        // thousands), else read here and given the subdistrict's next ids (a step's few).
        var bulk: [String] = []
        for name in order {
            guard let sql = newRowsSQL(name) else { continue }
            if idsReserved {
                let any = try scratch.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (\(sql))") ?? false }
                if any { bulk.append(name) }
            } else {
                let shape = shapes[name]!
                try scratch.read { db in
                    let cursor = try Row.fetchCursor(db, sql: sql)
                    while let row = try cursor.next() { inserts.append((name, try Self.values(row, shape))) }
                }
            }
        }
        // New rows of a table keyed by one integer take the subdistrict's next ids, in the order the change made them.
        var remap: [String: [Int64: Int64]] = [:]
        for name in idsReserved ? [] : Set(inserts.map(\.table)).sorted() {
            guard let shape = shapes[name], let key = integerKey(name),
                let k = shape.columns.firstIndex(where: { $0.name == key })
            else { continue }
            try pg.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ["landreg." + name, subdistrict])
            var next =
                Int64(
                    try pg.scalar(
                        "SELECT coalesce(max(\(PGConnection.identifier(key))), 0) FROM "
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
            guard !remap.isEmpty, let shape = shapes[table] else { return row }
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
        // Updates first: a row retired here frees its code for the new row that takes it (a unique index on the
        // live codes); the foreign keys are checked at commit.
        for (table, old, new) in updates { try update(table, old: old, new: followed(table, new)) }
        for (table, row) in inserts { try insert(table, followed(table, row)) }
        for table in bulk { try copyNewRows(table) }
    }

    /// Streams a table's new rows into PostgreSQL with COPY. A role under row-level security (an office) may not
    /// COPY into the table itself (PostgreSQL refuses COPY FROM there): its rows go into a temporary table first and
    /// then in with one INSERT … SELECT, where the policies check every row.
    private func copyNewRows(_ table: String) throws {
        guard let shape = shapes[table], let sql = newRowsSQL(table) else { return }
        let target = PostGISSchema.qualified(table)
        let columns = "subdistrict, " + shape.columns.map { PGConnection.identifier($0.name) }.joined(separator: ", ")
        let policed = try pg.scalar("SELECT row_security_active($1::regclass)", [target]) == "t"
        if policed {
            try pg.execute(
                "CREATE TEMPORARY TABLE landreg_new_rows (LIKE \(target) INCLUDING DEFAULTS) ON COMMIT DROP")
        }
        let subdistrictUTF8 = Array(subdistrict.utf8)
        let fields = shape.columns.count + 1
        try scratch.read { db in
            try pg.copyInBinary(
                "COPY \(policed ? "landreg_new_rows" : target) (\(columns)) FROM STDIN (FORMAT binary)"
            ) { out in
                let cursor = try Row.fetchCursor(db, sql: sql)
                while let row = try cursor.next() {
                    out.beginRow(fields: fields)
                    out.bytes(subdistrictUTF8)
                    for (i, column) in shape.columns.enumerated() {
                        do { try out.sqliteValue(row[i] as DatabaseValue, column) } catch let p as ValueProblem {
                            throw p.at("\(table) (working set)")
                        }
                    }
                    try out.endRow()
                }
            }
        }
        guard policed else { return }
        do {
            try pg.execute("INSERT INTO \(target) (\(columns)) SELECT \(columns) FROM landreg_new_rows")
        } catch let e as PostgresError where e.sqlState == "42501" {
            throw PostGISStoreError(
                "\(pg.displayURL): the role may write only its own subdistrict's rows, not \(table) of subdistrict "
                    + "\(subdistrict) (\(e.message))")
        }
        try pg.execute("DROP TABLE landreg_new_rows")
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
