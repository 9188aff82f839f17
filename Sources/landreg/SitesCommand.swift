import ArgumentParser
import Foundation
import LandRegistry

extension SiteStage: ExpressibleByArgument {}
extension SiteMode: ExpressibleByArgument {}

struct SitesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sites", abstract: "List, show and advance redevelopment sites (二次开发).",
        subcommands: [List.self, Show.self, History.self, Advance.self])

    static func table(_ sites: [Site]) -> TextTable {
        var t = TextTable(
            ["code", "name", "holder", "mode", "stage", "land m²", "land 亩", "floor m²", "disposed m²", "status"],
            rightAligned: [5, 6, 7, 8])
        for s in sites {
            t.add([
                s.code, s.name ?? "", s.holderName ?? s.holderCreditCode ?? "", s.mode?.rawValue ?? "",
                s.stage.rawValue + (s.suspendedFrom.map { " (from \($0.rawValue))" } ?? ""),
                Format.m2(s.landAreaM2), Format.mu(s.landAreaM2), s.floorAreaM2.map(Format.m2) ?? "–",
                Format.m2(s.disposedM2), s.retiredAt.map { "retired \($0.prefix(10))" } ?? "live"
            ])
        }
        return t
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live sites.")
        @Option(help: "Only sites at this stage.") var stage: SiteStage?
        @Option(help: "table, json, csv or md.") var format: OutputFormat = .table
        @Flag(help: "Same as --format json.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let sites = try store.openForReading().sites(stage: stage)
            if json || format == .json { try printJSON(sites); return }
            printOut(SitesCommand.table(sites).render(format))
            if format == .table {
                let land = sites.reduce(0) { $0 + $1.landAreaM2 }
                printOut("\(sites.count) sites, \(Format.m2(land)) m² = \(Format.mu(land)) 亩 (ellipsoidal)\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one live site.")
        @Argument(help: "The site code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.openForReading()
            let s = try registry.site(code: code)
            if json { try printJSON(s); return }
            let far = s.floorAreaM2.map { Format.number($0 / s.landAreaM2, decimals: 2) } ?? "–"
            let lines = [
                "code            \(s.code)",
                "name            \(s.name ?? "–")",
                "holder          \([s.holderCreditCode, s.holderName].compactMap { $0 }.joined(separator: " "))",
                "industry        \(s.industry ?? "–")",
                "mode            \(s.mode?.rawValue ?? "–")",
                "stage           \(s.stage.rawValue)" + (s.suspendedFrom.map { " (left \($0.rawValue))" } ?? ""),
                "land area       \(Format.m2(s.landAreaM2)) m² = \(Format.mu(s.landAreaM2)) 亩 (ellipsoidal, CGCS2000); planar \(Format.m2(s.planarAreaM2)) m² (\(registry.storeCRS))",
                "footprint       \(s.footprintM2.map { Format.m2($0) + " m²" } ?? "–")",
                "floor area      \(s.floorAreaM2.map { Format.m2($0) + " m²" } ?? "–") (FAR \(far); planned \(s.plannedFAR.map { Format.number($0, decimals: 2) } ?? "–"))",
                "low efficiency  \(s.lowEfficiencyType ?? "–")",
                "disposed        \(Format.m2(s.disposedM2)) m² = \(Format.mu(s.disposedM2)) 亩",
                "parcels         \(s.parcelCodes ?? "–")",
                "imported        \(s.createdAt) (import #\(s.importID.map(String.init) ?? "–"))",
                "properties      \(s.properties)"
            ]
            printOut(lines.joined(separator: "\n") + "\n")
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every row of a site code and its events.")
        @Argument(help: "The site code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.openForReading()
            let versions = try registry.siteHistory(code: code)
            try HistoryPrinter.print(
                versions: versions, as: SitesCommand.table(versions),
                events: try registry.events(entity: .site, code: code), json: json)
        }
    }

    struct Advance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a site to another stage (each step an event).",
            discussion: """
                identified → assessed → planned → implementing → completed, one step at a time; suspended and \
                cancelled from any open stage; a suspended site resumes at the stage it left. --to the current stage \
                with --mode or --disposed records just those.
                """)
        @Argument(help: "The site code.") var code: String
        @Option(help: "The stage to move to.") var to: SiteStage
        @Option(
            help: "Set the mode (acquisition-storage, capacity-increase, re-greening, swap, self-renewal, recovery).")
        var mode: SiteMode?
        @Option(help: ArgumentHelp("Set the disposed area, m² (at most the land area).", valueName: "M2"))
        var disposed: Double?
        @Flag(help: "Print the site as JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            let (before, s) = try store.change { registry in
                (
                    try registry.site(code: code),
                    try registry.advanceSite(code: code, to: to, mode: mode, disposedM2: disposed, context: context)
                )
            }
            if json { try printJSON(s); return }
            var line = "site \(s.code): \(before.stage.rawValue) → \(s.stage.rawValue)"
            if let mode { line += ", mode \(mode.rawValue)" }
            if disposed != nil { line += ", disposed \(Format.m2(s.disposedM2)) m² = \(Format.mu(s.disposedM2)) 亩" }
            printOut(line + "\n")
        }
    }
}
