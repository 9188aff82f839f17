// MARK: - Planar area
//
// Pure Swift shoelace formula, no GEOS. Areas are in squared CRS units: m² in a projected CRS such as
// EPSG:4549, square degrees (meaningless as land area) in a geographic one. Non-polygonal geometry has area 0.
// Each polygon's area is |exterior| − Σ |hole|, whatever the ring orientation.

/// Twice-halved shoelace area of a ring: positive when counter-clockwise, negative when clockwise.
/// Works on closed and unclosed rings alike (the closing edge is implied). Coordinates are translated to the
/// first point before summing, which keeps full precision for Gauss-Krüger coordinates in the millions.
public func signedRingArea(_ ring: Ring) -> Double {
    let n = ring.count
    guard n >= 3 else { return 0 }
    return ring.withUnsafeBufferPointer { r in
        let x0 = r[0].x, y0 = r[0].y
        var sum = 0.0
        var px = 0.0, py = 0.0 // previous point, relative to the first
        for i in 1..<n {
            let qx = r[i].x - x0, qy = r[i].y - y0
            sum += px * qy - qx * py
            px = qx; py = qy
        }
        // closing edge back to (0, 0) contributes px*0 - 0*py = 0
        return sum / 2
    }
}

extension Polygon {
    /// Area in squared CRS units: |exterior| minus the |area| of each hole.
    public var planarArea: Double {
        var a = abs(signedRingArea(exterior))
        for h in holes { a -= abs(signedRingArea(h)) }
        return a
    }
}

extension Geometry {
    /// Area in squared CRS units (m² for a projected CRS), summed over polygons; 0 for non-polygonal geometry.
    /// Collections sum their polygonal members.
    public var planarArea: Double {
        switch self {
        case .polygon(let p): return p.planarArea
        case .multiPolygon(let ps): return ps.reduce(0) { $0 + $1.planarArea }
        case .geometryCollection(let gs): return gs.reduce(0) { $0 + $1.planarArea }
        default: return 0
        }
    }
}
