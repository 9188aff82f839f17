import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Text encodings of office files
//
// Chinese Windows software writes GBK (code page 936) without saying so: .dbf files without .cpg, CSV saved by
// Excel. Foundation on Linux has no GBK, so non-UTF-8 text is decoded with iconv, which (unlike GDAL's
// CPLRecode, which warns once per process and substitutes '?') reports where the first invalid byte is.

/// An encoding a user can name with `--encoding`.
public enum TextEncoding: String, Sendable, CaseIterable, CustomStringConvertible {
    case utf8 = "utf-8"
    case gbk
    case gb18030

    /// Reads "utf-8", "utf8", "gbk", "cp936", "936", "gb2312", "gb18030", "54936" in any case.
    public init?(name: String) {
        switch name.trimmingCharacters(in: .whitespacesAndNewlines).uppercased() {
        case "UTF-8", "UTF8", "65001": self = .utf8
        // GB2312 is a subset of GBK: decoding as GBK reads it correctly.
        case "GBK", "CP936", "936", "GB2312", "ANSI 936", "MS936", "WINDOWS-936": self = .gbk
        case "GB18030", "54936": self = .gb18030
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The name iconv (and GDAL) know it by.
    var iconvName: String {
        switch self {
        case .utf8: return "UTF-8"
        case .gbk: return "GBK"
        case .gb18030: return "GB18030"
        }
    }
}

/// Decodes bytes of one encoding into Strings; one instance per thread (it owns an iconv descriptor).
public final class TextDecoder {
    public let encoding: TextEncoding
    private var descriptor: iconv_t?
    /// iconv's output buffer, reused.
    private var scratch: [UInt8] = []

    public init(_ encoding: TextEncoding) {
        self.encoding = encoding
        if encoding != .utf8 {
            // iconv_open returns (iconv_t)-1 when glibc lacks the conversion; then every decode fails loudly.
            let d = iconv_open("UTF-8", encoding.iconvName)
            descriptor = d == iconv_t(bitPattern: -1) ? nil : d
        }
    }

    deinit { if let descriptor { iconv_close(descriptor) } }

    /// The text, or the byte offset of the first byte sequence that is not valid in the encoding.
    public func decode(_ bytes: UnsafeRawBufferPointer) -> Result<String, DecodingFailure> {
        // ASCII is the same in all three; most fields are (codes, numbers written as text).
        if !bytes.contains(where: { $0 >= 0x80 }) { return .success(String(decoding: bytes, as: UTF8.self)) }
        if encoding == .utf8 {
            if let s = String(validating: bytes, as: UTF8.self) { return .success(s) }
            return .failure(DecodingFailure(offset: Self.firstInvalidUTF8(bytes)))
        }
        guard let descriptor else { return .failure(DecodingFailure(offset: 0, unavailable: true)) }
        _ = iconv(descriptor, nil, nil, nil, nil) // reset the shift state
        // GBK → UTF-8 at most 1.5×; the buffer is kept between calls, not allocated per field.
        let needed = bytes.count * 2 + 4
        if scratch.count < needed { scratch = [UInt8](repeating: 0, count: max(needed, 256)) }
        let count = bytes.count
        return scratch.withUnsafeMutableBytes { whole -> Result<String, DecodingFailure> in
            let ob = UnsafeMutableRawBufferPointer(rebasing: whole[..<needed])
            var inPtr = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self))
            var inLeft = count
            var outPtr: UnsafeMutablePointer<CChar>? = ob.baseAddress!.assumingMemoryBound(to: CChar.self)
            var outLeft = ob.count
            var inOpt: UnsafeMutablePointer<CChar>? = inPtr
            let r = iconv(descriptor, &inOpt, &inLeft, &outPtr, &outLeft)
            inPtr = inOpt ?? inPtr
            if r == -1 || inLeft != 0 { return .failure(DecodingFailure(offset: count - inLeft)) }
            let written = ob.count - outLeft
            return .success(String(decoding: UnsafeRawBufferPointer(rebasing: ob[..<written]), as: UTF8.self))
        }
    }

    public func decode(_ bytes: [UInt8]) -> Result<String, DecodingFailure> {
        bytes.withUnsafeBytes { decode($0) }
    }

    private static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int {
        // Grow a valid prefix; the first length at which validation fails for good is the offset.
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let width = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            guard width > 0, i + width <= bytes.count,
                String(validating: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + width)]), as: UTF8.self) != nil
            else { return i }
            i += width
        }
        return i
    }
}

/// Where decoding failed.
public struct DecodingFailure: Error, Sendable {
    /// Byte offset of the first invalid sequence.
    public let offset: Int
    /// True when the system has no converter for the encoding at all.
    public var unavailable = false
}
