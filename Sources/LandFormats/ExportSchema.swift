import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - What a layer writer is given: fields, values, and the rules every writer shares
//
// A layer is written in two passes over the store (see LandRegistry's FormatExport): the first settles the schema
// (names, types, the widest text in bytes) and refuses what a format cannot hold before any file exists; the
// second streams features into a writer. Writers take the path they must create and create it completely.

/// The type of an exported attribute.
public enum ExportFieldType: String, Sendable, Codable {
    case integer64, real, string, date, boolean
}

/// One attribute column of an exported layer.
public struct ExportField: Sendable, Equatable {
    /// The name the store's GeoJSON export uses.
    public var name: String
    /// The name written to the file (differs only for Shapefiles, see `ShapefileFieldNames`).
    public var fileName: String
    public var type: ExportFieldType
    /// For strings: the widest value in bytes of the file's encoding (a Shapefile's .dbf needs it up front).
    public var widthBytes: Int

    public init(name: String, fileName: String? = nil, type: ExportFieldType, widthBytes: Int = 0) {
        self.name = name; self.fileName = fileName ?? name; self.type = type; self.widthBytes = widthBytes
    }
}

/// One attribute value of one feature.
public enum ExportValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case string(String)
    /// A calendar day (written as a Date where the format has one).
    case date(year: Int, month: Int, day: Int)
    case boolean(Bool)
}

/// A writer refused the data or the library failed; `message` names the file, feature and field.
public struct ExportWriteError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

// MARK: - Shapefile field names: the 10-byte rule

/// A .dbf field name holds at most 10 bytes. The rule (docs/exports.md): a name that fits (≤ 10 bytes in the
/// file's encoding) is kept as it is; a longer one is cut to the longest prefix of whole characters that fits
/// in 10 bytes; if that collides (ignoring ASCII case, as .dbf readers compare names) with a name already taken,
/// the tail is replaced by `_2`, `_3`, … (the prefix shortened to leave room) until the name is free. Names are
/// taken in field order, so the mapping is stable for a given schema.
public enum ShapefileFieldNames {
    public static let maxBytes = 10

    /// The file names for `names`, in order.
    public static func shorten(_ names: [String], encoding: ShapefileEncoding) -> [String] {
        var taken = Set<String>()
        var out: [String] = []
        for name in names {
            let fits = encoding.byteCount(name) ?? Int.max
            var candidate = fits <= maxBytes ? name : prefix(name, maxBytes: maxBytes, encoding: encoding)
            var n = 2
            while taken.contains(candidate.lowercased()) {
                let tail = "_\(n)"
                candidate = prefix(name, maxBytes: maxBytes - tail.utf8.count, encoding: encoding) + tail
                n += 1
            }
            taken.insert(candidate.lowercased())
            out.append(candidate)
        }
        return out
    }

    /// The longest prefix of whole characters of `name` that takes at most `maxBytes` bytes in `encoding`.
    static func prefix(_ name: String, maxBytes: Int, encoding: ShapefileEncoding) -> String {
        var out = ""
        for ch in name {
            let next = out + String(ch)
            guard let bytes = encoding.byteCount(next), bytes <= maxBytes else { break }
            out = next
        }
        return out
    }
}

/// The text encoding of a Shapefile's .dbf (named in its .cpg).
public enum ShapefileEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    /// GBK (code page 936), what older Chinese ArcGIS installations read.
    case gbk

    /// What GDAL's ENCODING layer option takes.
    var gdalName: String { self == .utf8 ? "UTF-8" : "CP936" }
    /// What the .cpg says: ArcGIS and GDAL read "UTF-8" and the code page number "936".
    var cpgText: String { self == .utf8 ? "UTF-8" : "936" }

    /// The byte length of `text` in this encoding, nil when the encoding cannot represent it.
    public func byteCount(_ text: String) -> Int? {
        switch self {
        case .utf8: return text.utf8.count
        case .gbk: return GBK.byteCount(text)
        }
    }
}

/// GBK through the C library's iconv (the converter GDAL's CPLRecode uses too, so what passes here GDAL can write).
enum GBK {
    /// Byte length of `text` in GBK, nil when some character has no GBK code.
    static func byteCount(_ text: String) -> Int? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.count }
        let cd = iconv_open("GBK", "UTF-8")
        // iconv_open returns (iconv_t)-1 when the conversion is unknown to the C library.
        guard let cd, cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 2 + 4)
        let outputCount = output.count
        return input.withUnsafeMutableBufferPointer { inBuf -> Int? in
            output.withUnsafeMutableBufferPointer { outBuf -> Int? in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                var outLeft = outputCount
                // iconv returns (size_t)-1 on an unconvertible character (EILSEQ).
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if r == -1 || inLeft != 0 { return nil }
                return outputCount - outLeft
            }
        }
    }

    /// The first character of `text` GBK cannot encode.
    static func firstUnencodable(_ text: String) -> Character? {
        text.first { byteCount(String($0)) == nil }
    }
}

extension ShapefileEncoding {
    /// The first character of `text` this encoding cannot represent.
    public func firstUnencodable(_ text: String) -> Character? {
        self == .utf8 ? nil : GBK.firstUnencodable(text)
    }
}

// MARK: - No formulas smuggled into spreadsheets

/// OWASP's CSV-injection rule: a text cell beginning with `=`, `+`, `-`, `@`, tab or carriage return is one a
/// spreadsheet may evaluate. In CSV such a text gets a leading single quote (Excel shows the text, not a formula);
/// in xlsx a string cell is never evaluated, so the text is kept verbatim (written with worksheet_write_string).
/// Numbers are not texts: -12.5 in a number column stays a number.
public enum FormulaGuard {
    public static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// `text` as a CSV cell's content.
    public static func csvText(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, triggers.contains(Character(first)) else { return text }
        return "'" + text
    }
}
