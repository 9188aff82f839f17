// MARK: - JSON values
//
// Policy: numbers keep their source lexeme ("500000.0", "1e3", "0012" never appears: the reader rejects it), so
// properties read from a file are written back byte for byte. Objects keep their members in source order.
// Strings are Swift Strings: the reader has already decoded escapes and checked UTF-8.

/// A JSON value with numbers kept as their source lexeme (so properties round-trip exactly).
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A number as its JSON lexeme, e.g. "500000.0" or "-1.5e3". Build one from a Swift number with
    /// `JSONValue(double:)` / `JSONValue(integer:)` so that the lexeme is valid JSON.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number value for a Double: the shortest text that reads back as the same Double ("500000" for 500000.0);
    /// `null` for NaN and ±infinity, which JSON cannot hold.
    public init(double: Double) {
        if let text = GeoJSONNumberFormat.shortest(double) { self = .number(text) } else { self = .null }
    }

    /// A number value for an integer.
    public init(integer: Int) { self = .number(String(integer)) }

    /// The number as a Double (nil for anything that is not a number). A lexeme beyond Double's range gives ±infinity.
    public var doubleValue: Double? {
        guard case .number(let lexeme) = self else { return nil }
        return Double(lexeme)
    }

    /// Strings as they are, numbers as their lexeme; nil for null, booleans, arrays and objects.
    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        default: return nil
        }
    }

    /// The Bool of a `true` / `false` value, else nil.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The members of an object value, else nil.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements of an array value, else nil.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Compact JSON text (no insignificant whitespace); strings escaped per RFC 8259, control characters as \uXXXX.
    public var serialized: String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact JSON text of the value as UTF-8.
    func appendJSON(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.appendJSON(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): o.appendJSON(to: &out)
        }
    }
}

/// A JSON object: members in order, keys unique (the reader refuses duplicate keys).
public struct JSONObject: Hashable, Sendable, Sequence {
    /// One member of an object.
    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) { self.key = key; self.value = value }
    }

    private var storage: [Member]

    /// An object with the given members in order. Later duplicates replace earlier ones (in the earlier position).
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        storage = []
        storage.reserveCapacity(members.count)
        for m in members { set(m.key, m.value) }
    }

    /// Internal: members known to have unique keys (the reader checked them).
    init(uniqueMembers: [Member]) { storage = uniqueMembers }

    /// The members in order.
    public var members: [(key: String, value: JSONValue)] { storage.map { ($0.key, $0.value) } }

    /// The keys in order.
    public var keys: [String] { storage.map(\.key) }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    /// The value of `key`, or nil when there is no such member (a member whose value is null gives `.null`).
    public subscript(key: String) -> JSONValue? {
        for m in storage where m.key == key { return m.value }
        return nil
    }

    /// Sets `key` to `value`: replaces the value in place if the key exists, else appends a member.
    public mutating func set(_ key: String, _ value: JSONValue) {
        if let i = storage.firstIndex(where: { $0.key == key }) {
            storage[i].value = value
        } else {
            storage.append(Member(key: key, value: value))
        }
    }

    /// Removes the member `key` and returns its value, if there was one.
    @discardableResult
    public mutating func remove(_ key: String) -> JSONValue? {
        guard let i = storage.firstIndex(where: { $0.key == key }) else { return nil }
        return storage.remove(at: i).value
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var it = storage.makeIterator()
        return AnyIterator { it.next().map { ($0.key, $0.value) } }
    }

    /// Compact JSON text of the object.
    public var serialized: String {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func appendJSON(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, m) in storage.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(m.key, to: &out)
            out.append(UInt8(ascii: ":"))
            m.value.appendJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// JSON text helpers shared by the values and the writer.
enum JSONText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal: quotes, backslash and every control character (U+0000–U+001F, U+007F)
    /// escaped; everything else as UTF-8.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let b = bytes[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch b {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: [
                        UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hex[Int(b >> 4)], hex[Int(b & 0xF)]
                    ])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Number text for JSON output.
enum GeoJSONNumberFormat {
    /// The shortest text that reads back as `value` ("500000" rather than "500000.0"; "1e-05" stays as it is,
    /// which JSON accepts). Nil for NaN and ±infinity.
    static func shortest(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        let text = value.description
        if text.hasSuffix(".0") { return String(text.dropLast(2)) }
        return text
    }
}
