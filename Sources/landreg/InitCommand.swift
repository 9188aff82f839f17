import ArgumentParser
import LandGeometry
import LandRegistry

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a new store (a GeoPackage) with the reference code lists.")

    @OptionGroup var store: StoreOptions

    @Option(help: "The store's working CRS: everything is stored in it.")
    var crs: CRS = .cgcs2000GK120E

    @Option(
        help: ArgumentHelp(
            "The seeds folder (default: $LANDREG_SEEDS, or seeds/ found beside the executable).", valueName: "DIR"))
    var seeds: String?

    func run() throws {
        guard let seedSet = seeds.map(SeedSet.init(directory:)) ?? SeedSet.locate() else {
            throw ValidationError("cannot find the seeds folder; pass --seeds DIR or set LANDREG_SEEDS")
        }
        let registry = try Registry.create(at: store.path, crs: crs, seeds: seedSet)
        try registry.close()
        printOut("created \(store.path) (\(crs), \(crs.name))\n")
    }
}
