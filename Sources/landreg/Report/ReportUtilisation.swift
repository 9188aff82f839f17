import ArgumentParser
import Foundation
import LandAnalysis
import LandRegistry

/// How the utilisation report groups.
enum UtilisationGrouping: String, ExpressibleByArgument, CaseIterable {
    case site, zone
}

extension ReportCommand {
    struct Utilisation: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "utilisation",
            abstract:
                "Industrial land use per site or zone: FAR, coverage, occupancy, tenants, 亩均 tax and value added, class A–D.",
            discussion: """
                Land areas are ellipsoidal (CGCS2000). Leases count when active on --as-of. 亩均 figures (万元/亩) are on \
                each enterprise's actual land (own + leased-in − leased-out; tenants' land apportioned by leased floor \
                area) for --year (default: the latest year with figures up to the as-of year). Classes follow the \
                thresholds table: the best class all of whose thresholds are met.
                """)
        @Option(help: "site or zone.") var by: UtilisationGrouping = .site
        @Option(help: "With --by zone: the kind of zone (default village).") var zoneKind: ZoneKind = .village
        @Option(help: "The year of the enterprise figures.") var year: Int?
        @Option(
            help: ArgumentHelp("The day leases are counted on (default: today).", valueName: "YYYY-MM-DD"),
            transform: parseDay) var asOf: String?
        @OptionGroup var result: ReportOutputOptions
        @Option(
            help: ArgumentHelp(
                "A thresholds CSV (indicator,class,min_value[,unit]) instead of the store's.", valueName: "FILE"))
        var thresholds: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            let workbook = try result.checkedWorkbook(store: store) // before the store is opened
            // The report reads sites, enterprises, their years and leases, and zones (--by zone), never parcels.
            let registry = try store.openForReading(
                tables: ["sites", "enterprises", "enterprise_years", "tenancies", "zones"])
            let day = asOf ?? Clock.today()
            let table = try thresholds.map { try EfficiencyThresholds.load(file: $0) }
            var report = LandAnalysis.Utilisation.report(
                try LandAnalysis.Utilisation.input(from: registry, asOf: day, year: year, thresholds: table))
            if by == .zone { report = try LandAnalysis.Utilisation.byZone(report, registry: registry, kind: zoneKind) }
            if result.format == .json { try printJSON(report); return }
            if let workbook {
                let main = by == .zone ? ReportSheets.utilisationZones(report) : ReportSheets.utilisationSites(report)
                try ReportWorkbookExport.write(
                    [main, ReportSheets.utilisationEnterprises(report)], to: workbook.path, policy: workbook.policy)
                printOut("wrote the utilisation report (by \(by.rawValue)) to \(workbook.path)\n")
                return
            }
            let format = result.format.text
            if format == .table || format == .md {
                printOut(
                    "Utilisation as of \(report.asOf); 亩均 figures (万元/亩) for \(report.year.map(String.init) ?? "no year: no enterprise figures"); "
                        + "thresholds: \(report.thresholdsSource)\n\n")
            }
            let main = by == .zone ? Self.zoneTable(report.zones ?? [], kind: zoneKind) : Self.siteTable(report.sites)
            printOut(main.render(format))
            if format == .table || format == .md {
                printOut("\nEnterprises on actual land\n")
                printOut(Self.enterpriseTable(report.enterprises).render(format))
                let over = report.sites.filter(\.overLeased).map(\.code)
                if !over.isEmpty { printOut("\nover-leased on \(report.asOf): \(over.joined(separator: ", "))\n") }
            }
        }

        static func ratio(_ v: Double?) -> String { v.map { Format.number($0, decimals: 2) } ?? "–" }
        static func perMu(_ v: Double?) -> String { v.map { Format.number($0, decimals: 2) } ?? "–" }

        static func flags(_ s: SiteUtilisation) -> String {
            var f: [String] = []
            if s.overLeased { f.append("over-leased") }
            if s.farBelowMin == true { f.append("FAR<\(ratio(s.minFAR))") }
            if s.coverageBelow30 == true { f.append("coverage<30%") }
            return f.joined(separator: " ")
        }

        static func siteTable(_ sites: [SiteUtilisation]) -> TextTable {
            var t = TextTable(
                [
                    "site", "holder", "stage", "land 亩", "FAR", "coverage", "occupancy", "vacancy", "tenants",
                    "tax/亩", "VA/亩", "class", "flags"
                ], rightAligned: [3, 4, 5, 6, 7, 8, 9, 10])
            for s in sites {
                t.add([
                    s.code, s.holderName ?? s.holder ?? "", s.stage, Format.mu(s.landAreaM2), ratio(s.far),
                    Format.percent(s.coverage), Format.percent(s.occupancy), Format.percent(s.vacancy),
                    String(s.tenants),
                    perMu(s.taxPerMu), perMu(s.valueAddedPerMu), s.holderClass ?? "–", flags(s)
                ])
            }
            return t
        }

        static func zoneTable(_ zones: [ZoneUtilisation], kind: ZoneKind) -> TextTable {
            var t = TextTable(
                [
                    "\(kind.rawValue) zone", "name", "sites", "land 亩", "FAR", "coverage", "occupancy", "tenants",
                    "tax/亩", "VA/亩", "over-leased", "FAR<min", "coverage<30%"
                ], rightAligned: Set(2...12))
            for z in zones {
                t.add([
                    z.zoneCode ?? "(no zone)", z.zoneName ?? "", String(z.sites), Format.mu(z.landAreaM2), ratio(z.far),
                    Format.percent(z.coverage), Format.percent(z.occupancy), String(z.tenants), perMu(z.taxPerMu),
                    perMu(z.valueAddedPerMu), String(z.overLeasedSites), String(z.farBelowMinSites),
                    String(z.coverageBelow30Sites)
                ])
            }
            return t
        }

        static func enterpriseTable(_ enterprises: [EnterpriseEfficiency]) -> TextTable {
            var t = TextTable(
                [
                    "credit code", "name", "own 亩", "leased in 亩", "leased out 亩", "actual 亩", "tax 万元", "tax/亩",
                    "VA/亩", "class"
                ], rightAligned: Set(2...8))
            for e in enterprises {
                t.add([
                    e.creditCode, e.name ?? "", Format.mu(e.ownLandM2), Format.mu(e.leasedInLandM2),
                    Format.mu(e.leasedOutLandM2),
                    Format.mu(e.actualLandM2), e.taxYuan.map { Format.number($0 / 10_000, decimals: 1) } ?? "–",
                    perMu(e.taxPerMu), perMu(e.valueAddedPerMu), e.efficiencyClass ?? "–"
                ])
            }
            return t
        }
    }
}
