import Foundation
import GRDB
import Testing

@testable import LandRegistry

/// `LayerStyles.install(layer:into:)` on a GeoPackage that GDAL wrote (as an export is), checked by GDAL's
/// validator and by QGIS (Tests/EndToEndTests/qgis/check_styles.py).
@Suite("Layer styles installed into another GeoPackage")
struct LayerStylesInstallTests {
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["QT_QPA_PLATFORM"] = "offscreen"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A reclaimable-land layer as GDAL writes it: three squares, one per category.
    static func exportedGeoPackage() throws -> String {
        let features = ["farmland", "industrial", "both"].enumerated().map { i, category in
            let x = 520_000 + Double(i) * 200, y = 3_340_000.0
            return """
                {"type":"Feature","properties":{"category":"\(category)","area_m2":10000},"geometry":{"type":"Polygon",\
                "coordinates":[[[\(x),\(y)],[\(x + 100),\(y)],[\(x + 100),\(y + 100)],[\(x),\(y + 100)],[\(x),\(y)]]]}}
                """
        }
        let geojson = Fixtures.write(
            """
            {"type":"FeatureCollection","features":[\(features.joined(separator: ","))]}
            """, name: "reclaimable.geojson")
        let gpkg = (geojson as NSString).deletingLastPathComponent + "/reclaimable.gpkg"
        let r = try run("/usr/bin/ogr2ogr", ["-f", "GPKG", "-a_srs", "EPSG:4549", "-nln", "reclaimable", gpkg, geojson])
        try #require(r.status == 0, "ogr2ogr (install gdal-bin: tools/install-deps.sh): \(r.output)")
        return gpkg
    }

    static func rows(_ path: String) throws -> [Row] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT f_table_name, f_geometry_column, styleName, useAsDefault, styleQML, styleSLD FROM layer_styles ORDER BY id"
            )
        }
    }

    @Test func installsTheReclaimableStyleThatQGISThenApplies() throws {
        let gpkg = try Self.exportedGeoPackage()
        try LayerStyles.install(layer: "reclaimable", into: gpkg)
        try LayerStyles.install(layer: "reclaimable", into: gpkg) // a second install replaces the default

        let rows = try Self.rows(gpkg)
        #expect(rows.count == 2)
        #expect(rows.map { $0["useAsDefault"] as Int } == [0, 1])
        #expect(
            rows.allSatisfy {
                ($0["f_table_name"] as String) == "reclaimable" && ($0["f_geometry_column"] as String) == "geom"
            })
        let sld: String = rows[1]["styleSLD"]
        for category in ["farmland", "industrial", "both"] {
            #expect(sld.contains("<ogc:Literal>\(category)</ogc:Literal>"), "the SLD has no rule for \(category)")
        }
        let registered = try DatabaseQueue(path: gpkg).read { db in
            try String.fetchOne(db, sql: "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'")
        }
        #expect(registered == "attributes")

        let validator = try Self.run(
            "/usr/bin/python3",
            ["/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", gpkg])
        #expect(validator.status == 0, "\(validator.output)")

        let script = Fixtures.repo.appendingPathComponent("Tests/EndToEndTests/qgis/check_styles.py").path
        let dir = (gpkg as NSString).deletingLastPathComponent
        let qgis = try Self.run("/usr/bin/python3", [script, gpkg, dir, "reclaimable"])
        try #require(qgis.status == 0, "QGIS could not open \(gpkg): \(qgis.output)")
        let jsonLine = try #require(qgis.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: [String: Any]])
        let layer = report["reclaimable"] ?? [:]
        #expect(layer["renderer"] as? String == "categorizedSymbol")
        #expect(layer["attribute"] as? String == "category")
        #expect(layer["categories"] as? [String] == ["farmland", "industrial", "both"])
        #expect((layer["distinctColours"] as? Int ?? 0) > 3, "the rendering is one flat colour")
    }

    @Test func refusesALayerWithoutAStyleAndAMissingTable() throws {
        let gpkg = try Self.exportedGeoPackage()
        #expect(throws: LayerStylesError.noStyle(layer: "tenancies", known: DefaultStyles.allLayers)) {
            try LayerStyles.install(layer: "tenancies", into: gpkg)
        }
        #expect(throws: LayerStylesError.noSuchTable(file: gpkg, table: "parcels")) {
            try LayerStyles.install(layer: "parcels", into: gpkg)
        }
        // Nothing was written by either refusal.
        let hasTable = try DatabaseQueue(path: gpkg).read { try $0.tableExists("layer_styles") }
        #expect(!hasTable)
    }
}
