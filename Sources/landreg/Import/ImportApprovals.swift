import ArgumentParser
import LandRegistry

extension ApprovalKind: ExpressibleByArgument {}

extension ImportCommand {
    struct Approvals: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approvals",
            abstract: "Import approval polygons (批文) of one kind from GeoJSON or any vector format GDAL reads.",
            discussion: """
                Fields: doc_number (批文号), approval_date (YYYY-MM-DD), registered_area_m2; name others with --map \
                doc_number=PZWH --map approval_date=PZRQ … Every live spot's approval coverage is measured again in \
                the same transaction; a spot whose coverage changed gets a recompute event.
                """)
        @OptionGroup var source: GeoJSONImportOptions
        @Option(
            help: "farmland-conversion (农转用), land-supply (土地供应), temporary-use (临时用地) or facility-farmland (设施农用地).")
        var kind: ApprovalKind
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let options = try source.importOptions(change, store: store)
            try source.perform("import approvals") { progress in
                try store.change { registry in
                    try registry.importApprovals(file: source.file, kind: kind, options: options, progress: progress)
                }
            }
        }
    }
}
