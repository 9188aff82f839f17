import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct Enterprises: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enterprises",
            abstract:
                "Import enterprises from CSV or .xlsx: credit_code,name[,industry,scale]; credit codes are checked (GB 32100-2015)."
        )
        @OptionGroup var csv: CSVImportOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            try csv.report(
                try store.change { try $0.importEnterprises(file: csv.file, table: csv.tableOptions, context: context) }
            )
        }
    }
}
