import Foundation
import Testing

/// A store edited by another tool (GDAL here) holds a geometry on which GEOS's make-valid does not converge (the
/// wkb fuzzer's finding) as a site's polygon: `report reclaimable`, which repairs invalid site sources (a spot's
/// source is its intersection with farmland, valid by construction), must finish, name the site and skip it,
/// instead of hanging. The budget is cut to 1 s (LANDREG_GEOS_BUDGET_S) so that the test is quick.
@Suite("GEOS time budget end to end", .serialized)
struct GEOSBudgetEndToEndTests {
    static let blob = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../tools/fuzz/regressions/wkb-makevalid-nonconverging.gpkgblob").standardizedFileURL
        .path

    @Test func reclaimableSkipsANonConvergingSiteWithAWarning() throws {
        let (dir, store) = try ReclaimableEndToEndTests.demoStore()
        let before = try ReclaimableEndToEndTests.reportJSON(store, in: dir)
        let edit = try CLI.gdalPython([
            "-c",
            """
            import sys
            from osgeo import ogr
            ogr.UseExceptions()
            store, blob = sys.argv[1:3]
            wkb = open(blob, "rb").read()[40:]      # past the GeoPackage header (flags 0x03: 32-byte xy envelope)
            ds = ogr.Open(store, 1)
            layer = ds.GetLayerByName("sites")
            # The first site that is a reclaimable source (the stages and modes of ReclaimableSources.swift).
            layer.SetAttributeFilter("retired_at IS NULL AND stage IN ('assessed', 'planned', 'implementing') "
                                     "AND mode IN ('acquisition-storage', 'recovery', 're-greening')")
            f = layer.GetNextFeature()
            f.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
            layer.SetFeature(f)
            print(f.GetField("code"))
            ds = None
            """, store, Self.blob
        ])
        #expect(edit.status == 0, "\(edit.stderr)")
        let code = edit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.hasPrefix("EC-"), "\(edit.stdout)")

        let started = Date()
        let r = try CLI.landreg(
            ["report", "reclaimable", "--format", "json", "--store", store], in: dir,
            environment: ["LANDREG_GEOS_BUDGET_S": "1"])
        let seconds = Date().timeIntervalSince(started)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(seconds < 60, "the report took \(seconds) s")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let warnings = (report["warnings"] as? [String]) ?? []
        #expect(
            warnings.contains {
                $0.hasPrefix("site \(code): geometry GEOS cannot handle")
                    && $0.contains("gave up after 1 s")
            }, "\(warnings) \(r.stderr)")
        // The site is left out, nothing else: one source fewer than before the edit.
        let sourcesBefore = ((before["total"] as? [String: Any])?["sources"] as? Int) ?? -1
        let sourcesAfter = ((report["total"] as? [String: Any])?["sources"] as? Int) ?? -2
        #expect(sourcesAfter == sourcesBefore - 1, "\(sourcesBefore) → \(sourcesAfter)")
    }
}
