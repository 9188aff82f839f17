import ArgumentParser
import LandRegistry

extension ExportCommand {
    struct Spots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export live spots with status, judgement, measure, deadline, overdue and areas (m², 亩).")
        @Option(
            help: ArgumentHelp("The date `overdue` is judged on (default: today).", valueName: "YYYY-MM-DD"),
            transform: parseDay)
        var asOf: String?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            try common.report(try registry.exportSpots(to: common.output, asOf: asOf, options: options))
        }
    }
}
