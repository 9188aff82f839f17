import ArgumentParser

// How the commands are laid out (one rule, held for every command):
// - Each top-level command is one type, `<Name>Command`, and its subcommands are types nested in it:
//   `ParcelsCommand.List`, `ImportCommand.Parcels`, `ExportCommand.Sites`, `ReportCommand.Utilisation`.
// - A noun (parcels, zones, spots, sites, tenancies, styles) and a single command (init, demo, backup, check) is
//   one file at this level, named for its type, with its subcommands inside: they share the noun's table and
//   record.
// - A verb group (import, export, report) is a folder named for it: `<Group>Command.swift` holds the group and
//   the options its subcommands share, and each subcommand has a file of its own, `<Group><Noun>.swift`
//   (`Import/ImportParcels.swift` holds `ImportCommand.Parcels`): each acts on a different noun. What only a
//   group's subcommands share has a file in its folder too (`Report/ReportWorkbooks.swift`: the xlsx sheets).
// - What several commands use (store and change options, tables and number formats, the progress bar, the history
//   printer) is in Support/.

/// The landreg command line: parses, calls the libraries, prints. Results go to stdout; diagnostics and
/// progress to stderr.
@main
struct Landreg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landreg",
        abstract:
            "A GeoPackage registry of a subdistrict's parcels, zones, violation spots, redevelopment sites and tenancies.",
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
            BackupCommand.self, CheckCommand.self, CopyCommand.self, MigrateCommand.self, OfficeCommand.self,
            StylesCommand.self, MapCommand.self, DossierCommand.self
        ])
}
