import ArgumentParser
import Foundation
import LandGeometry
import LandRegistry

extension SpotJudgement: ExpressibleByArgument {}
extension SpotStatus: ExpressibleByArgument {}

private func checkArea(_ value: Double?, _ option: String) throws {
    if let value, !(value.isFinite && value >= 0) {
        throw ValidationError("\(option) \(value): expected an area in m² ≥ 0")
    }
}

struct SpotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spots",
        abstract: "Verify, rectify and close out violation spots (违法图斑); list, show and trace them.",
        discussion: """
            Lifecycle: reported → verifying → legal | other → closed; illegal → rectifying → rectified → closed; \
            a failed review reopens a rectified spot (→ rectifying). Review chain: rectified → submit → submitted \
            → review at each level (county → city → province, seeds/review-levels.csv) → reviewed → close; a return \
            sends it back to rectifying. split: a spot becomes split (final) and its children carry on. Every step \
            is an event with actor, date (--on), note and evidence; a step the spot's state does not allow is \
            refused and changes nothing.
            """,
        subcommands: [
            Verify.self, Rectify.self, Progress.self, Complete.self, Reopen.self, Submit.self, Review.self,
            Close.self, Split.self, List.self, Show.self, History.self, Recompute.self, EvidencePhotos.self
        ])

    /// Applies a step and prints what happened.
    static func apply(
        _ step: SpotStep, code: String, change: ChangeOptions, store: StoreOptions, json: Bool,
        minApprovalCoverage: Double = SpotApprovalRule.defaultMinCoverage
    ) throws {
        let result = try store.openStore().applySpotStep(
            step, code: code, context: try change.context(store: store), minApprovalCoverage: minApprovalCoverage)
        if json { try printJSON(result); return }
        printOut(
            "spot \(result.code): \(result.action.rawValue), \(result.from.rawValue) → \(result.to.rawValue) [event #\(result.eventID)]\n"
        )
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a spot: start verification, or record the judgement (legal, illegal, other).")
        @Argument(help: "The spot code.") var code: String
        @Option(help: "legal, illegal or other; without it a reported spot becomes verifying.") var judgement:
            SpotJudgement?
        @Option(help: "The basis of the judgement (判定依据).") var basis: String?
        @Option(help: ArgumentHelp("The approval document number (批文号).", valueName: "DOC-NO")) var approval: String?
        @Option(
            help: ArgumentHelp(
                "The approval coverage (0–1) a legal judgement needs without --approval.", valueName: "FRACTION"))
        var minCoverage: Double = SpotApprovalRule.defaultMinCoverage
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func validate() throws {
            if !(minCoverage >= 0 && minCoverage <= 1) {
                throw ValidationError("--min-coverage \(minCoverage): expected a fraction from 0 to 1")
            }
        }
        func run() throws {
            try SpotsCommand.apply(
                .verify(judgement: judgement, basis: basis, approvalDoc: approval), code: code,
                change: change, store: store, json: json, minApprovalCoverage: minCoverage)
        }
    }

    struct Rectify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start rectifying an illegal spot with a measure and a deadline.")
        @Argument(help: "The spot code.") var code: String
        @Option(
            help:
                "demolish-restore, supplementary-approval, mixed, confiscation or other (the store's rectification_measures)."
        )
        var measure: String
        @Option(help: ArgumentHelp("The rectification deadline.", valueName: "YYYY-MM-DD"), transform: parseDay)
        var deadline: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func run() throws {
            try SpotsCommand.apply(
                .rectify(measure: measure, deadline: deadline), code: code, change: change, store: store, json: json)
        }
    }

    struct Progress: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record rectification progress (areas in m²).")
        @Argument(help: "The spot code.") var code: String
        @Option(help: ArgumentHelp("Area restored to its former state (恢复原貌), m².", valueName: "M2")) var restored:
            Double?
        @Option(help: ArgumentHelp("Area recultivated (复耕到位), m².", valueName: "M2")) var recultivated: Double?
        @Option(help: ArgumentHelp("Area still unrectified (剩余未整改), m²; at most the monitored area.", valueName: "M2"))
        var remaining: Double?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func validate() throws {
            try checkArea(restored, "--restored"); try checkArea(recultivated, "--recultivated")
            try checkArea(remaining, "--remaining")
            if restored == nil && recultivated == nil && remaining == nil {
                throw ValidationError("give at least one of --restored, --recultivated, --remaining")
            }
        }
        func run() throws {
            try SpotsCommand.apply(
                .progress(restoredM2: restored, recultivatedM2: recultivated, remainingM2: remaining),
                code: code, change: change, store: store, json: json)
        }
    }

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark rectification complete (needs a remaining area of 0).")
        @Argument(help: "The spot code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func run() throws { try SpotsCommand.apply(.complete, code: code, change: change, store: store, json: json) }
    }

    struct Reopen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a rectified spot back to rectifying after a failed review (打回重核).")
        @Argument(help: "The spot code.") var code: String
        @Option(help: "Why the review failed.") var reason: String
        @Option(help: ArgumentHelp("The area found still unrectified, m².", valueName: "M2")) var remaining: Double?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func validate() throws {
            try checkArea(remaining, "--remaining")
            if reason.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--reason must not be empty")
            }
        }
        func run() throws {
            try SpotsCommand.apply(
                .reopen(reason: reason, remainingM2: remaining), code: code, change: change, store: store, json: json)
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close out (销号) a legal or other spot, or a rectified one whose review passed (reviewed).")
        @Argument(help: "The spot code.") var code: String
        @Option(help: ArgumentHelp("The close-out document number.", valueName: "DOC-NO")) var doc: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions
        func run() throws {
            try SpotsCommand.apply(.close(doc: doc), code: code, change: change, store: store, json: json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live spots, optionally filtered.")
        @Option(help: "Only spots of this batch.") var batch: String?
        @Option(help: "Only spots in this status.") var status: SpotStatus?
        @Flag(help: "Only spots overdue as of --as-of (illegal or rectifying past their deadline).") var overdue = false
        @Option(help: "Only spots overlapping the zone with this code.") var zone: String?
        @Option(
            help: ArgumentHelp("The date overdue is judged on (default: today).", valueName: "YYYY-MM-DD"),
            transform: parseDay) var asOf: String?
        @Option(help: "table, json, csv or md.") var format: OutputFormat = .table
        @Flag(help: "Same as --format json.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let filter = SpotFilter(batch: batch, status: status, overdue: overdue, zoneCode: zone, asOf: asOf)
            let spots = try store.openForReading().spots(filter)
            if json || format == .json { try printJSON(spots); return }
            var t = TextTable(
                [
                    "code", "batch", "status", "parent", "measure", "deadline", "area m²", "area 亩", "farmland m²",
                    "basic farmland m²", "remaining m²", "overdue"
                ], rightAligned: [6, 7, 8, 9, 10])
            for s in spots {
                t.add([
                    s.code, s.batch, s.status.rawValue, s.parentCode ?? "", s.measure ?? "", s.deadline ?? "",
                    Format.m2(s.ellipsoidalAreaM2),
                    Format.mu(s.ellipsoidalAreaM2), Format.m2(s.farmlandAreaM2), Format.m2(s.basicFarmlandAreaM2),
                    s.remainingM2.map(Format.m2) ?? "", s.isOverdue(asOf: filter.asOf) ? "overdue" : ""
                ])
            }
            printOut(t.render(format))
            if format == .table {
                let area = spots.reduce(0) { $0 + $1.ellipsoidalAreaM2 }
                let farmland = spots.reduce(0) { $0 + $1.farmlandAreaM2 }
                printOut(
                    "\(spots.count) spots, \(Format.m2(area)) m² = \(Format.mu(area)) 亩, over farmland \(Format.m2(farmland)) m² = \(Format.mu(farmland)) 亩\n"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one spot: areas, overlay, lifecycle.")
        @Argument(help: "The spot code.") var code: String
        @Option(
            help: ArgumentHelp("The date overdue is judged on (default: today).", valueName: "YYYY-MM-DD"),
            transform: parseDay) var asOf: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.openForReading()
            let s = try registry.spot(code: code)
            if json { try printJSON(s); return }
            func area(_ m2: Double) -> String { "\(Format.m2(m2)) m² = \(Format.mu(m2)) 亩" }
            let day = asOf ?? Clock.today()
            var lines = [
                "code              \(s.code)",
                "batch             \(s.batch)" + (s.detectedDate.map { ", detected \($0)" } ?? ""),
                "clue code         \(s.clueCode ?? "–")",
                "village           \(s.village ?? "–")",
                "status            \(s.status.rawValue)" + (s.isOverdue(asOf: day) ? " (overdue as of \(day))" : "")
                    + (s.reviewLevel.map { ", review passed up to \($0)" } ?? ""),
                "monitored area    \(area(s.ellipsoidalAreaM2)) (ellipsoidal, CGCS2000); planar \(Format.m2(s.planarAreaM2)) m² (\(registry.storeCRS))",
                "over farmland     \(area(s.farmlandAreaM2)); planar \(Format.m2(s.farmlandPlanarAreaM2)) m²",
                "basic farmland    \(area(s.basicFarmlandAreaM2)); planar \(Format.m2(s.basicFarmlandPlanarAreaM2)) m²",
                "other agri.       \(area(s.agriculturalAreaM2)); planar \(Format.m2(s.agriculturalPlanarAreaM2)) m²",
                "construction      \(area(s.constructionAreaM2)); planar \(Format.m2(s.constructionPlanarAreaM2)) m²",
                "unused            \(area(s.unusedAreaM2)); planar \(Format.m2(s.unusedPlanarAreaM2)) m²",
                "classes total     \(area(s.breakdown.classesM2))"
                    + (s.breakdown.hasGap(areaM2: s.ellipsoidalAreaM2)
                        ? " (gap \(Format.m2(s.breakdown.gapM2(areaM2: s.ellipsoidalAreaM2))) m²: parcels do not cover the spot)"
                        : ""),
                "eco red line      \(area(s.ecoRedlineAreaM2)); planar \(Format.m2(s.ecoRedlinePlanarAreaM2)) m²",
                "outside boundary  \(area(s.outsideUrbanBoundaryAreaM2)); planar \(Format.m2(s.outsideUrbanBoundaryPlanarAreaM2)) m²",
                "approvals         \(SpotApprovalRule.percent(s.approvalCoverage)) covered"
                    + (s.approvalDocuments.isEmpty ? "" : " by \(s.approvalDocuments.joined(separator: ", "))"),
                "zones             \(s.zoneCodes.isEmpty ? "–" : s.zoneCodes.joined(separator: ", "))",
                "judgement         \(s.judgement?.rawValue ?? "–")" + (s.basis.map { " (\($0))" } ?? "")
                    + (s.approvalDoc.map { ", approval \($0)" } ?? ""),
                "measure           \(s.measure ?? "–")" + (s.deadline.map { ", deadline \($0)" } ?? "")
            ]
            if s.restoredM2 != nil || s.recultivatedM2 != nil || s.remainingM2 != nil {
                lines.append(
                    "progress          restored \(s.restoredM2.map(Format.m2) ?? "–") m², recultivated "
                        + "\(s.recultivatedM2.map(Format.m2) ?? "–") m², remaining \(s.remainingM2.map(Format.m2) ?? "–") m²"
                )
            }
            if let d = s.closedDoc { lines.append("closed by         \(d)") }
            if let p = s.parentCode { lines.append("split from        \(p)") }
            if s.status == .split {
                let children = try registry.spotChildren(of: s.code).map(\.code)
                lines.append("children          \(children.isEmpty ? "–" : children.joined(separator: ", "))")
            }
            if s.parentCode != nil && s.importID == nil {
                lines.append("created           \(s.createdAt) (split)")
            } else {
                lines.append("imported          \(s.createdAt) (import #\(s.importID.map(String.init) ?? "–"))")
            }
            lines.append("properties        \(s.properties)")
            printOut(lines.joined(separator: "\n") + "\n")
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every event of a spot, oldest first.")
        @Argument(help: "The spot code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            try HistoryPrinter.print(events: try store.openForReading().spotHistory(code: code), json: json)
        }
    }
}
