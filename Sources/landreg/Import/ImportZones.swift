import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct Zones: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zones", abstract: "Import zones of one kind from GeoJSON or any vector format GDAL reads.")
        @OptionGroup var source: GeoJSONImportOptions
        @Option(
            help: "community, village, grid, basic-farmland, development-area, eco-redline, urban-boundary or other.")
        var kind: ZoneKind
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let options = try source.importOptions(change, store: store)
            try source.perform("import zones") { progress in
                try store.change(loading: ["zones"]) { registry in
                    try registry.importZones(file: source.file, kind: kind, options: options, progress: progress)
                }
            }
        }
    }
}
