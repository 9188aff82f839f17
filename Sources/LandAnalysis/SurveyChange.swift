import LandRegistry

// MARK: - What changed between two survey versions: the land-use transition matrix
//
// From the overlay of the two versions (Registry.surveyOverlay: not matched by code). A cell is the area of
// earlier class → later class, classes being the first-level GB/T 21010 classes (the code's first two
// characters; "–" for a parcel without land use). The diagonal is the area whose class did not change. With
// villages, one matrix per village (the later parcel's). Areas in m²: ellipsoidal (CGCS2000) with planar alongside.

/// One cell of the transition matrix.
public struct TransitionCell: Sendable, Encodable, Equatable {
    /// The village zone code, or nil when not grouped by village.
    public var village: String?
    public var fromClass: String
    public var toClass: String
    public var areaM2 = 0.0
    public var planarAreaM2 = 0.0
    /// `areaM2` in 亩, set when the report is complete.
    public var areaMu = 0.0
}

public struct SurveyChangeReport: Sendable, Encodable {
    public var from: Int
    public var to: Int
    public var byVillage: Bool
    /// Non-empty cells, ordered by village, earlier class, later class.
    public var cells: [TransitionCell]
    /// Σ diagonal: area whose class did not change.
    public var unchangedAreaM2: Double
    /// Σ off-diagonal: area that changed class.
    public var changedAreaM2: Double
}

public enum SurveyChange {
    /// The first-level class of a GB/T 21010 code ("0101" → "01").
    public static func landUseClass(_ code: String?) -> String { code.map { String($0.prefix(2)) } ?? "–" }

    public static func compute(_ registry: Registry, from: Int, to: Int, byVillage: Bool) throws
        -> SurveyChangeReport
    {
        var cells: [String: TransitionCell] = [:]
        try registry.surveyOverlay(from: from, to: to, villages: byVillage ? .every : .none) { p in
            let a = landUseClass(p.fromLandUse), b = landUseClass(p.toLandUse)
            let key = "\(p.village ?? "")|\(a)|\(b)"
            var cell =
                cells[key] ?? TransitionCell(village: byVillage ? (p.village ?? "–") : nil, fromClass: a, toClass: b)
            cell.areaM2 += p.ellipsoidalAreaM2
            cell.planarAreaM2 += p.planarAreaM2
            cells[key] = cell
        }
        let sorted = cells.values.map { c in
            var c = c
            c.areaMu = AreaUnits.mu(c.areaM2)
            return c
        }.sorted {
            ($0.village ?? "", $0.fromClass, $0.toClass) < ($1.village ?? "", $1.fromClass, $1.toClass)
        }
        let diagonal = sorted.filter { $0.fromClass == $0.toClass }.reduce(0) { $0 + $1.areaM2 }
        let off = sorted.filter { $0.fromClass != $0.toClass }.reduce(0) { $0 + $1.areaM2 }
        return SurveyChangeReport(
            from: from, to: to, byVillage: byVillage, cells: sorted, unchangedAreaM2: diagonal, changedAreaM2: off)
    }
}
