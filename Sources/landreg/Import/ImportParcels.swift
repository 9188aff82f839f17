import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct Parcels: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "parcels",
            abstract: "Import survey parcels from GeoJSON, a Shapefile, FileGDB, GeoPackage, KML or CSV+WKT.")
        @OptionGroup var source: GeoJSONImportOptions
        @Option(help: "The land-use code system of the file: gb21010 (GB/T 21010-2017) or yongdi (用地用海).")
        var codeSystem = "gb21010"
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let options = try source.importOptions(change, store: store)
            try source.perform("import parcels") { progress in
                // On PostGIS the change reads the subdistrict's parcels (codes, --replace) and the reference tables.
                try store.change(loading: ["parcels"]) { registry in
                    try registry.importParcels(
                        file: source.file, codeSystem: codeSystem, options: options, progress: progress)
                }
            }
        }
    }
}
