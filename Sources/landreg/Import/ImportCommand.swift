import ArgumentParser
import Foundation
import LandGeoJSON
import LandGeometry
import LandRegistry

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a layer from a file: all of it or, on any problem, nothing.",
        subcommands: [
            Parcels.self, Survey.self, Zones.self,
            Sites.self, Enterprises.self, EnterpriseYears.self, Tenancies.self,
            Spots.self,
            SpotUpdates.self,
            Approvals.self
        ])
}

/// Options of every layer import (GeoJSON, or any vector format GDAL reads).
struct GeoJSONImportOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "A GeoJSON FeatureCollection or text sequence (.geojsons), a Shapefile (.shp, or a .zip holding one), "
                + "a FileGDB folder (.gdb), a GeoPackage (.gpkg), KML/KMZ, or a CSV with a WKT column.",
            valueName: "file"))
    var file: String

    @Option(help: "The file's CRS (overrides its .prj / SRS / crs member; GeoJSON default RFC 7946 lon/lat).")
    var crs: CRS?

    @Option(help: "The layer to read from a source with several (FileGDB, GeoPackage, a zip of shapefiles).")
    var layer: String?

    @Option(
        help:
            "Text encoding of a Shapefile's .dbf: gbk, gb18030 or utf-8 (overrides .cpg and the language-driver byte).")
    var encoding: String?

    @Option(
        name: .customLong("map"),
        help: ArgumentHelp("Read a field from a property (repeatable).", valueName: "field=PROP"))
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
        line +=
            ": \(Format.m2(report.ellipsoidalAreaM2)) m² = \(Format.mu(report.ellipsoidalAreaM2)) 亩 = \(Format.ha(report.ellipsoidalAreaM2)) ha"
        line += " (ellipsoidal), in \(Format.number(report.seconds, decimals: 1)) s"
        if let id = report.importID { line += " [import #\(id)]" }
        printOut(line + "\n")
    }
}

/// Options of the CSV record imports.
struct CSVImportOptions: ParsableArguments {
    @Argument(help: "A CSV file (header row; UTF-8, or GBK with --encoding gbk) or an Excel workbook (.xlsx).")
    var file: String
    @Option(help: "Text encoding of a CSV file: utf-8 (default; a BOM means UTF-8), gbk or gb18030.")
    var encoding: String?
    @Option(help: "The sheet of a .xlsx workbook (default: the first).")
    var sheet: String?
    @Flag(help: "Print the import report as JSON.")
    var json = false

    var tableOptions: TableReadOptions { TableReadOptions(encoding: encoding, sheet: sheet) }

    func report(_ r: CSVImportReport) throws {
        for w in r.warnings { diagnose("\(file): warning: \(w)") }
        if json { try printJSON(r); return }
        printOut(
            "imported \(r.rows) rows into \(r.table) from \(file)"
                + (r.warnings.isEmpty ? "" : ", \(r.warnings.count) warning\(r.warnings.count == 1 ? "" : "s")")
                + (r.importID.map { " [import #\($0)]" } ?? "") + "\n")
    }
}
