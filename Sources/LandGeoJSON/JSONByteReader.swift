import LandGeometryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - A strict JSON reader over bytes
//
// RFC 8259, strictly: no NaN / Infinity, no leading zeros, no trailing commas, no unescaped control characters,
// valid UTF-8 only, no duplicate keys. Recursion is bounded by `maxDepth` (the depth is checked before every
// nested container), so no input can overflow the stack. Errors carry the byte offset of the problem; callers
// turn it into a line number.

/// A problem at a byte offset of the text being read.
struct JSONSyntaxFailure: Error {
    var message: String
    var offset: Int
}

/// Reads JSON from a byte buffer that outlives the reader (use it inside `withUnsafeBufferPointer`).
struct JSONByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var depth = 0
    let maxDepth: Int
    /// How the end of the text is named in messages ("the end of the feature").
    let endDescription: String
    /// Decoded string bytes when a string has escapes.
    private var scratch: [UInt8] = []
    /// Positions of the list being read (one allocation per finished list).
    var positionScratch: [XY] = []
    /// The feature's "id", once read (for error messages).
    var featureID: JSONValue?

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, endDescription: String) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.endDescription = endDescription
    }

    // MARK: Cursor

    @inline(__always) var atEnd: Bool { pos >= bytes.count }

    @inline(__always) func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    @inline(__always) mutating func skipWhitespace() {
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    func fail(_ message: String) -> JSONSyntaxFailure { JSONSyntaxFailure(message: message, offset: pos) }

    /// What is at the cursor, for messages: "a string", "a number", "'}'", "NaN (not valid JSON)", ….
    func found() -> String {
        guard pos < bytes.count else { return endDescription }
        return JSONByteReader.describe(byte: bytes[pos])
    }

    static func describe(byte b: UInt8) -> String {
        switch b {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "N"): return "NaN (not valid JSON)"
        case UInt8(ascii: "I"): return "Infinity (not valid JSON)"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(b)))'"
        default:
            let hex = String(b, radix: 16, uppercase: true)
            return "byte 0x" + (hex.count < 2 ? "0" + hex : hex)
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth) levels") }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == byte else { throw fail("expected \(what), found \(found())") }
        pos += 1
    }

    // MARK: Literals

    private mutating func literal(_ text: StaticString) throws {
        let n = text.utf8CodeUnitCount
        let start = text.utf8Start
        guard pos + n <= bytes.count else { throw fail("invalid literal, found \(found())") }
        for i in 0..<n where bytes[pos + i] != start[i] {
            throw fail("invalid literal, found \(found())")
        }
        pos += n
    }

    // MARK: Numbers

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    ]

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Checks the JSON number grammar at the cursor and moves past it. Returns the number's start and, when
    /// Clinger's fast path applies (≤ 19 significant digits, mantissa ≤ 2^53, |power of ten| ≤ 22), its exactly
    /// rounded value; nil means "ask strtod".
    mutating func scanNumber() throws -> (start: Int, fast: Double?) {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) else {
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "I") { throw fail("-Infinity is not valid JSON") }
            throw fail("invalid number: '-' without digits")
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var exact = true
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) { throw fail("invalid number: leading zero") }
        } else {
            while pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[pos] &- 0x30)
                    digits += 1
                } else {
                    exact = false
                }
                pos += 1
            }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) else {
                throw fail("invalid number: no digits after '.'")
            }
            while pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) {
                let d = UInt64(bytes[pos] &- 0x30)
                if mantissa == 0 && d == 0 {
                    exponent -= 1
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ d
                    digits += 1
                    exponent -= 1
                } else {
                    exact = false
                }
                pos += 1
            }
        }
        if pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            var negativeExponent = false
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") {
                negativeExponent = bytes[pos] == UInt8(ascii: "-")
                pos += 1
            }
            guard pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) else {
                throw fail("invalid number: no digits in the exponent")
            }
            var e = 0
            while pos < bytes.count, JSONByteReader.isDigit(bytes[pos]) {
                if e < 1_000_000 { e = e * 10 + Int(bytes[pos] &- 0x30) }
                pos += 1
            }
            exponent += negativeExponent ? -e : e
        }
        guard exact else { return (start, nil) }
        if mantissa == 0 { return (start, negative ? -0.0 : 0.0) }
        if mantissa > 1 << 53 {
            // 17–19 significant digits (shortest round-trip output has up to 17) divided by 10^1…10^19:
            // one 128-by-64-bit division, rounded to nearest-even with a sticky bit. Anything else: strtod.
            guard exponent < 0, exponent >= -19 else { return (start, nil) }
            let value = JSONByteReader.divideRounded(mantissa, JSONByteReader.powersOfTenInteger[-exponent])
            return (start, negative ? -value : value)
        }
        guard exponent >= -22, exponent <= 22 else { return (start, nil) }
        var value = Double(mantissa)
        if exponent < 0 {
            value /= JSONByteReader.powersOfTen[-exponent]
        } else {
            value *= JSONByteReader.powersOfTen[exponent]
        }
        return (start, negative ? -value : value)
    }

    private static let powersOfTenInteger: [UInt64] = {
        var p: [UInt64] = [1]
        for _ in 1...19 { p.append(p.last! * 10) }
        return p
    }()

    /// The Double nearest to m / d (ties to even), for m ≥ 1 and 10 ≤ d < 2^64: the quotient is taken with 63–64
    /// significant bits, then rounded to 53 bits using the dropped bits and the remainder as a sticky bit.
    static func divideRounded(_ m: UInt64, _ d: UInt64) -> Double {
        let bitsM = 64 - m.leadingZeroBitCount
        let bitsD = 64 - d.leadingZeroBitCount
        let shift = 63 + bitsD - bitsM // makes 2^62 < m·2^shift / d < 2^64; 3 ≤ shift ≤ 126
        let high: UInt64, low: UInt64
        if shift >= 64 {
            high = m << UInt64(shift - 64)
            low = 0
        } else {
            high = m >> UInt64(64 - shift)
            low = m << UInt64(shift)
        }
        let (q, r) = d.dividingFullWidth((high: high, low: low))
        let drop = (64 - q.leadingZeroBitCount) - 53 // 10 or 11
        let half: UInt64 = 1 << UInt64(drop - 1)
        let rest = q & ((1 << UInt64(drop)) - 1)
        var top = q >> UInt64(drop)
        if rest > half || (rest == half && (r != 0 || top & 1 == 1)) { top += 1 }
        return Double(sign: .plus, exponent: drop - shift, significand: Double(top))
    }

    /// Reads a number as a correctly rounded Double (±infinity when it overflows; the caller decides).
    mutating func parseDouble() throws -> Double {
        let (start, fast) = try scanNumber()
        if let fast { return fast }
        return JSONByteReader.strtodRange(bytes, start, pos)
    }

    static func strtodRange(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double {
        let count = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { tmp in
            for i in 0..<count { tmp[i] = CChar(bitPattern: bytes[start + i]) }
            tmp[count] = 0
            return strtod(tmp.baseAddress!, nil)
        }
    }

    /// The source text between two offsets, shortened for messages.
    func excerpt(_ start: Int, _ end: Int, limit: Int = 40) -> String {
        let stop = min(end, start + limit)
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
        return stop < end ? text + "…" : text
    }

    // MARK: Strings

    /// Reads a string at the cursor (which is at its opening quote).
    mutating func parseString() throws -> String {
        let open = pos
        pos += 1
        let start = pos
        var ascii = true
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                if !ascii, let bad = JSONUTF8.firstInvalid(slice) {
                    throw JSONSyntaxFailure(
                        message: "invalid UTF-8 in string (byte 0x\(JSONUTF8.hex(slice[bad])))",
                        offset: start + bad)
                }
                pos += 1
                return String(decoding: slice, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(open: open, start: start) }
            if b < 0x20 { throw fail("unescaped control character U+00\(JSONUTF8.hex(b)) in string") }
            if b >= 0x80 { ascii = false }
            pos += 1
        }
        throw JSONSyntaxFailure(message: "unterminated string", offset: open)
    }

    private mutating func parseEscapedString(open: Int, start: Int) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                if let bad = scratch.withUnsafeBufferPointer({ JSONUTF8.firstInvalid($0) }) {
                    throw JSONSyntaxFailure(
                        message: "invalid UTF-8 in string (byte 0x\(JSONUTF8.hex(scratch[bad])))",
                        offset: open)
                }
                return String(decoding: scratch, as: UTF8.self)
            }
            if b < 0x20 { throw fail("unescaped control character U+00\(JSONUTF8.hex(b)) in string") }
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                    else {
                        throw fail("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string")
                    }
                    pos += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw fail("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw fail("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string")
                }
                JSONUTF8.append(scalar: scalar, to: &scratch)
            default:
                pos -= 1
                throw fail("invalid escape '\\\(JSONByteReader.describe(byte: e))' in string")
            }
        }
        throw JSONSyntaxFailure(message: "unterminated string", offset: open)
    }

    private mutating func hex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("invalid \\u escape in string") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape in string")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    // MARK: Values

    /// Reads any value (recursion bounded by `maxDepth`).
    mutating func parseValue() throws -> JSONValue {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("expected a value, found \(found())") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (start, _) = try scanNumber()
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self))
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw fail("expected a value, found \(found())")
        }
    }

    /// Checks a value and moves past it. Arrays, numbers and literals allocate nothing.
    mutating func skipValue() throws {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("expected a value, found \(found())") }
        switch bytes[pos] {
        case UInt8(ascii: "["):
            try readArray({ try $0.skipValue() }, separatorProblem: { _ in "expected ',' or ']' in an array" })
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try parseValue()
        }
    }

    mutating func parseArray() throws -> [JSONValue] {
        var elements: [JSONValue] = []
        try readArray(
            { elements.append(try $0.parseValue()) }, separatorProblem: { _ in "expected ',' or ']' in an array" })
        return elements
    }

    /// The one array walk of every array reader (values, geometry collections, coordinate lists, positions): at
    /// the '[' (the caller has checked it), enters the array (depth-checked), calls `element` for each element
    /// with the cursor on it, and leaves past the ']'. An element followed by neither ',' nor ']' fails with
    /// `separatorProblem(textEnded)` + ", found …" at the offending byte.
    @inline(__always)
    mutating func readArray(
        _ element: (inout JSONByteReader) throws -> Void,
        separatorProblem: (_ textEnded: Bool) -> String
    ) throws {
        try enter()
        pos += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard let b = peek() else { throw fail("\(separatorProblem(true)), found \(found())") }
            if b == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if b == UInt8(ascii: "]") {
                pos += 1
                break
            }
            throw fail("\(separatorProblem(false)), found \(found())")
        }
        depth -= 1
    }

    /// Reads a member name at the cursor (after optional whitespace) and the ':' after it.
    mutating func parseMemberName() throws -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name (a string), found \(found())") }
        let key = try parseString()
        try expect(UInt8(ascii: ":"), "':' after a member name")
        skipWhitespace()
        return key
    }

    /// After a member: true when another member follows (','), false at the closing '}'.
    mutating func nextMember() throws -> Bool {
        skipWhitespace()
        guard let b = peek() else { throw fail("expected ',' or '}' after a member, found \(found())") }
        pos += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "}") { return false }
        pos -= 1
        throw fail("expected ',' or '}' after a member, found \(found())")
    }

    /// At an object's '{': enters it; true when it has at least one member.
    mutating func openObject() throws -> Bool {
        try enter()
        pos += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return false
        }
        return true
    }

    /// The object walk of the GeoJSON readers: at the '{' (checked by the caller), enters the object, calls
    /// `member` with each member's name and the cursor on its value (which `member` must read or skip), and
    /// leaves past the '}'. A name given twice fails with `duplicatePrefix()` + "duplicate key …" at the name.
    @inline(__always)
    mutating func readMembers(
        duplicatePrefix: () -> String,
        _ member: (inout JSONByteReader, String) throws -> Void
    ) throws {
        guard try openObject() else { return }
        var keys: [String] = []
        repeat {
            skipWhitespace()
            let keyOffset = pos
            let key = try parseMemberName()
            if keys.contains(key) {
                throw JSONSyntaxFailure(
                    message: duplicatePrefix() + JSONByteReader.duplicateKeyMessage(key),
                    offset: keyOffset)
            }
            keys.append(key)
            try member(&self, key)
        } while try nextMember()
        depth -= 1
    }

    static func duplicateKeyMessage(_ key: String) -> String {
        "duplicate key \(JSONValue.string(key).serialized)"
    }

    mutating func parseObject() throws -> JSONObject {
        guard try openObject() else { return JSONObject(uniqueMembers: []) }
        var members: [JSONObject.Member] = []
        var keySet: Set<String>? = nil
        repeat {
            skipWhitespace()
            let keyOffset = pos
            let key = try parseMemberName()
            let duplicate: Bool
            if keySet != nil {
                duplicate = !keySet!.insert(key).inserted
            } else {
                duplicate = members.contains { $0.key == key }
                if members.count >= 16 { keySet = Set(members.map(\.key) + [key]) }
            }
            if duplicate {
                throw JSONSyntaxFailure(message: JSONByteReader.duplicateKeyMessage(key), offset: keyOffset)
            }
            members.append(JSONObject.Member(key: key, value: try parseValue()))
        } while try nextMember()
        depth -= 1
        return JSONObject(uniqueMembers: members)
    }
}

/// UTF-8 checks and encoding.
enum JSONUTF8 {
    /// The offset of the first byte that does not start a well-formed UTF-8 sequence (no overlongs, no surrogates,
    /// nothing above U+10FFFF), or nil when all is well-formed.
    static func firstInvalid(_ s: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = s.count
        while i < n {
            let b = s[i]
            if b < 0x80 {
                i += 1
                continue
            }
            if b < 0xC2 { return i }
            if b < 0xE0 {
                guard i + 1 < n, s[i + 1] & 0xC0 == 0x80 else { return i }
                i += 2
                continue
            }
            if b < 0xF0 {
                guard i + 2 < n, s[i + 1] & 0xC0 == 0x80, s[i + 2] & 0xC0 == 0x80 else { return i }
                if b == 0xE0 && s[i + 1] < 0xA0 { return i }
                if b == 0xED && s[i + 1] >= 0xA0 { return i }
                i += 3
                continue
            }
            if b < 0xF5 {
                guard i + 3 < n, s[i + 1] & 0xC0 == 0x80, s[i + 2] & 0xC0 == 0x80, s[i + 3] & 0xC0 == 0x80 else {
                    return i
                }
                if b == 0xF0 && s[i + 1] < 0x90 { return i }
                if b == 0xF4 && s[i + 1] >= 0x90 { return i }
                i += 4
                continue
            }
            return i
        }
        return nil
    }

    static func append(scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    static func hex(_ b: UInt8) -> String {
        let h = String(b, radix: 16, uppercase: true)
        return h.count < 2 ? "0" + h : h
    }
}
