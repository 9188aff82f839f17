import ArgumentParser
import Foundation
import LandAnalysis
import LandFormats
import LandRegistry

extension RectificationGrouping: ExpressibleByArgument {}

extension ReportCommand {
    struct Rectification: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rectification",
            abstract:
                "Rectification of violation spots per batch or zone: states, illegal farmland, rates, overdue spots.",
            discussion: """
                Areas are ellipsoidal (CGCS2000). Rate by count = rectified or closed illegal spots / illegal spots; \
                by area = (illegal area − remaining) / illegal area; close-out rate = closed illegal / illegal; \
                demolish-restore completion = recultivated / farmland of illegal spots under demolish-restore. \
                Rectified = reviewed at every level of the review chain, or closed. Counting rule for split spots: \
                issued (原始下发) = unsplit + split spots; verified (核查) = unsplit spots and children with a judgement; \
                fill rate (填报率) = verified / issued; error rate (差错率) = returns / submissions (from the events). \
                Overdue = illegal or rectifying with a deadline before --as-of. With --format xlsx -o FILE: one sheet per \
                grouping (--by batch --by zone gives both), then the overdue and no-deadline lists; check columns \
                总数 = 已整改 + 未整改 and 已整改 = 拆除复耕 + 补办手续 + 其他方式 (docs/exports.md).
                """)
        @Option(help: "Group by batch or by zone (repeat for several sheets with --format xlsx).")
        var by: [RectificationGrouping] = []
        @Option(help: "With --by zone: the kind of zone to group by.") var zoneKind: ZoneKind = .village
        @Option(
            help: ArgumentHelp("The date overdue is judged on (default: today).", valueName: "YYYY-MM-DD"),
            transform: parseDay) var asOf: String?
        @OptionGroup var result: ReportOutputOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if by.count > 1 && result.format != .xlsx {
                throw ValidationError("several --by need --format xlsx (one sheet per grouping)")
            }
            if Set(by).count != by.count { throw ValidationError("--by lists a grouping twice") }
        }

        func run() throws {
            let workbook = try result.checkedWorkbook(store: store) // before the store is opened
            let groupings = by.isEmpty ? [RectificationGrouping.batch] : by
            let day = asOf ?? Clock.today()
            // The report reads spots, their events and zones (--by zone), never parcels.
            let registry = try store.openForReading(tables: ["spots", "events", "zones"])
            if let workbook {
                try Self.writeWorkbook(
                    registry, groupings: groupings, zoneKind: zoneKind, asOf: day, to: workbook.path,
                    policy: workbook.policy)
                printOut(
                    "wrote the rectification report (\(groupings.map(\.rawValue).joined(separator: ", "))) to \(workbook.path)\n"
                )
                return
            }
            let report = try Self.compute(registry, by: groupings[0], zoneKind: zoneKind, asOf: day)
            if result.format == .json { try printJSON(report); return }
            printOut(Self.render(report, format: result.format.text))
        }

        /// The xlsx form: a sheet per grouping with the check columns, then the overdue and no-deadline lists.
        static func writeWorkbook(
            _ registry: Registry, groupings: [RectificationGrouping], zoneKind: ZoneKind, asOf: String,
            to output: String, policy: OutputPolicy
        ) throws {
            let spots = asOf < Clock.today() ? try registry.spots(asOf: asOf) : try registry.spots()
            let reviewCounts = try registry.spotReviewCounts(asOf: asOf)
            var sheets: [OfficeSheet] = []
            var last: RectificationReport?
            for by in groupings {
                let zones = by == .zone ? try registry.zones(kind: zoneKind).map { (code: $0.code, name: $0.name) } : []
                let kind = by == .zone ? zoneKind.rawValue : nil
                let report = LandAnalysis.Rectification.report(
                    spots: spots, asOf: asOf, by: by, zones: zones, zoneKind: kind, reviewCounts: reviewCounts)
                let measures = ReportSheets.rectifiedByMeasure(
                    spots: spots, asOf: asOf, by: by, zones: zones, zoneKind: kind)
                sheets.append(ReportSheets.rectificationGroups(report, measures: measures))
                last = report
            }
            if let r = last {
                sheets.append(ReportSheets.rectificationListing("逾期图斑", title: "逾期未整改图斑（截至 \(asOf)）", r.overdue))
                sheets.append(
                    ReportSheets.rectificationListing("无整改期限", title: "违法待整改、无整改期限的图斑（截至 \(asOf)）", r.noDeadline))
            }
            try ReportWorkbookExport.write(sheets, to: output, policy: policy)
        }

        static func compute(_ registry: Registry, by: RectificationGrouping, zoneKind: ZoneKind, asOf: String) throws
            -> RectificationReport
        {
            let zones = by == .zone ? try registry.zones(kind: zoneKind).map { (code: $0.code, name: $0.name) } : []
            // A past date sees each spot as it stood then (rebuilt from the audit log); today or later, as it is now.
            let spots = asOf < Clock.today() ? try registry.spots(asOf: asOf) : try registry.spots()
            var report = LandAnalysis.Rectification.report(
                spots: spots, asOf: asOf, by: by, zones: zones,
                zoneKind: by == .zone ? zoneKind.rawValue : nil, reviewCounts: try registry.spotReviewCounts(asOf: asOf)
            )
            report.breakdown = RectificationBreakdown.report(spots: spots, by: by, zones: zones)
            return report
        }

        /// The report as text: the groups table (with a total row), then the spots to chase (not in CSV).
        static func render(_ r: RectificationReport, format: OutputFormat) -> String {
            let statuses = SpotStatus.allCases.map(\.rawValue)
            var t = TextTable(
                [r.by == .zone ? "zone" : "batch", "spots"] + statuses
                    + [
                        "illegal", "illegal 亩", "farmland 亩", "basic farmland 亩", "remaining 亩", "rate (count)",
                        "rate (area)", "closed out", "recultivated", "overdue", "issued", "verified", "fill rate",
                        "submissions", "returns", "error rate"
                    ],
                rightAligned: Set(1..<(statuses.count + 18)))
            for g in r.groups + [r.total] {
                let label = g.name.map { "\(g.group) \($0)" } ?? g.group
                t.add(
                    [label, String(g.spots)] + statuses.map { String(g.byStatus[$0] ?? 0) }
                        + [
                            String(g.illegalSpots), Format.mu(g.illegalAreaM2), Format.mu(g.illegalFarmlandM2),
                            Format.mu(g.illegalBasicFarmlandM2), Format.mu(g.remainingM2),
                            Format.percent(g.rectificationRateByCount),
                            Format.percent(g.rectificationRateByArea), Format.percent(g.closeOutRate),
                            Format.percent(g.demolishRestoreCompletion), String(g.overdueSpots),
                            String(g.issuedSpots), String(g.verifiedSpots), Format.percent(g.fillRate),
                            String(g.submissions), String(g.returns), Format.percent(g.errorRate)
                        ])
            }
            var out = ""
            if format != .csv {
                out +=
                    "Rectification of violation spots as of \(r.asOf), by \(r.by.rawValue)"
                    + (r.zoneKind.map { " (\($0) zones)" } ?? "") + "; areas ellipsoidal (CGCS2000)\n\n"
            }
            out += t.render(format)
            if format == .csv { return out }
            func listing(_ title: String, _ spots: [RectificationListedSpot]) {
                out += "\n\(title): \(spots.count)\n"
                guard !spots.isEmpty else { return }
                var l = TextTable(
                    [
                        "code", "batch", "status", "measure", "deadline", "days overdue", "area m²", "farmland m²",
                        "remaining m²", "zones"
                    ], rightAligned: [5, 6, 7, 8])
                for s in spots {
                    l.add([
                        s.code, s.batch, s.status.rawValue, s.measure ?? "", s.deadline ?? "",
                        s.daysOverdue.map(String.init) ?? "",
                        Format.m2(s.areaM2), Format.m2(s.farmlandAreaM2), Format.m2(s.remainingM2),
                        s.zoneCodes.joined(separator: " ")
                    ])
                }
                out += (format == .md ? "\n" : "") + l.render(format)
            }
            listing("Overdue (illegal or rectifying past the deadline)", r.overdue)
            listing("Illegal, awaiting rectification (no deadline)", r.noDeadline)
            if !r.splits.isEmpty {
                out += "\nSplit spots (拆分): \(r.splits.count)\n"
                var l = TextTable(["code", "batch", "children"], rightAligned: [])
                for s in r.splits { l.add([s.code, s.batch, s.children.joined(separator: " ")]) }
                out += (format == .md ? "\n" : "") + l.render(format)
            }
            if let b = r.breakdown { out += ReportRectificationBreakdown.render(b, by: r.by, format: format) }
            return out
        }
    }
}
