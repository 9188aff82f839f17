import ArgumentParser
import Foundation
import LandGeometry
import LandRegistry
import LandGeoJSON

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a layer from a file: all of it or, on any problem, nothing.",
        subcommands: [ImportParcels.self, ImportZones.self,
                      ImportSites.self, ImportEnterprises.self, ImportEnterpriseYears.self, ImportTenancies.self,
                      ImportSpots.self,
                      ImportSpotUpdates.self,
        ])
}

/// Options of every layer import (GeoJSON, or any vector format GDAL reads).
struct GeoJSONImportOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "A GeoJSON FeatureCollection or text sequence (.geojsons), a Shapefile (.shp, or a .zip holding one), "
            + "a FileGDB folder (.gdb), a GeoPackage (.gpkg), KML/KMZ, or a CSV with a WKT column.",
        valueName: "file"))
    var file: String

    @Option(help: "The file's CRS (overrides its .prj / SRS / crs member; GeoJSON default RFC 7946 lon/lat).")
    var crs: CRS?

    @Option(help: "The layer to read from a source with several (FileGDB, GeoPackage, a zip of shapefiles).")
    var layer: String?

    @Option(help: "Text encoding of a Shapefile's .dbf: gbk, gb18030 or utf-8 (overrides .cpg and the language-driver byte).")
    var encoding: String?

    @Option(name: .customLong("map"), help: ArgumentHelp("Read a field from a property (repeatable).", valueName: "field=PROP"))
    var map: [String] = []

    @Option(help: "Field-name profile, e.g. sandiao for 三调 DLTB exports (BSM, DLBM, QSDWMC, TBMJ …).")
    var profile: String?

    @Flag(help: "Make invalid geometry valid (reported per feature) instead of refusing it.")
    var repair = false

    @Flag(help: "Supersede live records with the same code (the old row is retired, never deleted).")
    var replace = false

    @Flag(help: "Check everything, write nothing.")
    var dryRun = false

    @Option(help: "Threads that parse and check features (default: the number of cores).")
    var workers: Int?

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Print the import report as JSON.")
    var json = false

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        _ = try FieldMapping.parseMapArguments(map)
    }

    func importOptions(_ change: ChangeOptions, store: StoreOptions) throws -> FeatureImportOptions {
        var options = FeatureImportOptions(
            sourceCRS: crs, fieldMap: try FieldMapping.parseMapArguments(map), profile: profile, repair: repair,
            replace: replace, dryRun: dryRun, workers: workers, context: try change.context(store: store))
        options.layer = layer
        options.encoding = encoding
        return options
    }

    /// Runs an import with a progress bar and prints its report.
    func perform(_ label: String, _ body: (@escaping (ImportProgress) -> Void) throws -> ImportReport) throws {
        let bar = ProgressBar(label: label, quiet: quiet)
        let report: ImportReport
        do { report = try body { bar.update($0) } } catch { bar.finish(); throw error }
        bar.finish()
        if json { try printJSON(report); return }
        for r in report.repairs { diagnose("\(file): repaired \(r)") }
        let verb = report.dryRun ? "would import" : "imported"
        let from = report.sourceLayer.map { "\(file) layer \($0)" } ?? file
        var line = "\(verb) \(report.features) \(report.layer) from \(from) (\(report.sourceCRS))"
        if let note = report.crsOverride { line += "; \(note)" }
        if report.replaced > 0 { line += ", superseding \(report.replaced)" }
        if !report.repairs.isEmpty { line += ", \(report.repairs.count) repaired" }
        line += ": \(Format.m2(report.ellipsoidalAreaM2)) m² = \(Format.mu(report.ellipsoidalAreaM2)) 亩 = \(Format.ha(report.ellipsoidalAreaM2)) ha"
        line += " (ellipsoidal), in \(Format.number(report.seconds, decimals: 1)) s"
        if let id = report.importID { line += " [import #\(id)]" }
        printOut(line + "\n")
    }
}

struct ImportParcels: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parcels", abstract: "Import survey parcels from GeoJSON, a Shapefile, FileGDB, GeoPackage, KML or CSV+WKT.")
    @OptionGroup var source: GeoJSONImportOptions
    @Option(help: "The land-use code system of the file: gb21010 (GB/T 21010-2017) or yongdi (用地用海).")
    var codeSystem = "gb21010"
    @OptionGroup var change: ChangeOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        let registry = try store.open()
        try source.perform("import parcels") { progress in
            try registry.importParcels(file: source.file, codeSystem: codeSystem,
                                       options: try source.importOptions(change, store: store), progress: progress)
        }
    }
}

extension ZoneKind: ExpressibleByArgument {}

struct ImportZones: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "zones", abstract: "Import zones of one kind from GeoJSON or any vector format GDAL reads.")
    @OptionGroup var source: GeoJSONImportOptions
    @Option(help: "community, village, grid, basic-farmland, development-area or other.")
    var kind: ZoneKind
    @OptionGroup var change: ChangeOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        let registry = try store.open()
        try source.perform("import zones") { progress in
            try registry.importZones(file: source.file, kind: kind, options: try source.importOptions(change, store: store), progress: progress)
        }
    }
}
