import Foundation
import GRDB
import GRDBSQLite

// MARK: - The kept properties' keys, tallied from the JSON texts themselves
//
// Why by hand: the export's schema needs, per kept key and JSON type, the first appearance, the count, the widest
// text and how many texts are days. SQLite answers it through json_each (KeptKeyTally.sqlQuery), which builds a
// parse tree per row and groups its rows: 0.50 s of the 2.5 s a 100,000-parcel Shapefile export took, on the
// thread that then writes the file. Properties as landreg stores them are flat objects of texts, numbers,
// booleans and nulls; this scanner reads those in one pass over each text without a value per key (under
// 0.1 s for the same 100,000 rows, stepping included; docs/performance.md). Anything it does not read exactly as SQLite would — an escape
// sequence, a nested value, a number SQLite may read another way, a text that is not a JSON object, bytes that
// are not UTF-8 — makes it give up, and the json_each query decides as before. Tests: KeptKeyScanTests compares
// the two on the same texts.

/// What the schema needs to know of one kept key over the exported rows.
struct KeptKeyTally: Equatable {
    /// Orders keys by first appearance: (row key << 32) + position in the row (any increasing position).
    var first = Int64.max
    var bools: Int64 = 0, ints: Int64 = 0, reals: Int64 = 0, texts: Int64 = 0, nested: Int64 = 0
    /// Integers beyond Int64 (SQLite reads them as reals).
    var bigInts: Int64 = 0
    /// The widest text in UTF-8 bytes.
    var width = 0
    /// Texts that are days (YYYY-MM-DD, a day of the proleptic Gregorian calendar, as Clock.validDay).
    var days: Int64 = 0

    /// The same tallies from SQLite's json_each over `properties` of `table` (rows keyed by `rowKey`).
    static func sqlQuery(table: String, filter: String, rowKey: String, properties: String) -> String {
        // date(x, '+0 days') normalises an impossible day (date('2023-02-29') is the text itself; with the
        // modifier it is 2023-03-01), so that a day is what Clock.validDay, the general path's rule, accepts.
        """
        SELECT j.key, j.type, min((\(rowKey) << 32) + j.id), count(*),
               coalesce(max(CASE WHEN j.type = 'text' THEN length(CAST(j.atom AS BLOB)) END), 0),
               sum(CASE WHEN j.type = 'text' AND length(j.atom) = 10 THEN date(j.atom, '+0 days') IS j.atom ELSE 0 END),
               sum(CASE WHEN j.type = 'integer' THEN typeof(j.atom) <> 'integer' ELSE 0 END)
        FROM \(table), json_each(\(properties)) j \(filter) GROUP BY j.key, j.type
        """
    }

    /// Tallies by key from json_each (GROUP BY key and type: each json_each column is read once per value; one
    /// aggregate per type took 1.5 s of CPU on 100,000 parcels, 1.07 s so).
    static func fromSQL(_ db: Database, table: String, filter: String, rowKey: String, properties: String) throws
        -> [String: KeptKeyTally]
    {
        var tallies: [String: KeptKeyTally] = [:]
        let sql = sqlQuery(table: table, filter: filter, rowKey: rowKey, properties: properties)
        for r in try Row.fetchAll(db, sql: sql) {
            let name: String = r[0], type: String = r[1], n: Int64 = r[3]
            var t = tallies[name] ?? KeptKeyTally()
            t.first = min(t.first, r[2])
            switch type {
            case "true", "false": t.bools += n
            case "integer": t.ints += n
            case "real": t.reals += n
            case "text": t.texts += n; t.width = max(t.width, r[4]); t.days += r[5]
            case "array", "object": t.nested += n
            default: break // null
            }
            t.bigInts += r[6]
            tallies[name] = t
        }
        return tallies
    }

    /// Tallies by key from the texts, or nil when a text needs json_each (see the top of the file).
    static func scanned(_ db: Database, table: String, filter: String, rowKey: String, properties: String) throws
        -> [String: KeptKeyTally]?
    {
        let statement = try db.makeStatement(sql: "SELECT \(rowKey), \(properties) FROM \(table) \(filter)")
        let h = statement.sqliteStatement
        var scan = KeptKeyScan()
        while true {
            let step = sqlite3_step(h)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: step),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            switch sqlite3_column_type(h, 1) {
            case SQLITE_NULL: continue // json_each(NULL) has no rows
            case SQLITE_TEXT: break
            default: return nil
            }
            // sqlite3_column_text, then _bytes (the order SQLite documents): UTF-8, valid until the next step.
            guard let text = sqlite3_column_text(h, 1) else { continue }
            let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(h, 1)))
            guard scan.add(bytes, rowKey: sqlite3_column_int64(h, 0)) else { return nil }
        }
        return scan.tallies
    }
}

/// A scanner of flat JSON objects (see the top of the file). Not Sendable: one scan on one thread.
struct KeptKeyScan {
    private var found: [KeptKeyTally] = []
    private var names: [String] = []
    private var indexByName: [String: Int] = [:]
    /// The key last seen at each position of a row and its tally: rows of one layer mostly repeat their keys in
    /// the same order, so a key is matched by its bytes without a String or a hash.
    private var byPosition: [(bytes: [UInt8], index: Int)] = []

    var tallies: [String: KeptKeyTally] {
        Dictionary(uniqueKeysWithValues: zip(names, found))
    }

    /// A scanned value's JSON type, as json_each reports it.
    private enum Value { case null, bool, int, bigInt, real, text(Range<Int>) }

    /// Tallies one row's object; false when it is not one this scanner reads as SQLite does.
    mutating func add(_ text: UnsafeBufferPointer<UInt8>, rowKey: Int64) -> Bool {
        var i = 0
        let n = text.count
        func skipSpace() {
            // JSON's four whitespace bytes (SQLite 3.40 takes no other).
            while i < n, text[i] == 0x20 || text[i] == 0x09 || text[i] == 0x0a || text[i] == 0x0d { i += 1 }
        }
        /// The bytes of a string from after its opening quote to before its closing one (i then after it); nil
        /// for an escape, a control character or no closing quote.
        func plainString() -> Range<Int>? {
            let start = i
            while i < n {
                let c = text[i]
                if c == 0x22 { i += 1; return start..<(i - 1) }
                if c == 0x5c || c < 0x20 { return nil }
                i += 1
            }
            return nil
        }
        func literal(_ word: StaticString) -> Bool {
            let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard i + w.count <= n, w.indices.allSatisfy({ w[$0] == text[i + $0] }) else { return false }
            i += w.count
            return true
        }
        skipSpace()
        guard i < n, text[i] == 0x7b else { return false } // {
        i += 1
        skipSpace()
        if i < n, text[i] == 0x7d { // }: an empty object
            i += 1; skipSpace()
            return i == n
        }
        var position = 0
        while true {
            skipSpace()
            guard i < n, text[i] == 0x22 else { return false }
            i += 1
            guard let keyRange = plainString() else { return false }
            skipSpace()
            guard i < n, text[i] == 0x3a else { return false } // :
            i += 1
            skipSpace()
            guard i < n else { return false }
            let value: Value
            switch text[i] {
            case 0x22:
                i += 1
                guard let r = plainString() else { return false }
                value = .text(r)
            case 0x74: guard literal("true") else { return false }; value = .bool
            case 0x66: guard literal("false") else { return false }; value = .bool
            case 0x6e: guard literal("null") else { return false }; value = .null
            case 0x2d, 0x30...0x39:
                guard let number = Self.number(text, &i) else { return false }
                value = number
            default: return false // an object, an array, or not JSON
            }
            guard let k = index(of: UnsafeBufferPointer(rebasing: text[keyRange]), at: position) else { return false }
            found[k].first = min(found[k].first, (rowKey << 32) + Int64(position))
            switch value {
            case .null: break
            case .bool: found[k].bools += 1
            case .int: found[k].ints += 1
            case .bigInt: found[k].ints += 1; found[k].bigInts += 1
            case .real: found[k].reals += 1
            case .text(let r):
                // Width in bytes, as length(CAST(atom AS BLOB)); a day is ten ASCII bytes, so a text of ten
                // characters but more bytes is no day on either side.
                found[k].texts += 1
                found[k].width = max(found[k].width, r.count)
                if r.count == 10, Self.isDay(UnsafeBufferPointer(rebasing: text[r])) { found[k].days += 1 }
            }
            position += 1
            skipSpace()
            guard i < n else { return false }
            if text[i] == 0x2c { i += 1; continue } // ,
            guard text[i] == 0x7d else { return false } // }
            i += 1
            skipSpace()
            return i == n
        }
    }

    /// The tally of the key spelt `bytes`, made on its first appearance; nil for bytes that are not UTF-8 (SQLite
    /// does not check; a String would repair them).
    private mutating func index(of bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
        if position < byPosition.count, byPosition[position].bytes.elementsEqual(bytes) {
            return byPosition[position].index
        }
        guard let name = String(validating: bytes, as: UTF8.self) else { return nil }
        let k: Int
        if let known = indexByName[name] {
            k = known
        } else {
            k = found.count
            found.append(KeptKeyTally()); names.append(name); indexByName[name] = k
        }
        let entry = (bytes: Array(bytes), index: k)
        if position < byPosition.count { byPosition[position] = entry } else { byPosition.append(entry) }
        return k
    }

    /// A JSON number as SQLite 3.40 types it: an integer (no fraction or exponent) within Int64 (json_each's own
    /// rule: beyond it the atom is a real), or a real. nil for what SQLite may read otherwise (a zero before
    /// digits, a sign or a point without digits …).
    private static func number(_ text: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Value? {
        let n = text.count
        func isDigit(_ k: Int) -> Bool { k < n && (0x30...0x39).contains(text[k]) }
        var negative = false
        if text[i] == 0x2d { negative = true; i += 1 }
        guard isDigit(i) else { return nil }
        if text[i] == 0x30, isDigit(i + 1) { return nil }
        var magnitude: UInt64 = 0
        var overflow = false
        while isDigit(i) {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(text[i] - 0x30))
            if o1 || o2 { overflow = true } else { magnitude = s }
            i += 1
        }
        var real = false
        if i < n, text[i] == 0x2e { // .
            i += 1
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
            real = true
        }
        if i < n, text[i] == 0x65 || text[i] == 0x45 { // e E
            i += 1
            if i < n, text[i] == 0x2b || text[i] == 0x2d { i += 1 }
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
            real = true
        }
        if real { return .real }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        return overflow || magnitude > limit ? .bigInt : .int
    }

    /// Clock.validDay on ten UTF-8 bytes, without a String.
    static func isDay(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 10, b[4] == 0x2d, b[7] == 0x2d else { return false }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for k in from..<from + count {
                guard (0x30...0x39).contains(b[k]) else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        guard let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2), (1...12).contains(m), d >= 1
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        switch m {
        case 2: return d <= (leap ? 29 : 28)
        case 4, 6, 9, 11: return d <= 30
        default: return d <= 31
        }
    }
}
