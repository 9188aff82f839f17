import ArgumentParser
import LandAnalysis
import LandGeoJSON
import LandGeometry
import LandRegistry

extension ExportCommand {
    struct UnreportedConstructionExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unreported-construction",
            abstract:
                "Export the unreported-construction polygons (farmland → construction, minus spots and approvals).")
        @OptionGroup var query: UnreportedConstructionQuery
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            let r = try query.compute(registry)
            let features = r.polygons.enumerated().map { i, p in
                (
                    id: JSONValue?.some(.number(String(i + 1))),
                    properties: JSONObject([
                        ("later_codes", .string(p.laterCodes.joined(separator: " "))),
                        ("village", p.village.map(JSONValue.string) ?? .null),
                        ("land_use_before", p.landUseBefore.map(JSONValue.string) ?? .null),
                        ("land_use_after", p.landUseAfter.map(JSONValue.string) ?? .null),
                        ("area_m2", JSONValue(double: p.areaM2)),
                        ("area_mu", JSONValue(double: p.areaMu)),
                        ("planar_area_m2", JSONValue(double: p.planarAreaM2)),
                        ("from_survey", .number(String(r.from))), ("to_survey", .number(String(r.to)))
                    ]), geometry: p.geometry
                )
            }
            try common.report(
                try registry.exportFeatures("unreported-construction", features, to: common.output, options: options))
        }
    }
}
