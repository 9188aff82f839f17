import ArgumentParser
import Foundation
import LandRegistry

/// `landreg backup -o FILE`: a consistent copy of the store while others may be writing.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store consistently (SQLite online backup), even while others write to it.",
        discussion: "The copy is one self-contained GeoPackage file. An existing file at FILE is never overwritten.")

    @Option(name: .shortAndLong, help: ArgumentHelp("The copy to create (must not exist).", valueName: "FILE"))
    var output: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let report = try store.open().backup(to: output)
        if json { try printJSON(report); return }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        printOut("copied \(report.source) to \(report.destination): \(report.bytes) bytes, \(report.tables.count) tables, "
                 + "\(rows) rows, in \(Format.number(report.seconds, decimals: 1)) s\n")
        var t = TextTable(["table", "rows"], rightAligned: [1])
        for table in report.tables where table.rows > 0 { t.add([table.table, String(table.rows)]) }
        printOut(t.render())
    }
}
