// MARK: - The stage table
//
// identified → assessed → planned → implementing → completed, one step at a time; suspended and cancelled from
// any open stage; a suspended site resumes at the stage it left (and only there) or is cancelled. completed and
// cancelled are final. This table is the only place the rule lives.

public enum SiteStages {
    /// The stages a site at `stage` may move to; `suspendedFrom` is where a suspended site resumes.
    public static func allowed(from stage: SiteStage, suspendedFrom: SiteStage?) -> [SiteStage] {
        switch stage {
        case .identified: return [.assessed, .suspended, .cancelled]
        case .assessed: return [.planned, .suspended, .cancelled]
        case .planned: return [.implementing, .suspended, .cancelled]
        case .implementing: return [.completed, .suspended, .cancelled]
        case .suspended: return (suspendedFrom.map { [$0] } ?? []) + [.cancelled]
        case .completed, .cancelled: return []
        }
    }

    /// Why `from → to` is refused, or nil when the table allows it.
    public static func refusal(from: SiteStage, to: SiteStage, suspendedFrom: SiteStage?) -> String? {
        let allowed = allowed(from: from, suspendedFrom: suspendedFrom)
        if allowed.contains(to) { return nil }
        if !from.isOpen { return "the site is \(from.rawValue), a final stage: it cannot move any more" }
        let options = allowed.map(\.rawValue).joined(separator: ", ")
        if from == .suspended {
            return
                "a suspended site resumes at the stage it left (\(suspendedFrom?.rawValue ?? "unknown")) or is cancelled; allowed: \(options)"
        }
        if to == from { return "the site is already \(from.rawValue); allowed: \(options)" }
        if let i = SiteStage.mainLine.firstIndex(of: from), let j = SiteStage.mainLine.firstIndex(of: to) {
            if j < i { return "stages do not go back (\(from.rawValue) → \(to.rawValue)); allowed: \(options)" }
            return
                "stages go one step at a time: \(from.rawValue) → \(SiteStage.mainLine[i + 1].rawValue) first; allowed: \(options)"
        }
        return "\(from.rawValue) → \(to.rawValue) is not a step in the stage table; allowed: \(options)"
    }
}
