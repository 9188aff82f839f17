import ArgumentParser
import Foundation
import LandGeometry
import LandRegistry

extension SpotsCommand {
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a spot (拆分) into children read from a file; the spot becomes split (final).",
            discussion: """
                The children must lie within the spot (0.01 m² tolerance), not overlap each other (0.01 m²) and cover \
                it to within 0.1 % (planar, store CRS); otherwise the split is refused with the figures. Codes: \
                --codes, else the file's code field, else CODE_1, CODE_2 …. Children start reported with the spot's \
                batch and detection date, or with --inherit in its state with its judgement, measure and deadline. \
                Counting: issued (原始下发) = unsplit + split spots; verified (核查) = unsplit + children.
                """)
        @Argument(help: "The spot code.") var code: String
        @Option(
            help: ArgumentHelp(
                "The children's polygons: GeoJSON, Shapefile, FileGDB, GeoPackage, KML or CSV+WKT.", valueName: "FILE"))
        var into: String
        @Option(help: ArgumentHelp("The children's codes, in file order.", valueName: "A,B,…")) var codes: String?
        @Flag(help: "Children take the spot's state, judgement, measure and deadline (progress areas pro rata).")
        var inherit = false
        @Option(help: "The file's CRS (overrides its .prj / SRS / crs member; GeoJSON default RFC 7946 lon/lat).")
        var crs: CRS?
        @Option(help: "The layer to read from a source with several.") var layer: String?
        @Option(help: "Text encoding of a Shapefile's .dbf: gbk, gb18030 or utf-8.") var encoding: String?
        @Option(
            name: .customLong("map"),
            help: ArgumentHelp("Read the code from a property (code=PROP).", valueName: "code=PROP"))
        var map: [String] = []
        @Flag(help: "Make invalid geometry valid instead of refusing it.") var repair = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        var codeList: [String]? {
            codes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        }

        func validate() throws {
            _ = try FieldMapping.parseMapArguments(map)
            if let list = codeList, list.contains(where: \.isEmpty) {
                throw ValidationError("--codes \(codes ?? ""): a code is empty")
            }
        }

        func run() throws {
            var source = FeatureImportOptions(
                sourceCRS: crs, fieldMap: try FieldMapping.parseMapArguments(map), repair: repair, workers: 1,
                context: try change.context(store: store))
            source.layer = layer
            source.encoding = encoding
            let result = try store.change { registry in
                try registry.splitSpot(
                    code: code, file: into, options: SpotSplitOptions(codes: codeList, inherit: inherit, source: source)
                )
            }
            if json { try printJSON(result); return }
            var t = TextTable(
                ["#", "code", "status", "area m²", "area 亩", "farmland m²", "basic farmland m²", "event"],
                rightAligned: [0, 3, 4, 5, 6, 7])
            for c in result.children {
                t.add([
                    String(c.index), c.code, c.status.rawValue, Format.m2(c.areaM2), Format.mu(c.areaM2),
                    Format.m2(c.farmlandAreaM2), Format.m2(c.basicFarmlandAreaM2), "#\(c.eventID)"
                ])
            }
            printOut(
                "spot \(result.code): split, \(result.from.rawValue) → split [event #\(result.eventID)] into "
                    + "\(result.children.count) children (outside \(Format.m2(result.outsideM2)) m², overlap "
                    + "\(Format.m2(result.overlapM2)) m², gap \(Format.m2(result.gapM2)) m², planar)\n")
            printOut(t.render(.table))
        }
    }
}
