import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

@Suite("The store is a GeoPackage")
struct StoreTests {
    @Test func freshStorePassesGDALsValidator() throws {
        let registry = try Fixtures.store()
        try registry.close()
        let r = try Fixtures.run(
            Fixtures.gdalPython,
            [
                "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "--extra", registry.path
            ])
        #expect(r.status == 0, "validator said: \(r.stdout) \(r.stderr)")
    }

    @Test func headerAndLayersAreRegistered() throws {
        let registry = try Fixtures.store()
        try registry.dbQueue.read { db in
            #expect(try Int.fetchOne(db, sql: "PRAGMA application_id") == 0x4750_4B47)
            #expect(try Int.fetchOne(db, sql: "PRAGMA user_version") == 10200)
            let layers = try String.fetchAll(
                db, sql: "SELECT table_name FROM gpkg_geometry_columns ORDER BY table_name")
            #expect(layers.contains("parcels") && layers.contains("zones"))
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'")! >= 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = 4549") == 1)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM landuse_codes WHERE system = 'gb21010' AND code = '0101'") == 1)
        }
    }

    @Test func creatingOverAnExistingFileIsRefused() throws {
        let registry = try Fixtures.store()
        #expect(throws: RegistryError.storeExists(registry.path)) {
            try Registry.create(at: registry.path, crs: .cgcs2000GK120E, seeds: Fixtures.seeds)
        }
    }

    @Test func aStoreFromANewerLandregIsRefused() throws {
        let registry = try Fixtures.store()
        try registry.dbQueue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-01-from-the-future')")
        }
        try registry.close()
        #expect(throws: RegistryError.newerStore(registry.path, ["2099-01-01-from-the-future"])) {
            try Registry.open(at: registry.path)
        }
    }

    @Test func anOlderStoreIsBackedUpAndMigrated() throws {
        // Given a store an older landreg wrote: only the first schema step.
        let path = Fixtures.directory() + "/old.gpkg"
        let definition = try StoreCRSDefinition(.cgcs2000GK120E)
        let old = try DatabaseQueue(path: path, configuration: Registry.configuration())
        try Migrations.migrator(storeCRS: definition).migrate(old, upTo: "2026-11-26-core")
        try old.close()
        // When this landreg opens it
        let registry = try Registry.open(at: path)
        // Then it has every step, and the old file was copied first.
        let (hasParcels, complete) = try registry.dbQueue.read { db in
            (try db.tableExists("parcels"), try Migrations.migrator(storeCRS: definition).hasCompletedMigrations(db))
        }
        #expect(hasParcels && complete)
        let dir = (path as NSString).deletingLastPathComponent
        let backups = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("old.gpkg.bak-") }
        #expect(backups.count == 1)
        let backup = try DatabaseQueue(path: dir + "/" + backups[0])
        #expect(try backup.read { try $0.tableExists("parcels") } == false)
    }

    @Test func theAuditLogRefusesUpdatesAndDeletes() throws {
        let registry = try Fixtures.store()
        _ = try registry.dbQueue.write { db in
            try AuditLog.append(
                db, context: Fixtures.context, entity: .parcel, entityID: 1, entityCode: "P1",
                details: .retire(RetireDetails(supersededBy: 2, importID: 1)))
        }
        #expect(throws: DatabaseError.self) {
            try registry.dbQueue.write { db in try db.execute(sql: "UPDATE events SET actor = 'mallory'") }
        }
        #expect(throws: DatabaseError.self) {
            try registry.dbQueue.write { db in try db.execute(sql: "DELETE FROM events") }
        }
        #expect(try registry.eventCount() == 1)
        #expect(try registry.events(entity: .parcel).first?.actor == "tester")
    }

    @Test func sha256MatchesSha256sum() throws {
        let text = String(repeating: "landreg 地块 ", count: 10_000)
        let path = Fixtures.write(text, name: "hash.txt")
        let mine = try SHA256Hasher.hexDigest(ofFile: path)
        let theirs = try Fixtures.run("/usr/bin/sha256sum", [path]).stdout.prefix(64)
        #expect(mine == String(theirs))
        var empty = SHA256Hasher()
        #expect(empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func csvReaderHandlesQuotesAndRejectsRaggedRows() throws {
        let t = try CSVTable(text: "a,b\n\"x, \"\"y\"\"\",2\r\n", file: "t.csv")
        #expect(t.rows == [["x, \"y\"", "2"]])
        #expect(throws: CSVError.self) { try CSVTable(text: "a,b\n1\n", file: "t.csv") }
    }
}
