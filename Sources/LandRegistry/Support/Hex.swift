// MARK: - Hex text of bytes (SHA-256 digests, PostgreSQL bytea and WKB)

/// Lowercase hex of bytes, and back.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func append(_ data: [UInt8], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + data.count * 2)
        for b in data { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
    }

    /// The hex text of `data`.
    static func text(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        append(data, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `text` (hex digits, optionally after `\x`); nil when it is not hex.
    static func bytes(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { all -> [UInt8]? in
            let skip = all.count >= 2 && all[0] == 0x5C && all[1] == 0x78 ? 2 : 0
            let n = all.count - skip
            guard n % 2 == 0 else { return nil }
            func nibble(_ c: UInt8) -> UInt8? {
                switch c {
                case 0x30...0x39: return c - 0x30
                case 0x61...0x66: return c - 0x61 + 10
                case 0x41...0x46: return c - 0x41 + 10
                default: return nil
                }
            }
            var ok = true
            let out = [UInt8](unsafeUninitializedCapacity: n / 2) { buffer, count in
                var i = skip
                var k = 0
                while i < all.count {
                    guard let h = nibble(all[i]), let l = nibble(all[i + 1]) else { ok = false; break }
                    buffer[k] = h << 4 | l
                    k += 1
                    i += 2
                }
                count = k
            }
            return ok ? out : nil
        }
    }
}
