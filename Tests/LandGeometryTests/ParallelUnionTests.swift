import Foundation
import Testing

@testable import LandGeometry

@Suite("Union on several cores")
struct ParallelUnionTests {
    let ctx = GEOSContext()

    /// `count` squares of random size on a 1 km field (seeded), many overlapping, some sharing edges.
    static func squares(_ count: Int, seed: UInt64) -> [Geometry] {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<count).map { _ in
            // Snapped to a 5 m grid so that neighbours often share whole edges.
            let x = (next() * 200).rounded() * 5, y = (next() * 200).rounded() * 5,
                side = 5 + (next() * 6).rounded() * 5
            return .polygon(Polygon(exterior: Fixture.square(x, y, side)))
        }
    }

    @Test("same area and a valid result as one cascaded union, whatever the number of workers", arguments: [1, 2, 3, 7])
    func sameAsCascadedUnion(workers: Int) throws {
        let parts = Self.squares(900, seed: 42)
        let plain = try ctx.unaryUnion(parts)
        let parallel = try ctx.parallelUnaryUnion(parts, workers: workers, minPartsPerWorker: 16)
        #expect(
            abs(parallel.planarArea - plain.planarArea) <= 1e-9 * plain.planarArea,
            "\(parallel.planarArea) vs \(plain.planarArea)")
        #expect(try ctx.isValid(parallel))
        // Nothing of one is outside the other.
        #expect(try ctx.difference(parallel, plain).planarArea < 1e-6)
        #expect(try ctx.difference(plain, parallel).planarArea < 1e-6)
        #expect(parallel.polygons?.count == plain.polygons?.count)
    }

    @Test("merging two dissolved halves overlays only what can meet")
    func mergeDissolved() throws {
        let left = Geometry.multiPolygon([
            Polygon(exterior: Fixture.square(0, 0, 10)), Polygon(exterior: Fixture.square(0, 50, 10))
        ])
        let right = Geometry.multiPolygon([
            Polygon(exterior: Fixture.square(10, 0, 10)), Polygon(exterior: Fixture.square(100, 0, 10))
        ])
        // The squares at (0, 0) and (10, 0) share an edge: one polygon; the others pass through.
        let merged = try ctx.mergeDissolved(left, right)
        #expect(merged.polygons?.count == 3)
        #expect(abs(merged.planarArea - 400) < 1e-9)
        #expect(try ctx.isValid(merged))
        // Disjoint envelopes: a plain collection, no overlay.
        let far = Geometry.polygon(Polygon(exterior: Fixture.square(500, 500, 10)))
        #expect(try ctx.mergeDissolved(left, far).polygons?.count == 3)
        #expect(try ctx.mergeDissolved(.multiPolygon([]), far) == far)
    }
}
