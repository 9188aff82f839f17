import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct Tenancies: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tenancies",
            abstract: "Import leases from CSV or .xlsx: site,tenant,floor_area_m2,start[,end,use].",
            discussion: "Leases that over-lease their site are recorded with a warning, or refused with --strict.")
        @OptionGroup var csv: CSVImportOptions
        @Flag(help: "Refuse the file if a lease would over-lease its site.")
        var strict = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            try csv.report(
                try store.change {
                    try $0.importTenancies(file: csv.file, strict: strict, table: csv.tableOptions, context: context)
                })
        }
    }
}
