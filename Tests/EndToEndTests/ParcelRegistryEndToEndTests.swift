import Foundation
import Testing

/// The parcel registry through the built binary, on the sample district in GeoData/.
@Suite("Parcel registry end to end", .serialized)
struct ParcelRegistryEndToEndTests {
    /// A store with the sample parcels and zones imported from GeoData/.
    static func sampleStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/district.gpkg"
        let i = try CLI.landreg(["init", "--store", store], in: dir)
        #expect(i.status == 0, "\(i.stderr)")
        let p = try CLI.landreg(
            ["import", "parcels", CLI.geoData + "/parcels.geojson", "--profile", "sandiao", "--store", store], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        for kind in ["village", "basic-farmland"] {
            let z = try CLI.landreg(
                ["import", "zones", CLI.geoData + "/zones-\(kind).geojson", "--kind", kind, "--store", store], in: dir)
            #expect(z.status == 0, "\(z.stderr)")
        }
        return (dir, store)
    }

    @Test func demoBuildsAStoreAndPrintsASummary() throws {
        let dir = CLI.temporaryDirectory()
        let r = try CLI.landreg(["demo", "--store", dir + "/demo.gpkg"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("耕地"))
        #expect(r.stdout.contains("total"))
    }

    @Test func areasAgreeWithShapelyAndGeographicLib() throws {
        let (dir, store) = try Self.sampleStore()
        let list = try CLI.landreg(["parcels", "list", "--json", "--store", store], in: dir)
        #expect(list.status == 0)
        let listFile = dir + "/list.json"
        try list.stdout.write(toFile: listFile, atomically: true, encoding: .utf8)
        // Independent computation: shapely for planar area in EPSG:4549, pyproj's Geod (GeographicLib) on the
        // CGCS2000 ellipsoid for the geodesic area of the lon/lat version of the same parcels.
        let script = """
            import json, sys
            from shapely.geometry import shape
            from pyproj import Geod, Transformer
            from shapely.ops import transform
            src = json.load(open(sys.argv[1]))
            ours = {p["code"]: p for p in json.load(open(sys.argv[2]))}
            geod = Geod(a=6378137.0, f=1/298.257222101)
            to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
            worst_planar = worst_geod = 0.0
            n = 0
            for f in src["features"]:
                code = f["properties"]["BSM"]
                g = shape(f["geometry"])
                p = ours[code]
                rel = abs(p["planar_area_m2"] - g.area) / g.area
                worst_planar = max(worst_planar, rel)
                ga = abs(geod.geometry_area_perimeter(transform(to_ll.transform, g))[0])
                worst_geod = max(worst_geod, abs(p["ellipsoidal_area_m2"] - ga) / ga)
                n += 1
            print(n, worst_planar, worst_geod)
            """
        let r = try CLI.python(script, [CLI.geoData + "/parcels.geojson", listFile])
        #expect(r.status == 0, "\(r.stderr)")
        let parts = r.stdout.split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(parts.count == 3)
        if parts.count == 3 {
            #expect(parts[0] > 100)
            #expect(parts[1] < 1e-9, "worst planar relative error \(parts[1])")
            #expect(parts[2] < 1e-6, "worst ellipsoidal relative error \(parts[2])")
        }
    }

    @Test func aFilledStorePassesGDALsValidatorAndOgrinfoReadsIt() throws {
        let (dir, store) = try Self.sampleStore()
        let v = try CLI.gdalPython([
            "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", store
        ])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        let info = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-so", store, "parcels"], in: dir)
        #expect(info.status == 0)
        #expect(
            info.stdout.contains("EPSG\",4549") || info.stdout.contains("EPSG:4549") || info.stdout.contains("CGCS2000")
        )
        let spatial = try CLI.run(
            "/usr/bin/ogrinfo", ["-ro", "-q", "-sql", "SELECT count(*) FROM rtree_parcels_geom", store], in: dir)
        #expect(spatial.status == 0)
    }

    @Test func exportsOpenInOgrinfoAndRoundTrip() throws {
        let (dir, store) = try Self.sampleStore()
        let rfc = dir + "/parcels-4326.geojson"
        let e1 = try CLI.landreg(["export", "parcels", "-o", rfc, "--store", store], in: dir)
        #expect(e1.status == 0, "\(e1.stderr)")
        let info = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", rfc])
        #expect(info.status == 0 && info.stdout.contains("Feature Count"))
        let projected = dir + "/parcels-4549.geojson"
        let e2 = try CLI.landreg(
            ["export", "parcels", "-o", projected, "--crs", "EPSG:4549", "--store", store], in: dir)
        #expect(e2.status == 0)
        let info2 = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", projected])
        #expect(info2.stdout.contains("4549") || info2.stdout.contains("CM 120E"))
        let seq = dir + "/parcels.geojsons"
        #expect(
            try CLI.landreg(["export", "parcels", "-o", seq, "--format", "geojsonseq", "--store", store], in: dir)
                .status == 0)
        #expect(try CLI.run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", seq]).status == 0)

        // RFC 7946: exterior rings counter-clockwise, no crs member.
        let orientation = try CLI.python(
            """
            import json, sys
            from shapely.geometry import shape
            d = json.load(open(sys.argv[1]))
            assert "crs" not in d
            for f in d["features"]:
                g = shape(f["geometry"])
                polys = g.geoms if g.geom_type == "MultiPolygon" else [g]
                for p in polys:
                    assert p.exterior.is_ccw, f["id"]
                    for h in p.interiors: assert not h.is_ccw, f["id"]
            print(len(d["features"]))
            """, [rfc])
        #expect(orientation.status == 0, "\(orientation.stderr)")

        // import → export → import keeps every code, property and area.
        for (file, crsArgs) in [(projected, [String]()), (rfc, [String]())] {
            let again = dir + "/again-\(UUID().uuidString).gpkg"
            #expect(try CLI.landreg(["init", "--store", again], in: dir).status == 0)
            let imp = try CLI.landreg(["import", "parcels", file, "--store", again] + crsArgs, in: dir)
            #expect(imp.status == 0, "\(imp.stderr)")
            let a = dir + "/a.json", b = dir + "/b.json"
            try CLI.landreg(["parcels", "list", "--json", "--store", store], in: dir).stdout.write(
                toFile: a, atomically: true, encoding: .utf8)
            try CLI.landreg(["parcels", "list", "--json", "--store", again], in: dir).stdout.write(
                toFile: b, atomically: true, encoding: .utf8)
            let compare = try CLI.python(
                """
                import json, sys
                a = {p["code"]: p for p in json.load(open(sys.argv[1]))}
                b = {p["code"]: p for p in json.load(open(sys.argv[2]))}
                assert a.keys() == b.keys(), "codes differ"
                worst = 0
                for k in a:
                    for f in ("land_use", "owner", "name", "registered_area_m2"):
                        assert a[k].get(f) == b[k].get(f), (k, f, a[k].get(f), b[k].get(f))
                    assert json.loads(a[k]["properties"]) == json.loads(b[k]["properties"]), k
                    worst = max(worst, abs(a[k]["planar_area_m2"] - b[k]["planar_area_m2"]) / a[k]["planar_area_m2"])
                    # geod_polygonarea sums per-edge terms of ellipsoid scale: ~1e-5 m² of noise when the ring
                    # starts elsewhere or runs the other way (RFC 7946 orientation); far below 1 m².
                    assert abs(a[k]["ellipsoidal_area_m2"] - b[k]["ellipsoidal_area_m2"]) < 1e-3, k
                assert worst < 1e-9, worst
                print(len(a), worst)
                """, [a, b])
            #expect(compare.status == 0, "\(file): \(compare.stderr)")
        }
    }

    @Test func findsTheParcelAtAPointAndFilters() throws {
        let (dir, store) = try Self.sampleStore()
        let list = try CLI.landreg(
            ["parcels", "list", "--land-use", "01", "--limit", "1", "--json", "--store", store], in: dir)
        let code = try #require(
            try (JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.first?["code"]
                as? String)
        // A point inside that parcel, computed independently with shapely.
        let exported = dir + "/p.geojson"
        _ = try CLI.landreg(["export", "parcels", "-o", exported, "--crs", "EPSG:4549", "--store", store], in: dir)
        let pt = try CLI.python(
            """
            import json, sys
            from shapely.geometry import shape
            for f in json.load(open(sys.argv[1]))["features"]:
                if f["properties"]["code"] == sys.argv[2]:
                    p = shape(f["geometry"]).representative_point(); print(repr(p.x), repr(p.y))
            """, [exported, code])
        let xy = pt.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(xy.count == 2)
        let at = try CLI.landreg(["parcels", "at", xy[0], xy[1], "--json", "--store", store], in: dir)
        #expect(at.status == 0)
        #expect(at.stdout.contains("\"code\" : \"\(code)\""))
        let show = try CLI.landreg(["parcels", "show", code, "--store", store], in: dir)
        #expect(show.status == 0 && show.stdout.contains("亩"))
        let missing = try CLI.landreg(["parcels", "show", "NO-SUCH", "--store", store], in: dir)
        #expect(missing.status != 0 && missing.stderr.contains("NO-SUCH"))
        let zones = try CLI.landreg(["zones", "list", "--json", "--store", store], in: dir)
        let zone = try #require(
            try (JSONSerialization.jsonObject(with: Data(zones.stdout.utf8)) as? [[String: Any]])?
                .first { ($0["kind"] as? String) == "village" }?["code"] as? String)
        let inZone = try CLI.landreg(["parcels", "list", "--zone", zone, "--json", "--store", store], in: dir)
        #expect(inZone.status == 0 && inZone.stdout.contains("\"code\""))
    }

    @Test func badInputExitsNonZeroNamesTheFeatureAndChangesNothing() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/s.gpkg"
        #expect(try CLI.landreg(["init", "--store", store], in: dir).status == 0)
        let bad = dir + "/bad.geojson"
        try """
        {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[
        {"type":"Feature","id":"f0","properties":{"code":"A","land_use":"0101"},"geometry":{"type":"Polygon","coordinates":[[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340100],[520000,3340000]]]}},
        {"type":"Feature","id":"f1","properties":{"code":"B","land_use":"0101"},"geometry":{"type":"Polygon","coordinates":[[[520000,3340000],[520100,3340100],[520100,3340000],[520000,3340100],[520000,3340000]]]}}
        ]}
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let r = try CLI.landreg(["import", "parcels", bad, "--store", store], in: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.geojson"))
        #expect(r.stderr.contains("feature 1 (id f1, code B)"))
        #expect(r.stderr.contains("Self-intersection"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
        let list = try CLI.landreg(["parcels", "list", "--json", "--store", store], in: dir)
        #expect(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || list.stdout.contains("[]"))

        let missingStore = try CLI.landreg(["parcels", "list", "--store", dir + "/nope.gpkg"], in: dir)
        #expect(missingStore.status != 0 && missingStore.stderr.contains("landreg init"))
        let badOption = try CLI.landreg(["import", "parcels", bad, "--crs", "EPSG:999999", "--store", store], in: dir)
        #expect(badOption.status != 0)
    }
}
