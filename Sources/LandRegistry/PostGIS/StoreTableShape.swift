import Foundation
import GRDB

// MARK: - The tables of a store, as this landreg's GeoPackage schema declares them
//
// The PostGIS schema is derived from the GeoPackage one (PostGISSchema), so that the two cannot drift apart: a
// migration that adds a table or a column to the GeoPackage store adds it to PostGIS too. What is read here is what
// PostgreSQL needs and SQLite states plainly: columns with their value class, NOT NULL, literal defaults, the
// primary key, UNIQUE constraints and unique indexes (with their WHERE), foreign keys, plain indexes, and the
// triggers that refuse a delete or an update (`BEFORE DELETE|UPDATE [OF …] ON t BEGIN SELECT RAISE(ABORT, '…'); END`),
// and the CHECK constraints, whose SQLite expressions are rewritten for PostgreSQL (`pgCheck`): `a IS b` between
// values is `IS NOT DISTINCT FROM`, and json_valid, json_type and date() are functions of the schema that answer
// as SQLite's do for what these checks ask (PostGISSchema).

struct StoreTableShape: Sendable, Equatable {
    /// What a column holds, which fixes its PostgreSQL type and its canonical form in a checksum.
    enum ValueClass: Sendable, Equatable {
        case integer, real, text, blob
        /// A geometry column of gpkg_geometry_columns: its OGC type name (MULTIPOLYGON, POINT) and SRS.
        case geometry(typeName: String, srid: Int)
    }

    struct Column: Sendable, Equatable {
        let name: String
        let valueClass: ValueClass
        let notNull: Bool
        /// A default that is a literal (a number or a quoted string); expression defaults are left out.
        let defaultLiteral: String?
    }

    struct Unique: Sendable, Equatable {
        let columns: [String]
        /// The WHERE of a partial unique index (`retired_at IS NULL`), in SQL both databases read.
        let condition: String?
    }

    struct ForeignKey: Sendable, Equatable {
        let columns: [String]
        let table: String
        let referencedColumns: [String]
    }

    /// A trigger that refuses a change: `BEFORE DELETE` or `BEFORE UPDATE [OF columns]`, with its message.
    struct Refusal: Sendable, Equatable {
        let name: String
        let event: String
        let columns: [String]
        let message: String
    }

    let name: String
    let columns: [Column]
    /// Empty when the table has none (a Related Tables mapping table).
    let primaryKey: [String]
    let uniques: [Unique]
    let indexes: [[String]]
    let foreignKeys: [ForeignKey]
    let refusals: [Refusal]
    /// The table's CREATE statement in SQLite, whose CHECK constraints `checks` rewrites.
    let createSQL: String

    /// The table's CHECK constraints, as PostgreSQL expressions. Computed when asked (only a new PostGIS schema
    /// needs them): rewriting them was a tenth of a spot step's client time on PostGIS.
    var checks: [String] { StoreSchemaReader.checkExpressions(createSQL).map(StoreSchemaReader.pgCheck) }

    /// The order rows are compared and checksummed in: the primary key, else every column.
    var orderColumns: [String] { primaryKey.isEmpty ? columns.map(\.name) : primaryKey }
    var geometryColumn: Column? {
        columns.first { if case .geometry = $0.valueClass { return true } else { return false } }
    }
    /// Rows are never deleted (a `BEFORE DELETE` refusal): PostgreSQL also refuses TRUNCATE.
    var neverDeleted: Bool { refusals.contains { $0.event == "DELETE" } }
}

/// Reading the shapes from a GeoPackage store.
enum StoreSchemaReader {
    /// Tables that belong to the GeoPackage container (and its R*Trees), to SQLite or to GRDB, not to the registry.
    static func isRegistryTable(_ name: String) -> Bool {
        !(name.hasPrefix("gpkg_") || name.hasPrefix("gpkgext_") || name.hasPrefix("rtree_")
            || name.hasPrefix("sqlite_") || name == "grdb_migrations")
    }

    static func tables(_ db: Database) throws -> [StoreTableShape] {
        let names = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).filter(isRegistryTable)
        var geometry: [String: (String, String, Int)] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT table_name, column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns")
        {
            geometry[row[0]] = (row[1], row[2], row[3])
        }
        let refusals = try self.refusals(db)
        return try names.map { table in
            try shape(db, table, geometry: geometry[table], refusals: refusals[table] ?? [])
        }
    }

    private static func shape(
        _ db: Database, _ table: String, geometry: (column: String, type: String, srid: Int)?,
        refusals: [StoreTableShape.Refusal]
    ) throws -> StoreTableShape {
        var columns: [StoreTableShape.Column] = []
        var primaryKey: [(Int, String)] = []
        for row in try Row.fetchAll(
            db, sql: "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", arguments: [table])
        {
            let name: String = row[0]
            let declared: String = row[1]
            let valueClass: StoreTableShape.ValueClass
            if let geometry, geometry.column == name {
                valueClass = .geometry(typeName: geometry.type, srid: geometry.srid)
            } else {
                valueClass = try Self.valueClass(declared: declared, table: table, column: name)
            }
            let pk: Int = row[4]
            if pk > 0 { primaryKey.append((pk, name)) }
            columns.append(
                .init(
                    name: name, valueClass: valueClass, notNull: (row[2] as Int) == 1 || pk > 0,
                    defaultLiteral: literalDefault(row[3])))
        }
        var uniques: [StoreTableShape.Unique] = []
        var indexes: [[String]] = []
        for index in try Row.fetchAll(
            db, sql: "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name",
            arguments: [table])
        {
            let name: String = index[0]
            let origin: String = index[2]
            if origin == "pk" { continue }
            let indexColumns = try String.fetchAll(
                db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [name])
            guard
                indexColumns.count
                    == (try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_index_info(?)", arguments: [name]) ?? 0)
            else {
                throw SchemaShapeError(
                    "\(table): index \(name) is on an expression, which the PostGIS schema cannot derive")
            }
            var condition: String?
            if (index[3] as Int) == 1 {
                let sql =
                    try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [name])
                    ?? ""
                guard let r = sql.range(of: " WHERE ", options: [.caseInsensitive, .backwards]) else {
                    throw SchemaShapeError("\(table): partial index \(name) has no WHERE that can be read")
                }
                condition = String(sql[r.upperBound...])
            }
            if (index[1] as Int) == 1 {
                uniques.append(.init(columns: indexColumns, condition: condition))
            } else if condition == nil {
                indexes.append(indexColumns)
            }
        }
        var keys: [Int: StoreTableShape.ForeignKey] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
            arguments: [table])
        {
            let id: Int = row[0]
            let referenced: String = row[2]
            let from: String = row[3]
            let to: String? = row[4]
            let previous = keys[id]
            keys[id] = .init(
                columns: (previous?.columns ?? []) + [from], table: referenced,
                referencedColumns: (previous?.referencedColumns ?? []) + [to ?? "fid"])
        }
        let createSQL =
            try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
            ?? ""
        return StoreTableShape(
            name: table, columns: columns, primaryKey: primaryKey.sorted { $0.0 < $1.0 }.map(\.1),
            uniques: uniques, indexes: indexes, foreignKeys: keys.keys.sorted().compactMap { keys[$0] },
            refusals: refusals, createSQL: createSQL)
    }

    /// SQLite's declared type → value class, by SQLite's own affinity rules (BOOLEAN, which SQLite gives NUMERIC
    /// affinity, holds 0/1; DATE and DATETIME hold ISO text in this store).
    static func valueClass(declared: String, table: String, column: String) throws -> StoreTableShape.ValueClass {
        let t = declared.uppercased()
        if t.contains("INT") || t == "BOOLEAN" { return .integer }
        if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") || t == "DATE" || t == "DATETIME" {
            return .text
        }
        if t.contains("BLOB") { return .blob }
        if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") { return .real }
        throw SchemaShapeError("\(table).\(column): declared type '\(declared)' has no PostgreSQL counterpart here")
    }

    /// The expressions of every `CHECK (…)` in a CREATE TABLE statement (column and table constraints alike),
    /// found outside string literals, quoted names and `--` comments.
    static func checkExpressions(_ sql: String) -> [String] {
        let chars = Array(sql)
        var out: [String] = []
        var i = 0
        func skipQuoted(_ q: Character) {
            i += 1
            while i < chars.count {
                if chars[i] == q {
                    if i + 1 < chars.count, chars[i + 1] == q { i += 2; continue }
                    return
                }
                i += 1
            }
        }
        while i < chars.count {
            let c = chars[i]
            if c == "'" || c == "\"" {
                skipQuoted(c)
            } else if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
            } else if c.uppercased() == "C", i + 5 <= chars.count, String(chars[i..<i + 5]).uppercased() == "CHECK",
                i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_")
            {
                var j = i + 5
                while j < chars.count, chars[j].isWhitespace { j += 1 }
                if j < chars.count, chars[j] == "(" {
                    let start = j + 1
                    var depth = 0
                    i = j
                    while i < chars.count {
                        let d = chars[i]
                        if d == "'" || d == "\"" {
                            skipQuoted(d)
                        } else if d == "(" {
                            depth += 1
                        } else if d == ")" {
                            depth -= 1
                            if depth == 0 { break }
                        }
                        i += 1
                    }
                    out.append(
                        String(chars[start..<min(i, chars.count)]).trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            i += 1
        }
        return out
    }

    /// A SQLite CHECK expression as PostgreSQL reads it. The rewrites apply to the whole text: the checks' string
    /// literals are code words ('illegal', 'array') that none of the patterns can match.
    static func pgCheck(_ sqlite: String) -> String {
        var s = sqlite
        let rewrites: [(String, String)] = [
            // SQLite's IS compares values (NULL-safe); PostgreSQL's IS takes only NULL, TRUE, FALSE after it.
            (#"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b)"#, "IS DISTINCT FROM "),
            (#"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)"#, "IS NOT DISTINCT FROM "),
            (#"\bjson_valid\("#, "landreg.json_valid("),
            (#"\bjson_type\("#, "landreg.json_type("),
            (#"\bdate\("#, "landreg.date(")
        ]
        for (pattern, replacement) in rewrites {
            s = s.replacingOccurrences(of: pattern, with: replacement, options: [.regularExpression, .caseInsensitive])
        }
        return s
    }

    private static func literalDefault(_ value: String?) -> String? {
        guard let value else { return nil }
        if Double(value) != nil { return value }
        if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { return value }
        return nil
    }

    /// Every trigger that is not an R*Tree one must be a refusal this reader understands.
    private static func refusals(_ db: Database) throws -> [String: [StoreTableShape.Refusal]] {
        let pattern = try NSRegularExpression(
            pattern:
                #"^CREATE TRIGGER (\w+) BEFORE (DELETE|UPDATE)(?: OF ([\w, ]+))? ON (\w+)\s+BEGIN SELECT RAISE\(ABORT, '((?:[^']|'')*)'\); END$"#
        )
        var out: [String: [StoreTableShape.Refusal]] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        {
            let name: String = row[0]
            let table: String = row[1]
            if table.hasPrefix("gpkg_") || name.hasPrefix("rtree_") { continue }
            let sql: String = row[2]
            let range = NSRange(sql.startIndex..., in: sql)
            guard let m = pattern.firstMatch(in: sql, range: range) else {
                throw SchemaShapeError("trigger \(name) on \(table) is not a refusal the PostGIS schema can derive")
            }
            func group(_ i: Int) -> String? { Range(m.range(at: i), in: sql).map { String(sql[$0]) } }
            let columns = (group(3) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            out[table, default: []].append(
                .init(
                    name: name, event: group(2)!, columns: columns,
                    message: group(5)!.replacingOccurrences(of: "''", with: "'")))
        }
        return out
    }
}

/// The GeoPackage schema has something the PostGIS derivation does not understand (a developer's error, found by
/// the tests when a migration adds it).
struct SchemaShapeError: Error, LocalizedError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { "the PostGIS schema cannot be derived: " + message }
}
