import Foundation
import LandGeometry
import Testing

@testable import LandAnalysis
@testable import LandRegistry

/// A small district computed by hand. As of 2026-06-30, figures for 2025, the example thresholds.
///
/// S1: land 10,000 m² (15 亩), floor 8,000, footprint 4,000, holder H (textiles, min FAR 0.8).
///   leases: T1 2,000 m² ending on the day (counts), T2 3,000 m² starting on the day (counts),
///   T3 1,000 m² ended the day before, T4 500 m² starting the day after, a void 700 m² lease: none of those counts.
///   leased 5,000 → occupancy 0.625; T1's land 10,000 × 2,000/8,000 = 2,500 m²; T2's 3,750 m²; H keeps 3,750 m².
/// S2 (over-leased): land 6,000 m² (9 亩), floor 3,000, footprint 1,500, holder H2 (garments, min FAR 1.0).
///   leases: T1 2,000 open since 2020, T3 1,500 since 2026-01-01 → 3,500 > 3,000.
///   T1's land 4,000 m², T3's 3,000 m², H2 leases out min(7,000, 6,000) = all its land.
/// Actual land: H 3,750 m² = 5.625 亩; T1 6,500 m² = 9.75 亩; T2 3,750 m² = 5.625 亩; T3 3,000 m² = 4.5 亩; H2 0.
enum HandCase {
    static let h = "91330110MANN6LRU7B", h2 = "91330110727285545Y", t1 = "91330110MAU8B4FR6B"
    static let t2 = "91330110MADM8YJH7N", t3 = "91330110MA31HBYJ8R"

    static func site(_ code: String, land: Double, floor: Double, footprint: Double, holder: String, industry: String)
        -> Site
    {
        Site(
            fid: code == "S1" ? 1 : 2, code: code, name: nil, holderCreditCode: holder, holderName: nil,
            industry: industry,
            footprintM2: footprint, floorAreaM2: floor, plannedFAR: nil, lowEfficiencyType: nil, mode: nil,
            stage: .identified,
            suspendedFrom: nil, disposedM2: 0, planarAreaM2: land, ellipsoidalAreaM2: land, parcelCodes: nil,
            properties: "{}",
            importID: nil, createdAt: "", retiredAt: nil)
    }

    static func lease(
        _ id: Int64, _ site: String, _ tenant: String, _ area: Double, _ start: String, _ end: String?,
        status: TenancyStatus = .active
    ) -> Tenancy {
        Tenancy(
            id: id, siteCode: site, tenantCreditCode: tenant, floorAreaM2: area, startDate: start, endDate: end,
            status: status)
    }

    static var input: UtilisationInput {
        UtilisationInput(
            sites: [
                site("S1", land: 10_000, floor: 8_000, footprint: 4_000, holder: h, industry: "textiles"),
                site("S2", land: 6_000, floor: 3_000, footprint: 1_500, holder: h2, industry: "garments")
            ],
            tenancies: [
                lease(1, "S1", t1, 2_000, "2025-01-01", "2026-06-30"),
                lease(2, "S1", t2, 3_000, "2026-06-30", nil),
                lease(3, "S1", t3, 1_000, "2024-01-01", "2026-06-29"),
                lease(4, "S1", t3, 500, "2026-07-01", nil),
                lease(5, "S1", t3, 700, "2020-01-01", nil, status: .void),
                lease(6, "S2", t1, 2_000, "2020-01-01", nil),
                lease(7, "S2", t3, 1_500, "2026-01-01", nil)
            ],
            enterprises: [h, h2, t1, t2, t3].map {
                Enterprise(id: 0, creditCode: $0, name: "E" + $0.suffix(3), industry: nil, scale: nil)
            },
            years: [
                // 20, 80 → B (edge)
                EnterpriseYear(creditCode: h, year: 2025, taxYuan: 1_125_000, valueAddedYuan: 4_500_000),
                EnterpriseYear(creditCode: t1, year: 2025, taxYuan: 195_000, valueAddedYuan: 292_500), // 2, 3 → D
                // 6, 30 → C (edge)
                EnterpriseYear(creditCode: t2, year: 2025, taxYuan: 337_500, valueAddedYuan: 1_687_500),
                EnterpriseYear(creditCode: t2, year: 2024, taxYuan: 1e9, valueAddedYuan: 1e9), // another year: ignored
                EnterpriseYear(creditCode: h2, year: 2025, taxYuan: 500_000, valueAddedYuan: 900_000)
            ],
            thresholds: exampleThresholds, minimumFAR: ["textiles": 0.8, "garments": 1.0], asOf: "2026-06-30",
            year: 2025)
    }

    /// The rows of seeds/efficiency-thresholds.csv.
    static var exampleThresholds: EfficiencyThresholds {
        try! EfficiencyThresholds(
            rows: [
                ("A", 30, 150), ("B", 15, 80), ("C", 5, 30), ("D", 0, 0)
            ].flatMap { c, tax, va in
                [
                    EfficiencyThreshold(indicator: "tax_per_mu", efficiencyClass: c, minValue: tax),
                    EfficiencyThreshold(indicator: "value_added_per_mu", efficiencyClass: c, minValue: va)
                ]
            }, source: "example")
    }
}

@Suite("Utilisation and 亩均 efficiency")
struct UtilisationTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func siteMetricsCountOnlyLeasesActiveOnTheDay() throws {
        let report = Utilisation.report(HandCase.input)
        let s1 = try #require(report.sites.first { $0.code == "S1" })
        #expect(close(s1.landAreaMu, 15))
        #expect(close(s1.far, 0.8))
        #expect(close(s1.coverage, 0.4))
        #expect(close(s1.leasedFloorM2, 5_000))
        #expect(close(s1.occupancy, 0.625))
        #expect(close(s1.vacancy, 0.375))
        #expect(s1.tenants == 2)
        #expect(!s1.overLeased)
        #expect(s1.farBelowMin == false) // 0.8 is the textiles minimum: not below it
        #expect(s1.coverageBelow30 == false)
        #expect(s1.holderClass == "B")
        // Land-weighted 亩均 tax: (5.625 × 20 + 3.75 × 2 + 5.625 × 6) / 15 = 10.25.
        #expect(close(s1.taxPerMu, 10.25))
        let shares = Dictionary(uniqueKeysWithValues: s1.occupants.map { ($0.creditCode, $0.landM2) })
        #expect(
            close(shares[HandCase.h], 3_750) && close(shares[HandCase.t1], 2_500) && close(shares[HandCase.t2], 3_750))
        #expect(shares[HandCase.t3] == nil)
    }

    @Test func anOverLeasedFactoryIsFlaggedAndItsHolderKeepsNoLand() throws {
        let report = Utilisation.report(HandCase.input)
        let s2 = try #require(report.sites.first { $0.code == "S2" })
        #expect(s2.overLeased)
        #expect(close(s2.occupancy, 3_500.0 / 3_000))
        #expect(s2.vacancy == 0)
        #expect(s2.farBelowMin == true) // 0.5 < 1.0
        #expect(s2.coverageBelow30 == true) // 0.25
        #expect(close(s2.taxPerMu, 2)) // only T1 (6 亩 at 2) has figures; T3 has none
        let h2 = try #require(report.enterprises.first { $0.creditCode == HandCase.h2 })
        #expect(close(h2.leasedOutLandM2, 6_000) && h2.actualLandM2 == 0)
        #expect(h2.taxPerMu == nil && h2.efficiencyClass == nil)
    }

    @Test func enterprisesAreMeasuredOnActualLand() throws {
        let report = Utilisation.report(HandCase.input)
        let byCode = Dictionary(uniqueKeysWithValues: report.enterprises.map { ($0.creditCode, $0) })
        let h = try #require(byCode[HandCase.h])
        #expect(close(h.ownLandM2, 10_000) && close(h.leasedOutLandM2, 6_250) && close(h.actualLandMu, 5.625))
        #expect(close(h.taxPerMu, 20) && close(h.valueAddedPerMu, 80) && h.efficiencyClass == "B")
        let t1 = try #require(byCode[HandCase.t1])
        #expect(close(t1.leasedInLandM2, 6_500) && close(t1.actualLandMu, 9.75))
        #expect(close(t1.taxPerMu, 2) && close(t1.valueAddedPerMu, 3) && t1.efficiencyClass == "D")
        let t2 = try #require(byCode[HandCase.t2])
        #expect(close(t2.taxPerMu, 6) && close(t2.valueAddedPerMu, 30) && t2.efficiencyClass == "C")
        let t3 = try #require(byCode[HandCase.t3])
        #expect(close(t3.actualLandM2, 3_000) && t3.taxPerMu == nil && t3.efficiencyClass == nil)
    }

    @Test func aDayLaterTheEndedLeaseNoLongerCounts() throws {
        var input = HandCase.input
        input.asOf = "2026-07-01"
        let s1 = try #require(Utilisation.report(input).sites.first { $0.code == "S1" })
        // T1 ended on 2026-06-30; T4 (500) starts on 2026-07-01: 3,000 + 500.
        #expect(close(s1.leasedFloorM2, 3_500))
        #expect(s1.tenants == 2)
    }

    @Test(arguments: [
        (30.0, 150.0, "A"), (29.999, 150.0, "B"), (30.0, 149.99, "B"), (15.0, 80.0, "B"), (14.99, 80.0, "C"),
        (5.0, 30.0, "C"), (4.99, 1000.0, "D"), (0.0, 0.0, "D"), (1.0, -5.0, "D")
    ])
    func classesAtTheThresholdsEdges(tax: Double, valueAdded: Double, expected: String) {
        let t = HandCase.exampleThresholds
        #expect(t.classify(["tax_per_mu": tax, "value_added_per_mu": valueAdded]) == expected)
    }

    @Test func anUnknownValueMeetsNoThreshold() {
        #expect(HandCase.exampleThresholds.classify(["tax_per_mu": 100]) == "D")
    }

    @Test func aBadThresholdsFileIsRefusedWithEveryProblem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString).csv")
            .path
        try
            "indicator,class,min_value\ntax_per_mu,A,30\nprofit_per_mu,B,3\ntax_per_mu,E,1\ntax_per_mu,C,lots\ntax_per_mu,A,31\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let error = try #require(throws: ThresholdsError.self) { try EfficiencyThresholds.load(file: file) }
        let text = error.errorDescription ?? ""
        #expect(text.contains("line 3: unknown indicator \"profit_per_mu\""), "\(text)")
        #expect(text.contains("line 4: class \"E\" is not A, B, C or D"))
        #expect(text.contains("line 5: min_value \"lots\" is not a number"))
        #expect(text.contains("line 6: tax_per_mu has two rows for class A"))
    }

    @Test func sitesGoToTheZoneHoldingMostOfThem() throws {
        func square(_ x: Double, _ y: Double, _ side: Double) -> Geometry {
            .polygon(Polygon(exterior: [XY(x, y), XY(x + side, y), XY(x + side, y + side), XY(x, y + side), XY(x, y)]))
        }
        let zones = [("Z-WEST", square(0, 0, 100)), ("Z-EAST", square(100, 0, 100))]
        let sites = [
            ("MOSTLY-EAST", square(90, 10, 25)), ("INSIDE-WEST", square(10, 10, 20)), ("OUTSIDE", square(500, 500, 10))
        ]
        let assignment = try Utilisation.assignZones(sites: sites, zones: zones)
        #expect(assignment == ["MOSTLY-EAST": "Z-EAST", "INSIDE-WEST": "Z-WEST"])

        let report = Utilisation.byZone(
            Utilisation.report(HandCase.input), assignment: ["S1": "Z-WEST", "S2": "Z-WEST"],
            zones: ["Z-WEST": "West"], kind: "village")
        let z = try #require(report.zones?.first)
        #expect(report.zones?.count == 1 && z.zoneCode == "Z-WEST" && z.sites == 2)
        #expect(close(z.landAreaM2, 16_000) && close(z.far, 11_000.0 / 16_000) && close(z.coverage, 5_500.0 / 16_000))
        #expect(close(z.occupancy, 8_500.0 / 11_000))
        #expect(z.tenants == 3 && z.overLeasedSites == 1 && z.farBelowMinSites == 1 && z.coverageBelow30Sites == 1)
        // (153.75 万元 on S1 + 12 on S2) / (15 + 6 亩 with figures)
        #expect(close(z.taxPerMu, (153.75 + 12) / 21))
    }
}
