import LandAnalysis
import LandRegistry

/// The rectification report's overlay section as text: the class table by group, then gap spots and review risks.
enum ReportRectificationBreakdown {
    static func render(_ b: RectificationBreakdownReport, by: RectificationGrouping, format: OutputFormat) -> String {
        var t = TextTable(
            [
                by == .zone ? "zone" : "batch", "spots", "area 亩", "farmland 亩", "other agri. 亩", "construction 亩",
                "unused 亩", "basic farmland 亩", "eco red line 亩", "outside boundary 亩", "gaps"
            ], rightAligned: Set(1...10))
        for g in b.groups + [b.total] {
            t.add(
                [g.name.map { "\(g.group) \($0)" } ?? g.group, String(g.spots)]
                    + [
                        g.areaM2, g.farmlandM2, g.agriculturalM2, g.constructionM2, g.unusedM2, g.basicFarmlandM2,
                        g.ecoRedlineM2, g.outsideUrbanBoundaryM2
                    ].map(Format.mu) + [String(g.gapSpots)])
        }
        var out = "\nOverlay table (套合结果), ellipsoidal 亩\n" + (format == .md ? "\n" : "") + t.render(format)
        func listing(_ title: String, _ spots: [RectificationFlaggedSpot]) {
            out += "\n\(title): \(spots.count)\n"
            guard !spots.isEmpty else { return }
            var l = TextTable(
                ["code", "batch", "status", "area m²", "classes m²", "gap m²", "approval coverage", "documents"],
                rightAligned: [3, 4, 5, 6])
            for s in spots {
                l.add([
                    s.code, s.batch, s.status.rawValue, Format.m2(s.areaM2), Format.m2(s.classesM2),
                    Format.number(s.gapM2, decimals: 2), SpotApprovalRule.percent(s.approvalCoverage),
                    (s.approvalDocuments + (s.approvalDoc.map { ["(verdict: \($0))"] } ?? [])).joined(separator: " ")
                ])
            }
            out += (format == .md ? "\n" : "") + l.render(format)
        }
        listing("Land classes do not add up to the spot's area (gap above max(0.01 m², 0.1 %))", b.gaps)
        listing(
            "Review risk: legal spots with approval coverage below \(SpotApprovalRule.percent(b.minCoverage))",
            b.reviewRisk)
        return out
    }
}
