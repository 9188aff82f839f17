import Testing

@testable import LandAnalysis
@testable import LandRegistry

/// A spot value for the pure report functions: area and farmland in m² (planar = ellipsoidal here).
private func spot(
    _ code: String, batch: String = "B1", status: SpotStatus, area: Double = 1_000, farmland: Double = 0,
    basic: Double = 0, measure: String? = nil, deadline: String? = nil, recultivated: Double? = nil,
    remaining: Double? = nil, zones: [String] = [], fid: Int64 = 1, parent: String? = nil
) -> Spot {
    let judgement: SpotJudgement? =
        switch status {
        case .reported, .verifying: nil
        case .legal: .legal
        case .other: .other
        case .illegal, .rectifying, .rectified, .submitted, .reviewed: .illegal
        case .closed: measure == nil ? .legal : .illegal
        case .split: measure == nil ? nil : .illegal
        }
    return Spot(
        fid: fid, code: code, batch: batch, detectedDate: nil, clueCode: nil, village: nil, properties: "{}",
        planarAreaM2: area, ellipsoidalAreaM2: area, farmlandAreaM2: farmland, farmlandPlanarAreaM2: farmland,
        basicFarmlandAreaM2: basic, basicFarmlandPlanarAreaM2: basic, zoneCodes: zones, judgement: judgement,
        basis: nil, approvalDoc: nil, measure: measure, deadline: deadline, restoredM2: nil,
        recultivatedM2: recultivated, remainingM2: remaining, status: status, closedDoc: nil, parentCode: parent,
        importID: 1,
        createdAt: "2024-01-01", retiredAt: nil)
}

@Suite("Rectification report")
struct RectificationTests {
    /// Six illegal spots in every stage, two legal, one reported.
    static let spots = [
        spot("R1", status: .reported, zones: ["V1"]),
        spot("L1", status: .legal, zones: ["V1"]),
        spot("L2", status: .closed, zones: ["V2"]), // closed legal
        spot("I1", status: .illegal, area: 600, farmland: 500, basic: 100, zones: ["V1"]), // no deadline
        spot(
            "I2", batch: "B2", status: .rectifying, area: 1_000, farmland: 800, basic: 400, measure: "demolish-restore",
            deadline: "2024-06-30", recultivated: 300, remaining: 400, zones: ["V1", "V2"]),
        spot(
            "I3", batch: "B2", status: .rectifying, area: 2_000, farmland: 0, measure: "supplementary-approval",
            deadline: "2024-12-31", remaining: 2_000, zones: ["V2"]),
        spot(
            "I4", status: .reviewed, area: 900, farmland: 900, measure: "demolish-restore", deadline: "2024-03-31",
            recultivated: 850, remaining: 0, zones: ["V2"]),
        spot(
            "I5", status: .closed, area: 500, farmland: 200, basic: 200, measure: "demolish-restore",
            deadline: "2024-01-31",
            recultivated: 200, remaining: 0)
    ]

    @Test func metricsFollowTheDomainDefinitions() throws {
        let r = Rectification.report(spots: Self.spots, asOf: "2024-07-01")
        let t = r.total
        #expect(
            t.spots == 8 && t.byStatus["reported"] == 1 && t.byStatus["closed"] == 2 && t.byStatus["rectifying"] == 2)
        #expect(t.byStatus.count == SpotStatus.allCases.count && t.byStatus["verifying"] == 0)
        #expect(t.illegalSpots == 5)
        #expect(t.illegalAreaM2 == 600 + 1_000 + 2_000 + 900 + 500)
        #expect(abs(t.illegalAreaMu - 5_000 / (10_000.0 / 15)) < 1e-12)
        #expect(t.illegalFarmlandM2 == 500 + 800 + 900 + 200 && t.illegalBasicFarmlandM2 == 700)
        #expect(t.rectifiedSpots == 2 && t.closedIllegalSpots == 1)
        #expect(t.rectificationRateByCount == 2.0 / 5)
        // Remaining: I1 whole (600) + I2 400 + I3 2000; rectified and closed 0.
        #expect(t.remainingM2 == 3_000)
        #expect(t.rectificationRateByArea == (5_000.0 - 3_000) / 5_000)
        #expect(t.closeOutRate == 1.0 / 5)
        #expect(t.demolishRestoreFarmlandM2 == 800 + 900 + 200 && t.recultivatedM2 == 300 + 850 + 200)
        #expect(t.demolishRestoreCompletion == 1_350.0 / 1_900)
        #expect(t.overdueSpots == 1 && t.noDeadlineSpots == 1)
        #expect(r.overdue.map(\.code) == ["I2"] && r.overdue[0].daysOverdue == 1)
        #expect(r.noDeadline.map(\.code) == ["I1"] && r.noDeadline[0].remainingM2 == 600)
        #expect(r.groups.map(\.group) == ["B1", "B2"] && r.groups.map(\.spots) == [6, 2])
        #expect(r.groups[1].rectificationRateByCount == 0 && r.groups[1].remainingM2 == 2_400)
    }

    @Test func overdueDependsOnTheDate() {
        #expect(Rectification.report(spots: Self.spots, asOf: "2024-06-30").overdue.isEmpty)
        let later = Rectification.report(spots: Self.spots, asOf: "2025-01-01")
        #expect(later.overdue.map(\.code) == ["I2", "I3"])
        #expect(later.overdue.map(\.daysOverdue) == [185, 1])
        #expect(Rectification.days(from: "2024-02-28", to: "2024-03-01") == 2) // leap year
        #expect(Rectification.days(from: "2023-12-31", to: "2024-12-31") == 366)
    }

    @Test func byZoneASpotCountsInEveryZoneItOverlapsAndOnceInTheTotal() {
        let r = Rectification.report(
            spots: Self.spots, asOf: "2024-07-01", by: .zone,
            zones: [(code: "V1", name: "湖埠村"), (code: "V2", name: "云埠社区"), (code: "V3", name: nil)],
            zoneKind: "village")
        #expect(r.groups.map(\.group) == ["V1", "V2", "V3", "(none)"])
        #expect(r.groups.map(\.spots) == [4, 4, 0, 1])
        #expect(r.groups[0].name == "湖埠村" && r.zoneKind == "village")
        #expect(r.total.spots == 8)
        #expect(r.groups[2].rectificationRateByCount == nil && r.groups[2].closeOutRate == nil)
    }

    @Test func aRectifiedSpotCountsOnlyOnceEveryReviewLevelPassed() {
        let waiting = [
            spot("A", status: .rectified, measure: "other", deadline: "2024-03-31", remaining: 0),
            spot("B", status: .submitted, measure: "other", deadline: "2024-03-31", remaining: 0),
            spot("C", status: .reviewed, measure: "other", deadline: "2024-03-31", remaining: 0)
        ]
        let t = Rectification.report(spots: waiting, asOf: "2024-07-01").total
        #expect(t.illegalSpots == 3 && t.rectifiedSpots == 1 && t.rectificationRateByCount == 1.0 / 3)
    }

    /// P split into P_1 (judged) and P_2 (not yet); Q unsplit and judged; R unsplit, reported.
    @Test func splitSpotsFollowTheNationalCountingRule() {
        let spots = [
            spot("P", status: .split, area: 1_000, fid: 1),
            spot("P_1", status: .illegal, area: 600, fid: 2, parent: "P"),
            spot("P_2", status: .reported, area: 400, fid: 3, parent: "P"),
            spot("Q", status: .rectified, area: 50, measure: "other", deadline: "2024-03-31", remaining: 0, fid: 4),
            spot("R", status: .reported, area: 70, fid: 5)
        ]
        let counts: [Int64: SpotReviewCounts] = [4: SpotReviewCounts(submissions: 3, returns: 2)]
        let r = Rectification.report(spots: spots, asOf: "2024-07-01", reviewCounts: counts)
        let t = r.total
        let issued = spots.filter { $0.parentCode == nil }.count
        let verified = spots.filter { $0.status != .split && $0.judgement != nil }.count
        #expect(t.issuedSpots == issued && issued == 3)
        #expect(t.verifiedSpots == verified && verified == 2)
        #expect(t.fillRate == Double(verified) / Double(issued))
        #expect(t.submissions == 3 && t.returns == 2 && t.errorRate == 2.0 / 3)
        // The parent's area is its children's: counted once.
        #expect(t.monitoredAreaM2 == 600 + 400 + 50 + 70)
        #expect(t.illegalSpots == 2 && t.byStatus["split"] == 1 && t.spots == 5)
        #expect(r.splits == [RectificationSplit(code: "P", batch: "B1", children: ["P_1", "P_2"])])
    }

    @Test func noSpotsGiveEmptyGroupsAndNilRates() {
        let r = Rectification.report(spots: [], asOf: "2024-07-01")
        #expect(r.groups.isEmpty && r.total.spots == 0 && r.total.rectificationRateByArea == nil)
        #expect(r.total.demolishRestoreCompletion == nil)
        #expect(r.total.fillRate == nil && r.total.errorRate == nil)
    }
}
