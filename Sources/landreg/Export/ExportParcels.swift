import ArgumentParser
import LandRegistry

extension ExportCommand {
    struct Parcels: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live parcels.")
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            try common.report(try registry.exportParcels(to: common.output, options: options))
        }
    }
}
