import ArgumentParser
import Foundation
import LandRegistry

/// `landreg migrate`: brings a store of an older landreg to this landreg's schema.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Migrate a store of an older landreg to this version's schema.",
        discussion: """
            A GeoPackage store is migrated whenever this landreg opens it (a backup PATH.bak-<time> first); this \
            command does only that. A PostgreSQL store is shared, so it is migrated here and only here, by the \
            district's administrator (a role that owns the schema): in one transaction every subdistrict is \
            copied out, migrated by the same steps as a GeoPackage and copied into a new schema `landreg`, each \
            table's rows counted and checksummed on both sides; the earlier schema is kept as \
            landreg_before_<time>. Until then a newer landreg refuses the store and tells its users to ask for \
            this. A store already of this version is left as it is.
            """)

    @OptionGroup var store: StoreOptions

    @Option(
        help: ArgumentHelp(
            "The seeds folder, for code tables a migration adds (default: $LANDREG_SEEDS, or seeds/ found beside the executable).",
            valueName: "DIR"))
    var seeds: String?

    func run() throws {
        switch StoreLocation(store.path) {
        case .geoPackage(let path):
            // Registry.open migrates (and says so on stderr) or leaves a current store as it is.
            try Registry.open(at: path).close()
            printOut("\(path): the schema of this landreg")
        case .postgres(let url):
            let report = try StoreCopy.migratePostGIS(
                url: url, seeds: seeds.map(SeedSet.init(directory:)) ?? SeedSet.locate())
            guard let kept = report.keptSchema else {
                printOut("\(report.store): already the schema of this landreg (\(report.toSteps) schema steps)")
                return
            }
            var t = TextTable(["subdistrict", "tables", "rows"], rightAligned: [1, 2])
            for s in report.subdistricts {
                t.add([s.code, String(s.tables.count), String(s.tables.reduce(0) { $0 + $1.rows })])
            }
            printOut(
                "migrated \(report.store) from \(report.fromSteps) to \(report.toSteps) schema steps in "
                    + "\(Format.number(report.seconds, decimals: 1)) s: \(report.subdistricts.count) subdistricts, "
                    + "row counts and checksums verified; the earlier schema is kept as \(kept)\n" + t.render())
        }
    }
}
