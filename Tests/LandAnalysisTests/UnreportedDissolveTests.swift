import LandGeometry
import LandRegistry
import Testing

@testable import LandAnalysis

@Suite("Unreported construction: touching pieces are one polygon")
struct UnreportedDissolveTests {
    static func square(_ x: Double, _ y: Double, _ side: Double) -> Geometry {
        .polygon(Polygon(exterior: [XY(x, y), XY(x + side, y), XY(x + side, y + side), XY(x, y + side), XY(x, y)]))
    }
    static func piece(_ code: String, _ before: String, _ g: Geometry, village: String?) -> UnreportedPolygon {
        UnreportedPolygon(
            laterCodes: [code], village: village, landUseBefore: before, landUseAfter: "0601", areaM2: g.planarArea,
            planarAreaM2: g.planarArea, areaMu: AreaUnits.mu(g.planarArea), geometry: g)
    }
    let x0 = 520_000.0, y0 = 3_340_000.0

    @Test func piecesSharingAnEdgeMergeAndAFarOneStaysApart() throws {
        let geos = GEOSContext()
        // One field built over across two later parcels (B1 31 × 30 m, B2 30 × 30 m: they share the edge
        // x = x0 + 30; B1 is the larger, so its village is the polygon's), and a field 500 m away.
        let pieces = [
            Self.piece("B2", "0103", Self.square(x0 + 30, y0, 30), village: "V2"),
            Self.piece("C", "0101", Self.square(x0 + 500, y0, 10), village: "V1"),
            Self.piece(
                "B1", "0101",
                .polygon(
                    Polygon(exterior: [
                        XY(x0 - 1, y0), XY(x0 + 30, y0), XY(x0 + 30, y0 + 30), XY(x0 - 1, y0 + 30),
                        XY(x0 - 1, y0)
                    ])), village: "V1")
        ]
        let merged = try UnreportedConstruction.dissolve(pieces, geos: geos).sorted {
            $0.laterCodes[0] < $1.laterCodes[0]
        }
        #expect(merged.count == 2)
        let field = merged[0]
        #expect(field.laterCodes == ["B1", "B2"])
        #expect(field.village == "V1")
        #expect(field.landUseBefore == "0101/0103")
        #expect(field.landUseAfter == "0601")
        #expect(abs(field.areaM2 - (31 * 30 + 900)) < 1e-6)
        #expect(abs(field.geometry.planarArea - (31 * 30 + 900)) < 1e-6, "the union of the two pieces")
        #expect(abs(field.areaMu - AreaUnits.mu(31 * 30 + 900)) < 1e-9)
        #expect(merged[1].laterCodes == ["C"])
        #expect(merged[1].areaM2 == 100)
        // Nothing to dissolve: nothing comes back.
        #expect(try UnreportedConstruction.dissolve([], geos: geos).isEmpty)
    }
}
