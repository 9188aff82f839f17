import ArgumentParser
import LandGeometry
import LandRegistry

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new store (a GeoPackage, or a subdistrict on PostgreSQL) with the reference code lists.")

    @OptionGroup var store: StoreOptions

    @Option(help: "The store's working CRS: everything is stored in it.")
    var crs: CRS = .cgcs2000GK120E

    @Option(
        help: ArgumentHelp(
            "The seeds folder (default: $LANDREG_SEEDS, or seeds/ found beside the executable).", valueName: "DIR"))
    var seeds: String?

    @Option(help: "On PostgreSQL: the subdistrict (街道) code the new store's rows are filed under, e.g. 330110001.")
    var subdistrict: String?

    func run() throws {
        guard let seedSet = seeds.map(SeedSet.init(directory:)) ?? SeedSet.locate() else {
            throw ValidationError("cannot find the seeds folder; pass --seeds DIR or set LANDREG_SEEDS")
        }
        if case .postgres(let url) = StoreLocation(store.path) {
            guard let subdistrict else {
                throw ValidationError("a PostgreSQL store holds subdistricts: pass --subdistrict CODE (e.g. 330110001)")
            }
            let report = try PostGISStore.create(url: url, subdistrict: subdistrict, crs: crs, seeds: seedSet)
            printOut("created subdistrict \(subdistrict) in \(report.to) (\(crs), \(crs.name))\n")
            return
        }
        if let subdistrict {
            throw ValidationError(
                "--subdistrict \(subdistrict): a GeoPackage store is one subdistrict; the option is for PostgreSQL")
        }
        let registry = try Registry.create(at: store.path, crs: crs, seeds: seedSet)
        try registry.close()
        printOut("created \(store.path) (\(crs), \(crs.name))\n")
    }
}
