import CGEOS

// MARK: - Overlay, union, measures and predicates
//
// Policy: overlay results (`intersection`, `union`, `difference`, `unaryUnion`) keep only their polygonal part,
// since the registry stores only polygons: `.polygon` when exactly one polygon remains, else `.multiPolygon`
// (empty when none does). Areas are in squared CRS units. Every method throws `GeometryInputError` for
// structural problems in its inputs and `GEOSError` when GEOS fails (e.g. a TopologyException on invalid input).

extension GEOSContext {
    /// The polygonal part of a ∩ b.
    public func intersection(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        try withGEOS(a, b, "intersection") { pa, pb in
            // GEOSIntersection_r returns NULL on exception; the result is ours.
            try consume(GEOSIntersection_r(handle, pa, pb), "intersection", polygonalOnly: true)
        }
    }

    /// The polygonal part of a ∪ b.
    public func union(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        try withGEOS(a, b, "union") { pa, pb in
            // GEOSUnion_r returns NULL on exception; the result is ours.
            try consume(GEOSUnion_r(handle, pa, pb), "union", polygonalOnly: true)
        }
    }

    /// The polygonal part of a − b.
    public func difference(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        try withGEOS(a, b, "difference") { pa, pb in
            // GEOSDifference_r returns NULL on exception; the result is ours.
            try consume(GEOSDifference_r(handle, pa, pb), "difference", polygonalOnly: true)
        }
    }

    /// Dissolves many polygonal geometries into one (no double counting of overlaps).
    ///
    /// Uses GEOS's cascaded `GEOSUnaryUnion_r` on one collection of all parts. With `coverage: true` the caller
    /// promises the parts form a noded coverage (neighbours share identical vertices, no overlaps); then the much
    /// faster `GEOSCoverageUnion_r` is tried first, falling back to the unary union if it fails, if its result is
    /// invalid or if its area differs from the sum of the parts' areas (signs of overlapping parts, which GEOS
    /// does not always report).
    /// Returns an empty `.multiPolygon` for no parts.
    public func unaryUnion(_ parts: [Geometry], coverage: Bool = false) throws -> Geometry {
        if parts.isEmpty { return .multiPolygon([]) }
        messages.clear()
        for (i, part) in parts.enumerated() {
            let problems = part.structuralProblems()
            if !problems.isEmpty { throw GeometryInputError("part \(i): " + problems.joined(separator: "; ")) }
        }
        let all = try collection(GEOS_GEOMETRYCOLLECTION, parts.count, "unary union") {
            try build(parts[$0], "unary union") // structure checked above
        }
        defer { GEOSGeom_destroy_r(handle, all) }
        if coverage {
            // GEOSCoverageUnion_r returns NULL on exception (e.g. the parts are not a noded coverage).
            if let result = GEOSCoverageUnion_r(handle, all) {
                // GEOS does not always notice parts that overlap: it then returns an invalid multipolygon
                // (overlapping or nested shells). In a true coverage the union is valid and, as nothing
                // overlaps, its area is the sum of the parts' areas. Check both; otherwise fall back.
                // GEOSisValid_r returns 2 on exception.
                let valid = GEOSisValid_r(handle, result) == 1
                let union = try consume(result, "coverage union", polygonalOnly: true)
                let partsArea = parts.reduce(0) { $0 + $1.planarArea }
                if valid && abs(union.planarArea - partsArea) <= 1e-9 * Swift.max(partsArea, 1) { return union }
            }
            messages.clear()
        }
        // GEOSUnaryUnion_r returns NULL on exception; the result is ours.
        return try consume(GEOSUnaryUnion_r(handle, all), "unary union", polygonalOnly: true)
    }

    /// GEOS's area of `g` in squared CRS units (for cross-checks; `Geometry.planarArea` is the fast path).
    public func area(_ g: Geometry) throws -> Double {
        try withGEOS(g, "area") { p in try area(ofGEOS: p, "area") }
    }

    func area(ofGEOS p: OpaquePointer, _ operation: String) throws -> Double {
        var a = 0.0
        // GEOSArea_r returns 0 on exception.
        guard GEOSArea_r(handle, p, &a) != 0 else { throw failure(operation) }
        return a
    }

    /// The area of a ∩ b in squared CRS units, without converting the intersection back to Swift.
    public func intersectionArea(_ a: Geometry, _ b: Geometry) throws -> Double {
        try withGEOS(a, b, "intersection area") { pa, pb in
            // GEOSIntersection_r returns NULL on exception; the result is ours.
            guard let r = GEOSIntersection_r(handle, pa, pb) else { throw failure("intersection area") }
            defer { GEOSGeom_destroy_r(handle, r) }
            return try area(ofGEOS: r, "intersection area")
        }
    }

    /// True when `p` lies in the interior of `g` (not on its boundary).
    public func contains(_ g: Geometry, _ p: XY) throws -> Bool {
        try withGEOS(g, .point(p), "contains") { pg, pp in
            // GEOSContains_r returns 2 on exception.
            let r = GEOSContains_r(handle, pg, pp)
            guard r != 2 else { throw failure("contains") }
            return r == 1
        }
    }

    /// The shortest distance from `p` to `g`, in CRS units: 0 when `p` lies in `g` or on its boundary.
    public func distance(_ g: Geometry, _ p: XY) throws -> Double {
        try withGEOS(g, .point(p), "distance") { pg, pp in
            var d = 0.0
            // GEOSDistance_r returns 0 on exception.
            guard GEOSDistance_r(handle, pg, pp, &d) == 1 else { throw failure("distance") }
            return d
        }
    }

    /// True when a and b share at least one point.
    public func intersects(_ a: Geometry, _ b: Geometry) throws -> Bool {
        try withGEOS(a, b, "intersects") { pa, pb in
            // GEOSIntersects_r returns 2 on exception.
            let r = GEOSIntersects_r(handle, pa, pb)
            guard r != 2 else { throw failure("intersects") }
            return r == 1
        }
    }

    /// A prepared copy of `g` for many fast predicate calls against it.
    public func prepare(_ g: Geometry) throws -> PreparedGeometry {
        messages.clear()
        let p = try makeGEOS(g, "prepare")
        // GEOSPrepare_r returns NULL on exception; the prepared geometry borrows `p`, which must outlive it.
        guard let prepared = GEOSPrepare_r(handle, p) else {
            let e = failure("prepare")
            GEOSGeom_destroy_r(handle, p)
            throw e
        }
        return PreparedGeometry(context: self, geometry: p, prepared: prepared)
    }
}
