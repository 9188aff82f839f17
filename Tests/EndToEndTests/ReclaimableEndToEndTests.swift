import Foundation
import Testing

/// The reclaimable-area report against an independent shapely computation, on the demo store built from
/// GeoData/ (where spots JC2023-07-0001/0002 and JC2024-01-0001/0002 overlap sites EC-003 and EC-012).
@Suite("Reclaimable area end to end", .serialized)
struct ReclaimableEndToEndTests {
    static func demoStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/demo.gpkg"
        let r = try CLI.landreg(["demo", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, store)
    }

    static func reportJSON(_ store: String, in dir: String, _ extra: [String] = []) throws -> [String: Any] {
        let r = try CLI.landreg(["report", "reclaimable", "--format", "json", "--store", store] + extra, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// shapely's answer from the store's own exports (EPSG:4549): the same definition, computed independently.
    static let shapelyScript = """
        import json, sys
        from shapely.geometry import shape
        from shapely import union_all
        d = sys.argv[1]
        load = lambda n: json.load(open(f"{d}/{n}.geojson"))["features"]
        farm = union_all([shape(f["geometry"]) for f in load("parcels") if f["properties"]["land_use"] in ("0101", "0102", "0103")])
        spots = [f for f in load("spots") if f["properties"]["judgement"] == "illegal"
                 and f["properties"]["status"] in ("illegal", "rectifying")
                 and f["properties"]["measure"] in ("demolish-restore", "mixed")]
        pieces = [shape(f["geometry"]).intersection(farm) for f in spots]
        pieces = [p for p in pieces if p.area > 0]
        sites = [f for f in load("sites") if f["properties"]["stage"] in ("assessed", "planned", "implementing")
                 and f["properties"]["mode"] in ("acquisition-storage", "recovery", "re-greening")]
        site_geoms = [shape(f["geometry"]) for f in sites]
        F, I = union_all(pieces), union_all(site_geoms)
        T = union_all(pieces + site_geoms)
        zones = {f["properties"]["code"]: shape(f["geometry"]) for f in load("zones") if f["properties"]["kind"] == "village"}
        progress = sum(f["properties"]["recultivated_m2"] or 0 for f in spots if shape(f["geometry"]).intersection(farm).area > 0) \\
                 + sum(f["properties"]["disposed_m2"] or 0 for f in sites)
        print(json.dumps({"total": T.area, "farmland": F.area, "industrial": I.area, "overlap": F.intersection(I).area,
                          "progress": progress, "sources": len(pieces) + len(sites),
                          "zones": {c: T.intersection(z).area for c, z in zones.items()}}))
        """

    static func shapely(_ store: String, in dir: String) throws -> [String: Any] {
        for layer in ["parcels", "spots", "sites", "zones"] {
            let e = try CLI.landreg(
                ["export", layer, "-o", "\(dir)/\(layer).geojson", "--crs", "EPSG:4549", "--store", store], in: dir)
            #expect(e.status == 0, "\(e.stderr)")
        }
        let r = try CLI.python(shapelyScript, [dir])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    static func relative(_ a: Double, _ b: Double) -> Double { b == 0 ? abs(a) : abs(a - b) / abs(b) }

    @Test func potentialEqualsShapelysUnionAndZonesAddUp() throws {
        let (dir, store) = try Self.demoStore()
        let ours = try Self.reportJSON(store, in: dir)
        let theirs = try Self.shapely(store, in: dir)
        func planar(_ key: String) -> Double {
            ((ours[key] as? [String: Any])?["potential_planar_m2"] as? Double) ?? -1
        }
        let total = theirs["total"] as! Double
        #expect(total > 10_000, "the fixture should have reclaimable land")
        #expect(Self.relative(planar("total"), total) < 1e-9)
        #expect(Self.relative(planar("farmland"), theirs["farmland"] as! Double) < 1e-9)
        #expect(Self.relative(planar("industrial"), theirs["industrial"] as! Double) < 1e-9)
        // The fixture's spots overlap its sites: the total counts that land once.
        #expect((theirs["overlap"] as! Double) > 1)
        #expect(planar("total") < planar("farmland") + planar("industrial") - 1)
        let totalFigures = ours["total"] as! [String: Any]
        #expect(abs((totalFigures["progress_m2"] as! Double) - (theirs["progress"] as! Double)) < 1e-6)
        #expect((totalFigures["sources"] as! Int) == (theirs["sources"] as! Int))
        let remaining = totalFigures["remaining_m2"] as! Double
        #expect(
            abs(
                remaining - max(0, (totalFigures["potential_m2"] as! Double) - (totalFigures["progress_m2"] as! Double))
            ) < 1e-9)
        #expect(
            abs((totalFigures["potential_mu"] as! Double) - (totalFigures["potential_m2"] as! Double) * 15 / 10_000)
                < 1e-9)

        // Per village: each zone's potential is the union ∩ the zone, and the zones (a partition) add up.
        let byZone = try Self.reportJSON(store, in: dir, ["--by", "zone"])
        let zones = try #require(byZone["zones"] as? [[String: Any]])
        let shapelyZones = theirs["zones"] as! [String: Double]
        #expect(zones.count == shapelyZones.count)
        var sum = 0.0, planarSum = 0.0
        for z in zones {
            let code = z["code"] as! String
            let planarInZone = (z["total"] as! [String: Any])["potential_planar_m2"] as! Double
            #expect(Self.relative(planarInZone, shapelyZones[code]!) < 1e-9, "zone \(code)")
            sum += (z["total"] as! [String: Any])["potential_m2"] as! Double
            planarSum += planarInZone
        }
        // The villages partition the district: nothing lies outside them, and the pieces add up (planar exactly;
        // ellipsoidal within the geodesic-area noise of clipped rings, ~1e-6 m²).
        let outside = byZone["outside_zones_m2"] as? Double ?? 0
        #expect(Self.relative(planarSum, planar("total")) < 1e-9)
        #expect(abs(sum + outside - (totalFigures["potential_m2"] as! Double)) < 1e-3)
    }

    @Test func completingASpotRemovesItsPolygonAndExportsOpen() throws {
        let (dir, store) = try Self.demoStore()
        let before = try Self.reportJSON(store, in: dir)
        let exported = dir + "/reclaimable.geojson"
        #expect(try CLI.landreg(["export", "reclaimable", "-o", exported, "--store", store], in: dir).status == 0)
        #expect(try CLI.run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", exported]).status == 0)
        // A restoring spot that is still rectifying, and that lies in the export's sources.
        let spots = try CLI.landreg(["spots", "list", "--status", "rectifying", "--json", "--store", store], in: dir)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(spots.stdout.utf8)) as? [[String: Any]])
        let features = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exported))) as? [String: Any])?[
                "features"]
                as? [[String: Any]])
        let sourceCodes = Set(
            features.flatMap { (($0["properties"] as? [String: Any])?["sources"] as? [String]) ?? [] })
        let spot = try #require(
            list.first {
                ["demolish-restore", "mixed"].contains($0["measure"] as? String ?? "")
                    && sourceCodes.contains($0["code"] as! String)
            })
        let code = spot["code"] as! String
        #expect(try CLI.landreg(["spots", "progress", code, "--remaining", "0", "--store", store], in: dir).status == 0)
        let done = try CLI.landreg(["spots", "complete", code, "--store", store], in: dir)
        #expect(done.status == 0, "\(done.stderr)")
        let after = try Self.reportJSON(store, in: dir)
        let sourcesBefore = (before["farmland"] as! [String: Any])["sources"] as! Int
        let sourcesAfter = (after["farmland"] as! [String: Any])["sources"] as! Int
        #expect(sourcesAfter == sourcesBefore - 1)
        #expect(
            ((after["total"] as! [String: Any])["potential_m2"] as! Double)
                <= ((before["total"] as! [String: Any])["potential_m2"] as! Double))
        #expect(
            try CLI.landreg(["export", "reclaimable", "-o", exported, "--overwrite", "--store", store], in: dir).status
                == 0)
        let again = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(!again.contains("\"\(code)\""))
        // As of a day before the change, the spot still counts.
        let then = try Self.reportJSON(store, in: dir, ["--as-of", "2026-01-01"])
        let thenSources = (then["farmland"] as! [String: Any])["sources"] as! Int
        #expect(thenSources >= 1)
    }
}
