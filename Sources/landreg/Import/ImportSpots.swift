import ArgumentParser
import Foundation
import LandRegistry

extension ImportCommand {
    struct Spots: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "spots",
            abstract: "Import a satellite-inspection batch of violation spots (违法图斑) from GeoJSON.",
            discussion: """
                Each spot's overlay table is computed on the way in: the area on farmland, other agricultural, \
                construction and unused land (live parcels by the seeds' 三大类 crosswalk), on basic farmland and the \
                eco red line and outside the urban development boundary (zones of those kinds), the approval coverage \
                (approvals dated on or before detection) and the zones it overlaps. A code already in the store is \
                refused unless it is the same batch re-sent unchanged (then skipped and counted as unchanged).
                """)
        @OptionGroup var source: GeoJSONImportOptions
        @Option(help: ArgumentHelp("The inspection batch (监测批次), e.g. 2023-07.", valueName: "NAME"))
        var batch: String
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if batch.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--batch must not be empty") }
            if source.replace {
                throw ValidationError("spots are never replaced: --replace does not apply to import spots")
            }
        }

        func run() throws {
            let options = try source.importOptions(change, store: store)
            var unchanged = 0
            var totals: (farmlandM2: Double, basicFarmlandM2: Double)? = nil
            try source.perform("import spots") { progress in
                try store.change { registry in
                    let r = try registry.importSpots(
                        file: source.file, batch: batch, options: options, progress: progress)
                    unchanged = r.unchanged
                    if let importID = r.importID, r.features > 0 {
                        totals = try registry.farmlandTotals(importID: importID)
                    }
                    return r
                }
            }
            if source.json { return }
            if unchanged > 0 { printOut("\(unchanged) spots already in the store unchanged (skipped)\n") }
            if let (farmland, basic) = totals {
                printOut(
                    "over farmland \(Format.m2(farmland)) m² = \(Format.mu(farmland)) 亩, of which basic farmland "
                        + "\(Format.m2(basic)) m² = \(Format.mu(basic)) 亩 (ellipsoidal)\n")
            }
        }
    }
}
