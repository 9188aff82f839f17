import Foundation
import GRDB
import LandGeometry

// MARK: - `landreg copy`: a whole store between a GeoPackage and PostGIS, with its history and events
//
// A district bureau loads each 街道's GeoPackage into the district's PostGIS store, under that subdistrict's code;
// a subdistrict can be taken back out into a GeoPackage. Every registry table is copied row for row with its ids
// (events, imports, lineage, photos and the reference tables included), geometry unchanged to the bit. Each side is
// one transaction: into PostGIS one transaction of COPY statements (a disconnect or a refused row leaves nothing);
// into a GeoPackage a new file written beside the target and renamed into place only when complete.
//
// Verified, not assumed: while rows are read, a SHA-256 per table is computed over their canonical form
// (`TableChecksum`), and after writing, the destination is read back and checksummed the same way, inside the
// same transaction; any difference in a row count or a checksum rolls the copy back. The counts and checksums
// are printed, and kept in `landreg.copies`.

/// What one table held, on both sides of a copy.
public struct CopiedTable: Sendable, Equatable {
    public let table: String
    public let rows: Int
    /// SHA-256 of the table's rows in canonical form (see TableChecksum), the same on both sides.
    public let checksum: String
}

public struct CopyReport: Sendable {
    public let from: String
    public let to: String
    public let subdistrict: String
    public let tables: [CopiedTable]
    public let seconds: Double
}

/// A copy or an office change that was refused or failed: nothing was written (no rows, no file, no role).
public struct PostGISStoreError: Error, LocalizedError {
    public let message: String
    init(_ message: String) { self.message = message }
    public var errorDescription: String? { message + " (nothing was changed)" }
}

public enum StoreCopy {
    /// The subdistrict code a PostGIS store files a GeoPackage's rows under: 6 to 12 digits (a 街道's 9-digit
    /// township code, GB/T 10114, or a 12-digit village-level code).
    public static func checkSubdistrict(_ code: String) throws {
        guard (6...12).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw PostGISStoreError(
                "--subdistrict \(code): a subdistrict code is 6 to 12 digits (a 街道's code, e.g. 330110001)")
        }
    }

    // MARK: GeoPackage → PostGIS

    /// `named`: what messages call the GeoPackage (default: its path).
    public static func geoPackageToPostGIS(
        from path: String, to url: String, subdistrict: String, named: String? = nil
    ) throws -> CopyReport {
        let started = Date()
        try checkSubdistrict(subdistrict)
        let registry = try Registry.open(at: path)
        let migrator = Migrations.migrator(storeCRS: try StoreCRSDefinition(registry.storeCRS))
        let srid = registry.storeCRS.epsg
        let tables = try registry.dbQueue.read { db in try StoreSchemaReader.tables(db) }
        let pg = try PGConnection(url: url)
        let target = pg.displayURL
        try pg.execute("BEGIN")
        var created = false
        do {
            // One copy or schema creation at a time in this database (a constant key: 'landreg' as ASCII).
            try pg.execute("SELECT pg_advisory_xact_lock(1819176549)")
            if let installed = try PostGISSchema.installed(pg) {
                guard installed.migrations == migrator.migrations else {
                    throw PostGISStoreError(
                        "\(target) holds a landreg store of another version (\(installed.landregVersion), "
                            + "\(installed.migrations.count) schema steps; this landreg has \(migrator.migrations.count))"
                            + (installed.isOlder(than: migrator.migrations)
                                ? "; migrate it first with `landreg migrate --store URL`" : "")
                    )
                }
                guard installed.srid == srid else {
                    throw PostGISStoreError(
                        "\(named ?? path) is in EPSG:\(srid) and \(target) in EPSG:\(installed.srid); a district store has "
                            + "one CRS"
                    )
                }
                if try pg.scalar("SELECT 1 FROM landreg.landreg_meta WHERE subdistrict = $1 LIMIT 1", [subdistrict])
                    != nil
                {
                    throw PostGISStoreError("\(target) already holds subdistrict \(subdistrict)")
                }
            } else {
                try PostGISSchema.create(pg, tables: tables, migrations: migrator.migrations, srid: srid)
                created = true
            }
            let copied = try registry.dbQueue.read { db in
                try tables.map { table in try copyTable(table, from: db, into: pg, subdistrict: subdistrict, file: path)
                }
            }
            if created { try PostGISSchema.complete(pg, tables: tables) }
            // The destination read back inside the copy's transaction.
            for (table, expected) in zip(tables, copied) {
                try expectSame(
                    try checksum(table, in: pg, subdistrict: subdistrict, place: target), expected,
                    destination: target, source: path)
            }
            try log(copied, pg, subdistrict: subdistrict, direction: "in", file: path)
            try pg.execute("COMMIT")
            return CopyReport(
                from: path, to: target, subdistrict: subdistrict, tables: copied,
                seconds: Date().timeIntervalSince(started))
        } catch {
            _ = try? pg.execute("ROLLBACK")
            throw error
        }
    }

    static func copyTable(
        _ table: StoreTableShape, from db: Database, into pg: PGConnection, subdistrict: String, file: String
    ) throws -> CopiedTable {
        var checksum = TableChecksum()
        let columns = table.columns
        let list = columns.map { PGConnection.identifier($0.name) }.joined(separator: ", ")
        let subdistrictUTF8 = Array(subdistrict.utf8)
        // Binary COPY (BinaryCopyValue.swift): numbers as their 8 bytes, geometry as EWKB, not text and hex.
        try pg.copyInBinary(
            "COPY \(PostGISSchema.qualified(table.name)) (subdistrict, \(list)) FROM STDIN (FORMAT binary)"
        ) { out in
            let rows = try Row.fetchCursor(db, sql: sqliteSelectSQL(table))
            var index = 0
            while let row = try rows.next() {
                out.beginRow(fields: columns.count + 1)
                out.bytes(subdistrictUTF8)
                checksum.beginRow()
                for (i, column) in columns.enumerated() {
                    let value: CanonicalValue
                    do { value = try CanonicalValue(sqlite: row[i] as DatabaseValue, column) } catch let p
                        as ValueProblem
                    {
                        throw p.at("\(file): \(table.name) row \(index + 1)")
                    }
                    checksum.add(value)
                    out.canonical(value, column)
                }
                try out.endRow()
                index += 1
            }
        }
        return CopiedTable(table: table.name, rows: checksum.rows, checksum: checksum.finish())
    }

    // MARK: PostGIS → GeoPackage

    public static func postGISToGeoPackage(
        from url: String, to path: String, subdistrict: String, policy: OutputPolicy = OutputPolicy()
    ) throws -> CopyReport {
        let started = Date()
        try checkSubdistrict(subdistrict)
        try OutputFile.check(path, policy: policy)
        let pg = try PGConnection(url: url)
        let source = pg.displayURL
        try pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        var reading = true
        defer { if reading { _ = try? pg.execute("ROLLBACK") } }
        guard let installed = try PostGISSchema.installed(pg) else {
            throw PostGISStoreError("\(source) holds no landreg store (no schema landreg)")
        }
        guard try pg.scalar("SELECT 1 FROM landreg.landreg_meta WHERE subdistrict = $1 LIMIT 1", [subdistrict]) != nil
        else {
            let held = try pg.execute("SELECT DISTINCT subdistrict FROM landreg.landreg_meta ORDER BY 1").rows
                .compactMap { $0[0] }
            throw PostGISStoreError(
                "\(source) holds no subdistrict \(subdistrict)"
                    + (held.isEmpty ? " (it holds none yet)" : " (it holds " + held.joined(separator: ", ") + ")"))
        }
        let crs = try CRS.parse("EPSG:\(installed.srid)")
        let migrator = Migrations.migrator(storeCRS: try StoreCRSDefinition(crs))
        guard installed.migrations == migrator.migrations else {
            throw PostGISStoreError(
                "\(source) holds a landreg store of another version (\(installed.landregVersion)); copy it with that version"
            )
        }
        let copied = try OutputFile.write(to: path, policy: policy) { temporary -> [CopiedTable] in
            var copied: [CopiedTable] = []
            let registry = try Registry.create(at: temporary, crs: crs) { db in
                // Rows come in table order, and a row may point at a later one (superseded_by): the foreign keys
                // are checked at commit.
                try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                let tables = try StoreSchemaReader.tables(db)
                for table in tables {
                    // The migrations wrote a few rows of their own (landreg_meta's CRS): the source's replace them.
                    // This is a file made by this call, not yet anyone's store.
                    if try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name.quotedDatabaseIdentifier)") ?? 0 > 0
                    {
                        try db.execute(sql: "DELETE FROM \(table.name.quotedDatabaseIdentifier)")
                    }
                    copied.append(try insertTable(table, from: pg, into: db, subdistrict: subdistrict, source: source))
                }
                for (table, expected) in zip(tables, copied) {
                    try expectSame(try checksum(table, in: db), expected, destination: path, source: source)
                }
            }
            try registry.close()
            return copied
        }
        // The read-only snapshot ends; the log row is a statement of its own.
        try pg.execute("ROLLBACK")
        reading = false
        try log(copied, pg, subdistrict: subdistrict, direction: "out", file: path)
        return CopyReport(
            from: source, to: path, subdistrict: subdistrict, tables: copied, seconds: Date().timeIntervalSince(started)
        )
    }

    static func insertTable(
        _ table: StoreTableShape, from pg: PGConnection, into db: Database, subdistrict: String, source: String
    ) throws -> CopiedTable {
        var checksum = TableChecksum()
        let columns = table.columns
        let statement = try db.makeStatement(
            sql: "INSERT INTO \(table.name.quotedDatabaseIdentifier) ("
                + columns.map { $0.name.quotedDatabaseIdentifier }.joined(separator: ", ") + ") VALUES ("
                + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")")
        var index = 0
        try pg.forEachRow(selectSQL(table), [subdistrict]) { row in
            checksum.beginRow()
            var values: [DatabaseValue] = []
            values.reserveCapacity(columns.count)
            for (i, column) in columns.enumerated() {
                let value: CanonicalValue
                do { value = try CanonicalValue(postgres: row[i], column) } catch let p as ValueProblem {
                    throw p.at("\(source): \(table.name) row \(index + 1)")
                }
                checksum.add(value)
                values.append(value.databaseValue(column))
            }
            try statement.execute(arguments: StatementArguments(values))
            index += 1
        }
        return CopiedTable(table: table.name, rows: checksum.rows, checksum: checksum.finish())
    }

    // MARK: Both directions

    /// One subdistrict's rows of a table in the order of its key; geometry as little-endian WKB.
    static func selectSQL(_ table: StoreTableShape) -> String {
        let order = table.orderColumns.map { name -> String in
            let column = table.columns.first { $0.name == name }
            return PGConnection.identifier(name) + (column?.valueClass == .text ? " COLLATE \"C\"" : "")
        }
        return "SELECT " + selectList(table) + " FROM \(PostGISSchema.qualified(table.name)) "
            + "WHERE subdistrict = $1 ORDER BY " + order.joined(separator: ", ")
    }

    /// A table's columns as a SELECT lists them: geometry as little-endian WKB.
    static func selectList(_ table: StoreTableShape) -> String {
        table.columns.map { c -> String in
            if case .geometry = c.valueClass { return "ST_AsBinary(\(PGConnection.identifier(c.name)), 'NDR')" }
            return PGConnection.identifier(c.name)
        }.joined(separator: ", ")
    }

    /// A GeoPackage table's rows in the order of its key.
    private static func sqliteSelectSQL(_ table: StoreTableShape) -> String {
        "SELECT " + table.columns.map { $0.name.quotedDatabaseIdentifier }.joined(separator: ", ")
            + " FROM \(table.name.quotedDatabaseIdentifier) ORDER BY "
            + table.orderColumns.map { $0.quotedDatabaseIdentifier }.joined(separator: ", ")
    }

    /// The checksum of one subdistrict's rows of a PostGIS table, read as the copy reads them.
    static func checksum(
        _ table: StoreTableShape, in pg: PGConnection, subdistrict: String, place: String
    ) throws -> CopiedTable {
        var checksum = TableChecksum()
        try pg.forEachRow(selectSQL(table), [subdistrict]) { row in
            checksum.beginRow()
            for (i, column) in table.columns.enumerated() {
                do { checksum.add(try CanonicalValue(postgres: row[i], column)) } catch let p as ValueProblem {
                    throw p.at("\(place): \(table.name) row \(checksum.rows)")
                }
            }
        }
        return CopiedTable(table: table.name, rows: checksum.rows, checksum: checksum.finish())
    }

    /// The checksum of a GeoPackage table, read as the copy reads it.
    static func checksum(_ table: StoreTableShape, in db: Database) throws -> CopiedTable {
        var checksum = TableChecksum()
        let rows = try Row.fetchCursor(db, sql: sqliteSelectSQL(table))
        while let row = try rows.next() {
            checksum.beginRow()
            for (i, column) in table.columns.enumerated() {
                do { checksum.add(try CanonicalValue(sqlite: row[i] as DatabaseValue, column)) } catch let p
                    as ValueProblem
                {
                    throw p.at("\(table.name) row \(checksum.rows)")
                }
            }
        }
        return CopiedTable(table: table.name, rows: checksum.rows, checksum: checksum.finish())
    }

    /// What was written, read back, must be what was read from the source.
    static func expectSame(
        _ written: CopiedTable, _ expected: CopiedTable, destination: String, source: String
    ) throws {
        guard written != expected else { return }
        throw PostGISStoreError(
            "\(destination): \(written.table) reads back as \(written.rows) rows, checksum \(written.checksum), "
                + "where \(source) has \(expected.rows), \(expected.checksum)")
    }

    /// A row of landreg.copies, in the caller's transaction if one is open.
    static func log(
        _ copied: [CopiedTable], _ pg: PGConnection, subdistrict: String, direction: String, file: String
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json<V: Encodable>(_ pairs: [(String, V)]) throws -> String {
            String(
                decoding: try encoder.encode(Dictionary(pairs, uniquingKeysWith: { first, _ in first })), as: UTF8.self)
        }
        let counts = try json(copied.map { ($0.table, $0.rows) })
        let sums = try json(copied.map { ($0.table, $0.checksum) })
        try pg.execute(
            "INSERT INTO landreg.copies (subdistrict, direction, file, row_counts, checksums) VALUES ($1, $2, $3, $4, $5)",
            [subdistrict, direction, file, counts, sums])
    }
}
