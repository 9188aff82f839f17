import Foundation
import Testing

/// The office's files as they come, through the built binary: the sample district from GeoJSON, GBK Shapefiles
/// (with a .cpg, with only the language-driver byte, with neither and --encoding), a FileGDB layer and a
/// GeoPackage give the same parcels; ESRI .prj files are identified to EPSG codes; broken sources are refused
/// naming file, layer and feature with the store unchanged; tables come from .xlsx and GBK CSV. Fixtures are
/// made here with ogr2ogr and openpyxl from GeoData/.
@Suite("Importing Shapefile, FileGDB, GeoPackage, xlsx and GBK files", .serialized)
struct FormatImportTests {
    static let ogr2ogr = "/usr/bin/ogr2ogr"

    /// ESRI's own WKT as ArcGIS writes it into a .prj (no EPSG code anywhere).
    static let esriCM120E =
        #"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#
    static let esriZone40 =
        #"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#
    /// A local grid no EPSG code describes (central meridian 120°30′, invented false easting).
    static let esriLocal =
        #"PROJCS["Hangzhou_Local_Grid",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",77777.0],PARAMETER["False_Northing",-3000000.0],PARAMETER["Central_Meridian",120.5],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#

    static var parcels: String { CLI.geoData + "/parcels.geojson" }

    // MARK: Helpers

    static func requireTool(_ path: String, _ package: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is missing: install \(package)")
    }

    /// Runs ogr2ogr; the fixture must be made.
    static func ogr(_ arguments: [String], in dir: String) throws {
        try requireTool(ogr2ogr, "gdal-bin")
        let r = try CLI.run(ogr2ogr, arguments, in: dir)
        try #require(r.status == 0, "ogr2ogr \(arguments.joined(separator: " ")): \(r.stderr)")
    }

    /// The sample parcels as a GBK shapefile `name.shp` in `dir`, with a .cpg ("CP936") and ogr2ogr's .prj.
    static func gbkShapefile(_ name: String, in dir: String, extra: [String] = []) throws -> String {
        try ogr(["-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", dir + "/\(name).shp", parcels] + extra, in: dir)
        return dir + "/\(name).shp"
    }

    /// Sets the .dbf's language-driver byte (offset 29).
    static func setLanguageDriver(_ dbf: String, _ byte: UInt8) throws {
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: dbf))
        try h.seek(toOffset: 29)
        try h.write(contentsOf: Data([byte]))
        try h.close()
    }

    static func newStore(_ dir: String, _ name: String = "store.gpkg") throws -> String {
        let store = dir + "/" + name
        let r = try CLI.landreg(["init", "--store", store], in: dir)
        try #require(r.status == 0, "\(r.stderr)")
        return store
    }

    /// Runs SQL on a store with Debian's python (sqlite3); one line per row, values joined by "|".
    static func sql(_ store: String, _ query: String) throws -> [String] {
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for row in db.execute(sys.argv[2]): print("|".join(repr(v) for v in row))
            """, store, query
        ])
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// Codes and attributes of the live parcels, one line each.
    static func parcelRows(_ store: String, properties: Bool = true) throws -> [String] {
        try sql(
            store,
            "SELECT code, land_use, owner, name, registered_area_m2\(properties ? ", properties" : "") "
                + "FROM parcels WHERE retired_at IS NULL ORDER BY code")
    }

    /// Planar and ellipsoidal area of each live parcel by code.
    static func parcelAreas(_ store: String) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for line in try sql(
            store, "SELECT code, planar_area_m2, ellipsoidal_area_m2 FROM parcels WHERE retired_at IS NULL")
        {
            let parts = line.split(separator: "|")
            out[String(parts[0])] = parts.dropFirst().compactMap { Double($0) }
        }
        return out
    }

    /// True when both stores hold the same codes with planar areas equal within `relative` and ellipsoidal
    /// areas within `ellipsoidalM2` (the geodesic area of a parcel of 100 m² moves by ~4e-5 m² when its
    /// coordinates move by 1e-9 m, as a transform round trip does).
    static func sameAreas(
        _ a: [String: [Double]], _ b: [String: [Double]], relative: Double,
        ellipsoidalM2: Double = 1e-3
    ) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return false }
        for (code, x) in a {
            guard let y = b[code], x.count == 2, y.count == 2 else { return false }
            if abs(x[0] - y[0]) > relative * abs(y[0]) || abs(x[1] - y[1]) > max(ellipsoidalM2, relative * abs(y[1])) {
                return false
            }
        }
        return true
    }

    static func storeBytes(_ store: String) -> [Data?] {
        ["", "-wal"].map { try? Data(contentsOf: URL(fileURLWithPath: store + $0)) }
    }

    /// Imports `file` into a new store with --profile sandiao and returns the store and the run.
    static func importParcels(_ file: String, in dir: String, _ extra: [String] = [], store name: String? = nil) throws
        -> (String, CLI.Result)
    {
        let store = try newStore(dir, name ?? "s-\(UUID().uuidString.prefix(8)).gpkg")
        let r = try CLI.landreg(
            ["import", "parcels", file, "--profile", "sandiao", "--quiet", "--store", store] + extra, in: dir)
        return (store, r)
    }

    // MARK: Same district, every format

    @Test func theSampleDistrictIsTheSameFromGeoJSONShapefilesFileGDBAndGeoPackage() throws {
        let dir = CLI.temporaryDirectory()
        let (reference, r0) = try Self.importParcels(Self.parcels, in: dir, store: "geojson.gpkg")
        try #require(r0.status == 0, "\(r0.stderr)")
        let expected = try Self.parcelRows(reference)
        let expectedAreas = try Self.parcelAreas(reference)
        let expectedWithoutProperties = try Self.parcelRows(reference, properties: false)
        try #require(expected.count == 400)
        #expect(expected.contains { $0.contains("'湖埠村'") }, "the owner column holds Chinese names")

        // GBK with a .cpg, as GDAL writes it.
        let withCPG = try Self.gbkShapefile("cpg", in: dir)
        // GBK with only the language-driver byte 0x4D (code page 936), as ArcGIS on Chinese Windows writes it.
        let withLDID = try Self.gbkShapefile("ldid", in: dir)
        try FileManager.default.removeItem(atPath: dir + "/ldid.cpg")
        try Self.setLanguageDriver(dir + "/ldid.dbf", 0x4D)
        // GBK with neither: the user says --encoding gbk.
        let bare = try Self.gbkShapefile("bare", in: dir)
        try FileManager.default.removeItem(atPath: dir + "/bare.cpg")
        // A zip holding the .cpg shapefile.
        let zip = dir + "/cpg.zip"
        try Self.requireTool("/usr/bin/zip", "zip")
        let z = try CLI.run("/usr/bin/zip", ["-q", zip, "cpg.shp", "cpg.shx", "cpg.dbf", "cpg.prj", "cpg.cpg"], in: dir)
        try #require(z.status == 0, "\(z.stderr)")
        // A FileGDB with two layers (GDAL 3.6's OpenFileGDB writes them).
        let gdb = dir + "/district.gdb"
        try Self.ogr(["-f", "OpenFileGDB", gdb, Self.parcels, "-nln", "parcels"], in: dir)
        try Self.ogr(
            [
                "-f", "OpenFileGDB", "-update", gdb, CLI.geoData + "/zones-village.geojson", "-nln", "villages",
                "-nlt", "MULTIPOLYGON"
            ], in: dir)
        // A GeoPackage.
        let gpkg = dir + "/parcels.gpkg"
        try Self.ogr(["-f", "GPKG", gpkg, Self.parcels], in: dir)

        for (file, extra) in [
            (withCPG, []), (withLDID, []), (bare, ["--encoding", "gbk"]), (zip, []),
            (gdb, ["--layer", "parcels"]), (gpkg, [])
        ] as [(String, [String])] {
            let (store, r) = try Self.importParcels(file, in: dir, extra)
            #expect(r.status == 0, "\(file): \(r.stderr)")
            #expect(
                r.stdout.contains("imported 400 parcels") && r.stdout.contains("(EPSG:4549)"), "\(file): \(r.stdout)")
            #expect((try Self.parcelRows(store)) == expected, "\(file): codes, attributes or kept properties differ")
            // A FileGDB stores coordinates on its own grid (here ~0.2 mm off the file's): areas agree to 1e-6, not
            // bit for bit; the Shapefiles and the GeoPackage keep the doubles as they are.
            #expect(
                Self.sameAreas(try Self.parcelAreas(store), expectedAreas, relative: file == gdb ? 1e-6 : 1e-12),
                "\(file): areas differ")
        }

        // DBF names in lower case: the profile matches them whatever their case.
        let lower = dir + "/lower.gpkg"
        try Self.ogr(
            [
                "-f", "GPKG", lower, Self.parcels, "-nln", "lower", "-sql",
                "SELECT bsm AS bsm, tbbh AS tbbh, dlbm AS dlbm, qsdwmc AS qsdwmc, tbmj AS tbmj FROM parcels"
            ], in: dir)
        let (lowerStore, rl) = try Self.importParcels(lower, in: dir)
        #expect(rl.status == 0, "\(rl.stderr)")
        #expect(try Self.parcelRows(lowerStore, properties: false) == expectedWithoutProperties)
        #expect(Self.sameAreas(try Self.parcelAreas(lowerStore), expectedAreas, relative: 1e-12))

        // Independent areas: shapely on the GeoJSON vs what the shapefile import stored.
        let (shpStore, _) = try Self.importParcels(withLDID, in: dir)
        let stored = try Self.sql(shpStore, "SELECT code, planar_area_m2 FROM parcels")
        let storedFile = dir + "/stored.txt"
        try stored.joined(separator: "\n").write(toFile: storedFile, atomically: true, encoding: .utf8)
        let check = try CLI.python(
            """
            import json, sys
            from shapely.geometry import shape
            src = {f["properties"]["BSM"]: shape(f["geometry"]).area for f in json.load(open(sys.argv[1]))["features"]}
            worst, n = 0.0, 0
            for line in open(sys.argv[2]):
                code, area = line.strip().split("|")
                a = src[code.strip("'")]
                worst = max(worst, abs(float(area) - a) / a); n += 1
            print(n, worst)
            """, [Self.parcels, storedFile])
        try #require(check.status == 0, "\(check.stderr)")
        let parts = check.stdout.split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(parts.count == 2 && parts[0] == 400 && parts[1] < 1e-9, "shapely: \(check.stdout)")
    }

    // MARK: CRS

    @Test func esriPrjFilesAreIdentifiedAndZone40IsTransformed() throws {
        let dir = CLI.temporaryDirectory()
        let cm120 = try Self.gbkShapefile("cm120", in: dir)
        try Self.esriCM120E.write(toFile: dir + "/cm120.prj", atomically: true, encoding: .utf8)
        let (reference, r1) = try Self.importParcels(cm120, in: dir)
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains("(EPSG:4549)"), "\(r1.stdout)")

        // The same parcels in the zone-numbered CRS (false easting 40,500,000), with ESRI's Zone_40 .prj.
        let zone = try Self.gbkShapefile("zone40", in: dir, extra: ["-s_srs", "EPSG:4549", "-t_srs", "EPSG:4528"])
        try Self.esriZone40.write(toFile: dir + "/zone40.prj", atomically: true, encoding: .utf8)
        let (zoneStore, r2) = try Self.importParcels(zone, in: dir)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stdout.contains("(EPSG:4528)"), "\(r2.stdout)")
        // Transformed into the store's CRS: the same extent (to the millimetre) and the same areas.
        let extent =
            "SELECT round(min_x, 3), round(min_y, 3), round(max_x, 3), round(max_y, 3) FROM gpkg_contents WHERE table_name = 'parcels'"
        #expect(try Self.sql(zoneStore, extent) == (try Self.sql(reference, extent)))
        #expect(Self.sameAreas(try Self.parcelAreas(zoneStore), try Self.parcelAreas(reference), relative: 1e-9))
        #expect(try Self.parcelRows(zoneStore) == (try Self.parcelRows(reference)))

        // A .prj that is wrong for the coordinates: --crs overrides it, and the summary says so.
        let wrong = try Self.gbkShapefile("wrong", in: dir)
        try Self.esriZone40.write(toFile: dir + "/wrong.prj", atomically: true, encoding: .utf8)
        let (wrongStore, r3) = try Self.importParcels(wrong, in: dir)
        #expect(r3.status == 1 && r3.stderr.contains("wrong.shp") && r3.stderr.contains("EPSG:4528"), "\(r3.stderr)")
        #expect(try Self.sql(wrongStore, "SELECT count(*) FROM parcels") == ["0"])
        let r4 = try CLI.landreg(
            [
                "import", "parcels", wrong, "--profile", "sandiao", "--crs", "EPSG:4549", "--quiet",
                "--store", wrongStore
            ], in: dir)
        #expect(r4.status == 0, "\(r4.stderr)")
        #expect(r4.stdout.contains("--crs EPSG:4549 overrides the file's CRS (EPSG:4528)"), "\(r4.stdout)")

        // No .prj: refused unless --crs says.
        let noPrj = try Self.gbkShapefile("noprj", in: dir)
        try FileManager.default.removeItem(atPath: dir + "/noprj.prj")
        let (noPrjStore, r5) = try Self.importParcels(noPrj, in: dir)
        #expect(
            r5.status == 1 && r5.stderr.contains("noprj.shp") && r5.stderr.contains("no .prj")
                && r5.stderr.contains("--crs"), "\(r5.stderr)")
        let r6 = try CLI.landreg(
            [
                "import", "parcels", noPrj, "--profile", "sandiao", "--crs", "EPSG:4549", "--quiet",
                "--store", noPrjStore
            ], in: dir)
        #expect(r6.status == 0 && r6.stdout.contains("imported 400 parcels"), "\(r6.stdout)\(r6.stderr)")

        // A CRS no EPSG code describes: refused naming it.
        let local = try Self.gbkShapefile("local", in: dir)
        try Self.esriLocal.write(toFile: dir + "/local.prj", atomically: true, encoding: .utf8)
        let (_, r7) = try Self.importParcels(local, in: dir)
        #expect(
            r7.status == 1 && r7.stderr.contains("Hangzhou_Local_Grid") && r7.stderr.contains("--crs"), "\(r7.stderr)")
    }

    // MARK: Encodings

    @Test func aGBKShapefileWithoutAnyEncodingHintIsRefused() throws {
        let dir = CLI.temporaryDirectory()
        let shp = try Self.gbkShapefile("nohint", in: dir)
        try FileManager.default.removeItem(atPath: dir + "/nohint.cpg")
        let store = try Self.newStore(dir)
        let before = Self.storeBytes(store)
        let r = try CLI.landreg(
            ["import", "parcels", shp, "--profile", "sandiao", "--quiet", "--store", store], in: dir)
        #expect(r.status == 1)
        #expect(
            r.stderr.contains(
                "nohint.dbf: field DLMC of feature 1 is not UTF-8 and the file declares no encoding "
                    + "(no .cpg, no language-driver byte); pass --encoding gbk|gb18030|utf-8"), "\(r.stderr)")
        #expect(Self.storeBytes(store) == before, "the store changed")
    }

    // MARK: Broken sources

    struct BadSource: CustomTestStringConvertible, Sendable {
        let name: String
        /// Makes the source in the directory; returns its path and extra arguments.
        let make: @Sendable (String) throws -> (String, [String])
        let expected: [String]
        var testDescription: String { name }
    }

    static let badSources: [BadSource] = [
        BadSource(
            name: "truncated .shp",
            make: { dir in
                let shp = try gbkShapefile("cut", in: dir)
                let size = try FileManager.default.attributesOfItem(atPath: shp)[.size] as! Int
                let h = try FileHandle(forUpdating: URL(fileURLWithPath: shp))
                try h.truncate(atOffset: UInt64(size / 2))
                try h.close()
                return (shp, [])
            }, expected: ["cut.shp", "layer cut", "feature ", "(fid ", "GDAL cannot read it"]),
        BadSource(
            name: ".dbf with fewer records than the .shp",
            make: { dir in
                let shp = try gbkShapefile("short", in: dir)
                try ogr(
                    [
                        "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", "-where", "TBBH <> '1'", dir + "/fewer.shp",
                        shp
                    ], in: dir)
                try FileManager.default.removeItem(atPath: dir + "/short.dbf")
                try FileManager.default.copyItem(atPath: dir + "/fewer.dbf", toPath: dir + "/short.dbf")
                return (shp, [])
            }, expected: ["short.shp", "short.dbf holds", "records but the .shp 400 shapes"]),
        BadSource(
            name: "missing .shx",
            make: { dir in
                let shp = try gbkShapefile("noindex", in: dir)
                try FileManager.default.removeItem(atPath: dir + "/noindex.shx")
                return (shp, [])
            }, expected: ["noindex.shp", "noindex.shx is missing"]),
        BadSource(
            name: "zip with two shapefiles",
            make: { dir in
                _ = try gbkShapefile("one", in: dir)
                _ = try gbkShapefile("two", in: dir)
                try requireTool("/usr/bin/zip", "zip")
                let files = ["one", "two"].flatMap { n in ["shp", "shx", "dbf", "prj", "cpg"].map { "\(n).\($0)" } }
                let z = try CLI.run("/usr/bin/zip", ["-q", dir + "/both.zip"] + files, in: dir)
                try #require(z.status == 0)
                return (dir + "/both.zip", [])
            }, expected: ["both.zip", "holds 2 shapefiles", "one (400 features)", "two (400 features)", "--layer"]),
        BadSource(
            name: "a folder named .gdb that is not one",
            make: { dir in
                let gdb = dir + "/fake.gdb"
                try FileManager.default.createDirectory(atPath: gdb, withIntermediateDirectories: true)
                try "not a geodatabase".write(toFile: gdb + "/readme.txt", atomically: true, encoding: .utf8)
                return (gdb, [])
            }, expected: ["fake.gdb", "is not a FileGDB"]),
        BadSource(
            name: "an .xlsx that is really text, as a layer",
            make: { dir in
                try "code,land_use\nA,0101\n".write(toFile: dir + "/parcels.xlsx", atomically: true, encoding: .utf8)
                return (dir + "/parcels.xlsx", [])
            }, expected: ["parcels.xlsx", "a .xlsx file is none of them"]),
        BadSource(
            name: "unknown --layer",
            make: { dir in
                let gdb = dir + "/two.gdb"
                try ogr(["-f", "OpenFileGDB", gdb, parcels, "-nln", "parcels"], in: dir)
                return (gdb, ["--layer", "DLTB"])
            }, expected: ["two.gdb", "has no layer DLTB", "parcels (400 features)"])
    ]

    @Test(arguments: badSources)
    func aBrokenSourceIsRefusedNamingWhatIsWrongAndTheStoreIsUnchanged(_ bad: BadSource) throws {
        let dir = CLI.temporaryDirectory()
        let store = try Self.newStore(dir)
        // A committed layer, so that "unchanged" means something.
        let seed = try CLI.landreg(
            [
                "import", "zones", CLI.geoData + "/zones-village.geojson", "--kind", "village",
                "--quiet", "--store", store
            ], in: dir)
        try #require(seed.status == 0, "\(seed.stderr)")
        let (file, extra) = try bad.make(dir)
        let before = Self.storeBytes(store)
        let r = try CLI.landreg(
            ["import", "parcels", file, "--profile", "sandiao", "--quiet", "--store", store] + extra, in: dir)
        #expect(r.status == 1, "exit \(r.status): \(r.stderr)")
        for e in bad.expected { #expect(r.stderr.contains(e), "missing \"\(e)\" in: \(r.stderr)") }
        #expect(!r.stderr.contains("ERROR 1:") && !r.stderr.contains("ERROR 4:"), "GDAL printed raw: \(r.stderr)")
        #expect(Self.storeBytes(store) == before, "the store changed")
    }

    // MARK: Tables from Excel and GBK CSV

    /// Writes `csv` as a workbook with openpyxl; columns in `numbers` become numeric cells and those in `dates`
    /// date cells, as a clerk's sheet has them.
    static func workbook(
        from csv: String, to xlsx: String, sheet: String = "Sheet1", numbers: [String] = [],
        dates: [String] = [], breakRow: Int? = nil
    ) throws {
        let r = try CLI.python(
            """
            import csv, datetime, sys, openpyxl
            src, out, sheet, numbers, dates, bad = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(","), sys.argv[5].split(","), int(sys.argv[6])
            wb = openpyxl.Workbook(); ws = wb.active; ws.title = sheet
            rows = list(csv.reader(open(src, encoding="utf-8")))
            header = rows[0]; ws.append(header)
            for r in rows[1:]:
                cells = []
                for name, v in zip(header, r):
                    if v != "" and name in numbers: v = float(v) if "." in v else int(v)
                    elif v != "" and name in dates: v = datetime.date.fromisoformat(v)
                    cells.append(v if v != "" else None)
                ws.append(cells)
            if bad > 0: ws.cell(row=bad, column=1).value = "BADCODE"
            wb.save(out)
            """, [csv, xlsx, sheet, numbers.joined(separator: ","), dates.joined(separator: ","), String(breakRow ?? 0)]
        )
        try #require(r.status == 0, "openpyxl: \(r.stderr)")
    }

    @Test func enterprisesYearsAndTenanciesFromXLSXMatchTheCSVImports() throws {
        let dir = CLI.temporaryDirectory()
        let g = CLI.geoData
        try Self.workbook(from: g + "/enterprises.csv", to: dir + "/firms.xlsx")
        try Self.workbook(
            from: g + "/enterprise-years.csv", to: dir + "/years.xlsx",
            numbers: ["year", "tax_yuan", "value_added_yuan", "revenue_yuan", "energy_tce", "employees", "rd_yuan"])
        try Self.workbook(
            from: g + "/tenancies.csv", to: dir + "/leases.xlsx", sheet: "租赁",
            numbers: ["floor_area_m2"], dates: ["start", "end"])
        var stores: [String] = []
        for (label, files) in [
            ("csv", ["enterprises.csv", "enterprise-years.csv", "tenancies.csv"].map { g + "/" + $0 }),
            ("xlsx", ["firms.xlsx", "years.xlsx", "leases.xlsx"].map { dir + "/" + $0 })
        ] {
            let store = try Self.newStore(dir, label + ".gpkg")
            for step in [
                ["import", "parcels", g + "/parcels.geojson", "--profile", "sandiao"],
                ["import", "sites", g + "/sites.geojson"],
                ["import", "enterprises", files[0]], ["import", "enterprise-years", files[1]],
                ["import", "tenancies", files[2]]
            ] {
                let r = try CLI.landreg(
                    step + ["--store", store] + (step[1] == "parcels" || step[1] == "sites" ? ["--quiet"] : []), in: dir
                )
                try #require(r.status == 0, "\(label) \(step[1]): \(r.stderr)")
            }
            stores.append(store)
        }
        for query in [
            "SELECT credit_code, name, industry, scale FROM enterprises ORDER BY credit_code",
            "SELECT credit_code, year, tax_yuan, value_added_yuan, revenue_yuan, energy_tce, employees, rd_yuan FROM enterprise_years ORDER BY credit_code, year",
            "SELECT site_code, tenant_credit_code, floor_area_m2, start_date, end_date, use FROM tenancies ORDER BY id"
        ] {
            let csv = try Self.sql(stores[0], query), xlsx = try Self.sql(stores[1], query)
            #expect(!csv.isEmpty && csv == xlsx, "\(query)")
        }
        #expect(
            try Self.sql(stores[1], "SELECT name FROM enterprises WHERE credit_code = '91330110MANN6LRU7B'") == [
                "'杭州盛鑫纺织有限公司'"
            ])
    }

    @Test func aBadXLSXRowIsLocatedBySheetAndRow() throws {
        let dir = CLI.temporaryDirectory()
        try Self.workbook(from: CLI.geoData + "/enterprises.csv", to: dir + "/firms.xlsx", breakRow: 7)
        let store = try Self.newStore(dir)
        let before = Self.storeBytes(store)
        let r = try CLI.landreg(["import", "enterprises", dir + "/firms.xlsx", "--store", store], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("firms.xlsx:Sheet1:row 7: credit code \"BADCODE\""), "\(r.stderr)")
        #expect(Self.storeBytes(store) == before)
        // --sheet names a sheet the workbook does not have.
        let s = try CLI.landreg(
            ["import", "enterprises", dir + "/firms.xlsx", "--sheet", "Sheet9", "--store", store], in: dir)
        #expect(s.status == 1 && s.stderr.contains("has no sheet Sheet9; its sheets: Sheet1"), "\(s.stderr)")
        // Text saved as .xlsx.
        try "credit_code,name\n".write(toFile: dir + "/text.xlsx", atomically: true, encoding: .utf8)
        let t = try CLI.landreg(["import", "enterprises", dir + "/text.xlsx", "--store", store], in: dir)
        #expect(t.status == 1 && t.stderr.contains("text.xlsx: is not an Excel workbook"), "\(t.stderr)")
        #expect(Self.storeBytes(store) == before)
    }

    @Test func gbkAndBOMCSVWithCRLFAndQuotedNewlines() throws {
        let dir = CLI.temporaryDirectory()
        let utf8 = try String(contentsOfFile: CLI.geoData + "/enterprises.csv", encoding: .utf8)
        var lines = utf8.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        // A name with a quoted comma and newline, as Excel writes a cell with a line break.
        lines[1] = lines[1].replacingOccurrences(of: ",杭州盛鑫纺织有限公司,", with: ",\"杭州盛鑫纺织有限公司\n(一厂), 城北\",")
        let crlf = lines.joined(separator: "\r\n") + "\r\n"
        try Self.requireTool("/usr/bin/iconv", "libc-bin")
        try crlf.write(toFile: dir + "/utf8.csv", atomically: true, encoding: .utf8)
        let conv = try CLI.run(
            "/usr/bin/iconv", ["-f", "UTF-8", "-t", "GBK", "-o", dir + "/gbk.csv", dir + "/utf8.csv"])
        try #require(conv.status == 0, "\(conv.stderr)")
        try (Data([0xEF, 0xBB, 0xBF]) + Data(crlf.utf8)).write(to: URL(fileURLWithPath: dir + "/bom.csv"))

        let gbkStore = try Self.newStore(dir, "gbk.gpkg")
        let refused = try CLI.landreg(["import", "enterprises", dir + "/gbk.csv", "--store", gbkStore], in: dir)
        #expect(
            refused.status == 1 && refused.stderr.contains("gbk.csv:2: not valid utf-8 text")
                && refused.stderr.contains("--encoding gbk"), "\(refused.stderr)")
        let ok = try CLI.landreg(
            ["import", "enterprises", dir + "/gbk.csv", "--encoding", "gbk", "--store", gbkStore], in: dir)
        #expect(ok.status == 0 && ok.stdout.contains("imported 41 rows"), "\(ok.stdout)\(ok.stderr)")
        let bomStore = try Self.newStore(dir, "bom.gpkg")
        let bom = try CLI.landreg(["import", "enterprises", dir + "/bom.csv", "--store", bomStore], in: dir)
        #expect(bom.status == 0, "\(bom.stderr)")
        let query = "SELECT credit_code, name, industry, scale FROM enterprises ORDER BY credit_code"
        let rows = try Self.sql(gbkStore, query)
        let bomRows = try Self.sql(bomStore, query)
        #expect(rows.count == 41 && rows == bomRows)
        #expect(rows.contains { $0.contains(#"'杭州盛鑫纺织有限公司\n(一厂), 城北'"#) }, "\(rows.prefix(3))")

        // A byte that is not GBK on line 5 (a lone lead byte before the line end).
        var bad = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/gbk.csv")))
        var line = 1, i = 0
        while line < 5 { if bad[i] == 0x0A { line += 1 }; i += 1 }
        let end = bad[i...].firstIndex(of: 0x0D)!
        bad.insert(0x81, at: end)
        try Data(bad).write(to: URL(fileURLWithPath: dir + "/gbk-bad.csv"))
        let store = try Self.newStore(dir, "bad.gpkg")
        let before = Self.storeBytes(store)
        let r = try CLI.landreg(
            ["import", "enterprises", dir + "/gbk-bad.csv", "--encoding", "gbk", "--store", store], in: dir)
        #expect(r.status == 1 && r.stderr.contains("gbk-bad.csv:5: not valid gbk text"), "\(r.stderr)")
        #expect(Self.storeBytes(store) == before)
    }

    // MARK: 卫片 batches

    @Test func aWeipianShapefileImportsWithTheWeipianProfile() throws {
        let dir = CLI.temporaryDirectory()
        let src = CLI.geoData + "/spots-2023-07.geojson"
        try Self.ogr(
            [
                "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", dir + "/wp.shp", src, "-sql",
                "SELECT code AS JCBH, batch AS PC, detected_date AS HSX, clue_code AS XSBH, village AS XZQMC, "
                    + "area_declared_m2 AS JCMJ FROM \"spots-2023-07\""
            ], in: dir)
        var stores: [String] = []
        for (file, extra) in [(src, [String]()), (dir + "/wp.shp", ["--profile", "weipian"])] {
            let store = try Self.newStore(dir, "wp-\(stores.count).gpkg")
            let r = try CLI.landreg(
                ["import", "spots", file, "--batch", "2023-07", "--quiet", "--store", store] + extra, in: dir)
            #expect(r.status == 0, "\(file): \(r.stderr)")
            stores.append(store)
        }
        let query =
            "SELECT code, batch, detected_date, clue_code, village, round(ellipsoidal_area_m2, 6) FROM spots ORDER BY code"
        let expected = try Self.sql(stores[0], query)
        let fromShapefile = try Self.sql(stores[1], query)
        #expect(expected.count == 30 && expected == fromShapefile)
        #expect(
            try Self.sql(
                stores[1], "SELECT json_extract(properties, '$.JCMJ') FROM spots WHERE code = 'JC2023-07-0001'") == [
                    "334.44"
                ])
    }
}
