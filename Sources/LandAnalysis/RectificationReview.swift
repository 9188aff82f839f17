import LandRegistry

// MARK: - Counting rule, fill rate and error rate (整改统计: 下发、核查、填报率、差错率)
//
// National counting rule for split spots (拆分):
//   issued   (原始下发) = unsplit spots + split parents         (spots with no parent_code)
//   verified (核查)     = unsplit spots + children whose verification is filled in (a judgement recorded);
//                         a split parent is not verified itself: its children are
//   fill rate (填报率)  = verified / issued (with splits it can pass 100 %: the two counts follow different rules)
// Review chain (SpotReview.swift):
//   submissions / returns = the `submit` events and the `review` events with outcome `return` of the group's
//                           spots, effective on or before the report date
//   error rate (差错率) = returns / submissions
//   rectified           = illegal spots reviewed at every level, or closed (close needs the chain passed)

extension RectificationGroup {
    /// Counts `s` as issued/verified and its submissions and returns; false for a split parent, which counts
    /// as issued and nowhere else.
    mutating func addCounting(_ s: Spot, review: SpotReviewCounts) -> Bool {
        if s.parentCode == nil { issuedSpots += 1 }
        guard s.status != .split else { return false }
        if s.judgement != nil { verifiedSpots += 1 }
        submissions += review.submissions
        returns += review.returns
        return true
    }

    mutating func finishCounting() {
        fillRate = issuedSpots > 0 ? Double(verifiedSpots) / Double(issuedSpots) : nil
        errorRate = submissions > 0 ? Double(returns) / Double(submissions) : nil
    }
}

/// A split spot and its children, for the report's parent–child listing.
public struct RectificationSplit: Sendable, Codable, Equatable {
    public let code: String
    public let batch: String
    public let children: [String]
}

extension Rectification {
    /// An illegal spot counts as rectified only once every review level has passed (reviewed), or when closed.
    public static func countsAsRectified(_ s: Spot) -> Bool {
        s.isIllegal && (s.status == .reviewed || s.status == .closed)
    }

    /// Split parents among `spots` with their children's codes, by code.
    static func splits(_ spots: [Spot]) -> [RectificationSplit] {
        var children: [String: [String]] = [:]
        for s in spots { if let p = s.parentCode { children[p, default: []].append(s.code) } }
        return spots.filter { $0.status == .split }.sorted { $0.code < $1.code }.map {
            RectificationSplit(code: $0.code, batch: $0.batch, children: (children[$0.code] ?? []).sorted())
        }
    }
}
