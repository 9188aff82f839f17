import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

/// The code rules every layer inserter shares (InserterCore): a code is unique among a layer's live rows (a
/// zone's among the live zones of its kind), named with the row that holds it; --replace retires that row.
@Suite("Layer inserters: code rules")
struct LayerInserterTests {
    let options = FeatureImportOptions(context: Fixtures.context)

    func zones(_ registry: Registry, live: Bool) throws -> [String] {
        try registry.dbQueue.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT kind || ':' || code FROM zones WHERE (retired_at IS NULL) = ? ORDER BY kind, code
                    """, arguments: [live])
        }
    }

    @Test("a zone code is unique per kind: another kind reuses it, the same kind refuses it unless replaced")
    func zoneCodesAreUniquePerKind() throws {
        // Given zone Z1 as a village and as a grid
        let registry = try Fixtures.store()
        let file = Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "Z1")]))
        _ = try registry.importZones(file: file, kind: .village, options: options)
        _ = try registry.importZones(file: file, kind: .grid, options: options)
        #expect(try zones(registry, live: true) == ["grid:Z1", "village:Z1"])

        // When the village Z1 comes again, it is refused naming the live row
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importZones(file: file, kind: .village, options: options)
        }
        let message = try #require(failure.problems.first?.message)
        #expect(failure.problems.count == 1 && failure.problems[0].featureIndex == 0)
        #expect(message.hasPrefix("code Z1 already exists (live since 20"))
        #expect(message.hasSuffix("); use --replace to supersede it (the old row is retired, not deleted)"))

        // and with --replace only the village's row is retired
        var replacing = options
        replacing.replace = true
        let report = try registry.importZones(file: file, kind: .village, options: replacing)
        #expect(report.replaced == 1)
        #expect(try zones(registry, live: true) == ["grid:Z1", "village:Z1"])
        #expect(try zones(registry, live: false) == ["village:Z1"])
    }

    @Test(
        "a code twice in one file names the feature that had it first, in every layer",
        arguments: ["parcels", "zones", "sites", "spots"])
    func aCodeTwiceInOneFile(layer: String) throws {
        let registry = try Fixtures.store()
        let file = Fixtures.write(
            Fixtures.collection4549([
                Fixtures.squareFeature(code: "D1"), Fixtures.squareFeature(code: "D2", x: 520_200),
                Fixtures.squareFeature(code: "D1", x: 520_400)
            ]))
        let before = try registry.dbQueue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events")! }
        let failure = try #require(throws: ImportFailed.self) {
            switch layer {
            case "parcels": _ = try registry.importParcels(file: file, options: options)
            case "zones": _ = try registry.importZones(file: file, kind: .grid, options: options)
            case "sites": _ = try registry.importSites(file: file, options: options)
            default: _ = try registry.importSpots(file: file, batch: "2026-11", options: options)
            }
        }
        #expect(failure.problems.map(\.featureIndex) == [2])
        #expect(failure.problems.map(\.message) == ["duplicate code D1: feature 0 of this file has it too"])
        let (rows, events) = try registry.dbQueue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(layer)")!,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM events")!
            )
        }
        #expect(rows == 0 && events == before)
    }
}
