import Testing

@testable import LandGeometry

@Suite("Structural problems")
struct GeometryStructureTests {
    @Test("fine geometry has none")
    func fine() {
        #expect(Fixture.squareWithHole.structuralProblems() == [])
        #expect(Fixture.bowTie.structuralProblems() == []) // invalid, but structurally fine
        #expect(Geometry.multiPolygon([]).structuralProblems() == [])
        #expect(Geometry.point(XY(.nan, .nan)).structuralProblems() == []) // POINT EMPTY
    }

    @Test("unclosed ring")
    func unclosed() {
        let g = Geometry.polygon(Polygon(exterior: [XY(0, 0), XY(1, 0), XY(1, 1), XY(0, 1)]))
        #expect(g.structuralProblems() == ["ring 0 is not closed (first point 0.0 0.0, last 0.0 1.0)"])
    }

    @Test("three-point ring in the second polygon")
    func threePoints() {
        let g = Geometry.multiPolygon([
            Polygon(exterior: Fixture.square(0, 0, 1)),
            Polygon(exterior: [XY(0, 0), XY(1, 0), XY(0, 0)])
        ])
        #expect(g.structuralProblems() == ["ring 0 of polygon 1 has 3 points (needs at least 4)"])
    }

    @Test("non-finite coordinates are numbered across the geometry")
    func nonFinite() {
        var ring = Fixture.square(0, 0, 1)
        ring[2] = XY(.nan, 1)
        let g = Geometry.polygon(Polygon(exterior: Fixture.square(0, 0, 10), holes: [ring]))
        #expect(g.structuralProblems() == ["coordinate 7 is not finite"])
        #expect(
            Geometry.lineString([XY(0, .infinity), XY(1, 1)]).structuralProblems() == ["coordinate 0 is not finite"])
    }

    @Test("the list is capped")
    func capped() {
        let g = Geometry.multiPoint(Array(repeating: XY(.nan, 0), count: 30))
        let problems = g.structuralProblems(limit: 5)
        #expect(problems.count == 6)
        #expect(problems.last == "… and 25 more problems")
    }
}
