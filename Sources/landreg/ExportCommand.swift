import ArgumentParser
import LandGeometry
import LandRegistry

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a layer as GeoJSON for GIS tools.",
        subcommands: [Parcels.self, Zones.self,
                      Sites.self,
                      Spots.self,
                      Reclaimable.self,
        ])

    struct Common: ParsableArguments {
        @Option(name: .shortAndLong, help: ArgumentHelp(
            "The output file (written completely, then moved into place; never the store, a database or a link).",
            valueName: "FILE"))
        var output: String
        @Flag(help: "Replace FILE if it exists (never the store or another database).")
        var overwrite = false
        @Option(help: "Output CRS (default EPSG:4326, RFC 7946; a projected CRS adds the legacy crs member).")
        var crs: CRS = .wgs84
        @Option(help: "geojson (a FeatureCollection) or geojsonseq (one feature per line).")
        var format: ExportFormat = .geojson
        @Option(help: "Decimal places of coordinates (default: full precision).")
        var decimals: Int?
        @Flag(help: "Print the report as JSON.")
        var json = false

        /// Refuses the output before the store is opened or any row read, and returns the export's options.
        func checkedOptions(_ store: StoreOptions) throws -> ExportOptions {
            let policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
            if output != "-" { try OutputFile.check(output, policy: policy) }
            return ExportOptions(crs: crs, format: format, decimals: decimals, outputPolicy: policy)
        }

        func report(_ r: ExportReport) throws {
            if json { try printJSON(r) } else { printOut("exported \(r.features) \(r.layer) to \(r.file) (\(r.crs))\n") }
        }
    }

    struct Parcels: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live parcels.")
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws {
            let options = try common.checkedOptions(store)
            try common.report(try store.open().exportParcels(to: common.output, options: options))
        }
    }

    struct Zones: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live zones.")
        @Option(help: "Only zones of this kind.") var kind: ZoneKind?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws {
            let options = try common.checkedOptions(store)
            try common.report(try store.open().exportZones(to: common.output, kind: kind, options: options))
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
