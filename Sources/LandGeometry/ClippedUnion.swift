import CGEOS

// MARK: - Union of a prepared geometry's clipped pieces
//
// "How much of this spot is farmland": the spot (prepared) is clipped by every candidate parcel read from the
// store, and the pieces are dissolved so that overlapping parcels never count twice. Every intermediate stays in
// GEOS: GEOS reads each candidate's WKB straight from the stored blob, and only the final union comes back to
// Swift. Converting each candidate into GEOS twice (test, clip) and each piece out and back in for the union
// was most of a spot import's overlay time.

/// Collects `prepared ∩ g` for many `g` and returns the polygonal part of their union. Owns its GEOS pieces and
/// destroys them in `deinit`; shares its prepared geometry's context and thread. Not Sendable.
public final class ClippedUnion {
    private let clip: PreparedGeometry
    private var context: GEOSContext { clip.context }
    private let reader: OpaquePointer
    private var pieces: [OpaquePointer] = []

    init(clip: PreparedGeometry) throws {
        self.clip = clip
        // GEOSWKBReader_create_r returns NULL only on exception (out of memory).
        guard let r = GEOSWKBReader_create_r(clip.context.handle) else { throw clip.context.failure("WKB reader") }
        reader = r
    }

    deinit {
        for p in pieces { GEOSGeom_destroy_r(context.handle, p) }
        GEOSWKBReader_destroy_r(context.handle, reader)
    }

    /// How many pieces with a positive area were kept.
    public var count: Int { pieces.count }

    /// Adds `prepared ∩ g` for `g` given as a GeoPackage geometry blob in the prepared geometry's CRS.
    /// Returns true when the piece has a positive area (touching along an edge or at a point adds nothing).
    /// - Throws: `GeometryInputError` for a malformed blob header, `GEOSError` for malformed WKB or when GEOS
    ///   cannot compute the intersection (e.g. a TopologyException on an invalid stored geometry).
    @discardableResult
    public func add(geoPackageBlob blob: UnsafeRawBufferPointer) throws -> Bool {
        let header = try GeoPackageBinary.header(blob)
        if header.isEmpty || blob.count <= header.wkbOffset { return false }
        let h = context.handle
        context.messages.clear()
        let wkb = UnsafeRawBufferPointer(rebasing: blob[header.wkbOffset...])
        // GEOSWKBReader_read_r returns NULL on exception (malformed WKB, an unclosed ring, …); the result is ours.
        guard let g = GEOSWKBReader_read_r(h, reader, wkb.baseAddress!.assumingMemoryBound(to: UInt8.self), wkb.count)
        else {
            throw context.failure("read stored WKB")
        }
        defer { GEOSGeom_destroy_r(h, g) }
        // GEOSPreparedIntersects_r returns 2 on exception.
        let meets = GEOSPreparedIntersects_r(h, clip.prepared, g)
        guard meets != 2 else { throw context.failure("prepared intersects") }
        if meets == 0 { return false }
        // GEOSIntersection_r returns NULL on exception; the result is ours.
        guard let piece = GEOSIntersection_r(h, clip.geometry, g) else { throw context.failure("intersection") }
        let area = try context.area(ofGEOS: piece, "intersection area")
        guard area > 0 else {
            GEOSGeom_destroy_r(h, piece)
            return false
        }
        pieces.append(piece)
        return true
    }

    /// The polygonal part of the union of the pieces added so far (`.polygon` for one polygon, else
    /// `.multiPolygon`, empty when there are none). The pieces are used up: the collector is empty afterwards.
    public func union() throws -> Geometry {
        let h = context.handle
        switch pieces.count {
        case 0:
            return .multiPolygon([])
        case 1:
            let only = pieces.removeFirst()
            return try context.consume(only, "clipped union", polygonalOnly: true)
        default:
            let taken = pieces
            pieces = []
            let collection = try context.collection(GEOS_GEOMETRYCOLLECTION, taken.count, "clipped union") { taken[$0] }
            defer { GEOSGeom_destroy_r(h, collection) }
            // GEOSUnaryUnion_r returns NULL on exception; the result is ours.
            return try context.consume(GEOSUnaryUnion_r(h, collection), "clipped union", polygonalOnly: true)
        }
    }
}

extension PreparedGeometry {
    /// A collector of this geometry's intersections with stored geometries and of their union.
    public func clippedUnion() throws -> ClippedUnion { try ClippedUnion(clip: self) }
}
