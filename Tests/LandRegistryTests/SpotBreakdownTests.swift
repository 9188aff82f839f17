import GRDB
import Testing

@testable import LandRegistry

/// The 三大类 crosswalk as the breakdown reads it from a new store's seeds (DOMAIN.md's rule).
@Suite("Spot land classes")
struct SpotBreakdownTests {
    @Test func codesFindTheirClassByTheLongestPrefixInTheirSystem() throws {
        let registry = try Fixtures.store()
        try registry.dbQueue.read { db in
            let c = try SpotBreakdownCalculator(db: db, storeCRS: registry.storeCRS)
            let gb: [(String, LandClass?)] = [
                ("0101", .farmland), ("0103", .farmland), ("0201", .agricultural), ("0404", .unused),
                ("0403", .agricultural), ("05H1", .construction), ("0601", .construction), ("08H2A", .construction),
                ("1006", .agricultural), ("1003", .construction), ("1104A", .agricultural), ("1101", .unused),
                ("1109", .construction), ("1201", .construction), ("1202", .agricultural), ("1203", .agricultural),
                ("1207", .unused), ("01", nil), ("99", nil)
            ]
            for (code, expected) in gb {
                #expect(c.landClass(system: "gb21010", code: code) == expected, "gb21010 \(code)")
            }
            // The same numbers mean other things in 用地用海: 0601 农村道路 is agricultural, 1001 工业 construction.
            let yongdi: [(String, LandClass?)] = [
                ("0102", .farmland), ("0601", .agricultural), ("1001", .construction), ("100101", .construction),
                ("1704", .agricultural), ("1701", .unused), ("2303", .agricultural), ("2301", .construction)
            ]
            for (code, expected) in yongdi {
                #expect(c.landClass(system: "yongdi", code: code) == expected, "yongdi \(code)")
            }
        }
    }

    @Test func aGapIsFlaggedBeyondTheLargerOfOneSquareCentimetreAndATenthOfAPercent() {
        var b = SpotBreakdown()
        b.farmlandM2 = 600; b.constructionM2 = 399.5
        // 1,000 m²: 0.1 % is 1 m², above 0.01 m².
        #expect(!b.hasGap(areaM2: 1_000))
        #expect(b.hasGap(areaM2: 1_001.5 + 1e-9) == true)
        #expect(abs(b.gapM2(areaM2: 1_000) - (1_000 - b.classesM2)) < 1e-12)
        // A tiny spot: the 0.01 m² floor.
        var tiny = SpotBreakdown()
        tiny.unusedM2 = 1
        #expect(!tiny.hasGap(areaM2: 1.009) && tiny.hasGap(areaM2: 1.011))
    }
}
