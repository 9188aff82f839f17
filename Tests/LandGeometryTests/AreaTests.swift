import Foundation
import Testing

@testable import LandGeometry

@Suite("Planar area")
struct PlanarAreaTests {
    @Test("hand values: square with hole, orientation, multipolygon, non-polygonal")
    func handValues() {
        #expect(abs(Fixture.squareWithHole.planarArea - 96) < 1e-12)
        #expect(signedRingArea(Fixture.square(0, 0, 10)) == 100)
        #expect(signedRingArea(Fixture.square(0, 0, 10).reversed()) == -100)
        #expect(signedRingArea([XY(0, 0), XY(4, 0), XY(4, 3)]) == 6) // unclosed ring: closing edge implied
        #expect(abs(Fixture.twoTriangles.planarArea - 1) < 1e-12)
        #expect(Geometry.lineString([XY(0, 0), XY(1, 1)]).planarArea == 0)
        #expect(Geometry.multiPolygon([]).planarArea == 0)
    }

    @Test("Gauss-Krüger coordinates keep precision")
    func largeCoordinates() {
        // shapely: Polygon(...).area == 287867.46875 (see Fixture.irregularParcel)
        #expect(abs(Fixture.irregularParcel.planarArea - 287867.46875) < 1e-6)
        let metreSquare = Geometry.polygon(Polygon(exterior: Fixture.square(519258.1, 3342301.3, 1)))
        #expect(abs(metreSquare.planarArea - 1) < 1e-6)
    }

    @Test("agrees with GEOS")
    func agreesWithGEOS() throws {
        let ctx = GEOSContext()
        for g in [Fixture.squareWithHole, Fixture.twoTriangles, Fixture.irregularParcel] {
            #expect(abs(try ctx.area(g) - g.planarArea) < 1e-6)
        }
    }

    @Test("agrees with shapely on random polygons")
    func agreesWithShapely() throws {
        var rng = SplitMix64(seed: 7)
        var shapes: [Geometry] = [Fixture.squareWithHole, Fixture.irregularParcel]
        for _ in 0..<20 { // random star-shaped polygons around a Gauss-Krüger point
            let cx = 519000 + Double.random(in: 0..<1000, using: &rng),
                cy = 3342000 + Double.random(in: 0..<1000, using: &rng)
            let n = Int.random(in: 3..<30, using: &rng)
            var ring: Ring = (0..<n).map { i in
                let a = Double(i) / Double(n) * 2 * Double.pi, r = Double.random(in: 10..<200, using: &rng)
                return XY(cx + r * cos(a), cy + r * sin(a))
            }
            ring.append(ring[0])
            shapes.append(.polygon(Polygon(exterior: ring)))
        }
        let list = shapes.map { "\"\(wkt($0))\"" }.joined(separator: ",\n")
        let out = try #require(runPython("from shapely import wkt\nfor w in [\(list)]: print(repr(wkt.loads(w).area))"))
        let areas = out.split(separator: "\n").compactMap { Double($0) }
        #expect(areas.count == shapes.count)
        for (g, a) in zip(shapes, areas) {
            #expect(abs(g.planarArea - a) <= 1e-9 * a)
        }
    }
}

@Suite("Ellipsoidal area")
struct EllipsoidalAreaTests {
    /// A 1000 m square in EPSG:4549 at about 120.2°E 30.2°N (its south-west corner is the rounded projection
    /// of that point).
    let square = Geometry.polygon(Polygon(exterior: Fixture.square(519258, 3342301, 1000)))

    @Test("~1 km square in EPSG:4549 matches pyproj's Geod on the CGCS2000 ellipsoid")
    func squareVsPyproj() throws {
        // pyproj 3.7.2: corners → EPSG:4326 with Transformer.from_crs(4549, 4326, always_xy=True), then
        // Geod(a=6378137, f=1/298.257222101).polygon_area_perimeter(lons, lats)[0] = 999990.3719222099
        let calc = try AreaCalculator(crs: .cgcs2000GK120E)
        let a = try calc.ellipsoidalArea(square)
        #expect(abs(a - 999990.3719222099) / 999990.3719222099 < 1e-6)
        #expect(calc.planarArea(square) == 1_000_000)
    }

    @Test("holes are subtracted and orientation does not matter")
    func holes() throws {
        // pyproj, as above, minus the hole's |area|: 959990.7454394451
        let hole: Ring = [
            XY(519358, 3342401), XY(519358, 3342601), XY(519558, 3342601), XY(519558, 3342401), XY(519358, 3342401)
        ]
        let holed = Geometry.polygon(Polygon(exterior: Fixture.square(519258, 3342301, 1000).reversed(), holes: [hole]))
        let calc = try AreaCalculator(crs: .cgcs2000GK120E)
        let a = try calc.ellipsoidalArea(holed)
        #expect(abs(a - 959990.7454394451) / 959990.7454394451 < 1e-6)
        let twice = try calc.ellipsoidalArea(.multiPolygon([holed.polygons![0], holed.polygons![0]]))
        #expect(abs(twice - 2 * a) < 1e-6)
    }

    @Test("the same square in lon/lat gives the same area")
    func geographicInput() throws {
        let toLonLat = try CoordinateTransform(from: .cgcs2000GK120E, to: .cgcs2000Geographic)
        let lonLat = try toLonLat.transform(square)
        let projected = try AreaCalculator(crs: .cgcs2000GK120E).ellipsoidalArea(square)
        let geographic = try AreaCalculator(crs: .cgcs2000Geographic).ellipsoidalArea(lonLat)
        #expect(abs(projected - geographic) < 1e-6)
    }

    @Test("live cross-check with pyproj")
    func livePyproj() throws {
        let calc = try AreaCalculator(crs: .cgcs2000GK120E)
        let ours = try calc.ellipsoidalArea(Fixture.irregularParcel)
        let script = """
            from pyproj import Transformer, Geod
            from shapely import wkt
            p = wkt.loads("\(wkt(Fixture.irregularParcel))")
            t = Transformer.from_crs(4549, 4490, always_xy=True)
            g = Geod(a=6378137, f=1/298.257222101)
            def ring(r):
                ll = [t.transform(x, y) for x, y in r.coords]
                return abs(g.polygon_area_perimeter([q[0] for q in ll], [q[1] for q in ll])[0])
            print(repr(ring(p.exterior) - sum(ring(h) for h in p.interiors)))
            """
        let output = try #require(runPython(script))
        let theirs = try #require(Double(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(abs(ours - theirs) / theirs < 1e-6)
    }
}
