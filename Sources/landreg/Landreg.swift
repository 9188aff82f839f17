import ArgumentParser

/// The landreg command line: parses, calls the libraries, prints. Results go to stdout; diagnostics and
/// progress to stderr.
@main
struct Landreg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landreg",
        abstract: "A GeoPackage registry of a subdistrict's parcels, zones, violation spots, redevelopment sites and tenancies.",
        discussion: """
            The store is one GeoPackage file (default ./landreg.gpkg, or --store / LANDREG_STORE) that QGIS and \
            ogrinfo open as it is. Every change of state is an event in its append-only audit log.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, ImportCommand.self, ParcelsCommand.self, ZonesCommand.self, ExportCommand.self,
            DemoCommand.self,
            SitesCommand.self, TenanciesCommand.self,
            SpotsCommand.self,
            ReportCommand.self,
            BackupCommand.self, CheckCommand.self,
            StylesCommand.self, MapCommand.self,
        ])
}
