import ArgumentParser
import Foundation
import LandRegistry

/// `landreg backup -o FILE`: a consistent copy of the store while others may be writing.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store consistently (SQLite online backup), even while others write to it.",
        discussion: """
            The copy is one self-contained GeoPackage file, moved into place only when complete and checked. An \
            existing FILE is refused; with --overwrite an earlier landreg backup (a store copy in rollback-journal \
            mode, nothing beside it) or a plain file may be replaced. Never the store, a live store, another \
            database or a symbolic link, even with --overwrite.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The copy to create.", valueName: "FILE"))
    var output: String

    @Flag(
        help: "Replace FILE if it is an earlier landreg backup (or a plain file); never the store or another database.")
    var overwrite = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
        try Registry.checkBackupTarget(output, policy: policy) // before the store is opened
        if case .postgres(let url) = StoreLocation(store.path) {
            // The subdistrict out into a new GeoPackage: `landreg copy`, verified table by table.
            let subdistrict = try PostGISStore.open(url: url).subdistrict
            let copied = try StoreCopy.postGISToGeoPackage(
                from: url, to: output, subdistrict: subdistrict, policy: policy)
            if json { try printJSON(CopyCommand.CopyJSON(copied)); return }
            printOut(CopyCommand.text(copied))
            return
        }
        let report = try store.open().backup(to: output, policy: policy)
        if json { try printJSON(report); return }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        printOut(
            "copied \(report.source) to \(report.destination): \(report.bytes) bytes, \(report.tables.count) tables, "
                + "\(rows) rows, in \(Format.number(report.seconds, decimals: 1)) s\n")
        var t = TextTable(["table", "rows"], rightAligned: [1])
        for table in report.tables where table.rows > 0 { t.add([table.table, String(table.rows)]) }
        printOut(t.render())
    }
}
