import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - Survey versions: `import survey FILE --year Y`
//
// The file is the whole annual survey (国土变更调查, as of 31 December). It goes through the layer import pipeline
// (any format, checks, repair, areas, one transaction) with an inserter that diffs each feature against the live
// parcel of its code:
//   unchanged — same land use, owner, name, registered area and kept properties, and geometry within
//               `geometryToleranceM2` (planar area of the symmetric difference): untouched, counted;
//   changed   — the old row is retired and superseded by the new one (one retire event each, the pipeline's);
//   new       — inserted.
// After the features: live codes the file lacks are retired (superseded_by NULL, one retire event each); lineage
// links every new or changed row to the rows of the previous version it shares more than `lineageMinimumM2` with
// (R*Tree candidates, GEOS intersection); the version is recorded in survey_versions. A file that would retire
// more than `partialShare` of the live parcels is refused unless `--partial`, which retires only the missing
// parcels that a new or changed parcel of the file overlaps (the file replaces what it covers). Re-importing the
// latest version unchanged rolls back: nothing changes and no import is recorded.

/// Parcels and their areas (m²) in one part of a survey import's summary.
public struct SurveyCount: Sendable, Codable, Equatable {
    public var parcels = 0
    public var ellipsoidalAreaM2 = 0.0
    public var planarAreaM2 = 0.0

    mutating func add(planar: Double, ellipsoidal: Double) {
        parcels += 1; planarAreaM2 += planar; ellipsoidalAreaM2 += ellipsoidal
    }
}

/// What a survey import did (or would do): the diff against the live parcels.
public struct SurveyImportSummary: Sendable, Codable, Equatable {
    public var year: Int
    public var unchanged = SurveyCount()
    public var changed = SurveyCount()
    public var new = SurveyCount()
    public var retired = SurveyCount()
    /// Lineage rows written (new or changed parcel, predecessor).
    public var lineageLinks = 0
    public var partial = false
}

/// `import survey` refusals: an older year, a partial file without --partial.
public struct SurveyRefusal: Error, LocalizedError {
    public let message: String
    public var errorDescription: String? { message }
}

public struct SurveyImportOptions: Sendable {
    public var year: Int
    public var partial = false
    public var codeSystem = "gb21010"
    public init(year: Int, partial: Bool = false, codeSystem: String = "gb21010") {
        self.year = year; self.partial = partial; self.codeSystem = codeSystem
    }
}

enum SurveyRules {
    /// A geometry that moved by less than this (planar m² of the symmetric difference) is unchanged.
    static let geometryToleranceM2 = 0.01
    /// A predecessor shares more than this (planar m²) with its successor.
    static let lineageMinimumM2 = 0.01
    /// Without --partial, a file may retire at most this share of the live parcels.
    static let partialShare = 0.10
    /// Registered areas closer than this (m²) are equal.
    static let registeredAreaToleranceM2 = 0.005
}

struct SurveyLayer: FeatureLayer {
    let parcels: ParcelLayer
    let options: SurveyImportOptions
    let storeCRS: CRS
    let context: ChangeContext
    var table: String { parcels.table }
    var entity: EventEntity { parcels.entity }
    var fieldNames: [String] { parcels.fieldNames }

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: ParcelFields), IngestError> {
        parcels.readFields(f)
    }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<ParcelFields> {
        try SurveyInserter(core, options: options, storeCRS: storeCRS, context: context)
    }
}

final class SurveyInserter: FeatureInserter {
    private let core: InserterCore
    private let options: SurveyImportOptions
    private let context: ChangeContext
    private let geos = GEOSContext()
    private let areas: AreaCalculator
    private let lookup: Statement
    private let retire: Statement
    private let insertRow: BulkStatement
    private var summary: SurveyImportSummary
    private var seen = Set<String>()
    /// New and changed rows: the ones lineage is computed for.
    private var successors: [Int64] = []

    init(_ core: InserterCore, options: SurveyImportOptions, storeCRS: CRS, context: ChangeContext) throws {
        self.core = core; self.options = options; self.context = context
        areas = try AreaCalculator(crs: storeCRS)
        summary = SurveyImportSummary(year: options.year)
        summary.partial = options.partial
        lookup = try core.db.makeStatement(
            sql: """
                SELECT fid, geom, land_use, owner, name, registered_area_m2, properties, import_id, source_index
                FROM parcels WHERE code = ? AND retired_at IS NULL
                """)
        retire = try core.db.makeStatement(sql: "UPDATE parcels SET retired_at = ? WHERE fid = ?")
        insertRow = try BulkStatement(
            core.db,
            sql: """
                INSERT INTO parcels (geom, code, land_use, land_use_system, owner, name, registered_area_m2, planar_area_m2,
                                     ellipsoidal_area_m2, properties, import_id, source_index, created_at, survey_year)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
    }

    func insert(_ f: PreparedFeature<ParcelFields>, replace: Bool) throws -> (fid: Int64, retired: Int64?) {
        seen.insert(f.code)
        var retired: Int64? = nil
        if let old = try Row.fetchOne(lookup, arguments: [f.code]) {
            if (old["import_id"] as Int64?) == core.importID {
                throw IngestError(InserterCore.sameFileDuplicate(code: f.code, otherIndex: old["source_index"]))
            }
            if try isUnchanged(f, old) {
                summary.unchanged.add(planar: f.geometry.planarAreaM2, ellipsoidal: f.geometry.ellipsoidalAreaM2)
                throw FeatureUnchanged()
            }
            retired = old["fid"]
            try retire.execute(arguments: [core.createdAt, retired])
        }
        insertRow.bindRow(
            f.geometry.blob, f.code, f.fields.landUse, options.codeSystem, f.fields.owner, f.fields.name,
            f.fields.registeredAreaM2, f.geometry.planarAreaM2, f.geometry.ellipsoidalAreaM2, f.properties,
            core.importID, f.index, core.createdAt, options.year)
        try insertRow.execute()
        let fid = core.db.lastInsertedRowID
        if retired == nil {
            summary.new.add(planar: f.geometry.planarAreaM2, ellipsoidal: f.geometry.ellipsoidalAreaM2)
        } else {
            summary.changed.add(planar: f.geometry.planarAreaM2, ellipsoidal: f.geometry.ellipsoidalAreaM2)
        }
        successors.append(fid)
        return (fid, retired)
    }

    private func isUnchanged(_ f: PreparedFeature<ParcelFields>, _ old: Row) throws -> Bool {
        guard (old["land_use"] as String?) == f.fields.landUse, (old["owner"] as String?) == f.fields.owner,
            (old["name"] as String?) == f.fields.name, (old["properties"] as String) == f.properties
        else { return false }
        switch ((old["registered_area_m2"] as Double?), f.fields.registeredAreaM2) {
        case (nil, nil): break
        case (let a?, let b?) where abs(a - b) <= SurveyRules.registeredAreaToleranceM2: break
        default: return false
        }
        let blob: Data = old["geom"]
        if blob.elementsEqual(f.geometry.blob) { return true }
        let previous = try decodeGeometry(blob)
        let shared = try geos.intersectionArea(previous, f.geometry.geometry)
        let symmetricDifference = previous.planarArea + f.geometry.planarAreaM2 - 2 * shared
        return symmetricDifference <= SurveyRules.geometryToleranceM2
    }

    func finish(_ report: inout ImportReport) throws -> Bool {
        let db = core.db
        // The previous version: rows live before this import (unchanged ones, and those it retired just now).
        let previousVersion = "p.import_id IS NOT ? AND (p.retired_at IS NULL OR p.retired_at = ?)"
        let liveBefore =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM parcels p WHERE \(previousVersion)",
                arguments: [core.importID, core.createdAt]) ?? 0
        var missing: [Int64: (code: String, planar: Double, ellipsoidal: Double)] = [:]
        let live = try Row.fetchCursor(
            db,
            sql: """
                SELECT fid, code, planar_area_m2, ellipsoidal_area_m2 FROM parcels
                WHERE retired_at IS NULL AND import_id IS NOT ?
                """, arguments: [core.importID])
        while let row = try live.next() {
            let code: String = row["code"]
            if seen.contains(code) { continue }
            missing[row["fid"]] = (code, row["planar_area_m2"], row["ellipsoidal_area_m2"])
        }
        // The first version of a store has no previous one to descend from.
        let overlapped = liveBefore == 0 ? [] : try recordLineage(previousVersion: previousVersion)
        var retiring = missing
        if options.partial {
            retiring = missing.filter { overlapped.contains($0.key) }
        } else if liveBefore > 0, Double(missing.count) > SurveyRules.partialShare * Double(liveBefore) {
            throw SurveyRefusal(
                message:
                    "\(report.file): survey \(options.year) lacks \(missing.count) of the \(liveBefore) live parcels' codes "
                    + "and would retire them (more than \(Int(SurveyRules.partialShare * 100)) %); nothing was imported. "
                    + "If the file holds only part of the subdistrict, pass --partial (then only the parcels its features "
                    + "overlap are retired)")
        }
        for (fid, parcel) in retiring.sorted(by: { $0.key < $1.key }) {
            try retire.execute(arguments: [core.createdAt, fid])
            try AuditLog.append(
                db, context: context, entity: .parcel, entityID: fid, entityCode: parcel.code, from: "live",
                to: "retired",
                details: .retire(RetireDetails(supersededBy: nil, importID: core.importID, surveyYear: options.year)))
            summary.retired.add(planar: parcel.planar, ellipsoidal: parcel.ellipsoidal)
        }
        report.survey = summary
        let latest = try Int.fetchOne(db, sql: "SELECT max(year) FROM survey_versions")
        let changes = summary.changed.parcels + summary.new.parcels + summary.retired.parcels
        if changes == 0 && latest == options.year { return true } // the same version again: nothing to record
        try db.execute(
            sql: "INSERT INTO survey_versions (import_id, year, imported_at) VALUES (?, ?, ?)",
            arguments: [core.importID, options.year, core.createdAt])
        return false
    }

    /// Writes parcel_lineage for every new or changed row; returns the previous-version fids that any of them
    /// overlaps. The R*Tree holds only earlier rows here (this import's are added when it ends). Predecessors are
    /// taken in fid order, not the R*Tree's (which depends on how it was built), so that the lineage ids are the same
    /// on every store.
    private func recordLineage(previousVersion: String) throws -> Set<Int64> {
        let db = core.db
        var overlapped = Set<Int64>()
        guard !successors.isEmpty else { return overlapped }
        let candidates = try db.makeStatement(
            sql: """
                SELECT p.fid, p.geom FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND \(previousVersion)
                ORDER BY p.fid
                """)
        let geometry = try db.makeStatement(sql: "SELECT geom FROM parcels WHERE fid = ?")
        let link = try db.makeStatement(
            sql: """
                INSERT INTO parcel_lineage (parcel_fid, predecessor_fid, shared_area_m2, shared_planar_area_m2)
                VALUES (?, ?, ?, ?)
                """)
        for fid in successors {
            guard let blob = try Data.fetchOne(geometry, arguments: [fid]) else { continue }
            let g = try decodeGeometry(blob)
            guard let e = g.envelope else { continue }
            let prepared = try geos.prepare(g)
            let rows = try Row.fetchAll(
                candidates, arguments: [e.maxX, e.minX, e.maxY, e.minY, core.importID, core.createdAt])
            for row in rows {
                let other = try decodeGeometry(row["geom"])
                guard try prepared.intersects(other) else { continue }
                let piece = try prepared.intersection(with: other)
                let planar = piece.planarArea
                guard planar > SurveyRules.lineageMinimumM2 else { continue }
                let predecessor: Int64 = row["fid"]
                try link.execute(arguments: [fid, predecessor, try areas.ellipsoidalArea(piece), planar])
                overlapped.insert(predecessor)
                summary.lineageLinks += 1
            }
        }
        return overlapped
    }
}

extension Registry {
    /// Imports an annual survey version (see the MARK note above), all or nothing.
    /// - Throws: `SurveyRefusal` (older year, partial file), `ImportFailed`, `ImportSetupError`.
    public func importSurvey(
        file: String, survey: SurveyImportOptions, options: FeatureImportOptions,
        progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportReport {
        let (known, latest) = try dbQueue.read { db in
            (
                Set(
                    try String.fetchAll(
                        db, sql: "SELECT code FROM landuse_codes WHERE system = ?", arguments: [survey.codeSystem])),
                try Int.fetchOne(db, sql: "SELECT max(year) FROM survey_versions")
            )
        }
        if known.isEmpty {
            throw ImportSetupError("--code-system \(survey.codeSystem): no such land-use code system (gb21010, yongdi)")
        }
        if let latest, survey.year < latest {
            throw SurveyRefusal(
                message:
                    "\(file): survey \(survey.year) is older than the store's latest version (\(latest)); nothing was imported"
            )
        }
        var options = options
        options.replace = false
        return try importFeatures(
            SurveyLayer(
                parcels: ParcelLayer(knownLandUses: known, codeSystem: survey.codeSystem), options: survey,
                storeCRS: storeCRS, context: options.context),
            file: file, options: options, progress: progress)
    }

    /// The survey years the store holds, oldest first.
    public func surveyYears() throws -> [Int] {
        try dbQueue.read { db in try Int.fetchAll(db, sql: "SELECT DISTINCT year FROM survey_versions ORDER BY year") }
    }
}

// MARK: - Reading a version

enum SurveyVersion {
    /// The moment version `year` was complete (its latest import's timestamp). - Throws: `NotFound`.
    static func moment(_ db: Database, year: Int) throws -> String {
        guard
            let t = try String.fetchOne(
                db, sql: "SELECT max(imported_at) FROM survey_versions WHERE year = ?", arguments: [year])
        else {
            let years = try Int.fetchAll(db, sql: "SELECT DISTINCT year FROM survey_versions ORDER BY year")
            throw NotFound(
                what: "survey version \(year)", code: "\(year)",
                place: years.isEmpty
                    ? "in the store (import one with import survey FILE --year YYYY)"
                    : "in the store (it has \(years.map(String.init).joined(separator: ", ")))")
        }
        return t
    }

    /// SQL condition on a parcels row (unaliased) with two arguments, the moment twice: it belongs to the version
    /// complete at that moment.
    static let conditionSQL = "created_at <= ? AND (retired_at IS NULL OR retired_at > ?)"

    /// SQL condition: row `alias` belongs to the version complete at `moment` (created by then, not yet retired).
    static func condition(_ alias: String, moment: String) -> SQL {
        let created = Column("created_at"), retired = Column("retired_at")
        let prefix = alias.isEmpty ? "" : alias + "."
        return SQL(
            sql: "\(prefix)\(created.name) <= ? AND (\(prefix)\(retired.name) IS NULL OR \(prefix)\(retired.name) > ?)",
            arguments: [moment, moment])
    }
}
