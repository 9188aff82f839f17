import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct SpotUpdates: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "spot-updates", abstract: "Apply lifecycle steps to spots from a CSV: every row, or none.",
            discussion: """
                Columns: code, action (verify, rectify, progress, complete, reopen, close) and the step's options as \
                columns: judgement, basis, approval, measure, deadline, restored_m2, recultivated_m2, remaining_m2, reason, \
                doc; per row also note, on, actor, evidence (relative to the CSV's folder). Empty cells are not given. \
                Rows apply in file order; every bad row is listed and then nothing is applied.
                """)
        @Argument(help: "The CSV file (header row; UTF-8, or GBK with --encoding gbk) or an Excel workbook (.xlsx).")
        var file: String
        @Option(help: "Text encoding of a CSV file: utf-8 (default; a BOM means UTF-8), gbk or gb18030.") var encoding:
            String?
        @Option(help: "The sheet of a .xlsx workbook (default: the first).") var sheet: String?
        @Flag(help: "Check every row, apply nothing.") var dryRun = false
        @Flag(help: "Print the result as JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let defaults = try change.context(store: store)
            let report = try store.change {
                try $0.importSpotUpdates(
                    file: file, table: TableReadOptions(encoding: encoding, sheet: sheet), defaults: defaults,
                    dryRun: dryRun)
            }
            if json { try printJSON(report); return }
            var counts: [String: Int] = [:]
            for r in report.applied { counts[r.action.rawValue, default: 0] += 1 }
            let summary = SpotAction.allCases.compactMap { a in counts[a.rawValue].map { "\($0) \(a.rawValue)" } }
            printOut(
                "\(report.dryRun ? "would apply" : "applied") \(report.applied.count) steps from \(file)"
                    + (summary.isEmpty ? "" : " (" + summary.joined(separator: ", ") + ")") + "\n")
        }
    }
}
