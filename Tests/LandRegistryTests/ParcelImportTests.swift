import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

/// Row counts of every table an import writes: equal before and after means nothing was written.
func fingerprint(_ registry: Registry) throws -> [Int] {
    try registry.dbQueue.read { db in
        try ["parcels", "zones", "imports", "events", "rtree_parcels_geom"].map {
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)")!
        }
    }
}

@Suite("Importing parcels")
struct ParcelImportTests {
    let options = FeatureImportOptions(context: Fixtures.context)

    @Test func importsSquaresWithPlanarAndEllipsoidalAreas() throws {
        let registry = try Fixtures.store()
        let file = Fixtures.write(
            Fixtures.collection4549([
                Fixtures.squareFeature(code: "P1", side: 100),
                Fixtures.squareFeature(code: "P2", x: 520_100, side: 50, landUse: "0601", extra: #","DKMC":"厂区""#)
            ]))
        let report = try registry.importParcels(file: file, options: options)
        #expect(report.features == 2)
        #expect(report.sourceCRS == "EPSG:4549")
        let p1 = try registry.parcel(code: "P1")
        #expect(abs(p1.planarAreaM2 - 10_000) < 1e-9)
        // Gauss-Krüger scale near 120.2°E: ellipsoidal area differs from planar by a few parts in 10^5.
        #expect(abs(p1.ellipsoidalAreaM2 - 10_000) / 10_000 < 1e-3)
        let p2 = try registry.parcel(code: "P2")
        #expect(p2.landUseName == "工业用地")
        #expect(p2.properties == #"{"DKMC":"厂区"}"#)
        #expect(try registry.events(entity: .import).count == 1)
        #expect(try registry.parcels(containing: XY(520_050, 3_340_050)).map(\.code) == ["P1"])
        #expect(try registry.parcels(containing: XY(519_000, 3_340_050)).isEmpty)
        #expect(try registry.parcels(ParcelFilter(landUsePrefix: "06")).map(\.code) == ["P2"])
        let box = Envelope(minX: 520_120, minY: 3_340_010, maxX: 520_130, maxY: 3_340_020)
        #expect(try registry.parcels(ParcelFilter(bbox: box)).map(\.code) == ["P2"])
    }

    @Test func lonLatInputIsTransformedIntoTheStoreCRS() throws {
        let registry = try Fixtures.store()
        let file = Fixtures.write(
            """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"LL1","land_use":"0101"},
             "geometry":{"type":"Polygon","coordinates":[[[120.2,30.2],[120.201,30.2],[120.201,30.201],[120.2,30.201],[120.2,30.2]]]}}]}
            """)
        let report = try registry.importParcels(file: file, options: options)
        #expect(report.sourceCRS == "EPSG:4326")
        let p = try registry.parcel(code: "LL1")
        let g = try #require(try registry.parcelGeometry(fid: p.fid))
        let e = try #require(g.envelope)
        #expect(e.minX > 519_000 && e.minX < 520_000 && e.minY > 3_341_000 && e.minY < 3_343_000)
        // 0.001° × 0.001° at 30.2°N ≈ 96.2 m × 110.9 m
        #expect(abs(p.ellipsoidalAreaM2 - 10_674) < 30)
    }

    @Test func everyProblemIsListedAndNothingIsWritten() throws {
        let registry = try Fixtures.store()
        let before = try fingerprint(registry)
        let bowTie =
            #"{"type":"Feature","properties":{"code":"BAD1","land_use":"0101"},"geometry":{"type":"Polygon","coordinates":[[[520000,3340000],[520100,3340100],[520100,3340000],[520000,3340100],[520000,3340000]]]}}"#
        let line =
            #"{"type":"Feature","properties":{"code":"LINE","land_use":"0101"},"geometry":{"type":"LineString","coordinates":[[520000,3340000],[520100,3340100]]}}"#
        let empty =
            #"{"type":"Feature","properties":{"code":"EMPTY","land_use":"0101"},"geometry":{"type":"Polygon","coordinates":[]}}"#
        let noCode =
            #"{"type":"Feature","properties":{"land_use":"0101"},"geometry":{"type":"Polygon","coordinates":[[[520300,3340000],[520400,3340000],[520400,3340100],[520300,3340000]]]}}"#
        let file = Fixtures.write(
            Fixtures.collection4549([
                Fixtures.squareFeature(code: "OK1"), bowTie, line, empty, noCode,
                Fixtures.squareFeature(code: "DUP", x: 521_000), Fixtures.squareFeature(code: "DUP", x: 522_000),
                Fixtures.squareFeature(code: "LU", x: 523_000, landUse: "9999"),
                #"{"type":"Feature","properties":{"code":"NULLGEOM"},"geometry":null}"#
            ]))
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importParcels(file: file, options: options)
        }
        let text = failure.errorDescription ?? ""
        #expect(failure.problemCount == 7, "\(text)")
        #expect(text.contains("feature 1 (code BAD1): geometry invalid geometry: Self-intersection"))
        #expect(text.contains("--repair"))
        #expect(text.contains("feature 2 (code LINE): geometry is a LineString"))
        #expect(text.contains("feature 3 (code EMPTY): geometry has an empty Polygon"))
        #expect(text.contains("feature 4: has no code"))
        #expect(text.contains("feature 6 (code DUP): duplicate code DUP: feature 5 of this file has it too"))
        #expect(text.contains("feature 7 (code LU)") && text.contains("unknown land-use code \"9999\""))
        #expect(text.contains("feature 8 (code NULLGEOM): geometry has no geometry"))
        #expect(text.contains(file))
        #expect(try fingerprint(registry) == before)
    }

    @Test func aCodeThatIsAlreadyLiveIsRefusedUnlessReplaced() throws {
        let registry = try Fixtures.store()
        _ = try registry.importParcels(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "P1")])),
            options: options)
        let before = try fingerprint(registry)
        let second = Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "P1", side: 120)]))
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importParcels(file: second, options: options)
        }
        #expect(failure.errorDescription!.contains("code P1 already exists"))
        #expect(try fingerprint(registry) == before)

        var replacing = options
        replacing.replace = true
        let report = try registry.importParcels(file: second, options: replacing)
        #expect(report.replaced == 1)
        let history = try registry.parcelHistory(code: "P1")
        #expect(history.count == 2)
        #expect(history[0].retiredAt != nil && history[0].supersededBy == history[1].fid)
        #expect(history[1].isLive && abs(history[1].planarAreaM2 - 14_400) < 1e-6)
        #expect(try registry.events(entity: .parcel, code: "P1").map(\.action.rawValue) == ["retire"])
        #expect(throws: DatabaseError.self) {
            try registry.dbQueue.write { db in try db.execute(sql: "DELETE FROM parcels") }
        }
    }

    @Test func repairMakesInvalidGeometryValidAndSaysSo() throws {
        let registry = try Fixtures.store()
        let bowTie =
            #"{"type":"Feature","properties":{"code":"BT","land_use":"0101"},"geometry":{"type":"Polygon","coordinates":[[[520000,3340000],[520100,3340100],[520100,3340000],[520000,3340100],[520000,3340000]]]}}"#
        var repairing = options
        repairing.repair = true
        let report = try registry.importParcels(
            file: Fixtures.write(Fixtures.collection4549([bowTie])), options: repairing)
        #expect(report.repairs.count == 1)
        #expect(report.repairs[0].message.contains("Self-intersection"))
        // Two triangles of 2,500 m² each.
        #expect(abs(try registry.parcel(code: "BT").planarAreaM2 - 5_000) < 1e-6)
    }

    @Test func projectedCoordinatesReadAsLonLatAreExplained() throws {
        let registry = try Fixtures.store()
        let before = try fingerprint(registry)
        let file = Fixtures.write(#"{"type":"FeatureCollection","features":[\#(Fixtures.squareFeature(code: "P1"))]}"#)
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importParcels(file: file, options: options)
        }
        #expect(failure.errorDescription!.contains("cannot be longitude/latitude"))
        #expect(failure.errorDescription!.contains("--crs EPSG:4549"))
        #expect(try fingerprint(registry) == before)
        var withCRS = options
        withCRS.sourceCRS = .cgcs2000GK120E
        #expect(try registry.importParcels(file: file, options: withCRS).features == 1)
    }

    @Test func lonLatDeclaredAsProjectedIsExplained() throws {
        let registry = try Fixtures.store()
        let file = Fixtures.write(
            """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"LL1"},
             "geometry":{"type":"Polygon","coordinates":[[[120.2,30.2],[120.201,30.2],[120.201,30.201],[120.2,30.2]]]}}]}
            """)
        var wrong = options
        wrong.sourceCRS = .cgcs2000GK120E
        let failure = try #require(throws: ImportFailed.self) { try registry.importParcels(file: file, options: wrong) }
        #expect(failure.errorDescription!.contains("look like longitude/latitude"))
    }

    @Test func dryRunChecksButWritesNothing() throws {
        let registry = try Fixtures.store()
        let before = try fingerprint(registry)
        var dry = options
        dry.dryRun = true
        let report = try registry.importParcels(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "P1")])), options: dry)
        #expect(report.features == 1 && report.dryRun && report.importID == nil)
        #expect(try fingerprint(registry) == before)
    }

    @Test func profileAndMapReadOtherFieldNames() throws {
        let registry = try Fixtures.store()
        let feature = Fixtures.squareFeature(code: "x").replacingOccurrences(
            of: #""code":"x","land_use":"0101""#,
            with: #""BSM":"330110001","DLBM":"0102","QSDWMC":"前溪村","TBMJ":"10000.5","DKBH":"A-7""#)
        var sandiao = options
        sandiao.profile = "sandiao"
        _ = try registry.importParcels(file: Fixtures.write(Fixtures.collection4549([feature])), options: sandiao)
        let p = try registry.parcel(code: "330110001")
        #expect(p.landUse == "0102" && p.owner == "前溪村" && p.registeredAreaM2 == 10000.5)
        #expect(p.properties.contains("DKBH"))

        var mapped = options
        mapped.fieldMap = ["code": "DKBH", "land_use": "DLBM"]
        mapped.replace = true
        _ = try registry.importParcels(file: Fixtures.write(Fixtures.collection4549([feature])), options: mapped)
        #expect(try registry.parcel(code: "A-7").landUse == "0102")

        var unknown = options
        unknown.profile = "nosuch"
        #expect(throws: ImportSetupError.self) {
            try registry.importParcels(file: Fixtures.write(Fixtures.collection4549([feature])), options: unknown)
        }
    }

    @Test func theSameParcelsWhateverTheNumberOfWorkers() throws {
        var features: [String] = []
        for i in 0..<1_500 {
            features.append(
                Fixtures.squareFeature(
                    code: String(format: "W%05d", i), x: 520_000 + Double(i % 50) * 20,
                    y: 3_340_000 + Double(i / 50) * 20, side: 20))
        }
        let file = Fixtures.write(Fixtures.collection4549(features))
        var results: [[Double]] = []
        for workers in [1, 2, 3] {
            let registry = try Fixtures.store()
            var o = options
            o.workers = workers
            _ = try registry.importParcels(file: file, options: o)
            let areas = try registry.dbQueue.read { db in
                try Double.fetchAll(db, sql: "SELECT ellipsoidal_area_m2 FROM parcels ORDER BY fid")
            }
            let codes = try registry.parcels().map(\.code)
            #expect(codes.count == 1_500 && codes.first == "W00000")
            results.append(areas)
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }
}
