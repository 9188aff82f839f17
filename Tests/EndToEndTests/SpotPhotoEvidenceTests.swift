import Foundation
import Testing

/// Field photos as evidence (`spots evidence add|list|export`), with JPEGs whose EXIF a real tool writes
/// (exiftool, Debian's libimage-exiftool-perl) at positions computed from the spot's geometry with shapely and
/// pyproj: inside the spot, 40 m outside it, 150 m outside it, without GPS, dated before detection.
@Suite("Photo evidence of spots", .serialized)
struct SpotPhotoEvidenceTests {
    static let exiftool = "/usr/bin/exiftool"

    /// Writes the photos into the current folder and prints, per photo, its name, latitude, longitude and the
    /// distance from the spot in metres by shapely (store CRS), "-" for those without GPS.
    static let makePhotos = """
        import sys, subprocess
        from osgeo import ogr
        from shapely import wkb, Point
        from pyproj import Transformer
        from PIL import Image
        store, code, exiftool = sys.argv[1:4]
        ds = ogr.Open(store)
        layer = ds.GetLayerByName("spots")
        layer.SetAttributeFilter(f"code = '{code}' AND retired_at IS NULL")
        feature = layer.GetNextFeature()  # kept: the geometry reference dies with its feature
        spot = wkb.loads(bytes(feature.GetGeometryRef().ExportToIsoWkb()))
        epsg = int(layer.GetSpatialRef().GetAuthorityCode(None))
        to_lonlat = Transformer.from_crs(epsg, 4326, always_xy=True)
        inside = spot.representative_point()
        minx, miny, maxx, maxy = spot.bounds
        def photo(name, xy, date, gps=True):
            Image.new("RGB", (64, 48), (90, 140, 60)).save(name, "JPEG")
            args = [exiftool, "-q", "-overwrite_original", f"-DateTimeOriginal={date}", "-Make=HUAWEI", "-Model=P60 Pro"]
            if gps:
                lon, lat = to_lonlat.transform(*xy)
                args += [f"-GPSLatitude={lat}", "-GPSLatitudeRef=N", f"-GPSLongitude={lon}", "-GPSLongitudeRef=E",
                         "-GPSImgDirection=135.5", "-GPSImgDirectionRef=T"]
            subprocess.run(args + [name], check=True)
            if gps:
                print(name, repr(lat), repr(lon), repr(spot.distance(Point(xy))))
            else:
                print(name, "-", "-", "-")
        photo("inside.jpg", (inside.x, inside.y), "2024:03:05 10:00:00")
        photo("near.jpg", (maxx + 40, inside.y), "2024:03:05 10:05:00")
        photo("far.jpg", (maxx + 150, inside.y), "2024:03:05 10:10:00")
        photo("nogps.jpg", None, "2024:03:05 10:15:00", gps=False)
        photo("early.jpg", (inside.x, inside.y), "2020:01:01 09:00:00")
        """

    struct Planted {
        let latitude: Double?
        let longitude: Double?
        let distanceM: Double?
    }

    /// The demo store, the code of a spot that is neither closed nor split, and the photos made for it.
    static func setUp() throws -> (
        dir: String, store: String, code: String, detected: String, photos: [String: Planted]
    ) {
        try #require(
            FileManager.default.isExecutableFile(atPath: exiftool),
            "\(exiftool) is missing: install libimage-exiftool-perl")
        let dir = CLI.temporaryDirectory()
        let store = dir + "/store.gpkg"
        let demo = try CLI.landreg(["demo", "--store", store], in: dir)
        try #require(demo.status == 0, "\(demo.stderr)")
        let list = try CLI.landreg(["spots", "list", "--json", "--store", store], in: dir)
        let spots = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let open = try #require(
            spots.first { !["closed", "split"].contains($0["status"] as? String) && $0["detected_date"] is String })
        let code = try #require(open["code"] as? String), detected = try #require(open["detected_date"] as? String)
        let made = try CLI.run(try CLI.requirePython(), ["-c", makePhotos, store, code, exiftool], in: dir)
        try #require(made.status == 0, "making the photos: exit \(made.status) \(made.stderr)")
        var photos: [String: Planted] = [:]
        for line in made.stdout.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            photos[f[0]] = Planted(latitude: Double(f[1]), longitude: Double(f[2]), distanceM: Double(f[3]))
        }
        try #require(photos.count == 5, "\(made.stdout)")
        return (dir, store, code, detected, photos)
    }

    /// What a refusal must leave: the photos and events as they were.
    static func counts(_ store: String) throws -> [String] {
        try FormatImportTests.sql(
            store,
            "SELECT (SELECT count(*) FROM spot_photos), (SELECT count(*) FROM spot_photo_media), (SELECT count(*) FROM events)"
        )
    }

    @Test func photosInsideAndNearAreAdmittedWithTheirPositionDirectionAndDistance() throws {
        let (dir, store, code, _, planted) = try Self.setUp()
        let add = try CLI.landreg(
            ["spots", "evidence", "add", code, "inside.jpg", "near.jpg", "--json", "--store", store], in: dir)
        #expect(add.status == 0, "\(add.stderr)")
        let list = try CLI.landreg(["spots", "evidence", "list", code, "--json", "--store", store], in: dir)
        let photos = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(photos.map { $0["file_name"] as? String } == ["inside.jpg", "near.jpg"])
        for p in photos {
            let name = try #require(p["file_name"] as? String), want = try #require(planted[name])
            // EXIF keeps degrees as rationals of degrees, minutes and seconds: a few centimetres.
            #expect(abs((p["latitude"] as? Double ?? 0) - want.latitude!) < 1e-6, "\(name) latitude")
            #expect(abs((p["longitude"] as? Double ?? 0) - want.longitude!) < 1e-6, "\(name) longitude")
            #expect(abs((p["distance_m"] as? Double ?? -1) - want.distanceM!) < 0.05, "\(name) distance vs shapely")
            #expect(p["direction_deg"] as? Double == 135.5 && p["direction_ref"] as? String == "T")
            #expect(p["taken_at"] as? String == (name == "inside.jpg" ? "2024-03-05T10:00:00" : "2024-03-05T10:05:00"))
            #expect(p["camera"] as? String == "HUAWEI P60 Pro")
        }
        // The bytes are in the store: the export gives the same files back, and GDAL sees the Related Tables
        // relation from spots to the media table, and the point layer.
        let export = try CLI.landreg(
            ["spots", "evidence", "export", code, "-o", dir + "/out", "--store", store], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        for (i, name) in ["inside.jpg", "near.jpg"].enumerated() {
            let original = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            let exported = try Data(
                contentsOf: URL(fileURLWithPath: dir + "/out/\(photos[i]["fid"] as? Int ?? 0)-\(name)"))
            #expect(original == exported, "\(name) exported")
        }
        let again = try CLI.landreg(
            ["spots", "evidence", "export", code, "-o", dir + "/out", "--store", store], in: dir)
        #expect(
            again.status == 1 && again.stderr.contains("--overwrite"), "export over existing photos: \(again.stderr)")
        let gdal = try CLI.python(
            """
            import sys
            from osgeo import gdal
            ds = gdal.OpenEx(sys.argv[1])
            for name in ds.GetRelationshipNames():
                r = ds.GetRelationship(name)
                print(r.GetLeftTableName(), r.GetRightTableName(), r.GetMappingTableName(), r.GetRelatedTableType())
            print(ds.GetLayerByName("spot_photos").GetFeatureCount(), ds.GetLayerByName("spot_photo_media").GetFeatureCount())
            """, [store])
        #expect(
            gdal.stdout == "spots spot_photo_media spots_spot_photo_media media\n2 2\n", "\(gdal.stdout) \(gdal.stderr)"
        )
        let ogrinfo = try CLI.run("/usr/bin/ogrinfo", ["-ro", "-q", store])
        #expect(
            ogrinfo.stdout.contains("spot_photos (Point)") && ogrinfo.stdout.contains("spot_photo_media"),
            "\(ogrinfo.stdout)")
        let validator = try CLI.gdalPython([
            "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", store
        ])
        #expect(validator.status == 0, "validate_gpkg.py: \(validator.stdout) \(validator.stderr)")
        // One evidence event per photo, and the spot's state untouched.
        let history = try CLI.landreg(["spots", "history", code, "--json", "--store", store], in: dir)
        #expect(history.stdout.components(separatedBy: "\"evidence\"").count - 1 == 2, "\(history.stdout)")
        // A photo added today is not a lifecycle step: a step dated on the spot's last step still goes in.
        let events = try #require(
            try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        let lastStep = try #require(
            events.filter { !["import", "evidence"].contains($0["action"] as? String) }
                .compactMap { $0["effective_date"] as? String }.max())
        let show = try CLI.landreg(["spots", "show", code, "--json", "--store", store], in: dir)
        let status = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        try #require(status?["status"] as? String == "rectifying", "the sample spot is \(status?["status"] ?? "?")")
        let backdated = try CLI.landreg(
            ["spots", "progress", code, "--restored", "1", "--on", lastStep, "--store", store], in: dir)
        #expect(backdated.status == 0, "a step on \(lastStep) after a photo added today: \(backdated.stderr)")
    }

    @Test func aPhotoTooFarWithoutPositionBeforeDetectionOrNotAJPEGIsRefusedAndNothingIsAdded() throws {
        let (dir, store, code, detected, planted) = try Self.setUp()
        try Data("not a photo\n".utf8).write(to: URL(fileURLWithPath: dir + "/text.jpg"))
        let before = try Self.counts(store)
        let far = String(format: "%.1f", planted["far.jpg"]!.distanceM!)
        let cases: [([String], String)] = [
            (["far.jpg"], "was taken \(far) m from the spot"),
            (["inside.jpg", "far.jpg"], "photo far.jpg: was taken \(far) m"), // all or none
            (["nogps.jpg"], "has no GPS position"),
            (["early.jpg"], "was taken on 2020-01-01, before the spot was detected (\(detected))"),
            (["text.jpg"], "is not a JPEG"),
            (["missing.jpg"], "no such file"),
            (["inside.jpg", "inside.jpg"], "is given twice")
        ]
        for (files, message) in cases {
            let r = try CLI.landreg(["spots", "evidence", "add", code] + files + ["--store", store], in: dir)
            #expect(r.status == 1, "\(files): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(files): \(r.stderr)")
            #expect(try Self.counts(store) == before, "\(files) changed the store")
        }
        // A wider distance and --no-position admit what the rules refused.
        let wider = try CLI.landreg(
            ["spots", "evidence", "add", code, "far.jpg", "--max-distance", "200", "--store", store], in: dir)
        #expect(wider.status == 0, "\(wider.stderr)")
        let unplaced = try CLI.landreg(
            ["spots", "evidence", "add", code, "nogps.jpg", "--no-position", "--store", store], in: dir)
        #expect(unplaced.status == 0, "\(unplaced.stderr)")
        let points = try FormatImportTests.sql(store, "SELECT count(*), count(geom) FROM spot_photos")
        #expect(points == ["2|1"], "photos with and without a point: \(points)")
        // The same photo twice is refused naming where it came from.
        let twice = try CLI.landreg(
            ["spots", "evidence", "add", code, "far.jpg", "--max-distance", "200", "--store", store], in: dir)
        #expect(twice.status == 1 && twice.stderr.contains("already in the spot's evidence"), "\(twice.stderr)")
    }

    @Test func theDossierPageShowsThePhotosAsTheJPEGsTheyAre() throws {
        let (dir, store, code, _, planted) = try Self.setUp()
        let add = try CLI.landreg(
            ["spots", "evidence", "add", code, "inside.jpg", "near.jpg", "--store", store], in: dir)
        try #require(add.status == 0, "\(add.stderr)")
        let pdf = dir + "/dossier.pdf"
        let dossier = try CLI.landreg(["dossier", "spots", code, "-o", pdf, "--store", store], in: dir)
        try #require(dossier.status == 0, "\(dossier.stderr)")
        // The two photos are embedded as JPEG (DCTDecode) at their own size, on the spot's page (2, after the cover).
        let images = try CLI.run("/usr/bin/pdfimages", ["-list", pdf])
        let rows = images.stdout.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 2, "\(images.stdout)")
        for r in rows {
            #expect(r[0] == "2" && r[3] == "64" && r[4] == "48" && r[8] == "jpeg", "\(r)")
        }
        // Each photo's caption (time, direction, distance) and its file name and SHA-256 are on the page.
        let text = try CLI.run("/usr/bin/pdftotext", ["-layout", pdf, "-"]).stdout
        let near = String(format: "%.1f m", planted["near.jpg"]!.distanceM!)
        for expected in [
            "2024-03-05 10:00:00 · 136° T · 图斑内 inside", "2024-03-05 10:05:00 · 136° T · \(near)",
            "照片 inside.jpg", "照片 near.jpg"
        ] {
            #expect(text.contains(expected), "the dossier lacks \(expected)")
        }
        let digest = try CLI.python(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
            [dir + "/near.jpg"])
        #expect(text.contains(digest.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
