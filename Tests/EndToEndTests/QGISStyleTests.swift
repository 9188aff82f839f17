import Foundation
import Testing

/// QGIS is the test: stores built and migrated by the binary are opened by QGIS 3.22 (Debian's python3-qgis,
/// headless), which must apply each layer's default style from layer_styles and draw it.
@Suite("QGIS opens the store styled", .serialized)
struct QGISStyleTests {
    static let script = CLI.repo.appendingPathComponent("Tests/EndToEndTests/qgis/check_styles.py").path
    static let storeLayers = ["parcels", "zones", "spots", "sites"]
    /// The 三调 colours of the three farmland classes (StyleTables.gbLandUse).
    static let farmlandColours: [String: [Int]] = [
        "0101": [248, 208, 114], "0102": [248, 231, 28], "0103": [255, 251, 177]
    ]
    /// A spot rectifying with a deadline far ahead: never overdue.
    static let notOverdueSpot = "JC2024-01-0021"

    /// A store of the sample district: parcels, zones of four kinds, two spot batches and their lifecycle steps,
    /// enterprises and sites, and one spot rectifying with a deadline in 2099.
    static func sampleStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/district.gpkg"
        let g = CLI.geoData
        var steps: [[String]] = [["init"], ["import", "parcels", g + "/parcels.geojson", "--profile", "sandiao"]]
        for kind in ["village", "basic-farmland", "grid", "development-area"] {
            steps.append(["import", "zones", g + "/zones-\(kind).geojson", "--kind", kind])
        }
        for batch in ["2023-07", "2024-01"] {
            steps.append(["import", "spots", g + "/spots-\(batch).geojson", "--batch", batch])
        }
        steps += [
            ["import", "spot-updates", g + "/spot-updates.csv"], ["import", "enterprises", g + "/enterprises.csv"],
            ["import", "sites", g + "/sites.geojson"],
            ["spots", "verify", notOverdueSpot], ["spots", "verify", notOverdueSpot, "--judgement", "illegal"],
            ["spots", "rectify", notOverdueSpot, "--measure", "demolish-restore", "--deadline", "2099-12-31"]
        ]
        for args in steps {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        return (dir, store)
    }

    /// What QGIS made of each layer (see qgis/check_styles.py). Fails, saying what to install, without QGIS.
    static func openWithQGIS(_ store: String, layers: [String], in dir: String) throws -> [String: [String: Any]] {
        let r = try CLI.gdalPython([script, store, dir] + layers)
        try #require(r.status == 0, "QGIS could not open \(store): \(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(json as? [String: [String: Any]], "unexpected output: \(r.stdout)")
    }

    /// The assertions every styled store must pass, new or migrated.
    static func expectStyled(_ report: [String: [String: Any]], spotsWithLifecycle: Bool) {
        let parcels = report["parcels"] ?? [:]
        #expect(parcels["renderer"] as? String == "categorizedSymbol")
        let categories = parcels["categories"] as? [String] ?? []
        for value in [
            "01", "0101", "0102", "0103", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
            "yongdi:07", ""
        ] {
            #expect(categories.contains(value), "parcels style lacks the category \(value.isEmpty ? "(other)" : value)")
        }
        #expect((parcels["distinctColours"] as? Int ?? 0) > 10, "the parcels rendering is (nearly) one flat colour")
        expectDrawn(parcels, farmlandColours.map { ("gb21010:" + $0.key, $0.value) })

        let zones = report["zones"] ?? [:]
        #expect(zones["renderer"] as? String == "categorizedSymbol")
        #expect(zones["attribute"] as? String == "kind")
        #expect(
            zones["categories"] as? [String] == [
                "community", "village", "grid", "basic-farmland", "development-area", "eco-redline", "urban-boundary",
                "other"
            ])
        #expect((zones["distinctColours"] as? Int ?? 0) > 2, "the zones rendering is one flat colour")

        let spots = report["spots"] ?? [:]
        #expect(spots["renderer"] as? String == "RuleRenderer")
        let rules = spots["rules"] as? [String] ?? []
        for status in ["reported", "verifying", "legal", "other", "illegal", "rectifying", "rectified", "closed"] {
            #expect(rules.contains("\"status\" = '\(status)'"), "spots style has no rule for \(status)")
        }
        #expect(rules.contains { $0.contains("deadline") && $0.contains("now()") }, "spots style has no overdue rule")
        #expect(spots["labelsEnabled"] as? Bool == true)
        #expect(spots["labelField"] as? String == "code")
        #expect((spots["distinctColours"] as? Int ?? 0) > 2, "the spots rendering is one flat colour")
        let matched = spots["matched"] as? [String: [String]] ?? [:]
        let overdue = matched["逾期未整改 overdue"] ?? []
        if spotsWithLifecycle {
            // spot-updates.csv leaves 22 spots rectifying with deadlines in 2023–2025: all past.
            #expect(overdue.count == 22, "overdue spots: \(overdue)")
            #expect(!overdue.contains(notOverdueSpot), "a spot due in 2099 is marked overdue")
            #expect((matched["整改中 rectifying"] ?? []).contains(notOverdueSpot))
        } else {
            #expect(overdue.isEmpty)
        }

        let sites = report["sites"] ?? [:]
        #expect(sites["renderer"] as? String == "categorizedSymbol")
        #expect(
            sites["categories"] as? [String]
                == ["identified", "assessed", "planned", "implementing", "completed", "suspended", "cancelled"])
    }

    /// Each `system:code` parcel is drawn, inside, in `colour` (±2 per channel for antialiasing).
    static func expectDrawn(_ parcels: [String: Any], _ expected: [(key: String, colour: [Int])]) {
        let pixels = parcels["landUsePixels"] as? [String: [Int]] ?? [:]
        for (key, colour) in expected {
            let drawn = pixels[key] ?? []
            #expect(
                drawn.count == 3 && zip(drawn, colour).allSatisfy { abs($0 - $1) <= 2 },
                "a \(key) parcel is drawn in \(drawn), not in \(colour)")
        }
    }

    @Test func yongdiParcelsAreDrawnInTheirOwnCategories() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/yongdi.gpkg"
        // Three 100 m squares side by side: 0701 居住用地 and 1001 工矿用地 in 用地用海 (in GB/T 21010, 0701 would be
        // 城镇住宅 and 1001 铁路), and a GB/T 21010 0101 水田.
        func square(_ code: String, _ landUse: String, _ i: Int) -> String {
            let x = 520_000 + Double(i) * 150, y = 3_340_000.0
            return """
                {"type":"Feature","properties":{"code":"\(code)","land_use":"\(landUse)"},"geometry":{"type":"Polygon",\
                "coordinates":[[[\(x),\(y)],[\(x + 100),\(y)],[\(x + 100),\(y + 100)],[\(x),\(y + 100)],[\(x),\(y)]]]}}
                """
        }
        func collection(_ features: [String]) -> String {
            "{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",") + "]}"
        }
        let yongdi = dir + "/yongdi.geojson", gb = dir + "/gb.geojson"
        try collection([square("Y1", "0701", 0), square("Y2", "1001", 1)]).write(
            toFile: yongdi, atomically: true, encoding: .utf8)
        try collection([square("G1", "0101", 2)]).write(toFile: gb, atomically: true, encoding: .utf8)
        for args in [
            ["init"], ["import", "parcels", yongdi, "--code-system", "yongdi", "--crs", "EPSG:4549"],
            ["import", "parcels", gb, "--crs", "EPSG:4549"]
        ] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        let parcels = try Self.openWithQGIS(store, layers: ["parcels"], in: dir)["parcels"] ?? [:]
        #expect(parcels["renderer"] as? String == "categorizedSymbol")
        // 居住用地 takes the 三调 colour of 住宅用地, 工矿用地 that of 工矿仓储用地; 0101 stays 水田.
        Self.expectDrawn(
            parcels,
            [
                ("yongdi:0701", [229, 103, 102]), ("yongdi:1001", [197, 154, 140]),
                ("gb21010:0101", [248, 208, 114])
            ])
    }

    @Test func aNewStoreOpensInQGISWithEveryLayerStyled() throws {
        let (dir, store) = try Self.sampleStore()
        Self.expectStyled(try Self.openWithQGIS(store, layers: Self.storeLayers, in: dir), spotsWithLifecycle: true)
        #expect(FileManager.default.fileExists(atPath: dir + "/parcels.png"))

        // The store is still a valid GeoPackage with layer_styles in it: landreg's own check and GDAL's validator.
        let check = try CLI.landreg(["check", "--gdal", "--store", store], in: dir)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("GDAL's validator: ok"), "\(check.stdout)")
        let validator = try CLI.gdalPython(
            ["/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", store])
        #expect(validator.status == 0, "\(validator.stdout)\(validator.stderr)")
    }

    /// A district store on PostGIS: QGIS's postgres provider finds each landreg table's default style in
    /// public.layer_styles (written when the schema is made) and draws it as it draws the GeoPackage's layers.
    @Test func aPostGISStoresLayersOpenInQGISStyled() throws {
        let (dir, store) = try Self.sampleStore()
        let pg = try PostgresCluster.shared()
        let db = try pg.freshDatabase()
        let copy = try CLI.landreg(
            ["copy", "--from", store, "--to", pg.url(database: db), "--subdistrict", "330110001"], in: dir)
        try #require(copy.status == 0, "\(copy.stderr)")
        #expect(!copy.stderr.contains("were not written"), "\(copy.stderr)")
        let report = try Self.openWithQGIS(
            "pg:dbname=\(db) host=\(pg.dir) user=landreg_admin", layers: Self.storeLayers, in: dir)
        for layer in Self.storeLayers {
            #expect(report[layer]?["valid"] as? Bool == true, "\(layer): \(report[layer] ?? [:])")
        }
        Self.expectStyled(report, spotsWithLifecycle: true)
        // One default row per layer, landreg's, for this database's schema landreg; an office's role reads them.
        let rows = try pg.value(
            """
            SELECT string_agg(f_table_name || ' ' || f_geometry_column, ',' ORDER BY f_table_name) FROM public.layer_styles
            WHERE f_table_catalog = current_database() AND f_table_schema = 'landreg' AND useasdefault
            """, database: db)
        #expect(rows == "parcels geom,sites geom,spots geom,zones geom")
        let office = "qgis_\(db)"
        let added = try CLI.landreg(
            ["office", "add", office, "--subdistrict", "330110001", "--store", pg.url(database: db)], in: dir)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try pg.value("SELECT count(*) FROM public.layer_styles", database: db, user: office) == "4")
    }

    /// An exported GeoPackage carries its layer's default style: QGIS opens it with the same renderer and the same
    /// classes (categories or rules, and labels) as the layer in the store it came from.
    @Test func anExportedGeoPackageOpensInQGISWithItsLayersStyle() throws {
        let (dir, store) = try Self.sampleStore()
        let inStore = try Self.openWithQGIS(store, layers: Self.storeLayers, in: dir)
        for layer in Self.storeLayers {
            let output = dir + "/exported-\(layer).gpkg"
            let r = try CLI.landreg(["export", layer, "-o", output, "--store", store], in: dir)
            try #require(r.status == 0, "export \(layer): \(r.stderr)")
            let exportDir = dir + "/qgis-\(layer)"
            try FileManager.default.createDirectory(atPath: exportDir, withIntermediateDirectories: false)
            let exported = try #require(try Self.openWithQGIS(output, layers: [layer], in: exportDir)[layer])
            let original = try #require(inStore[layer])
            #expect(exported["renderer"] as? String == original["renderer"] as? String, "\(layer): \(exported)")
            let classes = { (d: [String: Any]) in (d["categories"] as? [String]) ?? (d["rules"] as? [String]) ?? [] }
            #expect(!classes(exported).isEmpty, "\(layer): the exported layer has no classes")
            #expect(classes(exported) == classes(original), "\(layer): \(classes(exported)) ≠ \(classes(original))")
            #expect(exported["labelsEnabled"] as? Bool == original["labelsEnabled"] as? Bool)
            #expect((exported["distinctColours"] as? Int ?? 0) > 1, "\(layer): drawn in one flat colour")
        }
    }

    @Test func aStoreFromBeforeStylesIsMigratedAndThenOpensStyled() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/old.gpkg"
        let g = CLI.geoData
        for args in [
            ["init"], ["import", "parcels", g + "/parcels.geojson", "--profile", "sandiao", "--quiet"],
            ["import", "zones", g + "/zones-village.geojson", "--kind", "village", "--quiet"],
            ["import", "spots", g + "/spots-2023-07.geojson", "--batch", "2023-07", "--quiet"],
            ["import", "sites", g + "/sites.geojson", "--quiet"]
        ] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        // Given a store as the landreg before 2026-12-01-layer-styles left it: migrations only ever add, so taking
        // away what that one migration added gives exactly the older schema.
        let makeOlder = try CLI.python(
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
              DROP TABLE layer_styles;
              DELETE FROM gpkg_contents WHERE table_name = 'layer_styles';
              DELETE FROM sqlite_sequence WHERE name = 'layer_styles';
              DELETE FROM grdb_migrations WHERE identifier = '2026-12-01-layer-styles';
            ''')
            db.commit()
            """, [store])
        #expect(makeOlder.status == 0, "\(makeOlder.stderr)")
        let before = try Self.openWithQGIS(store, layers: ["parcels"], in: dir)
        #expect(before["parcels"]?["renderer"] as? String == "singleSymbol", "the older store was styled already")

        // When landreg opens it, it migrates (with a backup) and lists the four default styles.
        let list = try CLI.landreg(["styles", "list", "--store", store], in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stderr.contains("migrated"), "\(list.stderr)")
        for layer in Self.storeLayers { #expect(list.stdout.contains("landreg-\(layer)"), "\(list.stdout)") }

        // Then QGIS opens every layer styled.
        Self.expectStyled(try Self.openWithQGIS(store, layers: Self.storeLayers, in: dir), spotsWithLifecycle: false)
        let check = try CLI.landreg(["check", "--gdal", "--store", store], in: dir)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func resetWritesNewDefaultsKeepsTheOldRowsAndLogsAnEvent() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/s.gpkg"
        #expect(try CLI.landreg(["init", "--store", store], in: dir).status == 0)
        let reset = try CLI.landreg(["styles", "reset", "--note", "after QGIS edits", "--store", store], in: dir)
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("wrote 4 default styles (parcels, zones, spots, sites)"), "\(reset.stdout)")

        let list = try CLI.landreg(["styles", "list", "--json", "--store", store], in: dir)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 8, "\(rows)")
        #expect(rows.prefix(4).allSatisfy { $0["default"] as? Bool == false }, "the first styles are still default")
        #expect(rows.suffix(4).allSatisfy { $0["default"] as? Bool == true })
        #expect(rows.suffix(4).map { $0["table"] as? String ?? "" } == Self.storeLayers)

        let events = try CLI.python(
            """
            import sqlite3, sys, json
            db = sqlite3.connect(sys.argv[1])
            print(json.dumps(db.execute("SELECT action, entity, note, details FROM events WHERE action = 'styles-reset'").fetchall()))
            """, [store])
        #expect(events.status == 0, "\(events.stderr)")
        #expect(events.stdout.contains("\"styles-reset\", \"layer_styles\", \"after QGIS edits\""), "\(events.stdout)")
        #expect(events.stdout.contains("replaced_defaults\\\":4"), "\(events.stdout)")
    }
}
