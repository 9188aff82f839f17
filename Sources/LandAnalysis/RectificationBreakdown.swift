import LandRegistry

// MARK: - The rectification report's overlay table and review risks (issue 14)
//
// Per group (batch or zone, as the report groups) and in total: Σ of each spot's overlay figures (SpotBreakdown:
// farmland, other agricultural, construction, unused, basic farmland, eco red line, outside the urban development
// boundary), ellipsoidal m² with 亩. Two lists: spots whose classes do not add up to their area (a gap under them
// beyond max(0.01 m², 0.1 %)), and legal spots whose approval coverage is below the threshold (review risk: a
// legal verdict that rests on approvals covering too little of the spot, recorded with --approval).

/// Σ of the overlay figures of a group of spots. m² ellipsoidal; `…Mu` the same in 亩.
public struct RectificationBreakdownGroup: Sendable, Codable, Equatable {
    public var group: String
    @NullWhenNil public var name: String?
    public var spots = 0
    public var areaM2 = 0.0
    public var farmlandM2 = 0.0, agriculturalM2 = 0.0, constructionM2 = 0.0, unusedM2 = 0.0
    public var basicFarmlandM2 = 0.0, ecoRedlineM2 = 0.0, outsideUrbanBoundaryM2 = 0.0
    /// Spots of the group whose classes do not add up to their area.
    public var gapSpots = 0

    public var areaMu: Double { AreaUnits.mu(areaM2) }

    public init(group: String, name: String? = nil) { self.group = group; self.name = name }

    mutating func add(_ s: Spot) {
        let b = s.breakdown
        spots += 1
        areaM2 += s.ellipsoidalAreaM2
        farmlandM2 += b.farmlandM2; agriculturalM2 += b.agriculturalM2
        constructionM2 += b.constructionM2; unusedM2 += b.unusedM2
        basicFarmlandM2 += b.basicFarmlandM2; ecoRedlineM2 += b.ecoRedlineM2
        outsideUrbanBoundaryM2 += b.outsideUrbanBoundaryM2
        if b.hasGap(areaM2: s.ellipsoidalAreaM2) { gapSpots += 1 }
    }
}

/// A spot the overlay lists flag.
public struct RectificationFlaggedSpot: Sendable, Codable, Equatable {
    public var code: String
    public var batch: String
    public var status: SpotStatus
    public var areaM2: Double
    public var classesM2: Double
    public var gapM2: Double
    public var approvalCoverage: Double
    public var approvalDocuments: [String]
    @NullWhenNil public var approvalDoc: String?

    init(_ s: Spot) {
        code = s.code; batch = s.batch; status = s.status; areaM2 = s.ellipsoidalAreaM2
        classesM2 = s.breakdown.classesM2; gapM2 = s.breakdown.gapM2(areaM2: s.ellipsoidalAreaM2)
        approvalCoverage = s.approvalCoverage; approvalDocuments = s.approvalDocuments; approvalDoc = s.approvalDoc
    }
}

/// The report's overlay section.
public struct RectificationBreakdownReport: Sendable, Codable, Equatable {
    public var groups: [RectificationBreakdownGroup]
    public var total: RectificationBreakdownGroup
    /// Spots whose classes do not add up to their area.
    public var gaps: [RectificationFlaggedSpot]
    /// The coverage below which a legal spot is a review risk (0–1).
    public var minCoverage: Double
    /// Legal spots (judged legal, closed or not) whose approval coverage is below `minCoverage`.
    public var reviewRisk: [RectificationFlaggedSpot]
}

public enum RectificationBreakdown {
    /// The overlay section over `spots`, grouped as the report groups them (`zones`: code → name of one kind; a
    /// spot counts in every zone it overlaps, spots in none form "(none)").
    public static func report(
        spots: [Spot], by: RectificationGrouping, zones: [(code: String, name: String?)] = [],
        minCoverage: Double = SpotApprovalRule.defaultMinCoverage
    ) -> RectificationBreakdownReport {
        var groups: [RectificationBreakdownGroup]
        switch by {
        case .batch:
            groups = Set(spots.map(\.batch)).sorted().map { RectificationBreakdownGroup(group: $0) }
        case .zone:
            groups =
                zones.map { RectificationBreakdownGroup(group: $0.code, name: $0.name) }
                + [RectificationBreakdownGroup(group: "(none)")]
        }
        let index = Dictionary(groups.enumerated().map { ($1.group, $0) }, uniquingKeysWith: { a, _ in a })
        var total = RectificationBreakdownGroup(group: "total")
        for s in spots {
            total.add(s)
            let keys = by == .batch ? [s.batch] : s.zoneCodes.filter { index[$0] != nil }
            for k in keys.isEmpty ? ["(none)"] : keys { groups[index[k]!].add(s) }
        }
        groups.removeAll { $0.group == "(none)" && $0.spots == 0 }
        let isLegal = { (s: Spot) in s.judgement == .legal }
        return RectificationBreakdownReport(
            groups: groups, total: total,
            gaps: spots.filter { $0.breakdown.hasGap(areaM2: $0.ellipsoidalAreaM2) }.map(RectificationFlaggedSpot.init),
            minCoverage: minCoverage,
            reviewRisk: spots.filter { isLegal($0) && $0.approvalCoverage < minCoverage }.map(
                RectificationFlaggedSpot.init))
    }
}
