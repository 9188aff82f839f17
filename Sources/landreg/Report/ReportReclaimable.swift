import ArgumentParser
import Foundation
import LandAnalysis
import LandRegistry

/// How the reclaimable report groups.
enum ReclaimableGrouping: String, ExpressibleByArgument, CaseIterable {
    case category, zone
}

extension ReportCommand {
    struct Reclaimable: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reclaimable",
            abstract:
                "How much land can be won back: farmland to restore and industrial land to take back, without double counting.",
            discussion: """
                Farmland: spots judged illegal, not yet rectified or closed, whose measure restores land, ∩ farmland \
                parcels. Industrial: sites assessed, planned or implementing in mode acquisition-storage, recovery or \
                re-greening. Potential is the area of the union (a square metre claimed twice counts once); progress is \
                reported recultivated + disposed area; remaining = max(0, potential − progress). Areas are ellipsoidal \
                (CGCS2000). With --as-of, states come from the audit log as they stood that day.
                """)
        @Option(help: "category or zone.") var by: ReclaimableGrouping = .category
        @Option(help: "With --by zone: the kind of zone (default village).") var zoneKind: ZoneKind = .village
        @Option(
            help: ArgumentHelp("Report the state as it stood on this day (default: now).", valueName: "YYYY-MM-DD"),
            transform: parseDay)
        var asOf: String?
        @OptionGroup var result: ReportOutputOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let workbook = try result.checkedWorkbook(store: store) // before the store is opened
            let registry = try store.openForReading()
            let (report, _) = try ReclaimableCalculator.compute(
                registry, asOf: asOf, zoneKind: by == .zone ? zoneKind : nil)
            for w in report.warnings { diagnose("warning: \(w)") }
            if result.format == .json { try printJSON(report); return }
            if let workbook {
                try ReportWorkbookExport.write(
                    [ReportSheets.reclaimable(report, byZone: by == .zone)], to: workbook.path, policy: workbook.policy)
                printOut("wrote the reclaimable report (by \(by.rawValue)) to \(workbook.path)\n")
                return
            }
            printOut(Self.render(report, by: by, format: result.format.text))
        }

        static func render(_ r: ReclaimableReport, by: ReclaimableGrouping, format: OutputFormat) -> String {
            var out = ""
            if format == .table || format == .md {
                out += "Reclaimable land as of \(r.asOf); areas ellipsoidal (CGCS2000)\n\n"
            }
            var t = TextTable(
                [
                    by == .zone ? "\(r.zoneKind ?? "") zone" : "category", "name", "sources", "potential m²",
                    "potential 亩", "progress 亩", "remaining 亩", "remaining ha"
                ], rightAligned: Set(2...7))
            func add(_ label: String, _ name: String, _ f: ReclaimFigures) {
                t.add([
                    label, name, String(f.sources), Format.m2(f.potentialM2), Format.mu(f.potentialM2),
                    Format.mu(f.progressM2),
                    Format.mu(f.remainingM2), Format.ha(f.remainingM2)
                ])
            }
            if by == .zone {
                for z in r.zones {
                    add(z.code, z.name ?? "", z.total)
                }
                if let outside = r.outsideZonesM2, outside > 0.005 {
                    t.add(["(no zone)", "", "", Format.m2(outside), Format.mu(outside), "", "", ""])
                }
            } else {
                add("farmland", "耕地恢复 (illegal spots to restore)", r.farmland)
                add("industrial", "低效工业用地 (sites to take back)", r.industrial)
            }
            add("total", "counted once", r.total)
            out += t.render(format)
            if format == .table || format == .md {
                out +=
                    "\nclaimed by both categories (counted once): \(Format.m2(r.overlapM2)) m² = \(Format.mu(r.overlapM2)) 亩\n"
                out +=
                    "floor area that capacity-increase sites can add: \(Format.m2(r.floorAreaPotentialM2)) m² "
                    + "(\(r.capacitySites) sites)\n"
            }
            return out
        }
    }
}
