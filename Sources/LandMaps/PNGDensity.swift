import CCairo
import Foundation

// MARK: - The PNG's dots per inch
//
// cairo encodes the PNG (through libpng) but has no option for its density, so viewers and printers would take
// a map drawn at 300 dpi for 72 dpi. The density is one 21-byte pHYs chunk (PNG 1.2 §4.2.4.2); it is inserted
// right after IHDR, where the specification allows it (before IDAT), with zlib's CRC-32. Re-encoding the
// pixels with libpng only to set it would cost the encoding a second time.

enum PNGDensity {
    /// `png` (cairo's output) with a pHYs chunk saying `dotsPerInch` in both directions.
    static func withDensity(_ png: Data, dotsPerInch: Double) throws -> Data {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, 13 data bytes and CRC
        guard png.count > ihdrEnd, Array(png.prefix(8)) == signature,
            png.subdata(in: 12..<16) == Data("IHDR".utf8)
        else {
            throw MapError("cairo wrote something that is not a PNG (no IHDR after the signature)")
        }
        let pixelsPerMetre = UInt32((dotsPerInch / 0.0254).rounded())
        var body = Data("pHYs".utf8)
        body.append(bigEndian: pixelsPerMetre)
        body.append(bigEndian: pixelsPerMetre)
        body.append(1) // unit: the metre
        let crc = body.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
        var chunk = Data()
        chunk.append(bigEndian: UInt32(body.count - 4))
        chunk.append(body)
        chunk.append(bigEndian: crc)
        var out = png.prefix(ihdrEnd)
        out.append(chunk)
        out.append(png.suffix(from: ihdrEnd))
        return Data(out)
    }
}

private extension Data {
    mutating func append(bigEndian v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }
}
