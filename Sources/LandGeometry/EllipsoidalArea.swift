import CPROJ

// MARK: - Ellipsoidal area
//
// Geodesic area on the CGCS2000 ellipsoid (a = 6378137 m, f = 1/298.257222101), what 三调 reports as 图斑面积,
// computed with PROJ's `geod_polygonarea` (GeographicLib; latitudes before longitudes). Geometries in a projected
// CRS are first transformed to CGCS2000 geographic (EPSG:4490); EPSG:4490 and EPSG:4326 coordinates are used as
// they are (the datums differ by centimetres and the ellipsoids by 1e-10 in flattening).

/// Computes planar and ellipsoidal areas of polygons in one CRS. Owns its transform and coordinate buffers:
/// not Sendable, one per thread; no allocation per polygon once the buffers have grown.
public final class AreaCalculator {
    /// The CRS of the geometries measured.
    public let crs: CRS
    private let toGeographic: CoordinateTransform?
    private var geodesic = geod_geodesic()
    private var latitudes: UnsafeMutablePointer<Double>
    private var longitudes: UnsafeMutablePointer<Double>
    private var capacity: Int

    /// The CGCS2000 ellipsoid's semi-major axis in metres.
    public static let cgcs2000SemiMajorAxis = 6378137.0
    /// The CGCS2000 ellipsoid's flattening.
    public static let cgcs2000Flattening = 1 / 298.257222101

    /// An area calculator for geometries in `crs` (projected or geographic).
    /// - Throws: `CRSError` when `crs` cannot be transformed to CGCS2000 geographic.
    public init(crs: CRS) throws {
        self.crs = crs
        if crs.epsg == 4490 || crs.epsg == 4326 {
            toGeographic = nil
        } else {
            toGeographic = try CoordinateTransform(from: crs, to: .cgcs2000Geographic)
        }
        geod_init(&geodesic, Self.cgcs2000SemiMajorAxis, Self.cgcs2000Flattening) // cannot fail
        capacity = 256
        latitudes = .allocate(capacity: capacity)
        longitudes = .allocate(capacity: capacity)
    }

    deinit {
        latitudes.deallocate()
        longitudes.deallocate()
    }

    /// Planar area in squared CRS units (m² in a projected CRS); the same as `g.planarArea`.
    public func planarArea(_ g: Geometry) -> Double { g.planarArea }

    /// Geodesic area on the CGCS2000 ellipsoid in m², always ≥ 0: per polygon |exterior| − Σ |hole|,
    /// summed over the polygons of a multipolygon (and polygonal members of a collection); 0 for other kinds.
    /// - Throws: `CRSError` when a coordinate cannot be transformed to longitude/latitude,
    ///   `GeometryInputError` when a coordinate is not finite.
    public func ellipsoidalArea(_ g: Geometry) throws -> Double {
        switch g {
        case .polygon(let p): return try ellipsoidalArea(p)
        case .multiPolygon(let ps): return try ps.reduce(0) { $0 + (try ellipsoidalArea($1)) }
        case .geometryCollection(let gs): return try gs.reduce(0) { $0 + (try ellipsoidalArea($1)) }
        default: return 0
        }
    }

    /// Geodesic area of one polygon on the CGCS2000 ellipsoid in m² (|exterior| − Σ |hole|).
    public func ellipsoidalArea(_ p: Polygon) throws -> Double {
        var a = try ringArea(p.exterior)
        for h in p.holes { a -= try ringArea(h) }
        return Swift.max(a, 0)
    }

    /// |geodesic area| of a ring in m²; the closing point, if repeated, is left out.
    private func ringArea(_ ring: Ring) throws -> Double {
        var n = ring.count
        if n > 1 && ring[0] == ring[n - 1] { n -= 1 }
        guard n >= 3 else { return 0 }
        if n > capacity {
            latitudes.deallocate(); longitudes.deallocate()
            capacity = Swift.max(n, 2 * capacity)
            latitudes = .allocate(capacity: capacity)
            longitudes = .allocate(capacity: capacity)
        }
        ring.withUnsafeBufferPointer { r in
            for i in 0..<n { longitudes[i] = r[i].x; latitudes[i] = r[i].y }
        }
        try toGeographic?.transformInPlace(x: longitudes, y: latitudes, stride: MemoryLayout<Double>.stride, count: n)
        var area = 0.0, perimeter = 0.0
        // geod_polygonarea cannot fail; the area is signed (counter-clockwise positive).
        geod_polygonarea(&geodesic, latitudes, longitudes, Int32(n), &area, &perimeter)
        guard area.isFinite else { throw GeometryInputError("ring has a non-finite coordinate; no ellipsoidal area") }
        return abs(area)
    }
}
