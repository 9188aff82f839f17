import CGEOS

// MARK: - Geometry ⇄ GEOS
//
// Swift → GEOS copies each coordinate array in one call (`GEOSCoordSeq_copyFromBuffer_r`); GEOS → Swift copies
// each sequence straight into the new array's storage (`GEOSCoordSeq_copyToBuffer_r`). Ownership: a coordinate
// sequence passes to the ring/line made from it; `GEOSGeom_createPolygon_r` and `GEOSGeom_createCollection_r`
// take their parts, so after those calls only the whole is destroyed. Pointers from `GEOSGetGeometryN_r`,
// `GEOSGetExteriorRing_r`, `GEOSGetInteriorRingN_r` and `GEOSGeom_getCoordSeq_r` are borrowed, never destroyed.

extension GEOSContext {
    /// A new GEOS geometry owned by the caller (destroy with `GEOSGeom_destroy_r`).
    /// - Throws: `GeometryInputError` for structural problems, `GEOSError` when GEOS refuses.
    func makeGEOS(_ g: Geometry, _ operation: String) throws -> OpaquePointer {
        let problems = g.structuralProblems()
        if !problems.isEmpty { throw GeometryInputError(problems.joined(separator: "; ")) }
        return try build(g, operation)
    }

    /// As `makeGEOS` without the structural check, for callers that have just made it.
    func build(_ g: Geometry, _ operation: String) throws -> OpaquePointer {
        switch g {
        case .point(let p):
            if p.x.isNaN && p.y.isNaN {
                // GEOSGeom_createEmptyPoint_r returns NULL on exception.
                guard let e = GEOSGeom_createEmptyPoint_r(handle) else { throw failure(operation) }
                return e
            }
            // GEOSGeom_createPointFromXY_r returns NULL on exception.
            guard let pt = GEOSGeom_createPointFromXY_r(handle, p.x, p.y) else { throw failure(operation) }
            return pt
        case .lineString(let c):
            return try lineString(c, operation)
        case .polygon(let p):
            return try polygon(p, operation)
        case .multiPoint(let ps):
            return try collection(GEOS_MULTIPOINT, ps.count, operation) { try build(.point(ps[$0]), operation) }
        case .multiLineString(let ls):
            return try collection(GEOS_MULTILINESTRING, ls.count, operation) { try lineString(ls[$0], operation) }
        case .multiPolygon(let ps):
            return try collection(GEOS_MULTIPOLYGON, ps.count, operation) { try polygon(ps[$0], operation) }
        case .geometryCollection(let gs):
            return try collection(GEOS_GEOMETRYCOLLECTION, gs.count, operation) { try build(gs[$0], operation) }
        }
    }

    /// A new coordinate sequence holding `c` (2D), owned by the caller until passed to a geometry.
    func coordinateSequence(_ c: [XY], _ operation: String) throws -> OpaquePointer {
        let seq: OpaquePointer?
        if c.isEmpty {
            // GEOSCoordSeq_create_r returns NULL on exception.
            seq = GEOSCoordSeq_create_r(handle, 0, 2)
        } else if XY.isPackedPair {
            seq = c.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: Double.self) { d in
                    // GEOSCoordSeq_copyFromBuffer_r returns NULL on exception.
                    GEOSCoordSeq_copyFromBuffer_r(handle, d.baseAddress, UInt32(c.count), 0, 0)
                }
            }
        } else {
            var flat: [Double] = []
            flat.reserveCapacity(2 * c.count)
            for p in c { flat.append(p.x); flat.append(p.y) }
            // GEOSCoordSeq_copyFromBuffer_r returns NULL on exception.
            seq = GEOSCoordSeq_copyFromBuffer_r(handle, flat, UInt32(c.count), 0, 0)
        }
        guard let seq else { throw failure(operation) }
        return seq
    }

    private func lineString(_ c: [XY], _ operation: String) throws -> OpaquePointer {
        if c.isEmpty {
            // GEOSGeom_createEmptyLineString_r returns NULL on exception.
            guard let e = GEOSGeom_createEmptyLineString_r(handle) else { throw failure(operation) }
            return e
        }
        let seq = try coordinateSequence(c, operation)
        // GEOSGeom_createLineString_r takes the sequence; returns NULL on exception.
        guard let line = GEOSGeom_createLineString_r(handle, seq) else { throw failure(operation) }
        return line
    }

    private func linearRing(_ c: [XY], _ operation: String) throws -> OpaquePointer {
        let seq = try coordinateSequence(c, operation)
        // GEOSGeom_createLinearRing_r takes the sequence; returns NULL on exception (e.g. ring not closed).
        guard let ring = GEOSGeom_createLinearRing_r(handle, seq) else { throw failure(operation) }
        return ring
    }

    func polygon(_ p: Polygon, _ operation: String) throws -> OpaquePointer {
        if p.exterior.isEmpty && p.holes.isEmpty {
            // GEOSGeom_createEmptyPolygon_r returns NULL on exception.
            guard let e = GEOSGeom_createEmptyPolygon_r(handle) else { throw failure(operation) }
            return e
        }
        let shell = try linearRing(p.exterior, operation)
        var holes: [OpaquePointer?] = []
        holes.reserveCapacity(p.holes.count)
        do {
            for h in p.holes { holes.append(try linearRing(h, operation)) }
        } catch {
            GEOSGeom_destroy_r(handle, shell)
            for h in holes { GEOSGeom_destroy_r(handle, h) }
            throw error
        }
        // GEOSGeom_createPolygon_r takes the shell and the holes (not the array); returns NULL on exception.
        let polygon = holes.withUnsafeMutableBufferPointer { b in
            GEOSGeom_createPolygon_r(handle, shell, b.baseAddress, UInt32(b.count))
        }
        guard let polygon else { throw failure(operation) }
        return polygon
    }

    /// A collection of `count` members made by `member(i)`; destroys the members made so far on failure.
    func collection(
        _ type: GEOSGeomTypes, _ count: Int, _ operation: String,
        _ member: (Int) throws -> OpaquePointer
    ) throws -> OpaquePointer {
        var parts: [OpaquePointer?] = []
        parts.reserveCapacity(count)
        do {
            for i in 0..<count { parts.append(try member(i)) }
        } catch {
            for p in parts { GEOSGeom_destroy_r(handle, p) }
            throw error
        }
        // GEOSGeom_createCollection_r takes the members (not the array); returns NULL on exception.
        let result = parts.withUnsafeMutableBufferPointer { b in
            GEOSGeom_createCollection_r(handle, Int32(type.rawValue), b.baseAddress, UInt32(b.count))
        }
        guard let result else { throw failure(operation) }
        return result
    }

    // MARK: GEOS → Swift

    /// The 2D coordinates of a borrowed coordinate sequence.
    func coordinates(of seq: OpaquePointer, _ operation: String) throws -> [XY] {
        var size: UInt32 = 0
        // GEOSCoordSeq_getSize_r returns 0 on exception.
        guard GEOSCoordSeq_getSize_r(handle, seq, &size) != 0 else { throw failure(operation) }
        let n = Int(size)
        if n == 0 { return [] }
        if XY.isPackedPair {
            var ok = true
            let c = [XY](unsafeUninitializedCapacity: n) { buf, initialized in
                ok = buf.withMemoryRebound(to: Double.self) { d in
                    // GEOSCoordSeq_copyToBuffer_r returns 0 on exception.
                    GEOSCoordSeq_copyToBuffer_r(handle, seq, d.baseAddress, 0, 0) != 0
                }
                initialized = ok ? n : 0
            }
            guard ok else { throw failure(operation) }
            return c
        }
        var flat = [Double](repeating: 0, count: 2 * n)
        // GEOSCoordSeq_copyToBuffer_r returns 0 on exception.
        guard GEOSCoordSeq_copyToBuffer_r(handle, seq, &flat, 0, 0) != 0 else { throw failure(operation) }
        return (0..<n).map { XY(flat[2 * $0], flat[2 * $0 + 1]) }
    }

    /// The coordinates of a borrowed line or ring.
    private func coordinates(ofLine g: OpaquePointer, _ operation: String) throws -> [XY] {
        // GEOSGeom_getCoordSeq_r returns NULL on exception; the sequence is borrowed.
        guard let seq = GEOSGeom_getCoordSeq_r(handle, g) else { throw failure(operation) }
        return try coordinates(of: seq, operation)
    }

    private func typeID(_ g: OpaquePointer, _ operation: String) throws -> Int32 {
        // GEOSGeomTypeId_r returns -1 on exception.
        let t = GEOSGeomTypeId_r(handle, g)
        guard t >= 0 else { throw failure(operation) }
        return t
    }

    private func isEmpty(_ g: OpaquePointer, _ operation: String) throws -> Bool {
        // GEOSisEmpty_r returns 2 on exception.
        let r = GEOSisEmpty_r(handle, g)
        guard r != 2 else { throw failure(operation) }
        return r == 1
    }

    private func members(_ g: OpaquePointer, _ operation: String) throws -> [OpaquePointer] {
        // GEOSGetNumGeometries_r returns -1 on exception.
        let n = GEOSGetNumGeometries_r(handle, g)
        guard n >= 0 else { throw failure(operation) }
        var out: [OpaquePointer] = []
        out.reserveCapacity(Int(n))
        for i in 0..<n {
            // GEOSGetGeometryN_r returns NULL on exception; the member is borrowed from `g`.
            guard let m = GEOSGetGeometryN_r(handle, g, i) else { throw failure(operation) }
            out.append(m)
        }
        return out
    }

    /// A Swift polygon from a borrowed GEOS polygon (an empty polygon has an empty exterior).
    private func swiftPolygon(_ g: OpaquePointer, _ operation: String) throws -> Polygon {
        if try isEmpty(g, operation) { return Polygon(exterior: []) }
        // GEOSGetExteriorRing_r returns NULL on exception; the ring is borrowed.
        guard let shell = GEOSGetExteriorRing_r(handle, g) else { throw failure(operation) }
        // GEOSGetNumInteriorRings_r returns -1 on exception.
        let nHoles = GEOSGetNumInteriorRings_r(handle, g)
        guard nHoles >= 0 else { throw failure(operation) }
        var holes: [Ring] = []
        holes.reserveCapacity(Int(nHoles))
        for i in 0..<nHoles {
            // GEOSGetInteriorRingN_r returns NULL on exception; the ring is borrowed.
            guard let h = GEOSGetInteriorRingN_r(handle, g, i) else { throw failure(operation) }
            holes.append(try coordinates(ofLine: h, operation))
        }
        return Polygon(exterior: try coordinates(ofLine: shell, operation), holes: holes)
    }

    /// A Swift geometry from a borrowed GEOS geometry. POINT EMPTY becomes `.point(XY(.nan, .nan))`;
    /// a LinearRing becomes a `.lineString`.
    func geometry(from g: OpaquePointer, _ operation: String) throws -> Geometry {
        let t = try typeID(g, operation)
        switch t {
        case Int32(GEOS_POINT.rawValue):
            if try isEmpty(g, operation) { return .point(XY(.nan, .nan)) }
            var x = 0.0, y = 0.0
            // GEOSGeomGetX_r / GEOSGeomGetY_r return 0 on exception.
            guard GEOSGeomGetX_r(handle, g, &x) != 0, GEOSGeomGetY_r(handle, g, &y) != 0 else {
                throw failure(operation)
            }
            return .point(XY(x, y))
        case Int32(GEOS_LINESTRING.rawValue), Int32(GEOS_LINEARRING.rawValue):
            return .lineString(try coordinates(ofLine: g, operation))
        case Int32(GEOS_POLYGON.rawValue):
            return .polygon(try swiftPolygon(g, operation))
        case Int32(GEOS_MULTIPOINT.rawValue):
            return .multiPoint(
                try members(g, operation).map { m in
                    guard case .point(let p) = try geometry(from: m, operation) else { throw failure(operation) }
                    return p
                })
        case Int32(GEOS_MULTILINESTRING.rawValue):
            return .multiLineString(try members(g, operation).map { try coordinates(ofLine: $0, operation) })
        case Int32(GEOS_MULTIPOLYGON.rawValue):
            return .multiPolygon(try members(g, operation).map { try swiftPolygon($0, operation) })
        default:
            return .geometryCollection(try members(g, operation).map { try geometry(from: $0, operation) })
        }
    }

    /// The non-empty polygons of a borrowed GEOS geometry, at any depth of collection.
    func appendPolygons(of g: OpaquePointer, to out: inout [Polygon], _ operation: String) throws {
        let t = try typeID(g, operation)
        switch t {
        case Int32(GEOS_POLYGON.rawValue):
            if !(try isEmpty(g, operation)) { out.append(try swiftPolygon(g, operation)) }
        case Int32(GEOS_MULTIPOLYGON.rawValue), Int32(GEOS_GEOMETRYCOLLECTION.rawValue):
            for m in try members(g, operation) { try appendPolygons(of: m, to: &out, operation) }
        default:
            break // points and lines: not polygonal
        }
    }

    /// The polygonal part of a borrowed GEOS geometry: `.polygon` for exactly one polygon, else `.multiPolygon`.
    func polygonal(from g: OpaquePointer, _ operation: String) throws -> Geometry {
        var ps: [Polygon] = []
        try appendPolygons(of: g, to: &ps, operation)
        return ps.count == 1 ? .polygon(ps[0]) : .multiPolygon(ps)
    }
}
