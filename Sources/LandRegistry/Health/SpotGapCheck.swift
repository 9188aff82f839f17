import GRDB

// MARK: - Spots whose land classes do not add up (套合 total ≠ Σ classes)
//
// The national system checks that a spot's overlay total equals farmland + other agricultural + construction +
// unused. Where the live parcels leave a gap under a spot (or parcels of two classes overlap), the stored classes
// miss its area by more than `SpotBreakdown.gapTolerance` (max(0.01 m², 0.1 %)): listed here. The figures are those
// stored; after parcels change, `landreg spots recompute` measures them again. A store without live parcels has
// no overlay table to check: nothing is listed.

/// A live spot whose four land classes miss its (ellipsoidal) area by more than the tolerance. Areas in m².
public struct SpotGap: Codable, Sendable, Equatable {
    public var code: String
    public var batch: String
    public var areaM2: Double
    public var classesM2: Double
    /// area − Σ classes (negative: classes overlap).
    public var gapM2: Double
    public var toleranceM2: Double
}

enum SpotGapCheck {
    static func run(_ db: Database, limit: Int) throws -> (gaps: Findings<SpotGap>, spots: Int) {
        var findings = Findings<SpotGap>(limit: limit)
        // Without parcels there is no overlay table to check (every spot would be one gap): nothing is listed.
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM parcels WHERE retired_at IS NULL)") == true
        else { return (findings, 0) }
        let spots = try Spot.all().live().order(Spot.Columns.batch, Spot.Columns.code).fetchAll(db)
        for s in spots where s.breakdown.hasGap(areaM2: s.ellipsoidalAreaM2) {
            let b = s.breakdown
            findings.add(
                SpotGap(
                    code: s.code, batch: s.batch, areaM2: s.ellipsoidalAreaM2, classesM2: b.classesM2,
                    gapM2: b.gapM2(areaM2: s.ellipsoidalAreaM2),
                    toleranceM2: SpotBreakdown.gapTolerance(areaM2: s.ellipsoidalAreaM2)))
        }
        return (findings, spots.count)
    }
}
