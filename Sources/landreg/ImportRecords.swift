import ArgumentParser
import Foundation
import LandRegistry
import LandGeoJSON

// MARK: - import sites | enterprises | enterprise-years | tenancies

struct ImportSites: ParsableCommand {
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
        let registry = try store.open()
        try source.perform("import sites") { progress in
            try registry.importSites(file: source.file, options: try source.importOptions(change, store: store), progress: progress)
        }
    }
}

/// Options of the CSV record imports.
struct CSVImportOptions: ParsableArguments {
    @Argument(help: "A CSV file (header row; UTF-8, or GBK with --encoding gbk) or an Excel workbook (.xlsx).")
    var file: String
    @Option(help: "Text encoding of a CSV file: utf-8 (default; a BOM means UTF-8), gbk or gb18030.")
    var encoding: String?
    @Option(help: "The sheet of a .xlsx workbook (default: the first).")
    var sheet: String?
    @Flag(help: "Print the import report as JSON.")
    var json = false

    var tableOptions: TableReadOptions { TableReadOptions(encoding: encoding, sheet: sheet) }

    func report(_ r: CSVImportReport) throws {
        for w in r.warnings { diagnose("\(file): warning: \(w)") }
        if json { try printJSON(r); return }
        printOut("imported \(r.rows) rows into \(r.table) from \(file)"
                 + (r.warnings.isEmpty ? "" : ", \(r.warnings.count) warning\(r.warnings.count == 1 ? "" : "s")")
                 + (r.importID.map { " [import #\($0)]" } ?? "") + "\n")
    }
}

struct ImportEnterprises: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enterprises",
        abstract: "Import enterprises from CSV or .xlsx: credit_code,name[,industry,scale]; credit codes are checked (GB 32100-2015).")
    @OptionGroup var csv: CSVImportOptions
    @OptionGroup var change: ChangeOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        try csv.report(try store.open().importEnterprises(file: csv.file, table: csv.tableOptions, context: try change.context(store: store)))
    }
}

struct ImportEnterpriseYears: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enterprise-years",
        abstract: "Import yearly figures from CSV or .xlsx: credit_code,year[,tax_yuan,value_added_yuan,revenue_yuan,energy_tce,employees,rd_yuan].")
    @OptionGroup var csv: CSVImportOptions
    @OptionGroup var change: ChangeOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        try csv.report(try store.open().importEnterpriseYears(file: csv.file, table: csv.tableOptions, context: try change.context(store: store)))
    }
}

struct ImportTenancies: ParsableCommand {
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
        try csv.report(try store.open().importTenancies(file: csv.file, strict: strict, table: csv.tableOptions, context: try change.context(store: store)))
    }
}
