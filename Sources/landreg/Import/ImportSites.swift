import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct Sites: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sites",
            abstract: "Import redevelopment sites from GeoJSON.",
            discussion: """
                Fields: code, name, holder (credit code), industry, footprint_m2, floor_area_m2, planned_far, \
                low_efficiency_type, mode, stage, parcels. A feature with "geometry": null and a "parcels" array of live \
                parcel codes becomes the union of those parcels. Land area is computed from the geometry.
                """)
        @OptionGroup var source: GeoJSONImportOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let options = try source.importOptions(change, store: store)
            try source.perform("import sites") { progress in
                try store.change { registry in
                    try registry.importSites(file: source.file, options: options, progress: progress)
                }
            }
        }
    }
}
