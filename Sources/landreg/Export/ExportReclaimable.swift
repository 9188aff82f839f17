import ArgumentParser
import LandAnalysis
import LandGeoJSON
import LandGeometry
import LandRegistry

extension ExportCommand {
    struct Reclaimable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Export reclaimable land as dissolved polygons: category (farmland, industrial, both), source codes, area."
        )
        @Option(
            help: ArgumentHelp("The state as it stood on this day (default: now).", valueName: "YYYY-MM-DD"),
            transform: parseDay)
        var asOf: String?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            let (report, polygons) = try ReclaimableCalculator.compute(registry, asOf: asOf, zoneKind: nil)
            for w in report.warnings { diagnose("warning: \(w)") }
            let features = polygons.enumerated().map { i, p in
                (
                    id: JSONValue?.some(.number(String(i + 1))),
                    properties: JSONObject([
                        ("category", .string(p.category)),
                        ("sources", .array(p.sourceCodes.map(JSONValue.string))),
                        ("area_m2", JSONValue(double: p.areaM2)),
                        ("area_mu", JSONValue(double: AreaUnits.mu(p.areaM2))),
                        ("planar_area_m2", JSONValue(double: p.planarAreaM2)),
                        ("as_of", .string(report.asOf))
                    ]), geometry: p.geometry
                )
            }
            try common.report(try registry.exportFeatures("reclaimable", features, to: common.output, options: options))
        }
    }
}
