import ArgumentParser
import Foundation
import LandRegistry

/// `landreg copy --from A --to B --subdistrict CODE`: a whole store between a GeoPackage and PostGIS.
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole store, history and events, between a GeoPackage and a PostGIS district store.",
        discussion: """
            From a GeoPackage to PostgreSQL (postgresql://…): the store's rows are filed under --subdistrict in the \
            district store (its schema `landreg` is created on the first copy); a subdistrict already there is \
            refused. From PostgreSQL to a GeoPackage: that subdistrict's rows become a new store FILE (an existing \
            FILE is refused). Either way the copy is one transaction and is verified: every table is read back and \
            its row count and SHA-256 compared with the source's; any difference and nothing is copied.
            """)

    @Option(help: ArgumentHelp("The store to copy: a GeoPackage file or a postgresql:// URL.", valueName: "STORE"))
    var from: String

    @Option(help: ArgumentHelp("Where to: a postgresql:// URL or a new GeoPackage file.", valueName: "STORE"))
    var to: String

    @Option(
        help: ArgumentHelp("The subdistrict's (街道's) code in the district store: 6 to 12 digits.", valueName: "CODE"))
    var subdistrict: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let report: CopyReport
        switch (StoreLocation(from), StoreLocation(to)) {
        case (.geoPackage(let path), .postgres(let url)):
            report = try StoreCopy.geoPackageToPostGIS(from: path, to: url, subdistrict: subdistrict)
        case (.postgres(let url), .geoPackage(let path)):
            report = try StoreCopy.postGISToGeoPackage(from: url, to: path, subdistrict: subdistrict)
        case (.geoPackage, .geoPackage):
            throw ValidationError("both stores are GeoPackages: `landreg backup -o FILE` copies a GeoPackage")
        case (.postgres, .postgres):
            throw ValidationError("both stores are PostgreSQL: copy through a GeoPackage, or use pg_dump")
        }
        if json { try printJSON(CopyJSON(report)); return }
        printOut(Self.text(report))
    }

    /// What a copy prints: the tables, their rows and checksums.
    static func text(_ report: CopyReport) -> String {
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        var t = TextTable(["table", "rows", "sha-256 (first 16)"], rightAligned: [1])
        for table in report.tables where table.rows > 0 {
            t.add([table.table, String(table.rows), String(table.checksum.prefix(16))])
        }
        return "copied \(report.from) to \(report.to) as subdistrict \(report.subdistrict): \(report.tables.count) "
            + "tables, \(rows) rows, row counts and checksums verified, in "
            + "\(Format.number(report.seconds, decimals: 1)) s\n" + t.render()
    }

    struct CopyJSON: Encodable {
        let from: String
        let to: String
        let subdistrict: String
        let seconds: Double
        let tables: [Table]
        struct Table: Encodable {
            let table: String
            let rows: Int
            let sha256: String
        }
        init(_ r: CopyReport) {
            from = r.from; to = r.to; subdistrict = r.subdistrict; seconds = r.seconds
            tables = r.tables.map { Table(table: $0.table, rows: $0.rows, sha256: $0.checksum) }
        }
    }
}
