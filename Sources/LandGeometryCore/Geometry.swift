// MARK: - Geometry values
//
// Policy: geometry values are pure Swift (Hashable, Sendable) and hold no C pointer. GEOS and PROJ handles
// live only inside one operation or one non-Sendable owner (see GEOSContext, CoordinateTransform).
// Coordinates are (x, y) = (easting, northing) in projected CRSs and (longitude, latitude) in geographic ones,
// whatever the CRS's official axis order: that is what GeoPackage blobs and GeoJSON store.
// Rings are closed: the first point equals the last. Z and M values are dropped on the way in.

/// One coordinate pair: easting/northing in metres, or longitude/latitude in degrees.
public struct XY: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A closed ring of coordinates (first == last), at least 4 points when valid.
public typealias Ring = [XY]

/// A polygon: one exterior ring and any number of holes.
public struct Polygon: Hashable, Sendable {
    public var exterior: Ring
    public var holes: [Ring]
    public init(exterior: Ring, holes: [Ring] = []) { self.exterior = exterior; self.holes = holes }

    /// All rings, exterior first.
    public var rings: [Ring] { [exterior] + holes }
}

/// A geometry as GeoJSON and WKB know it. The registry stores only polygonal geometry
/// (`polygon`, `multiPolygon`); the other cases exist so that readers can name what they found.
public indirect enum Geometry: Hashable, Sendable {
    case point(XY)
    case lineString([XY])
    case polygon(Polygon)
    case multiPoint([XY])
    case multiLineString([[XY]])
    case multiPolygon([Polygon])
    case geometryCollection([Geometry])

    /// The GeoJSON / OGC type name ("Polygon", "MultiPolygon", …).
    public var typeName: String {
        switch self {
        case .point: return "Point"
        case .lineString: return "LineString"
        case .polygon: return "Polygon"
        case .multiPoint: return "MultiPoint"
        case .multiLineString: return "MultiLineString"
        case .multiPolygon: return "MultiPolygon"
        case .geometryCollection: return "GeometryCollection"
        }
    }

    /// The polygons of a polygonal geometry; nil for any other kind.
    public var polygons: [Polygon]? {
        switch self {
        case .polygon(let p): return [p]
        case .multiPolygon(let ps): return ps
        default: return nil
        }
    }

    /// True when the geometry has no coordinates at all.
    public var isEmpty: Bool {
        switch self {
        case .point: return false
        case .lineString(let c), .multiPoint(let c): return c.isEmpty
        case .polygon(let p): return p.exterior.isEmpty
        case .multiLineString(let ls): return ls.allSatisfy { $0.isEmpty }
        case .multiPolygon(let ps): return ps.allSatisfy { $0.exterior.isEmpty }
        case .geometryCollection(let gs): return gs.allSatisfy { $0.isEmpty }
        }
    }

    /// Calls `body` for every coordinate, in order.
    public func forEachCoordinate(_ body: (XY) throws -> Void) rethrows {
        switch self {
        case .point(let p): try body(p)
        case .lineString(let c), .multiPoint(let c): for p in c { try body(p) }
        case .polygon(let p): for r in p.rings { for q in r { try body(q) } }
        case .multiLineString(let ls): for l in ls { for q in l { try body(q) } }
        case .multiPolygon(let ps): for p in ps { for r in p.rings { for q in r { try body(q) } } }
        case .geometryCollection(let gs): for g in gs { try g.forEachCoordinate(body) }
        }
    }

    /// Returns the geometry with every coordinate replaced by `transform(coordinate)`.
    public func mapCoordinates(_ transform: (XY) throws -> XY) rethrows -> Geometry {
        // Nested helpers take `transform` as a parameter: a nested `rethrows` function must have its own
        // throwing function argument.
        func ring(_ r: [XY], _ t: (XY) throws -> XY) rethrows -> [XY] { try r.map(t) }
        func poly(_ p: Polygon, _ t: (XY) throws -> XY) rethrows -> Polygon {
            Polygon(exterior: try ring(p.exterior, t), holes: try p.holes.map { try ring($0, t) })
        }
        switch self {
        case .point(let p): return .point(try transform(p))
        case .lineString(let c): return .lineString(try ring(c, transform))
        case .multiPoint(let c): return .multiPoint(try ring(c, transform))
        case .polygon(let p): return .polygon(try poly(p, transform))
        case .multiLineString(let ls): return .multiLineString(try ls.map { try ring($0, transform) })
        case .multiPolygon(let ps): return .multiPolygon(try ps.map { try poly($0, transform) })
        case .geometryCollection(let gs): return .geometryCollection(try gs.map { try $0.mapCoordinates(transform) })
        }
    }

    /// The bounding box, or nil when the geometry is empty.
    public var envelope: Envelope? {
        var e = Envelope.empty
        forEachCoordinate { e.include($0) }
        return e.isEmpty ? nil : e
    }
}

/// An axis-aligned bounding box in the geometry's own units.
public struct Envelope: Hashable, Sendable {
    public var minX: Double, minY: Double, maxX: Double, maxY: Double
    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }
    public static let empty = Envelope(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
    public var isEmpty: Bool { minX > maxX || minY > maxY }
    public mutating func include(_ p: XY) {
        if p.x < minX { minX = p.x }
        if p.x > maxX { maxX = p.x }
        if p.y < minY { minY = p.y }
        if p.y > maxY { maxY = p.y }
    }
    public mutating func include(_ other: Envelope) {
        minX = Swift.min(minX, other.minX); minY = Swift.min(minY, other.minY)
        maxX = Swift.max(maxX, other.maxX); maxY = Swift.max(maxY, other.maxY)
    }
    public func intersects(_ o: Envelope) -> Bool {
        !(o.minX > maxX || o.maxX < minX || o.minY > maxY || o.maxY < minY)
    }
    public func contains(_ p: XY) -> Bool { p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY }
}
