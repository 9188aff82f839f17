import LandRegistry

// MARK: - Rectification report (整改统计)
//
// Pure functions over registry reads (live spots, zones): no SQL, no I/O. Areas are the ellipsoidal figures
// (CGCS2000, what 三调 reports) in m², with 亩 alongside. Definitions (DOMAIN.md):
//   illegal spots          = judged illegal, whatever happened since (illegal, rectifying, rectified, closed)
//   rectified (by count)   = illegal spots whose review passed at every level (reviewed) or closed (closing an
//                            illegal spot needs the whole review chain passed; RectificationReview.swift)
//   rate by count          = rectified / illegal
//   rate by area           = (illegal area − Σ remaining) / illegal area, where an illegal spot not yet under
//                            rectification remains whole and a rectified or closed one has 0 remaining
//   close-out rate         = closed illegal spots / illegal spots
//   demolish-restore       = Σ recultivated / Σ farmland area of illegal spots under demolish-restore
//   overdue (as of a date) = illegal or rectifying with a deadline before that date; illegal spots with no
//                            deadline are not overdue but listed as awaiting a deadline
//   split spots            = a split parent counts as issued only; its children count everywhere else
//                            (issued, verified, fill and error rates: RectificationReview.swift)
// A ratio with a zero denominator is nil (JSON null, "–" in tables).

/// How the report groups spots.
public enum RectificationGrouping: String, CaseIterable, Sendable, Codable {
    case batch, zone
}

/// The metrics of one group of spots.
public struct RectificationGroup: Sendable, Codable, Equatable {
    /// The batch name, the zone code, "(none)" for spots in no zone of the kind, or "total".
    public var group: String
    /// The zone's name when grouping by zone.
    @NullWhenNil public var name: String?
    public var spots = 0
    /// Count per status, every status present (0 when none).
    public var byStatus: [String: Int] = Dictionary(uniqueKeysWithValues: SpotStatus.allCases.map { ($0.rawValue, 0) })
    public var monitoredAreaM2 = 0.0
    public var illegalSpots = 0
    public var illegalAreaM2 = 0.0
    public var illegalAreaMu = 0.0
    public var illegalFarmlandM2 = 0.0
    public var illegalFarmlandMu = 0.0
    public var illegalBasicFarmlandM2 = 0.0
    public var illegalBasicFarmlandMu = 0.0
    public var rectifiedSpots = 0
    public var closedIllegalSpots = 0
    public var remainingM2 = 0.0
    public var remainingMu = 0.0
    @NullWhenNil public var rectificationRateByCount: Double?
    @NullWhenNil public var rectificationRateByArea: Double?
    @NullWhenNil public var closeOutRate: Double?
    public var demolishRestoreFarmlandM2 = 0.0
    public var recultivatedM2 = 0.0
    @NullWhenNil public var demolishRestoreCompletion: Double?
    public var overdueSpots = 0
    public var noDeadlineSpots = 0
    /// Counting rule and review rates (RectificationReview.swift).
    public var issuedSpots = 0
    public var verifiedSpots = 0
    @NullWhenNil public var fillRate: Double?
    public var submissions = 0
    public var returns = 0
    @NullWhenNil public var errorRate: Double?

    public init(group: String, name: String? = nil) { self.group = group; self.name = name }

    /// Adds one spot to the sums (ratios are computed by `finish`).
    mutating func add(_ s: Spot, asOf: String, review: SpotReviewCounts = SpotReviewCounts()) {
        spots += 1
        byStatus[s.status.rawValue, default: 0] += 1
        // A split parent is counted as issued and nowhere else: its children carry its area and lifecycle.
        guard addCounting(s, review: review) else { return }
        monitoredAreaM2 += s.ellipsoidalAreaM2
        guard s.isIllegal else { return }
        illegalSpots += 1
        illegalAreaM2 += s.ellipsoidalAreaM2
        illegalFarmlandM2 += s.farmlandAreaM2
        illegalBasicFarmlandM2 += s.basicFarmlandAreaM2
        if Rectification.countsAsRectified(s) { rectifiedSpots += 1 }
        if s.status == .closed { closedIllegalSpots += 1 }
        remainingM2 += s.unrectifiedAreaM2
        if s.measure == Rectification.demolishRestore {
            demolishRestoreFarmlandM2 += s.farmlandAreaM2
            recultivatedM2 += s.recultivatedM2 ?? 0
        }
        if s.isOverdue(asOf: asOf) { overdueSpots += 1 }
        if s.status == .illegal && s.deadline == nil { noDeadlineSpots += 1 }
    }

    mutating func finish() {
        func ratio(_ a: Double, _ b: Double) -> Double? { b > 0 ? a / b : nil }
        illegalAreaMu = AreaUnits.mu(illegalAreaM2)
        illegalFarmlandMu = AreaUnits.mu(illegalFarmlandM2)
        illegalBasicFarmlandMu = AreaUnits.mu(illegalBasicFarmlandM2)
        remainingMu = AreaUnits.mu(remainingM2)
        rectificationRateByCount = ratio(Double(rectifiedSpots), Double(illegalSpots))
        rectificationRateByArea = ratio(illegalAreaM2 - remainingM2, illegalAreaM2)
        closeOutRate = ratio(Double(closedIllegalSpots), Double(illegalSpots))
        demolishRestoreCompletion = ratio(recultivatedM2, demolishRestoreFarmlandM2)
        finishCounting()
    }
}

/// An illegal spot listed by the report: overdue, or awaiting a deadline.
public struct RectificationListedSpot: Sendable, Codable, Equatable {
    public let code: String
    public let batch: String
    public let status: SpotStatus
    @NullWhenNil public var measure: String?
    @NullWhenNil public var deadline: String?
    /// Days past the deadline as of the report date (nil without a deadline).
    @NullWhenNil public var daysOverdue: Int?
    public let areaM2: Double
    public let farmlandAreaM2: Double
    public let remainingM2: Double
    public let zoneCodes: [String]
}

/// The rectification report: metrics per group and in total, and the spots that need chasing.
public struct RectificationReport: Sendable, Codable, Equatable {
    public let asOf: String
    public let by: RectificationGrouping
    @NullWhenNil public var zoneKind: String?
    public let groups: [RectificationGroup]
    public let total: RectificationGroup
    /// Illegal or rectifying spots past their deadline, most overdue first.
    public let overdue: [RectificationListedSpot]
    /// Illegal spots that have no deadline yet (not rectifying).
    public let noDeadline: [RectificationListedSpot]
    /// Split spots and their children (the parent–child link).
    public var splits: [RectificationSplit] = []
    /// The overlay table by group, gap spots and review risks (RectificationBreakdown.swift); set by the caller.
    public var breakdown: RectificationBreakdownReport? = nil
}

public enum Rectification {
    /// The measure whose completion the report follows (拆除复耕).
    public static let demolishRestore = "demolish-restore"

    /// Computes the report over `spots` as of `asOf` (YYYY-MM-DD).
    /// - Parameters:
    ///   - by: group by batch, or by zone (`zones`: the live zones of one kind, as code → name). A spot counts in
    ///     every zone of the kind it overlaps and once in the total; spots in none form the group "(none)".
    ///   - reviewCounts: submissions and returns per spot fid, counted from the events (`Registry.spotReviewCounts`).
    public static func report(
        spots: [Spot], asOf: String, by: RectificationGrouping = .batch,
        zones: [(code: String, name: String?)] = [], zoneKind: String? = nil,
        reviewCounts: [Int64: SpotReviewCounts] = [:]
    ) -> RectificationReport {
        func counts(_ s: Spot) -> SpotReviewCounts { reviewCounts[s.fid] ?? SpotReviewCounts() }
        var groups: [RectificationGroup] = []
        switch by {
        case .batch:
            var index: [String: Int] = [:]
            for s in spots {
                if index[s.batch] == nil {
                    index[s.batch] = groups.count; groups.append(RectificationGroup(group: s.batch))
                }
                groups[index[s.batch]!].add(s, asOf: asOf, review: counts(s))
            }
            groups.sort { $0.group < $1.group }
        case .zone:
            groups = zones.map { RectificationGroup(group: $0.code, name: $0.name) }
            let index = Dictionary(zones.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
            var none = RectificationGroup(group: "(none)")
            for s in spots {
                let hits = Set(s.zoneCodes.compactMap { index[$0] })
                if hits.isEmpty { none.add(s, asOf: asOf, review: counts(s)) }
                for i in hits.sorted() { groups[i].add(s, asOf: asOf, review: counts(s)) }
            }
            if none.spots > 0 { groups.append(none) }
        }
        var total = RectificationGroup(group: "total")
        for s in spots { total.add(s, asOf: asOf, review: counts(s)) }
        for i in groups.indices { groups[i].finish() }
        total.finish()

        func listed(_ s: Spot) -> RectificationListedSpot {
            RectificationListedSpot(
                code: s.code, batch: s.batch, status: s.status, measure: s.measure, deadline: s.deadline,
                daysOverdue: s.deadline.flatMap { days(from: $0, to: asOf) },
                areaM2: s.ellipsoidalAreaM2, farmlandAreaM2: s.farmlandAreaM2,
                remainingM2: s.unrectifiedAreaM2, zoneCodes: s.zoneCodes)
        }
        let overdue = spots.filter { $0.isOverdue(asOf: asOf) }.map(listed)
            .sorted { ($0.deadline ?? "", $0.code) < ($1.deadline ?? "", $1.code) }
        let noDeadline = spots.filter { $0.status == .illegal && $0.deadline == nil }.map(listed).sorted {
            $0.code < $1.code
        }
        return RectificationReport(
            asOf: asOf, by: by, zoneKind: by == .zone ? zoneKind : nil, groups: groups, total: total,
            overdue: overdue, noDeadline: noDeadline, splits: splits(spots))
    }

    /// Whole days from one YYYY-MM-DD date to another (proleptic Gregorian), nil if either is not a date.
    public static func days(from a: String, to b: String) -> Int? {
        guard let x = dayNumber(a), let y = dayNumber(b) else { return nil }
        return y - x
    }

    /// Days since 1970-01-01 of a YYYY-MM-DD date (Howard Hinnant's days_from_civil).
    static func dayNumber(_ text: String) -> Int? {
        guard Clock.validDay(text) != nil else { return nil }
        let p = text.split(separator: "-").compactMap { Int($0) }
        var y = p[0]; let m = p[1], d = p[2]
        if m <= 2 { y -= 1 }
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
