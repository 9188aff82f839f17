import Foundation
import LandGeoJSON
import LandGeometry
import Testing

@testable import LandRegistry

/// The schema pass of the file exports: Shapefile names, types from values, refusals before any file exists.
@Suite("Export schema")
struct ExportSchemaTests {
    func props(_ members: [(String, JSONValue)]) -> JSONObject { JSONObject(members.map { (key: $0.0, value: $0.1) }) }

    @Test func aShapefileRefusesASecondGeometryTypeNamingTheFeature() throws {
        var shp = ExportSchemaBuilder(format: .shp, encoding: .utf8, file: "out.zip")
        try shp.observe(geometry: .polygon, index: 0, id: .string("P-1"))
        try shp.observe(geometry: .polygon, index: 1, id: .string("P-2"))
        let error = #expect(throws: (any Error).self) {
            try shp.observe(geometry: .point, index: 2, id: .string("P-3"))
        }
        #expect(
            error.map { "\($0)" } == "out.zip: feature 2 (id \"P-3\"): its geometry is a Point but feature 0 "
                + "(id \"P-1\") is a Polygon: a Shapefile holds one geometry type")
        // A GeoPackage takes the mix as a Geometry layer.
        var gpkg = ExportSchemaBuilder(format: .gpkg, encoding: .utf8, file: "out.gpkg")
        try gpkg.observe(geometry: .polygon, index: 0, id: nil)
        try gpkg.observe(geometry: .point, index: 1, id: nil)
        #expect(gpkg.family == .any)
    }

    @Test func longNamesAreCutToTenBytesOfTheEncodingAndCollisionsGetANumber() throws {
        let row = props([
            ("code", .string("A")), ("地类名称代码", .string("x")), ("地类名称代码乙", .string("y")),
            ("ellipsoidal_area_m2", .number("1.5")), ("ELLIPSOIDAL_area_mu", .number("2.5"))
        ])
        var utf8 = ExportSchemaBuilder(format: .shp, encoding: .utf8, file: "f")
        try utf8.observe(row, index: 0, id: nil)
        // UTF-8: three bytes a character, so three characters fit; the second needs room for "_2".
        #expect(try utf8.fields().map(\.fileName) == ["code", "地类名", "地类_2", "ellipsoida", "ELLIPSOI_2"])
        var gbk = ExportSchemaBuilder(format: .shp, encoding: .gbk, file: "f")
        try gbk.observe(row, index: 0, id: nil)
        // GBK: two bytes a character, five fit.
        #expect(try gbk.fields().map(\.fileName) == ["code", "地类名称代", "地类名称_2", "ellipsoida", "ELLIPSOI_2"])
        // Other formats keep the names.
        var gpkg = ExportSchemaBuilder(format: .gpkg, encoding: .utf8, file: "f")
        try gpkg.observe(row, index: 0, id: nil)
        #expect(try gpkg.fields().map(\.fileName) == row.keys)
    }

    @Test func typesComeFromTheValuesOfEveryRow() throws {
        var b = ExportSchemaBuilder(format: .gpkg, encoding: .utf8, file: "f")
        try b.observe(
            props([
                ("n", .number("3")), ("x", .number("3")), ("d", .string("2024-02-29")), ("t", .string("a")),
                ("disposed_m2", .number("0")), ("ok", .bool(true)), ("z", .null)
            ]), index: 0, id: nil)
        try b.observe(
            props([
                ("n", .number("4")), ("x", .number("3.5")), ("d", .string("2024-02-30")), ("t", .number("7")),
                ("disposed_m2", .number("5000")), ("ok", .bool(false)), ("z", .null)
            ]), index: 1, id: nil)
        let types = Dictionary(uniqueKeysWithValues: try b.fields().map { ($0.name, $0.type.rawValue) })
        #expect(
            types == [
                "n": "integer64", "x": "real", "d": "string", "t": "string", "disposed_m2": "real",
                "ok": "boolean", "z": "string"
            ])
        // Dates are Dates only where the format has them.
        var csv = ExportSchemaBuilder(format: .csv, encoding: .utf8, file: "f")
        try csv.observe(props([("d", .string("2024-02-29"))]), index: 0, id: nil)
        var shp = ExportSchemaBuilder(format: .shp, encoding: .utf8, file: "f")
        try shp.observe(props([("d", .string("2024-02-29"))]), index: 0, id: nil)
        #expect(try csv.fields()[0].type.rawValue == "string")
        #expect(try shp.fields()[0].type.rawValue == "date")
    }
}
