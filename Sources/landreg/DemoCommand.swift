import ArgumentParser
import Foundation
import LandAnalysis
import LandGeometry
import LandRegistry

/// Builds a store from the sample district in GeoData/ and prints what a land office asks first.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Build a store from the sample data in GeoData/ and print a summary.")

    @Option(help: ArgumentHelp("Where to build the demo store (replaced if it exists).", valueName: "PATH"))
    var store = "landreg-demo.gpkg"

    @Option(
        help: ArgumentHelp("The sample data folder (default: GeoData/ found beside the executable).", valueName: "DIR"))
    var data: String?

    func run() throws {
        guard let data = data ?? locateFolder(named: "GeoData", containing: "parcels.geojson"),
            let seeds = SeedSet.locate()
        else {
            throw ValidationError("cannot find GeoData/ and seeds/; pass --data DIR and set LANDREG_SEEDS")
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
        let registry = try Registry.create(at: store, crs: .cgcs2000GK120E, seeds: seeds)
        let context = ChangeContext(actor: "demo")
        let options = FeatureImportOptions(profile: "sandiao", context: context)
        let parcels = try registry.importParcels(file: data + "/parcels.geojson", options: options)
        printOut("store: \(store) (\(registry.storeCRS), \(registry.storeCRS.name))\n")
        printOut("imported \(parcels.features) parcels from \(data)/parcels.geojson\n")
        for kind in ZoneKind.allCases {
            let file = data + "/zones-\(kind.rawValue).geojson"
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let r = try registry.importZones(file: file, kind: kind, options: FeatureImportOptions(context: context))
            printOut("imported \(r.features) \(kind.rawValue) zones\n")
        }
        printOut("\nLand use (live parcels, ellipsoidal area on CGCS2000)\n")
        var t = TextTable(["class", "name", "parcels", "m²", "亩", "ha"], rightAligned: [2, 3, 4, 5])
        let summary = try registry.landUseSummary()
        for s in summary {
            t.add([
                s.landUseClass, s.name ?? "", String(s.parcels), Format.m2(s.ellipsoidalAreaM2),
                Format.mu(s.ellipsoidalAreaM2), Format.ha(s.ellipsoidalAreaM2)
            ])
        }
        let total = summary.reduce(0) { $0 + $1.ellipsoidalAreaM2 }
        t.add([
            "", "total", String(summary.reduce(0) { $0 + $1.parcels }), Format.m2(total), Format.mu(total),
            Format.ha(total)
        ])
        printOut(t.render())

        // Industrial second development: enterprises, their figures, sites (some built from parcels), leases.
        let enterprises = try registry.importEnterprises(file: data + "/enterprises.csv", context: context)
        let years = try registry.importEnterpriseYears(file: data + "/enterprise-years.csv", context: context)
        let sites = try registry.importSites(
            file: data + "/sites.geojson", options: FeatureImportOptions(context: context))
        let leases = try registry.importTenancies(file: data + "/tenancies.csv", context: context)
        printOut(
            "\nimported \(enterprises.rows) enterprises, \(years.rows) enterprise years, \(sites.features) sites, "
                + "\(leases.rows) tenancies\n")
        for w in leases.warnings { printOut("  warning: \(w)\n") }
        let asOf = "2026-06-30"
        let report = Utilisation.report(try Utilisation.input(from: registry, asOf: asOf))
        printOut("\nUtilisation as of \(asOf); 亩均 figures (万元/亩) for \(report.year.map(String.init) ?? "–")\n")
        printOut(ReportCommand.Utilisation.siteTable(report.sites).render())

        // Violation spots: both inspection batches, then a field team's scripted lifecycle steps (GeoData/spot-updates.csv).
        printOut("\n")
        // Approval polygons first: each spot's approval coverage is measured as it is imported.
        let approvals = data + "/approvals.geojson"
        if FileManager.default.fileExists(atPath: approvals) {
            let r = try registry.importApprovals(
                file: approvals, kind: .farmlandConversion, options: FeatureImportOptions(context: context))
            printOut("imported \(r.features) farmland-conversion approvals\n")
        }
        for batch in ["2023-07", "2024-01"] {
            let file = data + "/spots-\(batch).geojson"
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let r = try registry.importSpots(file: file, batch: batch, options: FeatureImportOptions(context: context))
            printOut("imported \(r.features) spots of batch \(batch)\n")
        }
        let updates = data + "/spot-updates.csv"
        if FileManager.default.fileExists(atPath: updates) {
            let u = try registry.importSpotUpdates(file: updates, defaults: context)
            printOut("applied \(u.applied.count) lifecycle steps from \(updates)\n")
        }
        if try !registry.spots().isEmpty {
            printOut(
                "\n"
                    + ReportCommand.Rectification.render(
                        try ReportCommand.Rectification.compute(
                            registry, by: .batch, zoneKind: .village, asOf: Clock.today()), format: .table))
        }

        // How much land can be won back: restorable farmland under illegal spots and industrial land to take back.
        let (reclaimable, _) = try ReclaimableCalculator.compute(registry, asOf: nil, zoneKind: .village)
        for w in reclaimable.warnings { diagnose("warning: \(w)") }
        printOut("\n" + ReportCommand.Reclaimable.render(reclaimable, by: .zone, format: .table))
        try registry.close()
    }
}
