import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct EnterpriseYears: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enterprise-years",
            abstract:
                "Import yearly figures from CSV or .xlsx: credit_code,year[,tax_yuan,value_added_yuan,revenue_yuan,energy_tce,employees,rd_yuan]."
        )
        @OptionGroup var csv: CSVImportOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            try csv.report(
                try store.change {
                    try $0.importEnterpriseYears(file: csv.file, table: csv.tableOptions, context: context)
                })
        }
    }
}
