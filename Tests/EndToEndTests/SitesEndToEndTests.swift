import Foundation
import Testing

/// Sites, enterprises, tenancies and the utilisation report through the built binary, on GeoData/.
@Suite("Sites and utilisation end to end", .serialized)
struct SitesEndToEndTests {
    /// A store with the sample parcels, village zones, enterprises, their years, sites and tenancies.
    static func sampleStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/district.gpkg"
        let g = CLI.geoData
        for args in [
            ["init"], ["import", "parcels", g + "/parcels.geojson", "--profile", "sandiao"],
            ["import", "zones", g + "/zones-village.geojson", "--kind", "village"],
            ["import", "enterprises", g + "/enterprises.csv"],
            ["import", "enterprise-years", g + "/enterprise-years.csv"],
            ["import", "sites", g + "/sites.geojson"], ["import", "tenancies", g + "/tenancies.csv"]
        ] {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        return (dir, store)
    }

    /// What a refused command must leave as it was.
    static func state(_ store: String, _ dir: String) throws -> String {
        try ["sites", "tenancies"].map { try CLI.landreg([$0, "list", "--json", "--store", store], in: dir).stdout }
            .joined()
            + (try CLI.landreg(["sites", "history", "EC-001", "--json", "--store", store], in: dir).stdout)
    }

    @Test func siteLandAreasAgreeWithShapelyIncludingUnionsOfParcels() throws {
        let (dir, store) = try Self.sampleStore()
        let list = try CLI.landreg(["sites", "list", "--json", "--store", store], in: dir)
        #expect(list.status == 0)
        let listFile = dir + "/sites.json"
        try list.stdout.write(toFile: listFile, atomically: true, encoding: .utf8)
        // Independent: a site's own polygon, or shapely's union_all of its parcels from parcels.geojson.
        let script = """
            import json, sys
            from shapely.geometry import shape
            from shapely import union_all
            parcels = {f["properties"]["BSM"]: shape(f["geometry"]) for f in json.load(open(sys.argv[1]))["features"]}
            ours = {s["code"]: s for s in json.load(open(sys.argv[3]))}
            worst = 0.0; unions = 0
            for f in json.load(open(sys.argv[2]))["features"]:
                p = f["properties"]
                if f["geometry"] is None:
                    g = union_all([parcels[c] for c in p["parcels"]]); unions += 1
                else:
                    g = shape(f["geometry"])
                worst = max(worst, abs(ours[p["code"]]["planar_area_m2"] - g.area) / g.area)
            print(len(ours), unions, worst)
            """
        let r = try CLI.python(script, [CLI.geoData + "/parcels.geojson", CLI.geoData + "/sites.geojson", listFile])
        #expect(r.status == 0, "\(r.stderr)")
        let parts = r.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(parts.count == 3 && parts[0] == "12" && parts[1] == "4", "\(r.stdout)")
        #expect((Double(parts.last ?? "") ?? 1) < 1e-9, "worst relative planar difference \(r.stdout)")
    }

    @Test func refusedCommandsExitNonZeroSayWhyAndChangeNothing() throws {
        let (dir, store) = try Self.sampleStore()
        let before = try Self.state(store, dir)
        let cases: [([String], Int32, String)] = [
            (
                [
                    "tenancies", "add", "--site", "EC-001", "--tenant", "91330110MANN6LRU7C", "--floor-area", "10",
                    "--start", "2026-01-01"
                ],
                1, "check character is \"C\" but the first 17 characters give \"B\""
            ),
            (
                [
                    "tenancies", "add", "--site", "EC-001", "--tenant", "91330110MAQMXECX9A", "--floor-area", "10",
                    "--start", "2026-01-01",
                    "--end", "2025-01-01"
                ], 1, "end 2025-01-01 is before start 2026-01-01"
            ),
            (
                [
                    "tenancies", "add", "--site", "EC-001", "--tenant", "91330110MAQMXECX9A", "--floor-area", "0",
                    "--start", "2026-01-01"
                ],
                1, "must be greater than 0"
            ),
            (
                [
                    "tenancies", "add", "--site", "EC-999", "--tenant", "91330110MAQMXECX9A", "--floor-area", "5",
                    "--start", "2026-01-01"
                ],
                1, "unknown site EC-999"
            ),
            (
                [
                    "tenancies", "add", "--site", "EC-001", "--tenant", "91330110MAQMXECX9A", "--floor-area", "9000",
                    "--start", "2026-01-01",
                    "--strict"
                ], 1, "--strict refuses over-leasing"
            ),
            (
                ["sites", "advance", "EC-001", "--to", "planned"], 1,
                "stages go one step at a time: identified → assessed first"
            ),
            (
                ["sites", "advance", "EC-001", "--to", "assessed", "--disposed", "99999"], 1,
                "exceeds the site's land area"
            ),
            (["sites", "advance", "EC-001", "--to", "finished"], 64, "--to"),
            (["import", "enterprises", CLI.geoData + "/enterprise-years.csv"], 1, "missing column(s) name"),
            // Every date option is refused the same way while the arguments are parsed.
            (
                ["report", "utilisation", "--as-of", "2026-13-01"], 64,
                "'2026-13-01' is invalid for '--as-of <YYYY-MM-DD>'"
            ),
            (
                ["tenancies", "list", "--active-on", "2026-1-5"], 64,
                "'2026-1-5' is invalid for '--active-on <YYYY-MM-DD>'"
            ),
            (
                [
                    "tenancies", "add", "--site", "EC-001", "--tenant", "91330110MAQMXECX9A", "--floor-area", "5",
                    "--start", "2026-02-29"
                ],
                64, "expected a calendar date as YYYY-MM-DD"
            ),
            (["tenancies", "end", "1", "--on", "2026-04-31"], 64, "'2026-04-31' is invalid for '--on <YYYY-MM-DD>'"),
            (
                ["export", "reclaimable", "-o", dir + "/r.geojson", "--as-of", "yesterday"], 64,
                "'yesterday' is invalid for '--as-of"
            )
        ]
        for (args, status, message) in cases {
            let r = try CLI.landreg(args + ["--store", store], in: dir)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args): \(r.stdout)")
        }
        #expect(try Self.state(store, dir) == before)
        // Not strict: recorded, with a warning on stderr.
        let over = try CLI.landreg(
            [
                "tenancies", "add", "--site", "EC-001", "--tenant", "91330110MAQMXECX9A", "--floor-area", "9000",
                "--start", "2026-01-01", "--store", store
            ], in: dir)
        #expect(over.status == 0 && over.stderr.contains("warning: site EC-001 is over-leased"), "\(over.stderr)")
    }

    @Test func theUtilisationReportAndTheSitesExportCarryTheDocumentedKeys() throws {
        let (dir, store) = try Self.sampleStore()
        let r = try CLI.landreg(
            ["report", "utilisation", "--as-of", "2026-06-30", "--format", "json", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["as_of"] as? String == "2026-06-30" && report["year"] as? Int == 2025)
        let sites = try #require(report["sites"] as? [[String: Any]])
        #expect(sites.count == 12)
        let ec002 = try #require(sites.first { $0["code"] as? String == "EC-002" })
        #expect(ec002["over_leased"] as? Bool == true)
        for key in [
            "land_area_m2", "land_area_mu", "far", "coverage", "occupancy", "vacancy", "tenants", "far_below_min",
            "coverage_below_30", "tax_per_mu", "value_added_per_mu", "holder_class", "occupants"
        ] {
            #expect(ec002.keys.contains(key), "missing \(key)")
        }
        #expect(sites.filter { $0["over_leased"] as? Bool == true }.count == 1)

        let zones = try CLI.landreg(
            ["report", "utilisation", "--by", "zone", "--as-of", "2026-06-30", "--format", "csv", "--store", store],
            in: dir)
        #expect(zones.status == 0 && zones.stdout.hasPrefix("village zone,name,sites,"), "\(zones.stderr)")

        let out = dir + "/sites-out.geojson"
        let e = try CLI.landreg(["export", "sites", "-o", out, "--as-of", "2026-06-30", "--store", store], in: dir)
        #expect(e.status == 0 && e.stdout.contains("exported 12 sites"), "\(e.stderr)")
        let fc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let features = try #require(fc["features"] as? [[String: Any]])
        let props = try #require(features.first?["properties"] as? [String: Any])
        for key in [
            "code", "stage", "ellipsoidal_area_m2", "area_mu", "far", "occupancy", "over_leased", "holder_class",
            "village"
        ] {
            #expect(props.keys.contains(key), "missing \(key)")
        }
    }
}
