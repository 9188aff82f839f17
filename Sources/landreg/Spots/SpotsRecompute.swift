import ArgumentParser
import LandRegistry

extension SpotsCommand {
    struct Recompute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Measure spots' land-class breakdown and approval coverage again after parcels, zones or approvals changed.",
            discussion: """
                One transaction; each spot whose figures changed gets one recompute event with the figures before and \
                after; unchanged spots get none.
                """)
        @Option(help: "Only spots of this batch.") var batch: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            let r = try store.change { try $0.recomputeSpots(batch: batch, context: context) }
            if json { try printJSON(r); return }
            for c in r.changed {
                let figures = c.after.changes(from: c.before).map { f in
                    f.name == "approval coverage"
                        ? "\(f.name) \(SpotApprovalRule.percent(f.before)) → \(SpotApprovalRule.percent(f.after))"
                        : "\(f.name) \(Format.m2(f.before)) → \(Format.m2(f.after)) m²"
                }
                let what = figures.isEmpty ? "planar figures or documents" : figures.joined(separator: ", ")
                printOut("spot \(c.code): \(what) [event #\(c.eventID)]\n")
            }
            printOut("\(r.spots) spots measured, \(r.changed.count) changed\n")
        }
    }
}
