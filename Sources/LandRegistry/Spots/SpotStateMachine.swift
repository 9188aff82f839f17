// MARK: - The spot lifecycle, as one table
//
//   reported ──verify──▶ verifying ──verify --judgement──▶ legal | other ──close──▶ closed
//      └──verify --judgement (straight)──▶ legal | other | illegal
//   illegal ──rectify──▶ rectifying ──complete──▶ rectified ──close──▶ closed
//   rectifying ──progress──▶ rectifying            rectified ──reopen──▶ rectifying (failed review, 打回重核)
//   rectified ──submit──▶ submitted ──review --pass (each level of review_levels, in order)──▶ … ──▶ reviewed
//   submitted ──review --return──▶ rectifying (已打回; resubmission starts again at the first level)
//   reviewed ──close──▶ closed   (a rectified spot is closed out only after every review level passed)
//   any state but closed, split, submitted, reviewed ──split──▶ split (final; children start anew, SpotSplit.swift)
//
// Every allowed step is a row of `SpotStateMachine.transitions`; anything else is refused with the spot's
// state and what the step needs. Conditions on values (remaining area 0 before `complete`, a known measure …)
// are checked by the registry when it applies a step (SpotLifecycle.swift).

/// The steps of a spot's lifecycle, as the CLI names them.
public enum SpotAction: String, CaseIterable, Codable, Sendable {
    case verify, rectify, progress, complete, reopen, close
    /// Review chain (SpotReview.swift) and split (SpotSplit.swift).
    case submit, review, split
}

/// The allowed transitions of a violation spot.
public enum SpotStateMachine {
    /// One allowed step: `action` takes a spot from `from` to `to`.
    public struct Transition: Sendable, Equatable {
        public let action: SpotAction
        public let from: SpotStatus
        public let to: SpotStatus
    }

    /// Every allowed step. `verify` goes to `verifying` without a judgement, to the judged status with one.
    public static let transitions: [Transition] =
        [
            Transition(action: .verify, from: .reported, to: .verifying),
            Transition(action: .verify, from: .reported, to: .legal),
            Transition(action: .verify, from: .reported, to: .other),
            Transition(action: .verify, from: .reported, to: .illegal),
            Transition(action: .verify, from: .verifying, to: .legal),
            Transition(action: .verify, from: .verifying, to: .other),
            Transition(action: .verify, from: .verifying, to: .illegal),
            Transition(action: .rectify, from: .illegal, to: .rectifying),
            Transition(action: .progress, from: .rectifying, to: .rectifying),
            Transition(action: .complete, from: .rectifying, to: .rectified),
            Transition(action: .reopen, from: .rectified, to: .rectifying),
            Transition(action: .close, from: .legal, to: .closed),
            Transition(action: .close, from: .other, to: .closed),
            Transition(action: .submit, from: .rectified, to: .submitted),
            Transition(action: .review, from: .submitted, to: .submitted),
            Transition(action: .review, from: .submitted, to: .reviewed),
            Transition(action: .review, from: .submitted, to: .rectifying),
            Transition(action: .close, from: .reviewed, to: .closed)
        ] + splittable.map { Transition(action: .split, from: $0, to: .split) }

    /// The states a spot may be split from: any but final (closed, split) and under review (submitted, reviewed:
    /// a review concerns the spot as submitted; return it first).
    public static let splittable: [SpotStatus] = [
        .reported, .verifying, .legal, .other, .illegal, .rectifying, .rectified
    ]

    /// What each step needs besides an allowed state, in words for refusals and help (close needs nothing more).
    public static let requirements: [SpotAction: String] = [
        .verify: "--judgement legal|illegal|other, optional on a reported spot, which then becomes verifying",
        .rectify: "--measure and --deadline",
        .progress: "at least one of --restored, --recultivated, --remaining in m², remaining ≤ the monitored area",
        .complete: "a remaining area of 0, recorded with `progress --remaining 0`",
        .reopen: "--reason",
        .close: "a rectified spot needs `spots submit` and a pass at every review level first",
        .review: "--level, the next level of the review chain, and --pass or --return REASON",
        .split: "--into FILE: children within the spot, not overlapping, covering it"
    ]

    /// The states `action` may start from.
    public static func sources(of action: SpotAction) -> [SpotStatus] {
        var seen: [SpotStatus] = []
        for t in transitions where t.action == action && !seen.contains(t.from) { seen.append(t.from) }
        return seen
    }

    /// The transition of `action` from `status` to `target`, or nil when the table does not allow it.
    public static func transition(_ action: SpotAction, from status: SpotStatus, to target: SpotStatus) -> Transition? {
        transitions.first { $0.action == action && $0.from == status && $0.to == target }
    }

    /// Why `action` to `target` is not allowed for a spot in `status`, in words a user can act on.
    static func refusal(code: String, action: SpotAction, from status: SpotStatus, to target: SpotStatus) -> String {
        let sources = transitions.filter { $0.action == action && $0.to == target }.map(\.from)
        let allowed = (sources.isEmpty ? Self.sources(of: action) : sources).map(\.rawValue)
        var text = "spot \(code) is \(status.rawValue); \(action.rawValue)"
        if action == .verify { text += target == .verifying ? " without --judgement" : " to \(target.rawValue)" }
        text += " needs a spot that is " + list(allowed)
        if action == .verify && status == .verifying && target == .verifying {
            text += "; a verifying spot needs --judgement legal|illegal|other"
        }
        return text + (requirements[action].map { " (and " + $0 + ")" } ?? "")
    }

    static func list(_ words: [String]) -> String {
        switch words.count {
        case 0: return "none"
        case 1: return words[0]
        default: return words.dropLast().joined(separator: ", ") + " or " + words.last!
        }
    }
}
