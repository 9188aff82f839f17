import CPROJ

// MARK: - Coordinate transforms
//
// Policy: axis order is normalised with `proj_normalize_for_visualization`, so x = easting / longitude and
// y = northing / latitude on both sides, like GeoPackage blobs and GeoJSON. Coordinates go through PROJ in bulk,
// one `proj_trans_generic` call per ring or line. Not Sendable: one transform per thread.

/// Transforms coordinates from one CRS to another (EPSG:4549 ⇄ 4490 / 4326 …).
public final class CoordinateTransform {
    /// The CRS of the input coordinates.
    public let source: CRS
    /// The CRS of the output coordinates.
    public let target: CRS
    private let context: PROJContext?
    private let pj: OpaquePointer? // nil for the identity

    /// A transform from `from` to `to`; the identity (no PROJ call at all) when they are the same CRS.
    /// - Throws: `CRSError` when PROJ finds no way between them.
    public init(from: CRS, to: CRS) throws {
        source = from
        target = to
        if from == to { context = nil; pj = nil; return }
        let c = PROJContext()
        // proj_create_crs_to_crs returns NULL when no operation links the two CRSs.
        guard let raw = proj_create_crs_to_crs(c.ctx, "EPSG:\(from.epsg)", "EPSG:\(to.epsg)", nil) else {
            throw CRSError("no transformation from \(from) to \(to): \(c.errorText())")
        }
        defer { proj_destroy(raw) }
        // proj_normalize_for_visualization returns NULL on failure.
        guard let normalized = proj_normalize_for_visualization(c.ctx, raw) else {
            throw CRSError("cannot normalise the axis order of \(from) → \(to): \(c.errorText())")
        }
        context = c
        pj = normalized
    }

    deinit {
        if let pj { proj_destroy(pj) } // before the context, which is released after deinit's body
    }

    /// True when source and target are the same CRS: coordinates pass through unchanged.
    public var isIdentity: Bool { pj == nil }

    /// Transforms `count` coordinates in place: x values at `x`, y values at `y`, `stride` bytes apart.
    /// - Throws: `CRSError` naming the first coordinate PROJ could not transform (its output is not finite).
    func transformInPlace(
        x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>,
        stride: Int, count: Int
    ) throws {
        guard let pj, let context, count > 0 else { return }
        _ = proj_errno_reset(pj)
        // proj_trans_generic returns how many points it transformed; each failed point is set to HUGE_VAL.
        _ = proj_trans_generic(pj, PJ_FWD, x, stride, count, y, stride, count, nil, 0, 0, nil, 0, 0)
        let xs = UnsafeMutableRawPointer(x), ys = UnsafeMutableRawPointer(y)
        for i in 0..<count {
            let px = xs.load(fromByteOffset: i * stride, as: Double.self)
            let py = ys.load(fromByteOffset: i * stride, as: Double.self)
            if !px.isFinite || !py.isFinite {
                throw CRSError("cannot transform coordinate \(i) from \(source) to \(target): \(context.errorText())")
            }
        }
    }

    /// Transforms one coordinate.
    /// - Throws: `CRSError` when PROJ cannot (e.g. far outside the projection's domain, or not finite).
    public func transform(_ p: XY) throws -> XY {
        var q = p
        try withUnsafeMutablePointer(to: &q.x) { x in
            try withUnsafeMutablePointer(to: &q.y) { y in
                try transformInPlace(x: x, y: y, stride: MemoryLayout<XY>.stride, count: 1)
            }
        }
        return q
    }

    /// Transforms a coordinate array in bulk (one PROJ call); the result is a new array.
    /// - Throws: `CRSError` when any output coordinate is not finite.
    public func transform(_ coordinates: [XY]) throws -> [XY] {
        if isIdentity || coordinates.isEmpty { return coordinates }
        var out = coordinates
        try out.withUnsafeMutableBufferPointer { b in
            let raw = UnsafeMutableRawPointer(b.baseAddress!)
            let x = (raw + MemoryLayout<XY>.offset(of: \XY.x)!).assumingMemoryBound(to: Double.self)
            let y = (raw + MemoryLayout<XY>.offset(of: \XY.y)!).assumingMemoryBound(to: Double.self)
            try transformInPlace(x: x, y: y, stride: MemoryLayout<XY>.stride, count: b.count)
        }
        return out
    }

    /// Transforms every coordinate of `g`, one bulk PROJ call per ring or line.
    /// - Throws: `CRSError` when any output coordinate is not finite (PROJ's reason included).
    public func transform(_ g: Geometry) throws -> Geometry {
        if isIdentity { return g }
        func polygon(_ p: Polygon) throws -> Polygon {
            Polygon(exterior: try transform(p.exterior), holes: try p.holes.map { try transform($0) })
        }
        switch g {
        case .point(let p): return p.x.isNaN && p.y.isNaN ? g : .point(try transform(p))
        case .lineString(let c): return .lineString(try transform(c))
        case .multiPoint(let c): return .multiPoint(try transform(c))
        case .polygon(let p): return .polygon(try polygon(p))
        case .multiLineString(let ls): return .multiLineString(try ls.map { try transform($0) })
        case .multiPolygon(let ps): return .multiPolygon(try ps.map(polygon))
        case .geometryCollection(let gs): return .geometryCollection(try gs.map { try transform($0) })
        }
    }
}
