// MARK: - GeoPackage geometry blobs
//
// GeoPackage 1.x "GeoPackageBinary" (spec §2.1.3): magic "GP", version 0, a flags byte, srs_id (int32), an
// optional envelope, then WKB. Flags: bit 0 byte order of the header (1 = little-endian), bits 1–3 envelope
// indicator (0 none, 1 [minx, maxx, miny, maxy], 2 + [minz, maxz], 3 + [minm, maxm], 4 + z and m), bit 4 empty,
// bit 5 extended (binary type 1; not written, refused on read).
// Writing matches GDAL byte for byte: little-endian header and WKB; envelope indicator 1 for every non-empty
// non-point geometry, none for points; empty geometries set the empty flag and carry no envelope (an empty point
// is POINT(NaN NaN)).

/// Encoding and decoding of GeoPackage geometry blobs.
public enum GeoPackageBinary {
    static let flagLittleEndian: UInt8 = 0x01
    static let flagEmpty: UInt8 = 0x10
    static let flagExtended: UInt8 = 0x20

    /// The blob GDAL would write for `g` with `srs_id` = `srsID`.
    public static func encode(_ g: Geometry, srsID: Int32) -> [UInt8] {
        var out: [UInt8] = []
        encode(g, srsID: srsID, into: &out)
        return out
    }

    /// Appends the blob for `g` to `out`; reuse one buffer across features with `removeAll(keepingCapacity: true)`.
    public static func encode(_ g: Geometry, srsID: Int32, into out: inout [UInt8]) {
        let empty = g.isEmpty || g.isEmptyPoint
        var envelope: Envelope? = nil
        if !empty {
            if case .point = g {} else { envelope = g.envelope }
        }
        out.reserveCapacity(out.count + 8 + (envelope == nil ? 0 : 32) + WKB.encodedSize(g))
        out.append(0x47); out.append(0x50); out.append(0) // "GP", version 0
        var flags = flagLittleEndian
        if empty { flags |= flagEmpty }
        if envelope != nil { flags |= 1 << 1 }
        out.append(flags)
        withUnsafeBytes(of: srsID.littleEndian) { out.append(contentsOf: $0) }
        if let e = envelope {
            withUnsafeBytes(of: e.minX.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: e.maxX.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: e.minY.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: e.maxY.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        WKB.encode(g, into: &out)
    }

    /// The parsed header: srs_id, flags, and where the WKB starts.
    struct Header {
        var srsID: Int32
        var isEmpty: Bool
        var envelope: Envelope?
        var wkbOffset: Int
    }

    /// Parses the header. - Throws: `GeometryInputError` when the magic, version or lengths are wrong.
    static func header(_ blob: UnsafeRawBufferPointer) throws -> Header {
        guard blob.count >= 8 else {
            throw GeometryInputError("GeoPackage blob: \(blob.count) bytes, shorter than the 8-byte header")
        }
        guard blob[0] == 0x47, blob[1] == 0x50 else {
            throw GeometryInputError("GeoPackage blob: magic is not \"GP\" (bytes \(blob[0]) \(blob[1]))")
        }
        guard blob[2] == 0 else { throw GeometryInputError("GeoPackage blob: version \(blob[2]) (only 0 is defined)") }
        let flags = blob[3]
        guard flags & flagExtended == 0 else {
            throw GeometryInputError("GeoPackage blob: extended geometry types are not supported")
        }
        let little = flags & flagLittleEndian != 0
        let indicator = Int((flags >> 1) & 0x07)
        let envelopeDoubles: Int
        switch indicator {
        case 0: envelopeDoubles = 0
        case 1: envelopeDoubles = 4
        case 2, 3: envelopeDoubles = 6
        case 4: envelopeDoubles = 8
        default: throw GeometryInputError("GeoPackage blob: invalid envelope indicator \(indicator)")
        }
        let wkbOffset = 8 + 8 * envelopeDoubles
        guard blob.count >= wkbOffset else { throw GeometryInputError("GeoPackage blob: truncated envelope") }
        let rawSRS = blob.loadUnaligned(fromByteOffset: 4, as: Int32.self)
        func double(_ i: Int) -> Double {
            let b = blob.loadUnaligned(fromByteOffset: 8 + 8 * i, as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: b) : UInt64(bigEndian: b))
        }
        var envelope: Envelope? = nil
        if envelopeDoubles > 0 {
            let e = Envelope(minX: double(0), minY: double(2), maxX: double(1), maxY: double(3))
            if !e.minX.isNaN && !e.minY.isNaN { envelope = e }
        }
        return Header(
            srsID: little ? Int32(littleEndian: rawSRS) : Int32(bigEndian: rawSRS),
            isEmpty: flags & flagEmpty != 0, envelope: envelope, wkbOffset: wkbOffset)
    }

    /// Where a blob's WKB begins (after the header and its envelope), to pass the WKB on without decoding it.
    /// - Throws: `GeometryInputError` when the header is malformed.
    public static func wkbOffset(_ blob: UnsafeRawBufferPointer) throws -> Int { try header(blob).wkbOffset }

    /// Decodes a blob into its srs_id and geometry.
    /// - Throws: `GeometryInputError` when the header or the WKB is malformed.
    public static func decode(_ blob: UnsafeRawBufferPointer) throws -> (srsID: Int32, geometry: Geometry) {
        let h = try header(blob)
        let g = try WKB.decode(UnsafeRawBufferPointer(rebasing: blob[h.wkbOffset...]))
        return (h.srsID, g)
    }

    /// Decodes a blob held in an array; see `decode(_: UnsafeRawBufferPointer)`.
    public static func decode(_ blob: [UInt8]) throws -> (srsID: Int32, geometry: Geometry) {
        try blob.withUnsafeBytes { try decode($0) }
    }

    /// The blob's bounding box: from the header when it has one, else by decoding the WKB; nil when empty.
    /// - Throws: `GeometryInputError` when the blob is malformed.
    public static func envelope(of blob: UnsafeRawBufferPointer) throws -> Envelope? {
        let h = try header(blob)
        if h.isEmpty { return nil }
        if let e = h.envelope { return e }
        let g = try WKB.decode(UnsafeRawBufferPointer(rebasing: blob[h.wkbOffset...]))
        return g.isEmptyPoint ? nil : g.envelope
    }

    /// The blob's bounding box; see `envelope(of: UnsafeRawBufferPointer)`.
    public static func envelope(of blob: [UInt8]) throws -> Envelope? {
        try blob.withUnsafeBytes { try envelope(of: $0) }
    }

    /// True when the blob's empty flag is set. - Throws: `GeometryInputError` when the header is malformed.
    public static func isEmpty(_ blob: UnsafeRawBufferPointer) throws -> Bool {
        try header(blob).isEmpty
    }

    /// True when the blob's empty flag is set; see `isEmpty(_: UnsafeRawBufferPointer)`.
    public static func isEmpty(_ blob: [UInt8]) throws -> Bool {
        try blob.withUnsafeBytes { try isEmpty($0) }
    }
}

extension Geometry {
    /// True for POINT EMPTY as WKB and GeoPackage write it: a point whose coordinates are both NaN.
    public var isEmptyPoint: Bool {
        if case .point(let p) = self { return p.x.isNaN && p.y.isNaN }
        return false
    }
}
