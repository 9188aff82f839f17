import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

/// A small district for streaming tests: `count` parcels on a grid, some with a hole, with multi-byte
/// properties (so that UTF-8 sequences, not only features, straddle the reader's buffer edges).
enum StreamingFixtures {
    /// The parcels' rings in EPSG:4549: exterior and optional hole.
    static func rings(_ i: Int) -> [[XY]] {
        let x = 520_000 + Double(i % 40) * 30, y = 3_340_000 + Double(i / 40) * 30
        let side = 20 + Double(i % 7)
        // Seven vertices on some parcels (a notch), four on others.
        var exterior = [XY(x, y), XY(x + side, y), XY(x + side, y + side), XY(x, y + side), XY(x, y)]
        if i % 3 == 0 {
            exterior = [
                XY(x, y), XY(x + side, y), XY(x + side, y + side / 2), XY(x + side / 2, y + side / 2),
                XY(x + side / 2, y + side), XY(x, y + side), XY(x, y)
            ]
        }
        guard i % 5 == 0 else { return [exterior] }
        let hole = [XY(x + 2, y + 2), XY(x + 2, y + 5), XY(x + 5, y + 5), XY(x + 5, y + 2), XY(x + 2, y + 2)]
        return [exterior, hole]
    }

    static func feature(_ i: Int, transform: CoordinateTransform? = nil, decimals: Int = 3) throws -> String {
        let rings = try rings(i).map { ring in
            try (transform?.transform(ring) ?? ring).map { "[\(format($0.x, decimals)),\(format($0.y, decimals))]" }
                .joined(separator: ",")
        }
        let coordinates = rings.map { "[\($0)]" }.joined(separator: ",")
        let owner = ["湖埠村", "云溪街道", "前溪村"][i % 3]
        return #"{"type":"Feature","id":\#(i),"properties":{"BSM":"P\#(String(format: "%05d", i))","DLBM":"0101","#
            + #""QSDWMC":"\#(owner)","ZLDWMC":"\#(owner)第\#(i % 9)组"},"geometry":{"type":"Polygon","coordinates":[\#(coordinates)]}}"#
    }

    static func format(_ v: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", v) }

    /// The same parcels in every form the importer reads.
    static func files(count: Int) throws -> [(name: String, path: String)] {
        let features4549 = try (0..<count).map { try feature($0) }
        let toLonLat = try CoordinateTransform(from: .cgcs2000GK120E, to: .wgs84)
        // 1e-11 degrees is about a micrometre: the lon/lat file holds the same parcels to well under 1e-4 m².
        let features4326 = try (0..<count).map { try feature($0, transform: toLonLat, decimals: 11) }
        return [
            ("FeatureCollection EPSG:4549", Fixtures.write(Fixtures.collection4549(features4549), name: "p.geojson")),
            (
                "FeatureCollection EPSG:4326",
                Fixtures.write(
                    #"{"type":"FeatureCollection","features":["# + "\n" + features4326.joined(separator: ",\n")
                        + "\n]}",
                    name: "p-4326.geojson")
            ),
            (
                "RFC 8142 sequence (.geojsons)",
                Fixtures.write(features4326.map { "\u{1E}" + $0 + "\n" }.joined(), name: "p.geojsons")
            ),
            (
                "newline-delimited sequence (.geojsonl)",
                Fixtures.write(features4326.map { $0 + "\n" }.joined(), name: "p.geojsonl")
            )
        ]
    }
}

/// What an import stored, in fid order: code, owner, planar and ellipsoidal area.
struct StoredParcel: Equatable {
    let code: String, owner: String?, planar: Double, ellipsoidal: Double
}

func storedParcels(_ registry: Registry) throws -> [StoredParcel] {
    try registry.dbQueue.read { db in
        try Row.fetchAll(db, sql: "SELECT code, owner, planar_area_m2, ellipsoidal_area_m2 FROM parcels ORDER BY fid")
            .map {
                StoredParcel(code: $0[0], owner: $0[1], planar: $0[2], ellipsoidal: $0[3])
            }
    }
}

@Suite("Streaming import")
struct StreamingImportTests {
    var options: FeatureImportOptions {
        var o = FeatureImportOptions(context: Fixtures.context)
        o.profile = "sandiao"
        return o
    }

    @Test func featuresSplitAcrossBufferEdgesImportAsWithOneRead() throws {
        let path = Fixtures.write(Fixtures.collection4549(try (0..<300).map { try StreamingFixtures.feature($0) }))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        var results: [[StoredParcel]] = []
        // 97 bytes: every feature (about 300 bytes) and many UTF-8 sequences straddle a refill.
        for bufferBytes in [1 << 20, 97] {
            #expect(bufferBytes == 1 << 20 || size > 50 * bufferBytes)
            let registry = try Fixtures.store()
            var o = options
            o.readBufferBytes = bufferBytes
            let report = try registry.importParcels(file: path, options: o)
            #expect(report.features == 300)
            results.append(try storedParcels(registry))
        }
        #expect(results[0] == results[1])
        #expect(results[1][1].owner == "云溪街道")
    }

    @Test func textSequencesWithAndWithoutRecordSeparators() throws {
        let files = try StreamingFixtures.files(count: 40)
        for (name, path) in files where path.hasSuffix(".geojsons") || path.hasSuffix(".geojsonl") {
            let registry = try Fixtures.store()
            var o = options
            o.readBufferBytes = 64
            let report = try registry.importParcels(file: path, options: o)
            #expect(report.features == 40, "\(name)")
            #expect(report.sourceCRS == "EPSG:4326", "\(name)")
            #expect(try storedParcels(registry).map(\.code) == (0..<40).map { String(format: "P%05d", $0) }, "\(name)")
        }
    }

    @Test func sameParcelsAndAreasWhateverTheFormAndTheNumberOfWorkers() throws {
        let count = 700 // more than one batch of the pipeline (512)
        let files = try StreamingFixtures.files(count: count)
        var reference: [StoredParcel]? = nil
        var byForm: [String: [StoredParcel]] = [:]
        for (name, path) in files {
            for workers in [1, 2, 3] {
                let registry = try Fixtures.store()
                var o = options
                o.workers = workers
                _ = try registry.importParcels(file: path, options: o)
                let stored = try storedParcels(registry)
                #expect(stored.count == count)
                // The same input gives the same rows, bit for bit, whatever the number of workers.
                if let same = byForm[name] {
                    #expect(stored == same, "\(name), \(workers) workers")
                } else {
                    byForm[name] = stored
                }
                // Every form holds the same parcels: codes and owners exactly, areas to the coordinates' rounding.
                guard let reference else { reference = stored; continue }
                #expect(stored.map(\.code) == reference.map(\.code))
                #expect(stored.map(\.owner) == reference.map(\.owner))
                for (a, b) in zip(stored, reference) {
                    #expect(
                        abs(a.planar - b.planar) < 1e-4 && abs(a.ellipsoidal - b.ellipsoidal) < 1e-4,
                        "\(name) \(a.code)")
                }
            }
        }
        // The hole is subtracted: parcel 0 is 20 m with a notch and a 3 m hole, 400 − 100 − 9 = 291 m² planar.
        #expect(abs(try #require(reference?.first).planar - 291) < 1e-9)
    }
}

@Suite("Spatial index of a bulk import")
struct BulkSpatialIndexTests {
    let options = FeatureImportOptions(context: Fixtures.context)

    /// The R*Tree rows SQLite itself would make from the stored geometries (through the ST_* functions).
    func indexDifferences(_ registry: Registry) throws -> (rows: Int, differing: Int, check: String) {
        try registry.dbQueue.write { db in
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE temp.expected USING rtree(id, minx, maxx, miny, maxy);
                    INSERT INTO temp.expected SELECT fid, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom) FROM parcels;
                    """)
            defer { try? db.execute(sql: "DROP TABLE temp.expected") }
            let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM rtree_parcels_geom")!
            let differing = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM temp.expected e LEFT JOIN rtree_parcels_geom r ON r.id = e.id
                    WHERE r.id IS NULL OR r.minx != e.minx OR r.maxx != e.maxx OR r.miny != e.miny OR r.maxy != e.maxy
                    """)!
            let check = try String.fetchOne(db, sql: "SELECT rtreecheck('rtree_parcels_geom')")!
            return (rows, differing, check)
        }
    }

    func insertTriggerSQL(_ registry: Registry) throws -> String? {
        try registry.dbQueue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'rtree_parcels_geom_insert'")
        }
    }

    @Test func packedTreeEqualsSQLitesOwnAndTheTriggerComesBack() throws {
        let registry = try Fixtures.store()
        let trigger = try #require(try insertTriggerSQL(registry))
        // 3,000 parcels: a tree of three levels with 51-cell nodes.
        let features = (0..<3_000).map {
            Fixtures.squareFeature(
                code: "S\($0)", x: 520_000 + Double($0 % 60) * 10.3, y: 3_340_000 + Double($0 / 60) * 9.7, side: 9)
        }
        _ = try registry.importParcels(file: Fixtures.write(Fixtures.collection4549(features)), options: options)
        let packed = try indexDifferences(registry)
        #expect(packed.rows == 3_000 && packed.differing == 0 && packed.check == "ok")
        #expect(try insertTriggerSQL(registry) == trigger)
        // The root's first two bytes: the tree's depth (leaves, one level of inner nodes, the root).
        let rootHeader = try registry.dbQueue.read { db in
            try String.fetchOne(db, sql: "SELECT hex(substr(data, 1, 4)) FROM rtree_parcels_geom_node WHERE nodeno = 1")
        }
        #expect(rootHeader == "00020002")

        // A second import goes into a non-empty tree row by row; the trigger still maintains later writes.
        let more = (0..<200).map { Fixtures.squareFeature(code: "T\($0)", x: 530_000 + Double($0) * 10, side: 9) }
        _ = try registry.importParcels(file: Fixtures.write(Fixtures.collection4549(more)), options: options)
        try registry.dbQueue.write { db in
            try db.execute(
                sql: "UPDATE parcels SET geom = (SELECT geom FROM parcels WHERE code = 'T0') WHERE code = 'S0'")
        }
        let after = try indexDifferences(registry)
        #expect(after.rows == 3_200 && after.differing == 0 && after.check == "ok")
        #expect(try registry.parcels(containing: XY(530_004, 3_340_004)).map(\.code).sorted() == ["S0", "T0"])
    }

    @Test func refusedImportLeavesTriggerAndIndexAsTheyWere() throws {
        let registry = try Fixtures.store()
        let trigger = try insertTriggerSQL(registry)
        let before = try fingerprint(registry)
        let bad = Fixtures.squareFeature(code: "B").replacingOccurrences(of: "\"0101\"", with: "\"9999\"")
        #expect(throws: ImportFailed.self) {
            try registry.importParcels(
                file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "A"), bad])),
                options: options)
        }
        #expect(try insertTriggerSQL(registry) == trigger)
        #expect(try fingerprint(registry) == before)
        // The trigger works for the next writer: an import into the still empty tree, then a plain INSERT.
        _ = try registry.importParcels(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "A")])),
            options: options)
        try registry.dbQueue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO parcels (geom, code, planar_area_m2, ellipsoidal_area_m2, created_at)
                    SELECT geom, 'C', planar_area_m2, ellipsoidal_area_m2, created_at FROM parcels WHERE code = 'A'
                    """)
        }
        #expect(try indexDifferences(registry).rows == 2)
    }

    @Test func sqlFunctionsReadTheBlobHeader() throws {
        let registry = try Fixtures.store()
        _ = try registry.importParcels(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "A", side: 10)])),
            options: options)
        try registry.dbQueue.read { db in
            let row = try #require(
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom), ST_IsEmpty(geom),
                               ST_MinX(NULL), ST_IsEmpty('text') FROM parcels
                        """))
            #expect(row[0] as Double == 520_000 && row[1] as Double == 520_010)
            #expect(row[2] as Double == 3_340_000 && row[3] as Double == 3_340_010)
            #expect(row[4] as Int == 0)
            #expect(row[5] as DatabaseValue == .null && row[6] as DatabaseValue == .null)
            #expect(throws: DatabaseError.self) { try Double.fetchOne(db, sql: "SELECT ST_MinX(x'0102')") }
        }
    }
}
