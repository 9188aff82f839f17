import CGEOS

// MARK: - Prepared geometry

/// A geometry prepared by GEOS (indexed segments) for repeated predicates against many other geometries,
/// e.g. one zone against thousands of parcels. Owns the GEOS geometry and the prepared handle and destroys both
/// in `deinit`; holds its `GEOSContext` strongly, so it shares that context's thread. Not Sendable.
/// Every method throws `GeometryInputError` for a structurally broken argument and `GEOSError` when GEOS fails.
public final class PreparedGeometry {
    let context: GEOSContext
    let geometry: OpaquePointer
    let prepared: OpaquePointer

    init(context: GEOSContext, geometry: OpaquePointer, prepared: OpaquePointer) {
        self.context = context
        self.geometry = geometry
        self.prepared = prepared
    }

    deinit {
        // The prepared geometry refers to `geometry`: destroy it first.
        GEOSPreparedGeom_destroy_r(context.handle, prepared)
        GEOSGeom_destroy_r(context.handle, geometry)
    }

    private func predicate(
        _ g: Geometry, _ name: String,
        _ call: (GEOSContextHandle_t, OpaquePointer, OpaquePointer) -> CChar
    ) throws -> Bool {
        try context.withGEOS(g, name) { p in
            // GEOSPrepared*_r predicates return 2 on exception.
            let r = call(context.handle, prepared, p)
            guard r != 2 else { throw context.failure(name) }
            return r == 1
        }
    }

    /// True when the prepared geometry and `g` share at least one point.
    public func intersects(_ g: Geometry) throws -> Bool {
        try predicate(g, "prepared intersects") { GEOSPreparedIntersects_r($0, $1, $2) }
    }

    /// True when `g` lies inside the prepared geometry and does not touch its boundary only.
    public func contains(_ g: Geometry) throws -> Bool {
        try predicate(g, "prepared contains") { GEOSPreparedContains_r($0, $1, $2) }
    }

    /// True when no point of `g` lies outside the prepared geometry (boundary allowed).
    public func covers(_ g: Geometry) throws -> Bool {
        try predicate(g, "prepared covers") { GEOSPreparedCovers_r($0, $1, $2) }
    }

    /// True when `p` lies in the interior of the prepared geometry (not on its boundary).
    public func containsPoint(_ p: XY) throws -> Bool {
        try predicate(.point(p), "prepared contains point") { GEOSPreparedContains_r($0, $1, $2) }
    }

    /// The polygonal part of the prepared geometry ∩ `g` (see `GEOSContext.intersection`).
    public func intersection(with g: Geometry) throws -> Geometry {
        try context.withGEOS(g, "intersection") { p in
            // GEOSIntersection_r returns NULL on exception; the result is ours.
            try context.consume(GEOSIntersection_r(context.handle, geometry, p), "intersection", polygonalOnly: true)
        }
    }

    /// The area of the prepared geometry ∩ `g` in squared CRS units.
    public func intersectionArea(with g: Geometry) throws -> Double {
        try context.withGEOS(g, "intersection area") { p in
            // GEOSIntersection_r returns NULL on exception; the result is ours.
            guard let r = GEOSIntersection_r(context.handle, geometry, p) else {
                throw context.failure("intersection area")
            }
            defer { GEOSGeom_destroy_r(context.handle, r) }
            return try context.area(ofGEOS: r, "intersection area")
        }
    }
}
