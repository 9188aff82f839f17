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
        @Option(name: .shortAndLong, help: "The output file (written completely, then moved into place).")
        var output: String
        @Option(help: "Output CRS (default EPSG:4326, RFC 7946; a projected CRS adds the legacy crs member).")
        var crs: CRS = .wgs84
        @Option(help: "geojson (a FeatureCollection) or geojsonseq (one feature per line).")
        var format: ExportFormat = .geojson
        @Option(help: "Decimal places of coordinates (default: full precision).")
        var decimals: Int?
        @Flag(help: "Print the report as JSON.")
        var json = false

        var options: ExportOptions { ExportOptions(crs: crs, format: format, decimals: decimals) }

        func report(_ r: ExportReport) throws {
            if json { try printJSON(r) } else { printOut("exported \(r.features) \(r.layer) to \(r.file) (\(r.crs))\n") }
        }
    }

    struct Parcels: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live parcels.")
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws { try common.report(try store.open().exportParcels(to: common.output, options: common.options)) }
    }

    struct Zones: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live zones.")
        @Option(help: "Only zones of this kind.") var kind: ZoneKind?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws {
            try common.report(try store.open().exportZones(to: common.output, kind: kind, options: common.options))
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
