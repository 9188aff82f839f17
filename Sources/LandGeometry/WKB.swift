// MARK: - Well-known binary
//
// Writes ISO WKB, 2D, little-endian (byte order 1). Reads both byte orders, ISO Z/M/ZM type codes
// (1000/2000/3000 offsets) and EWKB flag bits (Z 0x80000000, M 0x40000000, SRID 0x20000000, the SRID skipped);
// Z and M values are dropped. An empty point is written as POINT(NaN NaN), as GDAL and GeoPackage do, and read
// back as `.point(XY(.nan, .nan))`. Decoding errors are `GeometryInputError`s naming the byte offset.

/// ISO well-known binary encoding and decoding of `Geometry`.
public enum WKB {
    /// The WKB type codes of the seven OGC simple feature types.
    enum TypeCode: UInt32 {
        case point = 1, lineString, polygon, multiPoint, multiLineString, multiPolygon, geometryCollection
    }

    // MARK: Encoding

    /// The geometry as 2D little-endian ISO WKB.
    public static func encode(_ g: Geometry) -> [UInt8] {
        var out: [UInt8] = []
        encode(g, into: &out)
        return out
    }

    /// Appends the geometry as 2D little-endian ISO WKB to `out` (reserving the exact size first), so that a
    /// caller encoding many geometries can reuse one buffer: `buf.removeAll(keepingCapacity: true)`.
    public static func encode(_ g: Geometry, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + encodedSize(g))
        write(g, into: &out)
    }

    /// The number of bytes `encode` writes for `g`.
    public static func encodedSize(_ g: Geometry) -> Int {
        switch g {
        case .point: return 5 + 16
        case .lineString(let c): return 9 + 16 * c.count
        case .polygon(let p): return polygonSize(p)
        case .multiPoint(let ps): return 9 + 21 * ps.count
        case .multiLineString(let ls): return ls.reduce(9) { $0 + 9 + 16 * $1.count }
        case .multiPolygon(let ps): return ps.reduce(9) { $0 + polygonSize($1) }
        case .geometryCollection(let gs): return gs.reduce(9) { $0 + encodedSize($1) }
        }
    }

    private static func polygonSize(_ p: Polygon) -> Int {
        if p.exterior.isEmpty && p.holes.isEmpty { return 9 }
        var n = 9 + 4 + 16 * p.exterior.count
        for h in p.holes { n += 4 + 16 * h.count }
        return n
    }

    private static func write(_ g: Geometry, into out: inout [UInt8]) {
        switch g {
        case .point(let p):
            header(.point, into: &out)
            putDouble(p.x, &out); putDouble(p.y, &out)
        case .lineString(let c):
            header(.lineString, into: &out)
            putCoordinates(c, &out)
        case .polygon(let p):
            writePolygon(p, into: &out)
        case .multiPoint(let ps):
            header(.multiPoint, into: &out)
            putUInt32(UInt32(ps.count), &out)
            for p in ps { write(.point(p), into: &out) }
        case .multiLineString(let ls):
            header(.multiLineString, into: &out)
            putUInt32(UInt32(ls.count), &out)
            for l in ls { header(.lineString, into: &out); putCoordinates(l, &out) }
        case .multiPolygon(let ps):
            header(.multiPolygon, into: &out)
            putUInt32(UInt32(ps.count), &out)
            for p in ps { writePolygon(p, into: &out) }
        case .geometryCollection(let gs):
            header(.geometryCollection, into: &out)
            putUInt32(UInt32(gs.count), &out)
            for m in gs { write(m, into: &out) }
        }
    }

    private static func writePolygon(_ p: Polygon, into out: inout [UInt8]) {
        header(.polygon, into: &out)
        if p.exterior.isEmpty && p.holes.isEmpty { putUInt32(0, &out); return }
        putUInt32(UInt32(1 + p.holes.count), &out)
        putCoordinates(p.exterior, &out)
        for h in p.holes { putCoordinates(h, &out) }
    }

    @inline(__always) private static func header(_ t: TypeCode, into out: inout [UInt8]) {
        out.append(1)
        putUInt32(t.rawValue, &out)
    }

    @inline(__always) private static func putUInt32(_ v: UInt32, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always) private static func putDouble(_ v: Double, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Count, then x y pairs. On a little-endian host with XY laid out as two packed Doubles this is one copy.
    @inline(__always) private static func putCoordinates(_ c: [XY], _ out: inout [UInt8]) {
        putUInt32(UInt32(c.count), &out)
        #if _endian(little)
            if XY.isPackedPair {
                c.withUnsafeBytes { out.append(contentsOf: $0) }
                return
            }
        #endif
        for p in c { putDouble(p.x, &out); putDouble(p.y, &out) }
    }

    // MARK: Decoding

    /// Decodes one WKB geometry (either byte order, 2D/Z/M/ZM, ISO or EWKB type codes).
    /// - Throws: `GeometryInputError` when the bytes are truncated, the type is unknown, or a multi-geometry
    ///   holds a member of the wrong type. Trailing bytes after the geometry are ignored.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        var r = Reader(bytes: bytes)
        return try r.geometry(depth: 0)
    }

    /// Decodes one WKB geometry from an array; see `decode(_: UnsafeRawBufferPointer)`.
    public static func decode(_ bytes: [UInt8]) throws -> Geometry {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Decodes one WKB geometry and also returns how many bytes it occupied.
    static func decodePrefix(_ bytes: UnsafeRawBufferPointer) throws -> (Geometry, Int) {
        var r = Reader(bytes: bytes)
        let g = try r.geometry(depth: 0)
        return (g, r.offset)
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        var little = true
        var dims = 2

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        func fail(_ what: String) -> GeometryInputError {
            GeometryInputError("WKB: \(what) at byte \(offset) of \(bytes.count)")
        }

        mutating func need(_ n: Int, _ what: String) throws {
            if n < 0 || bytes.count - offset < n { throw fail("truncated \(what)") }
        }

        mutating func uint32() throws -> UInt32 {
            try need(4, "integer")
            let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset += 4
            return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }

        mutating func double() throws -> Double {
            try need(8, "coordinate")
            let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            return Double(bitPattern: little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }

        /// Reads `count` then that many coordinates, keeping x and y.
        mutating func coordinates() throws -> [XY] {
            let n = Int(try uint32())
            return try coordinates(count: n)
        }

        mutating func coordinates(count n: Int) throws -> [XY] {
            let width = 8 * dims
            guard n <= (bytes.count - offset) / width else { throw fail("truncated coordinate list of \(n) points") }
            let start = offset
            offset += n * width
            let base = bytes.baseAddress!
            let little = self.little, dims = self.dims
            #if _endian(little)
                if little && dims == 2 && XY.isPackedPair {
                    return [XY](unsafeUninitializedCapacity: n) { buf, initialized in
                        UnsafeMutableRawBufferPointer(buf).copyMemory(
                            from: UnsafeRawBufferPointer(start: base + start, count: n * 16))
                        initialized = n
                    }
                }
            #endif
            return [XY](unsafeUninitializedCapacity: n) { buf, initialized in
                for i in 0..<n {
                    let o = start + i * width
                    let xb = bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self)
                    let yb = bytes.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self)
                    buf[i] = XY(
                        Double(bitPattern: little ? UInt64(littleEndian: xb) : UInt64(bigEndian: xb)),
                        Double(bitPattern: little ? UInt64(littleEndian: yb) : UInt64(bigEndian: yb)))
                }
                initialized = n
            }
        }

        /// Reads byte order and type; returns the base type code (1…7) and sets `little` and `dims`.
        mutating func header() throws -> UInt32 {
            try need(1, "byte order")
            let order = bytes[offset]
            guard order <= 1 else { throw fail("byte order \(order) (expected 0 or 1)") }
            little = order == 1
            offset += 1
            var type = try uint32()
            var hasZ = false, hasM = false
            if type & 0x8000_0000 != 0 { hasZ = true }
            if type & 0x4000_0000 != 0 { hasM = true }
            if type & 0x2000_0000 != 0 { _ = try uint32() } // EWKB SRID, not ours to keep
            type &= 0x0FFF_FFFF
            switch type / 1000 {
            case 0: break
            case 1: hasZ = true
            case 2: hasM = true
            case 3: hasZ = true; hasM = true
            default: throw fail("unknown geometry type \(type)")
            }
            dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0)
            return type % 1000
        }

        mutating func geometry(depth: Int) throws -> Geometry {
            guard depth < 32 else { throw fail("geometry collections nested too deeply") }
            let type = try header()
            switch TypeCode(rawValue: type) {
            case .point:
                let c = try coordinates(count: 1)
                return .point(c[0])
            case .lineString:
                return .lineString(try coordinates())
            case .polygon:
                return .polygon(try polygonBody())
            case .multiPoint:
                let n = try memberCount()
                var ps: [XY] = []
                ps.reserveCapacity(n)
                for _ in 0..<n {
                    guard case .point(let p) = try member(.point, depth) else { throw fail("bad member") }
                    ps.append(p)
                }
                return .multiPoint(ps)
            case .multiLineString:
                let n = try memberCount()
                var ls: [[XY]] = []
                ls.reserveCapacity(n)
                for _ in 0..<n {
                    guard try header() == TypeCode.lineString.rawValue else {
                        throw fail("MultiLineString member is not a LineString")
                    }
                    ls.append(try coordinates())
                }
                return .multiLineString(ls)
            case .multiPolygon:
                let n = try memberCount()
                var ps: [Polygon] = []
                ps.reserveCapacity(n)
                for _ in 0..<n {
                    guard try header() == TypeCode.polygon.rawValue else {
                        throw fail("MultiPolygon member is not a Polygon")
                    }
                    ps.append(try polygonBody())
                }
                return .multiPolygon(ps)
            case .geometryCollection:
                let n = try memberCount()
                var gs: [Geometry] = []
                gs.reserveCapacity(n)
                for _ in 0..<n { gs.append(try geometry(depth: depth + 1)) }
                return .geometryCollection(gs)
            case nil:
                throw fail("unsupported geometry type \(type)")
            }
        }

        mutating func member(_ expected: TypeCode, _ depth: Int) throws -> Geometry {
            let save = offset
            let type = try header()
            guard type == expected.rawValue else { throw fail("member of type \(type), expected \(expected)") }
            offset = save
            return try geometry(depth: depth + 1)
        }

        /// A member count, checked against the bytes left (every member takes at least 5 bytes).
        mutating func memberCount() throws -> Int {
            let n = Int(try uint32())
            guard n <= (bytes.count - offset) / 5 else { throw fail("member count \(n) larger than the data") }
            return n
        }

        mutating func polygonBody() throws -> Polygon {
            let n = Int(try uint32())
            guard n <= (bytes.count - offset) / 4 else { throw fail("ring count \(n) larger than the data") }
            if n == 0 { return Polygon(exterior: []) }
            let exterior = try coordinates()
            var holes: [Ring] = []
            holes.reserveCapacity(n - 1)
            for _ in 1..<n { holes.append(try coordinates()) }
            return Polygon(exterior: exterior, holes: holes)
        }
    }
}

extension XY {
    /// True when `XY` is laid out as two adjacent Doubles (x then y, stride 16), so that arrays of `XY` can be
    /// handed to C (GEOS, PROJ) or copied as WKB coordinates without conversion. Always true in practice.
    @inline(__always) static var isPackedPair: Bool {
        MemoryLayout<XY>.size == 16 && MemoryLayout<XY>.stride == 16
            && MemoryLayout<XY>.offset(of: \XY.x) == 0 && MemoryLayout<XY>.offset(of: \XY.y) == 8
    }
}
