import CGEOS

// MARK: - A prepared geometry against stored blobs, piece by piece
//
// The survey overlay meets every later parcel with the earlier parcels its box meets: most are neighbours that
// only touch it, or the same parcel. GEOS reads each candidate's WKB straight from the stored GeoPackage blob (no
// Swift decoding, no conversion into GEOS), tests it against the prepared parcel and clips only what overlaps; only
// a piece with a positive area comes back to Swift (to be measured on the ellipsoid).

/// How a stored geometry meets a prepared one.
public enum BlobPiece {
    /// No common area (disjoint, or touching along an edge or at a point).
    case none
    /// The stored geometry lies inside the prepared one: the piece is the stored geometry itself.
    case inside
    /// The polygonal part of prepared ∩ stored, with a positive area.
    case piece(Geometry)
}

/// Clips stored geometries by prepared ones; one per thread (owns a GEOS WKB reader of its context).
public final class BlobOverlay {
    private let context: GEOSContext
    private let reader: OpaquePointer

    public init(context: GEOSContext) throws {
        self.context = context
        // GEOSWKBReader_create_r returns NULL only on exception (out of memory).
        guard let r = GEOSWKBReader_create_r(context.handle) else { throw context.failure("WKB reader") }
        reader = r
    }

    deinit { GEOSWKBReader_destroy_r(context.handle, reader) }

    /// How the geometry in `blob` (a GeoPackage geometry blob in the prepared geometry's CRS) meets `prepared`,
    /// which must come from this overlay's context.
    /// - Throws: `GeometryInputError` for a malformed blob header, `GEOSError` for malformed WKB or when GEOS
    ///   cannot compute the intersection.
    public func piece(of prepared: PreparedGeometry, geoPackageBlob blob: UnsafeRawBufferPointer) throws -> BlobPiece {
        let header = try GeoPackageBinary.header(blob)
        if header.isEmpty || blob.count <= header.wkbOffset { return .none }
        let h = context.handle
        context.messages.clear()
        let wkb = UnsafeRawBufferPointer(rebasing: blob[header.wkbOffset...])
        // GEOSWKBReader_read_r returns NULL on exception (malformed WKB, an unclosed ring, …); the result is ours.
        guard let g = GEOSWKBReader_read_r(h, reader, wkb.baseAddress!.assumingMemoryBound(to: UInt8.self), wkb.count)
        else { throw context.failure("read stored WKB") }
        defer { GEOSGeom_destroy_r(h, g) }
        // GEOSPrepared*_r predicates return 2 on exception.
        let meets = GEOSPreparedIntersects_r(h, prepared.prepared, g)
        guard meets != 2 else { throw context.failure("prepared intersects") }
        if meets == 0 { return .none }
        let inside = GEOSPreparedContains_r(h, prepared.prepared, g)
        guard inside != 2 else { throw context.failure("prepared contains") }
        if inside == 1 { return .inside }
        // GEOSIntersection_r returns NULL on exception; consume destroys the result.
        let piece = try context.consume(
            GEOSIntersection_r(h, prepared.geometry, g), "intersection", polygonalOnly: true)
        return piece.planarArea > 0 ? .piece(piece) : .none
    }
}
