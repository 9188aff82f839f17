import Foundation
import GRDB
import LandFormats
import LandGeoJSON
import LandGeometry

// MARK: - Splitting a spot (拆分)
//
// `spots split CODE --into FILE`: the children's polygons are read like any layer import (GeoJSON or what GDAL
// reads; same geometry checks, CRS handling and overlay as `import spots`: SpotLayer's enricher). The children must
// partition the parent, measured planar in the store CRS:
//   outside  = area(child − parent)            ≤ 0.01 m² per child
//   overlap  = area(child_i ∩ child_j)          ≤ 0.01 m² per pair
//   gap      = area(parent − ∪ children)        ≤ 0.1 % of the parent's area
// Otherwise the split is refused, naming each child (index, code) and the figures; nothing is written.
// The parent goes to the final state `split`; each child is a new spot (parent_code) with the parent's batch,
// detection date, clue code and village, starting `reported`, or with `--inherit` in the parent's state with its
// judgement, measure and deadline, and its progress areas in proportion to the child's (ellipsoidal) share of the
// parent. One transaction: the rows, one `split` event on the parent, one `split-child` event per child.
// Counting (national rule): issued (原始下发) = unsplit + split parents; verified (核查) = unsplit + children.

/// Tolerances of a split, planar m² in the store CRS (gap: a fraction of the parent's area).
public enum SpotSplitTolerance {
    public static let outsideM2 = 0.01
    public static let overlapM2 = 0.01
    public static let gapFraction = 0.001
}

/// How to split: the children's codes (default: the file's code field, else CODE_1, CODE_2 …), whether they
/// inherit the parent's judgement, and how to read the file (CRS, layer, encoding, --map code=PROP; the context).
public struct SpotSplitOptions: Sendable {
    public var codes: [String]?
    public var inherit: Bool
    public var source: FeatureImportOptions

    public init(codes: [String]? = nil, inherit: Bool = false, source: FeatureImportOptions) {
        self.codes = codes; self.inherit = inherit; self.source = source
    }
}

/// A split done: the parent and each child with its areas (ellipsoidal m² and 亩) and event.
public struct SpotSplitResult: Sendable, Codable, Equatable {
    public struct Child: Sendable, Codable, Equatable {
        public let index: Int
        public let code: String
        public let status: SpotStatus
        public let areaM2: Double
        public let areaMu: Double
        public let planarAreaM2: Double
        public let farmlandAreaM2: Double
        public let basicFarmlandAreaM2: Double
        public let eventID: Int64
    }
    public let code: String
    public let from: SpotStatus
    public let eventID: Int64
    /// Planar m² in the store CRS: the largest child outside the parent, the largest overlap, the gap.
    public let outsideM2: Double
    public let overlapM2: Double
    public let gapM2: Double
    public let children: [Child]
}

/// The children's layer: only an optional code; the overlay is SpotLayer's.
private struct SpotChildLayer: FeatureLayer {
    let table = "spots"
    let entity = EventEntity.spot
    let fieldNames = ["code"]
    let spots: SpotLayer
    var codeScope: CodeScope? { nil }

    func readFields(_ f: [String: JSONValue]) -> Result<(code: String, fields: SpotFields), IngestError> {
        .success((f["code"]?.fieldText?.trimmed ?? "", SpotFields(detectedDate: nil, clueCode: nil, village: nil)))
    }

    func makeEnricher(storePath: String, storeCRS: CRS) throws -> FeatureEnricher<SpotFields>? {
        try spots.makeEnricher(storePath: storePath, storeCRS: storeCRS)
    }

    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<SpotFields> {
        preconditionFailure("a split's children are inserted by splitSpot, not by the import")
    }
}

extension Registry {
    /// Splits the live spot `code` into the polygons of `file`, in one transaction with its events.
    /// - Throws: `NotFound`; `SpotStepRefused` (the parent's state, codes, or the outside/overlap/gap figures);
    ///   `ImportFailed` for a file or feature that cannot be read. The store is unchanged on any of them.
    @discardableResult
    public func splitSpot(code: String, file: String, options: SpotSplitOptions) throws -> SpotSplitResult {
        func refuse(_ why: String) -> SpotStepRefused { SpotStepRefused(code: code, message: why) }
        let parent = try spot(code: code)
        guard SpotStateMachine.transition(.split, from: parent.status, to: .split) != nil else {
            throw refuse(SpotStateMachine.refusal(code: code, action: .split, from: parent.status, to: .split))
        }
        let parentGeometry = try spotGeometry(code: code)
        let children = try readSplitChildren(file: file, parent: parent, options: options.source)
        guard children.count >= 2 else {
            throw refuse("spot \(code): \(file) holds \(children.count) polygon; a split needs at least two children")
        }

        // Codes: --codes, else the file's code field, else CODE_i.
        if let given = options.codes, given.count != children.count {
            throw refuse(
                "spot \(code): --codes lists \(given.count) codes for the \(children.count) children in \(file)")
        }
        let codes = children.enumerated().map { i, c in
            options.codes?[i] ?? (c.code.isEmpty ? "\(code)_\(i + 1)" : c.code)
        }
        var seen: Set<String> = []
        for (i, c) in codes.enumerated() where !seen.insert(c).inserted || c == code {
            throw refuse("spot \(code): child \(i + 1) has the code \(c) twice (or the parent's); codes must be unique")
        }

        // The partition, planar in the store CRS.
        let geos = GEOSContext()
        let parentAreaM2 = try geos.area(parentGeometry)
        var problems: [String] = []
        var maxOutside = 0.0, maxOverlap = 0.0
        for (i, child) in children.enumerated() {
            let outside = try geos.area(try geos.difference(child.geometry.geometry, parentGeometry))
            maxOutside = max(maxOutside, outside)
            if outside > SpotSplitTolerance.outsideM2 {
                problems.append(
                    "child \(i + 1) (\(codes[i])) lies \(Self.m2(outside)) m² outside the spot (tolerance "
                        + "\(SpotSplitTolerance.outsideM2) m²)")
            }
        }
        for i in children.indices {
            for j in children.indices where j > i {
                guard children[i].geometry.envelope.intersects(children[j].geometry.envelope) else { continue }
                let overlap = try geos.intersectionArea(children[i].geometry.geometry, children[j].geometry.geometry)
                maxOverlap = max(maxOverlap, overlap)
                if overlap > SpotSplitTolerance.overlapM2 {
                    problems.append(
                        "child \(i + 1) (\(codes[i])) and child \(j + 1) (\(codes[j])) overlap by \(Self.m2(overlap)) m² "
                            + "(tolerance \(SpotSplitTolerance.overlapM2) m²)")
                }
            }
        }
        let union = try geos.unaryUnion(children.map(\.geometry.geometry))
        let gap = try geos.area(try geos.difference(parentGeometry, union))
        if gap > SpotSplitTolerance.gapFraction * parentAreaM2 {
            problems.append(
                "the children leave \(Self.m2(gap)) m² of the spot uncovered ("
                    + String(format: "%.3f", 100 * gap / parentAreaM2) + " % of \(Self.m2(parentAreaM2)) m²; "
                    + "tolerance \(SpotSplitTolerance.gapFraction * 100) %)")
        }
        if !problems.isEmpty {
            throw refuse(
                "spot \(code) cannot be split into \(file): " + problems.joined(separator: "; ")
                    + " (areas planar, \(storeCRS))")
        }

        let sha256 = (try? SHA256Hasher.hexDigest(ofFile: file)) ?? ""
        let context = options.source.context
        return try write { db in
            // The state again, inside the transaction: another process may have moved the spot meanwhile.
            guard
                let now = try Spot.all().live().code(code).fetchOne(db)
            else { throw NotFound(what: "spot", code: code) }
            guard now.status == parent.status else {
                throw refuse(SpotStateMachine.refusal(code: code, action: .split, from: now.status, to: .split))
            }
            if let last = try Self.lastStepDate(db, spotFID: now.fid), context.effectiveDate < last {
                throw refuse(
                    "spot \(code): split on \(context.effectiveDate) would come before its last step (on \(last)); "
                        + "steps are recorded in the order they happened")
            }
            for c in codes where try Spot.all().live().code(c).fetchCount(db) > 0 {
                throw refuse("spot \(code): a live spot \(c) exists already; give other codes with --codes")
            }
            let createdAt = Clock.timestamp()
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO spots (geom, code, batch, detected_date, clue_code, village, properties, planar_area_m2,
                                       ellipsoidal_area_m2, zone_codes, judgement, basis, approval_doc, measure,
                                       deadline, restored_m2, recultivated_m2, remaining_m2, status, parent_code,
                                       source_index, created_at, \(Spot.breakdownColumns.joined(separator: ", ")))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                            \(Spot.breakdownColumns.map { _ in "?" }.joined(separator: ", ")))
                    """)
            var results: [SpotSplitResult.Child] = []
            var extent = Envelope.empty
            let status = options.inherit ? now.status : .reported
            for (i, child) in children.enumerated() {
                let g = child.geometry
                guard let o = child.fields.overlay else {
                    throw refuse("the overlay of child \(i + 1) was not measured")
                }
                let share = now.ellipsoidalAreaM2 > 0 ? g.ellipsoidalAreaM2 / now.ellipsoidalAreaM2 : 0
                var inherited: SpotInheritance? = nil
                var row = SpotLifecycleState(imported: 0)
                if options.inherit {
                    let remaining =
                        now.status == .rectified ? 0 : now.remainingM2.map { min($0 * share, g.ellipsoidalAreaM2) }
                    let i = SpotInheritance(
                        verification: SpotVerification(
                            judgement: now.judgement, basis: now.basis, approvalDoc: now.approvalDoc),
                        rectification: now.measure.flatMap { m in
                            now.deadline.map { SpotRectification(measure: m, deadline: $0, remainingM2: remaining) }
                        },
                        progress: SpotProgress(
                            restoredM2: now.restoredM2.map { $0 * share },
                            recultivatedM2: now.recultivatedM2.map { $0 * share }, remainingM2: remaining))
                    i.apply(to: &row)
                    inherited = i
                }
                // The child's overlay table (land classes, red line, boundary, approvals) as the spot import
                // measures it.
                let b = o.breakdown
                try insert.execute(
                    arguments: StatementArguments(
                        [
                            g.blob.databaseBlob, codes[i], now.batch, now.detectedDate, now.clueCode, now.village,
                            child.properties, g.planarAreaM2, g.ellipsoidalAreaM2, StoredJSON.text(o.zoneCodes),
                            row.judgement, row.basis, row.approvalDoc, row.measure, row.deadline, row.restoredM2,
                            row.recultivatedM2, row.remainingM2, status, code, child.index, createdAt
                        ] + b.columnValues))
                let fid = db.lastInsertedRowID
                extent.include(g.envelope)
                let event = try AuditLog.append(
                    db, context: context, entity: .spot, entityID: fid, entityCode: codes[i], from: nil,
                    to: status.rawValue,
                    details: .splitChild(
                        SpotSplitChild(
                            parent: code, parentFid: now.fid, index: i + 1, areaM2: g.ellipsoidalAreaM2,
                            farmlandAreaM2: o.breakdown.farmlandM2, basicFarmlandAreaM2: o.breakdown.basicFarmlandM2,
                            inherited: inherited)))
                results.append(
                    SpotSplitResult.Child(
                        index: i + 1, code: codes[i], status: status, areaM2: g.ellipsoidalAreaM2,
                        areaMu: AreaUnits.mu(g.ellipsoidalAreaM2), planarAreaM2: g.planarAreaM2,
                        farmlandAreaM2: o.breakdown.farmlandM2, basicFarmlandAreaM2: o.breakdown.basicFarmlandM2,
                        eventID: event.id ?? 0))
            }
            var lifecycle = SpotLifecycleState(now)
            try lifecycle.updateChanges(db) { $0.status = .split }
            let event = try AuditLog.append(
                db, context: context, entity: .spot, entityID: now.fid, entityCode: code, from: now.status.rawValue,
                to: SpotStatus.split.rawValue,
                details: .split(SpotSplitRecord(children: codes, file: file, sha256: sha256, inherit: options.inherit)))
            try GeoPackageSchema.touchLayer(db, table: "spots", extent: extent)
            return SpotSplitResult(
                code: code, from: now.status, eventID: event.id ?? 0, outsideM2: maxOutside, overlapM2: maxOverlap,
                gapM2: gap, children: results)
        }
    }

    /// The children's polygons, in the store CRS, with their overlays; every unreadable feature is listed.
    private func readSplitChildren(file: String, parent: Spot, options: FeatureImportOptions) throws
        -> [PreparedFeature<SpotFields>]
    {
        let opened = try LayerSource.open(file, options: options)
        var mapping = try FieldMapping(
            fields: ["code"], explicit: options.fieldMap, profile: [:], caseInsensitive: opened.isGDAL)
        if let gdal = opened.gdal { mapping = try mapping.matchingCase(of: gdal.fieldNames) }
        let (declared, _) = try opened.declaredCRS(file: file, options: options)
        let layer = SpotChildLayer(
            spots: SpotLayer(batch: parent.batch, context: options.context, storeCRS: storeCRS))
        let storeCRS = self.storeCRS, databaseFile = self.databaseFile
        var children: [PreparedFeature<SpotFields>] = []
        var problems: [FeatureProblem] = []
        do {
            try ImportPipeline<PreparedFeature<SpotFields>>().run(
                source: opened.source, workers: 1,
                makePreparer: {
                    let ingest = try GeometryIngest(sourceCRS: declared, storeCRS: storeCRS, repair: options.repair)
                    let enrich = try layer.makeEnricher(storePath: databaseFile, storeCRS: storeCRS)
                    return { raw in
                        Self.prepare(raw, file: file, layer: layer, mapping: mapping, ingest: ingest, enrich: enrich)
                    }
                }, progress: nil,
                consume: { result in
                    switch result {
                    case .success(let f): children.append(f)
                    case .failure(let p): problems.append(p.inLayer(opened.layerName))
                    }
                })
        } catch let e as GeoJSONError {
            problems.append(FeatureProblem(featureIndex: e.featureIndex, featureID: e.featureID, message: e.message))
        } catch let e as GDALSourceError {
            problems.append(FeatureProblem(featureIndex: nil, message: e.message))
        }
        if children.isEmpty && problems.isEmpty {
            problems.append(FeatureProblem(featureIndex: nil, message: "the file holds no features"))
        }
        if !problems.isEmpty {
            throw ImportFailed(
                file: file, problems: Array(problems.prefix(ImportFailed.listedProblemLimit)),
                problemCount: problems.count)
        }
        return children
    }
}

extension Registry {
    /// The codes of the live children of every split spot, by parent code, each list by code.
    public func spotChildrenByParent() throws -> [String: [String]] {
        try dbQueue.read { db in
            var out: [String: [String]] = [:]
            for r in try Row.fetchAll(
                db,
                sql:
                    "SELECT parent_code, code FROM spots WHERE parent_code IS NOT NULL AND retired_at IS NULL ORDER BY code"
            ) {
                out[r["parent_code"], default: []].append(r["code"])
            }
            return out
        }
    }

    /// The live spots split from `code`, by code.
    public func spotChildren(of code: String) throws -> [Spot] {
        try dbQueue.read { db in
            try Spot.all().live().filter(Spot.Columns.parentCode == code).order(Spot.Columns.code)
                .fetchAllNamingBadRow(db, file: path)
        }
    }
}
