import Foundation

// MARK: - A legal verdict rests on approvals (批文覆盖率)
//
// `spots verify CODE --judgement legal` is refused when the approvals dated on or before the spot's detection cover
// less than `--min-coverage` of it (default 80 %) and no `--approval DOC` names the document it rests on; with
// `--approval` the document is recorded in the verify event. The rectification report lists legal spots below the
// threshold as a review risk.

public enum SpotApprovalRule {
    /// The coverage a legal verdict needs without `--approval`, as a fraction 0–1.
    public static let defaultMinCoverage = 0.8

    /// Why a verify step may not record `judgement` on `spot`, or nil when it may.
    static func refusal(_ spot: Spot, judgement: SpotJudgement?, approvalDoc: String?, minCoverage: Double) -> String? {
        guard judgement == .legal, approvalDoc?.trimmed.isEmpty ?? true, spot.approvalCoverage < minCoverage else {
            return nil
        }
        let found =
            spot.approvalDocuments.isEmpty
            ? "no approval dated on or before its detection\(spot.detectedDate.map { " (\($0))" } ?? "") overlaps it"
            : "approvals found: \(spot.approvalDocuments.joined(separator: ", "))"
        return "spot \(spot.code) is \(spot.status.rawValue); a legal judgement needs approvals covering at least "
            + "\(percent(minCoverage)) of the spot, but they cover \(percent(spot.approvalCoverage)) (\(found)); "
            + "give the document the verdict rests on with --approval DOC-NO, or import its approval polygon "
            + "(landreg import approvals)"
    }

    /// A fraction as a percentage with one decimal, e.g. "42.5 %".
    public static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }
}
