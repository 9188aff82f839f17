import LandGeometry
import Testing

@testable import LandAnalysis

@Suite("Reclaimable area: the computation")
struct ReclaimableTests {
    static func square(_ x: Double, _ y: Double, _ side: Double) -> Geometry {
        .polygon(Polygon(exterior: [XY(x, y), XY(x + side, y), XY(x + side, y + side), XY(x, y + side), XY(x, y)]))
    }
    let x0 = 520_000.0, y0 = 3_340_000.0

    @Test func overlappingSourcesCountOnceAndProgressIsCapped() throws {
        let sources = [
            ReclaimSource(
                category: .farmland, entity: "spot", code: "S1", geometry: Self.square(x0, y0, 100), progressM2: 9_000),
            ReclaimSource(
                category: .industrial, entity: "site", code: "E1", geometry: Self.square(x0 + 50, y0, 100),
                progressM2: 9_000)
        ]
        let calc = try ReclaimableCalculator(storeCRS: .cgcs2000GK120E)
        let (report, polygons) = try calc.report(
            sources: sources, zones: [], zoneKind: nil, capacitySites: [], asOf: "2026-11-26")
        #expect(abs(report.total.potentialPlanarM2 - 15_000) < 1e-6)
        #expect(abs(report.farmland.potentialPlanarM2 - 10_000) < 1e-6)
        #expect(abs(report.industrial.potentialPlanarM2 - 10_000) < 1e-6)
        // 5,000 m² planar claimed twice; ellipsoidal differs from planar by the GK scale (< 0.1 % here).
        #expect(abs(report.overlapM2 - 5_000) / 5_000 < 1e-3)
        #expect(report.total.progressM2 == 18_000)
        #expect(report.total.remainingM2 == 0)
        #expect(report.farmland.remainingM2 > 0)
        let categories = Dictionary(uniqueKeysWithValues: polygons.map { ($0.category, $0) })
        #expect(categories["both"]?.sourceCodes == ["E1", "S1"])
        #expect(categories["farmland"]?.sourceCodes == ["S1"])
        #expect(abs((categories["farmland"]?.planarAreaM2 ?? 0) - 5_000) < 1e-6)
    }

    @Test func zonesGetTheirShareOfAreaAndProgress() throws {
        let sources = [
            ReclaimSource(
                category: .industrial, entity: "site", code: "E1", geometry: Self.square(x0, y0, 100),
                progressM2: 1_000)
        ]
        let zones = [
            ReclaimZone(code: "W", name: "west", kind: "village", geometry: Self.square(x0 - 100, y0 - 100, 125))
        ]
        let calc = try ReclaimableCalculator(storeCRS: .cgcs2000GK120E)
        let (report, _) = try calc.report(
            sources: sources, zones: zones, zoneKind: "village",
            capacitySites: [
                CapacitySite(code: "C1", plannedFAR: 2, landAreaM2: 1_000, floorAreaM2: 1_500),
                CapacitySite(code: "C2", plannedFAR: 1, landAreaM2: 1_000, floorAreaM2: 1_500)
            ], asOf: "2026-11-26")
        let west = try #require(report.zones.first)
        #expect(abs(west.total.potentialPlanarM2 - 625) < 1e-6) // 25 × 25 of the site lies in the zone
        #expect(abs(west.total.progressM2 - 62.5) < 1e-9) // 6.25 % of its progress
        #expect(abs((report.outsideZonesM2 ?? 0) - (report.total.potentialM2 - west.total.potentialM2)) < 1e-9)
        #expect(report.floorAreaPotentialM2 == 500) // C2 has none left
    }

    @Test func anInvalidSourceIsRepairedWithAWarningNotFatal() throws {
        let bowTie = Geometry.polygon(
            Polygon(exterior: [
                XY(x0, y0), XY(x0 + 100, y0 + 100), XY(x0 + 100, y0),
                XY(x0, y0 + 100), XY(x0, y0)
            ]))
        let sources = [
            ReclaimSource(category: .farmland, entity: "spot", code: "BAD", geometry: bowTie, progressM2: 0),
            ReclaimSource(
                category: .farmland, entity: "spot", code: "EMPTY", geometry: .multiPolygon([]), progressM2: 0),
            ReclaimSource(
                category: .industrial, entity: "site", code: "OK", geometry: Self.square(x0 + 500, y0, 10),
                progressM2: 0)
        ]
        let calc = try ReclaimableCalculator(storeCRS: .cgcs2000GK120E)
        let (report, _) = try calc.report(
            sources: sources, zones: [], zoneKind: nil, capacitySites: [], asOf: "2026-11-26")
        #expect(abs(report.total.potentialPlanarM2 - 5_100) < 1e-6)
        #expect(report.warnings.contains { $0.contains("spot BAD") && $0.contains("Self-intersection") })
        #expect(report.warnings.contains { $0.contains("spot EMPTY") && $0.contains("skipped") })
    }
}
