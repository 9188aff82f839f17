import ArgumentParser
import LandGeoJSON
import LandGeometry
import LandRegistry

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a layer for GIS tools and the office: GeoJSON, GeoPackage, Shapefile, CSV, KML or xlsx.",
        discussion: """
            The format comes from --format, else from the extension of -o: .geojson/.json, .geojsonl, .gpkg, .zip \
            (a zipped Shapefile), .csv, .kml, .xlsx; otherwise GeoJSON. A Shapefile is written as a new folder \
            (--format shp -o FOLDER) or a .zip. Default CRS: EPSG:4326 for GeoJSON and KML (KML holds nothing \
            else); the store's CRS for GeoPackage, Shapefile and CSV --wkt, as an office's GIS expects. \
            Rules (Shapefile field names, types, formulas in spreadsheets): docs/exports.md.
            """,
        subcommands: [
            Parcels.self, Zones.self,
            Sites.self,
            Spots.self,
            Reclaimable.self,
            UnreportedConstructionExport.self,
            Approvals.self
        ])

    struct Common: ParsableArguments {
        @Option(
            name: .shortAndLong,
            help: ArgumentHelp(
                "The output file (written completely, then moved into place; never the store, a database or a link).",
                valueName: "FILE"))
        var output: String
        @Flag(help: "Replace FILE if it exists (never the store or another database).")
        var overwrite = false
        @Option(
            help:
                "Output CRS (default: EPSG:4326 for GeoJSON (RFC 7946; a projected CRS adds the legacy crs member) and KML; the store's CRS for gpkg, shp, csv)."
        )
        var crs: CRS?
        @Option(
            help: "geojson, geojsonseq, gpkg, shp, csv, kml or xlsx (default: from the extension of -o, else geojson).")
        var format: ExportFormat?
        @Option(help: "Shapefile .dbf encoding: utf-8 (the .cpg says UTF-8) or gbk (code page 936, for older ArcGIS).")
        var encoding: ExportEncoding = .utf8
        @Flag(help: "CSV: add a WKT geometry column.")
        var wkt = false
        @Option(help: "Decimal places of coordinates (default: full precision).")
        var decimals: Int?
        @Flag(help: "Print the report as JSON.")
        var json = false

        /// The format: --format, else the extension of -o, else GeoJSON.
        func resolvedFormat() throws -> ExportFormat {
            if let format {
                if format == .shp && output.lowercased().hasSuffix(".shp") {
                    _ = try ExportFormat.inferred(fromPath: output)
                }
                return format
            }
            return try ExportFormat.inferred(fromPath: output) ?? .geojson
        }

        /// Refuses the output before the store is opened or any row read, then opens the store and returns it with
        /// the export's options: file formats other than GeoJSON and KML default to the store's CRS.
        func checkedOptions(_ store: StoreOptions) throws -> (Registry, ExportOptions) {
            let format = try resolvedFormat()
            if encoding != .utf8 && format != .shp {
                throw ValidationError("--encoding applies to Shapefiles (--format shp) only")
            }
            if wkt && format != .csv { throw ValidationError("--wkt applies to CSV only") }
            if decimals != nil && !format.isGeoJSON { throw ValidationError("--decimals applies to GeoJSON only") }
            var policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
            var o = ExportOptions(crs: .wgs84, format: format, decimals: decimals)
            o.encoding = encoding
            o.csvWKT = wkt
            o.shapefileZip = format == .shp && output.lowercased().hasSuffix(".zip")
            policy.expects = o.outputKind
            if output != "-" { try OutputFile.check(output, policy: policy) }
            o.outputPolicy = policy
            let registry = try store.openForReading()
            o.crs = crs ?? (format.isGeoJSON || format == .kml ? CRS.wgs84 : registry.storeCRS)
            return (registry, o)
        }

        func report(_ r: ExportReport) throws {
            for w in r.warnings ?? [] { diagnose("warning: \(w)") }
            // `fieldNames` was published camelCase (docs/exports.md) before keys were snake_case.
            if json { try printJSON(r, keys: .useDefaultKeys); return }
            printOut("exported \(r.features) \(r.layer) to \(r.file) (\(r.crs))\n")
            // The Shapefile names that differ from the layer's (10-byte rule).
            for n in r.fieldNames ?? [] where n.field != n.shapefile {
                printOut("  field \(n.field) → \(n.shapefile)\n")
            }
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
extension ExportEncoding: ExpressibleByArgument {}
