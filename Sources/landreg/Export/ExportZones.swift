import ArgumentParser
import LandRegistry

extension ExportCommand {
    struct Zones: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live zones.")
        @Option(help: "Only zones of this kind.") var kind: ZoneKind?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            try common.report(try registry.exportZones(to: common.output, kind: kind, options: options))
        }
    }
}
