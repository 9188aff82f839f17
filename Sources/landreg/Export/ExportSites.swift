import ArgumentParser
import Foundation
import LandAnalysis
import LandRegistry

extension ExportCommand {
    struct Sites: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export live sites with their utilisation metrics (as of a day, 亩均 for a year) as properties.")
        @Option(help: "The year of the enterprise figures (default: the latest up to the as-of year).") var year: Int?
        @Option(
            help: ArgumentHelp("The day leases are counted on (default: today).", valueName: "YYYY-MM-DD"),
            transform: parseDay) var asOf: String?
        @Option(help: ArgumentHelp("A thresholds CSV instead of the store's.", valueName: "FILE")) var thresholds:
            String?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            let table = try thresholds.map { try EfficiencyThresholds.load(file: $0) }
            let report = Utilisation.report(
                try Utilisation.input(
                    from: registry, asOf: asOf ?? Clock.today(), year: year,
                    thresholds: table))
            let metrics = Dictionary(
                report.sites.map { ($0.code, Utilisation.exportProperties($0, asOf: report.asOf, year: report.year)) },
                uniquingKeysWith: { a, _ in a })
            try common.report(try registry.exportSites(to: common.output, options: options, metrics: metrics))
        }
    }
}
