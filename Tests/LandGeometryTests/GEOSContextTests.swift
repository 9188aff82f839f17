import Foundation
import Testing

@testable import LandGeometry

@Suite("GEOS context")
struct GEOSContextTests {
    let ctx = GEOSContext()

    @Test("a bow-tie is invalid: Self-intersection at (5, 5)")
    func bowTieValidity() throws {
        let v = try ctx.validity(of: Fixture.bowTie)
        #expect(!v.isValid)
        #expect(v.reason == "Self-intersection")
        let at = try #require(v.location)
        #expect(abs(at.x - 5) < 1e-9 && abs(at.y - 5) < 1e-9)
        #expect(try ctx.validity(of: Fixture.squareWithHole) == Validity(isValid: true, reason: nil, location: nil))
    }

    @Test("makeValid splits a bow-tie into two triangles of 25 m² each")
    func makeValidBowTie() throws {
        let fixed = try ctx.makeValid(Fixture.bowTie)
        guard case .multiPolygon(let parts) = fixed else {
            Issue.record("expected a multipolygon, got \(fixed.typeName)"); return
        }
        #expect(parts.count == 2)
        for p in parts { #expect(abs(p.planarArea - 25) < 1e-9) }
        #expect(abs(fixed.planarArea - 50) < 1e-9) // shapely make_valid(...).area == 50.0
        #expect(try ctx.validity(of: fixed).isValid)
    }

    @Test("makeValid keeps a valid polygon and drops what collapses")
    func makeValidKeepsAndDrops() throws {
        #expect(abs(try ctx.makeValid(Fixture.squareWithHole).planarArea - 96) < 1e-9)
        // a polygon with a dangling spike: the spike collapses to a line and is dropped
        let spike = Geometry.polygon(
            Polygon(exterior: [XY(0, 0), XY(10, 0), XY(10, 10), XY(10, 20), XY(10, 10), XY(0, 10), XY(0, 0)]))
        let fixed = try ctx.makeValid(spike)
        guard case .polygon = fixed else { Issue.record("expected a polygon, got \(fixed)"); return }
        #expect(abs(fixed.planarArea - 100) < 1e-9)
        // a zero-area ring collapses entirely: empty multipolygon
        let flat = Geometry.polygon(Polygon(exterior: [XY(0, 0), XY(10, 0), XY(5, 0), XY(0, 0)]))
        #expect(try ctx.makeValid(flat) == .multiPolygon([]))
    }

    @Test("unaryUnion dissolves adjacent squares, with and without the coverage path")
    func unaryUnion() throws {
        let parts = (0..<3).flatMap { i in
            (0..<3).map { j in
                Geometry.polygon(Polygon(exterior: Fixture.square(Double(i) * 10, Double(j) * 10, 10)))
            }
        }
        for coverage in [false, true] {
            let u = try ctx.unaryUnion(parts, coverage: coverage)
            guard case .polygon(let p) = u else { Issue.record("expected one polygon, got \(u.typeName)"); continue }
            #expect(abs(p.planarArea - 900) < 1e-9)
            #expect(p.holes.isEmpty)
        }
        // overlapping parts are not a coverage: the coverage path falls back and still counts overlap once
        let overlapping = [
            Geometry.polygon(Polygon(exterior: Fixture.square(0, 0, 10))),
            .polygon(Polygon(exterior: Fixture.square(5, 0, 10)))
        ]
        #expect(abs(try ctx.unaryUnion(overlapping, coverage: true).planarArea - 150) < 1e-9)
        #expect(try ctx.unaryUnion([]) == .multiPolygon([]))
        // disjoint parts stay a multipolygon
        let apart = try ctx.unaryUnion([
            .polygon(Polygon(exterior: Fixture.square(0, 0, 1))), .polygon(Polygon(exterior: Fixture.square(5, 5, 1)))
        ])
        #expect(apart.polygons?.count == 2)
    }

    @Test("intersection, union, difference and their areas")
    func overlay() throws {
        let a = Geometry.polygon(Polygon(exterior: Fixture.square(0, 0, 10)))
        let b = Geometry.polygon(Polygon(exterior: Fixture.square(5, 5, 10)))
        #expect(abs(try ctx.intersection(a, b).planarArea - 25) < 1e-9)
        #expect(abs(try ctx.intersectionArea(a, b) - 25) < 1e-9)
        #expect(abs(try ctx.union(a, b).planarArea - 175) < 1e-9)
        #expect(abs(try ctx.difference(a, b).planarArea - 75) < 1e-9)
        #expect(abs(try ctx.intersectionArea(Fixture.squareWithHole, a) - 96) < 1e-9)
        // touching along an edge: the shared line is not polygonal
        let c = Geometry.polygon(Polygon(exterior: Fixture.square(10, 0, 10)))
        #expect(try ctx.intersection(a, c) == .multiPolygon([]))
        #expect(try ctx.intersects(a, c))
    }

    @Test("point in polygon and prepared predicates")
    func predicates() throws {
        #expect(try ctx.contains(Fixture.squareWithHole, XY(1, 1)))
        #expect(try !ctx.contains(Fixture.squareWithHole, XY(3, 3))) // in the hole
        let prepared = try ctx.prepare(Fixture.squareWithHole)
        #expect(try prepared.containsPoint(XY(9, 9)))
        #expect(try !prepared.containsPoint(XY(3, 3)))
        #expect(try !prepared.containsPoint(XY(0, 5))) // on the boundary: not contained
        #expect(try prepared.covers(.point(XY(0, 5))))
        let inner = Geometry.polygon(Polygon(exterior: Fixture.square(5, 5, 2)))
        #expect(try prepared.contains(inner))
        #expect(try prepared.intersects(.polygon(Polygon(exterior: Fixture.square(9, 9, 5)))))
        #expect(try !prepared.intersects(.polygon(Polygon(exterior: Fixture.square(20, 20, 5)))))
        #expect(
            abs(try prepared.intersection(with: .polygon(Polygon(exterior: Fixture.square(0, 0, 5)))).planarArea - 21)
                < 1e-9)
    }

    @Test("clipped union: pieces read from GeoPackage blobs, overlaps counted once, touching adds nothing")
    func clippedUnion() throws {
        let blob = { (g: Geometry) in GeoPackageBinary.encode(g, srsID: 4549) }
        // The clip is the 10 × 10 square with a 2 × 2 hole at (2, 2) (area 96).
        let pieces = try ctx.prepare(Fixture.squareWithHole).clippedUnion()
        let left = Geometry.polygon(Polygon(exterior: Fixture.square(-5, 0, 10))) // covers x 0…5 of the clip
        let overlapping = Geometry.polygon(Polygon(exterior: Fixture.square(3, 0, 4))) // x 3…7, y 0…4, overlaps `left`
        let touching = Geometry.polygon(Polygon(exterior: Fixture.square(10, 0, 5))) // shares the edge x = 10
        let apart = Geometry.polygon(Polygon(exterior: Fixture.square(30, 30, 5)))
        #expect(try blob(left).withUnsafeBytes { try pieces.add(geoPackageBlob: $0) })
        #expect(try blob(overlapping).withUnsafeBytes { try pieces.add(geoPackageBlob: $0) })
        #expect(try !blob(touching).withUnsafeBytes { try pieces.add(geoPackageBlob: $0) })
        #expect(try !blob(apart).withUnsafeBytes { try pieces.add(geoPackageBlob: $0) })
        #expect(try !blob(.multiPolygon([])).withUnsafeBytes { try pieces.add(geoPackageBlob: $0) })
        #expect(pieces.count == 2)
        let union = try pieces.union()
        // x 0…5 over the full height minus the hole's x 2…4 part (4), plus x 5…7, y 0…4 (8): 50 − 4 + 8 = 54,
        // the same as GEOS's own intersection of the clip with the union of the candidates.
        let expected = try ctx.intersection(Fixture.squareWithHole, try ctx.union(left, overlapping)).planarArea
        #expect(abs(union.planarArea - 54) < 1e-9 && abs(expected - 54) < 1e-9)
        #expect(try pieces.union() == .multiPolygon([])) // used up
        // A malformed stored geometry is an error naming the step, not a crash.
        var broken = blob(left)
        broken.removeLast(12)
        #expect(throws: GEOSError.self) { try broken.withUnsafeBytes { try pieces.add(geoPackageBlob: $0) } }
        #expect(throws: GeometryInputError.self) {
            try [UInt8]([0x47, 0x50]).withUnsafeBytes { try pieces.add(geoPackageBlob: $0) }
        }
    }

    @Test("structurally broken input is a GeometryInputError, not a GEOS crash")
    func inputErrors() {
        let open = Geometry.polygon(Polygon(exterior: [XY(0, 0), XY(1, 0), XY(1, 1), XY(0, 1)]))
        #expect(throws: GeometryInputError.self) { try ctx.validity(of: open) }
        #expect(throws: GeometryInputError.self) { try ctx.makeValid(open) }
        #expect(throws: GeometryInputError.self) { try ctx.unaryUnion([Fixture.bowTie, open]) }
    }

    @Test("GEOS's messages land in GEOSError, and the context stays usable")
    func geosError() throws {
        let inner = Geometry.polygon(Polygon(exterior: Fixture.square(1, 1, 8)))
        // shapely 2.1 on GEOS: "TopologyException: side location conflict at 5 5. This can occur if the input
        // geometry is invalid."
        let error = try #require(throws: GEOSError.self) { try ctx.intersection(Fixture.bowTie, inner) }
        #expect(error.operation == "intersection")
        #expect(error.message.contains("TopologyException"))
        #expect(error.message.contains("5 5"))
        #expect(try ctx.intersection(ctx.makeValid(Fixture.bowTie), inner).planarArea > 0)
        #expect(try ctx.validity(of: Fixture.squareWithHole).isValid)
    }

    @Test("contexts work side by side on several threads")
    func threads() async {
        await withTaskGroup(of: Double.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let ctx = GEOSContext()
                    return (try? ctx.makeValid(Fixture.bowTie).planarArea) ?? -1
                }
            }
            for await a in group { #expect(abs(a - 50) < 1e-9) }
        }
    }
}
