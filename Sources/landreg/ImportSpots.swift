import ArgumentParser
import Foundation
import LandRegistry
import LandGeoJSON

struct ImportSpots: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spots", abstract: "Import a satellite-inspection batch of violation spots (违法图斑) from GeoJSON.",
        discussion: """
            Each spot's farmland area (∩ live parcels of land use 0101/0102/0103), basic-farmland area (∩ zones of \
            kind basic-farmland) and zones are computed on the way in. A code already in the store is refused unless \
            it is the same batch re-sent unchanged (then skipped and counted as unchanged).
            """)
    @OptionGroup var source: GeoJSONImportOptions
    @Option(help: ArgumentHelp("The inspection batch (监测批次), e.g. 2023-07.", valueName: "NAME"))
    var batch: String
    @OptionGroup var change: ChangeOptions
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if batch.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--batch must not be empty") }
        if source.replace { throw ValidationError("spots are never replaced: --replace does not apply to import spots") }
    }

    func run() throws {
        let registry = try store.open()
        var importID: Int64? = nil
        var unchanged = 0, features = 0
        try source.perform("import spots") { progress in
            let r = try registry.importSpots(file: source.file, batch: batch, options: try source.importOptions(change, store: store),
                                             progress: progress)
            importID = r.importID; unchanged = r.unchanged; features = r.features
            return r
        }
        if source.json { return }
        if unchanged > 0 { printOut("\(unchanged) spots already in the store unchanged (skipped)\n") }
        if let importID, features > 0 {
            let (farmland, basic) = try registry.farmlandTotals(importID: importID)
            printOut("over farmland \(Format.m2(farmland)) m² = \(Format.mu(farmland)) 亩, of which basic farmland "
                     + "\(Format.m2(basic)) m² = \(Format.mu(basic)) 亩 (ellipsoidal)\n")
        }
    }
}

struct ImportSpotUpdates: ParsableCommand {
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
    @Option(help: "Text encoding of a CSV file: utf-8 (default; a BOM means UTF-8), gbk or gb18030.") var encoding: String?
    @Option(help: "The sheet of a .xlsx workbook (default: the first).") var sheet: String?
    @Flag(help: "Check every row, apply nothing.") var dryRun = false
    @Flag(help: "Print the result as JSON.") var json = false
    @OptionGroup var change: ChangeOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        let report = try store.open().importSpotUpdates(file: file, table: TableReadOptions(encoding: encoding, sheet: sheet), defaults: try change.context(store: store), dryRun: dryRun)
        if json { try printJSON(report); return }
        var counts: [String: Int] = [:]
        for r in report.applied { counts[r.action.rawValue, default: 0] += 1 }
        let summary = SpotAction.allCases.compactMap { a in counts[a.rawValue].map { "\($0) \(a.rawValue)" } }
        printOut("\(report.dryRun ? "would apply" : "applied") \(report.applied.count) steps from \(file)"
                 + (summary.isEmpty ? "" : " (" + summary.joined(separator: ", ") + ")") + "\n")
    }
}
