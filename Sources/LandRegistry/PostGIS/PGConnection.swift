import CLibPQ
import Foundation

// MARK: - One connection to PostgreSQL, through libpq's C API
//
// Parameters and results travel in libpq's text format: every value landreg stores (integers, doubles, text, hex
// WKB, bytea) has an exact text form (PostgreSQL ≥ 12 prints a double in its shortest form that reads back to the
// same bits), which keeps this wrapper small. Large reads go through a cursor (`forEachRow`) so that memory stays
// bounded, bulk writes through COPY (`copyIn`). The server's notices are collected, never printed by libpq.

/// A failure reported by PostgreSQL or libpq, with the SQLSTATE when the server sent one.
public struct PostgresError: Error, LocalizedError, Sendable, Equatable {
    /// The five-character SQLSTATE (e.g. 42501 insufficient_privilege); nil for a connection failure.
    public let sqlState: String?
    public let message: String
    public init(sqlState: String?, message: String) { self.sqlState = sqlState; self.message = message }
    public var errorDescription: String? { message }
}

final class PGConnection {
    private let handle: OpaquePointer
    /// The store URL with any password removed, for messages.
    let displayURL: String
    /// NOTICE and WARNING messages the server sent, in order.
    private(set) var notices: [String] = []

    /// Connects to `url` (a libpq connection URI), as application `landreg` (what pg_stat_activity shows).
    init(url: String) throws {
        displayURL = StoreLocation.redacted(url)
        let keys = ["dbname", "application_name", "client_encoding"]
        let values = [url, "landreg", "UTF8"]
        let connection: OpaquePointer? = Self.withCStrings(keys) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection else { throw PostgresError(sqlState: nil, message: "out of memory connecting") }
        if PQstatus(connection) != CONNECTION_OK {
            let why = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(sqlState: nil, message: "cannot connect to \(StoreLocation.redacted(url)): \(why)")
        }
        handle = connection
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                let me = Unmanaged<PGConnection>.fromOpaque(context).takeUnretainedValue()
                me.notices.append(PGConnection.trimmed(PQresultErrorMessage(result)))
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { PQfinish(handle) }

    /// libpq's connection handle, for the few calls this wrapper does not cover.
    func withRawHandle<T>(_ body: (OpaquePointer) -> T) -> T { body(handle) }

    /// Runs one statement (or, without parameters, several separated by `;`) and returns its rows as text.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws -> PGRows {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(handle, sql)
        } else {
            result = Self.withOptionalCStrings(parameters) { values in
                PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        return try rows(of: result)
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    func scalar(_ sql: String, _ parameters: [String?] = []) throws -> String? {
        try execute(sql, parameters).rows.first?.first ?? nil
    }

    /// Reads a query's rows through a cursor, `batch` rows at a time, inside the caller's transaction.
    func forEachRow(
        _ sql: String, _ parameters: [String?] = [], batch: Int = 5000, _ body: ([String?]) throws -> Void
    ) throws {
        let cursor = "landreg_cursor"
        try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR " + sql, parameters)
        while true {
            let page = try execute("FETCH \(batch) FROM \(cursor)")
            for row in page.rows { try body(row) }
            if page.rows.count < batch { break }
        }
        try execute("CLOSE \(cursor)")
    }

    /// `COPY … FROM STDIN (FORMAT binary)`: `produce` writes the rows (PGBinaryCopyBuffer), sent in chunks of about
    /// 1 MiB.
    func copyInBinary(_ copySQL: String, _ produce: (inout PGBinaryCopyBuffer) throws -> Void) throws {
        try copy(copySQL) {
            var buffer = PGBinaryCopyBuffer(connection: self)
            try produce(&buffer)
            try buffer.finish()
        }
    }

    private func copy(_ copySQL: String, _ send: () throws -> Void) throws {
        let start = PQexec(handle, copySQL)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else { _ = try rows(of: start); return }
        PQclear(start)
        do {
            try send()
        } catch {
            _ = PQputCopyEnd(handle, "landreg stopped the copy")
            while let r = PQgetResult(handle) { PQclear(r) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionError() }
        var failure: Error?
        while let r = PQgetResult(handle) {
            do { _ = try rows(of: r) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    fileprivate func send(_ bytes: [UInt8]) throws {
        let ok = bytes.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) {
                PQputCopyData(handle, $0, Int32(p.count))
            }
        }
        guard ok == 1 else { throw connectionError() }
    }

    private func connectionError() -> PostgresError {
        PostgresError(sqlState: nil, message: "\(displayURL): " + Self.trimmed(PQerrorMessage(handle)))
    }

    private func rows(of result: OpaquePointer?) throws -> PGRows {
        guard let result else { throw connectionError() }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_COPY_OUT, PGRES_COPY_IN:
            return PGRows(columns: [], rows: [])
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            let n = Int(PQntuples(result)), m = Int(PQnfields(result))
            let columns = (0..<m).map { String(cString: PQfname(result, Int32($0))) }
            var out: [[String?]] = []
            out.reserveCapacity(n)
            for i in 0..<n {
                var row: [String?] = []
                row.reserveCapacity(m)
                for j in 0..<m {
                    if PQgetisnull(result, Int32(i), Int32(j)) == 1 {
                        row.append(nil)
                    } else {
                        row.append(String(cString: PQgetvalue(result, Int32(i), Int32(j))))
                    }
                }
                out.append(row)
            }
            return PGRows(columns: columns, rows: out)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            var message = Self.trimmed(PQresultErrorField(result, Int32(UInt8(ascii: "M"))))
            if message.isEmpty { message = Self.trimmed(PQresultErrorMessage(result)) }
            if let detail = PQresultErrorField(result, Int32(UInt8(ascii: "D"))) {
                message += " (" + Self.trimmed(detail) + ")"
            }
            throw PostgresError(sqlState: state, message: message)
        }
    }

    /// A SQL string literal ('…' with quotes doubled) for the few statements that take no parameters (DDL).
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A quoted identifier ("…" with quotes doubled).
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func trimmed(_ c: UnsafePointer<CChar>?) -> String {
        guard let c else { return "" }
        return String(cString: c).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        withOptionalCStrings(strings.map { Optional($0) }) { body($0) }
    }

    private static func withOptionalCStrings<T>(
        _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T
    ) -> T {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
        defer { for c in copies { free(c) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        pointers.append(nil)
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// A query's result as text: NULL is nil.
struct PGRows {
    let columns: [String]
    let rows: [[String?]]
}

/// Rows for `COPY … FROM STDIN (FORMAT binary)`: each value in its type's binary form (network byte order), so
/// that neither side formats or parses numbers and geometry travels as EWKB bytes, not hex. The caller writes the
/// types the table's columns have: bigint, double precision, text, bytea, geometry (EWKB).
struct PGBinaryCopyBuffer {
    fileprivate let connection: PGConnection
    private var bytes: [UInt8] = []

    fileprivate init(connection: PGConnection) {
        self.connection = connection
        bytes.reserveCapacity(1 << 20 + 65_536)
        // The signature, the flags (no OIDs) and the length of the (empty) header extension.
        bytes.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        append(UInt32(0))
        append(UInt32(0))
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func beginRow(fields: Int) { append(Int16(fields)) }
    mutating func null() { append(Int32(-1)) }

    mutating func int8(_ value: Int64) {
        append(Int32(8))
        append(value)
    }

    mutating func float8(_ value: Double) {
        append(Int32(8))
        append(value.bitPattern)
    }

    /// Text as UTF-8 (PostgreSQL text cannot hold U+0000: the caller refuses it first), bytea and EWKB as they are.
    mutating func bytes<C: Collection>(_ value: C) where C.Element == UInt8 {
        append(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func endRow() throws {
        if bytes.count >= 1 << 20 { try flush() }
    }

    private mutating func flush() throws {
        guard !bytes.isEmpty else { return }
        try connection.send(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// The trailer (a field count of -1), then what is left.
    fileprivate mutating func finish() throws {
        append(Int16(-1))
        try flush()
    }
}
