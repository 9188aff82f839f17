import ArgumentParser
import Foundation
import LandRegistry

extension SpotsCommand {
    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a rectified spot for review (county → city → province; seeds/review-levels.csv).")
        @Argument(help: "The spot code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func run() throws { try SpotsCommand.apply(.submit, code: code, change: change, store: store, json: json) }
    }

    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a review of a submitted spot at the next level: --pass, or --return REASON.",
            discussion: """
                Levels are the store's review chain (review_levels, from seeds/review-levels.csv), reviewed in order. \
                A pass at the last level makes the spot reviewed (then close is allowed); a return at any level \
                sends it back to rectifying (已打回), and a resubmission starts again at the first level.
                """)
        @Argument(help: "The spot code.") var code: String
        @Option(help: "The review level (a code of the store's review chain, e.g. county, city, province).")
        var level: String
        @Flag(help: "The review passed.") var pass = false
        @Option(
            name: .customLong("return"), help: ArgumentHelp("Send the spot back, with the reason.", valueName: "REASON")
        )
        var returnReason: String?
        @Option(help: ArgumentHelp("With --return: the area found still unrectified, m².", valueName: "M2"))
        var remaining: Double?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if pass == (returnReason != nil) { throw ValidationError("give exactly one of --pass or --return REASON") }
            if let r = returnReason, r.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--return needs a reason")
            }
            if remaining != nil && returnReason == nil { throw ValidationError("--remaining goes with --return") }
            if let remaining, !(remaining.isFinite && remaining >= 0) {
                throw ValidationError("--remaining \(remaining): expected an area in m² ≥ 0")
            }
        }

        func run() throws {
            let outcome: SpotReviewOutcome =
                returnReason.map { .returned(reason: $0, remainingM2: remaining) } ?? .pass
            try SpotsCommand.apply(
                .review(level: level, outcome: outcome), code: code, change: change, store: store, json: json)
        }
    }
}
