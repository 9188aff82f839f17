import Foundation
import GRDB
import LandFormats
import LandGeoJSON
import LandGeometry

// MARK: - What every layer import shares
//
// The source is a GeoJSON file (landreg's own streaming reader) or any layer GDAL reads (Shapefile, FileGDB,
// GeoPackage, KML/KMZ, CSV with WKT: GDALFeatureSource); both feed the same pipeline, checks and transaction.
//
// A layer import (parcels, zones, spots, sites) is one write transaction: an `imports` row, the features,
// one `import` event. Every feature is checked; problems are collected (not thrown one by one) so the user
// sees them all, and if there is any, the transaction is rolled back: the store is as it was. `--dry-run`
// does the same work and always rolls back. What differs by layer is the row it builds and how it inserts
// (a `FeatureLayer`).

/// Options every GeoJSON layer import takes.
public struct FeatureImportOptions: Sendable {
    /// `--crs`: overrides the file's legacy crs member and the RFC 7946 default (lon/lat).
    public var sourceCRS: CRS?
    /// `--map field=PROP` pairs.
    public var fieldMap: [String: String]
    /// `--profile NAME` (rows of field_profiles).
    public var profile: String?
    public var repair: Bool
    public var replace: Bool
    public var dryRun: Bool
    /// `--layer NAME`: the layer of a multi-layer source (FileGDB, GeoPackage, a zip of shapefiles).
    public var layer: String?
    /// `--encoding`: the text encoding of a Shapefile's .dbf (gbk, gb18030, utf-8), overriding .cpg and
    /// language-driver byte.
    public var encoding: String?
    /// Preparing threads; default: the machine's active cores.
    public var workers: Int
    public var context: ChangeContext
    /// Bytes the reader reads at a time; tests make it small so that features straddle buffer edges.
    var readBufferBytes = 1 << 20

    public init(
        sourceCRS: CRS? = nil, fieldMap: [String: String] = [:], profile: String? = nil, repair: Bool = false,
        replace: Bool = false, dryRun: Bool = false, workers: Int? = nil, context: ChangeContext
    ) {
        self.sourceCRS = sourceCRS; self.fieldMap = fieldMap; self.profile = profile; self.repair = repair
        self.replace = replace; self.dryRun = dryRun
        self.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
        self.context = context
    }
}

/// What an import did (or, with --dry-run, would do).
public struct ImportReport: Sendable, Codable {
    public var importID: Int64?
    public var layer: String
    public var file: String
    public var sourceCRS: String
    public var features: Int
    public var replaced: Int
    public var repairs: [FeatureProblem]
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    public var dryRun: Bool
    public var seconds: Double
    /// Features skipped because the store already holds them exactly so (a spot batch re-sent unchanged).
    public var unchanged: Int = 0
    /// The layer of a GDAL source that was read.
    public var sourceLayer: String? = nil
    /// Set when --crs replaced the CRS the file declares, saying both.
    public var crsOverride: String? = nil
    /// `import survey`: what the new version changed (unchanged, changed, new, retired).
    public var survey: SurveyImportSummary? = nil

}

/// A prepared feature: fields mapped, geometry ingested; built on worker threads.
struct PreparedFeature<Fields: Sendable>: Sendable {
    let index: Int
    let featureID: String?
    let code: String
    let fields: Fields
    let properties: String
    let geometry: IngestedGeometry
}

/// What differs between layers.
protocol FeatureLayer: Sendable {
    associatedtype Fields: Sendable
    /// The table and the `entity` of its events.
    var table: String { get }
    var entity: EventEntity { get }
    /// Our fields, for --map.
    var fieldNames: [String] { get }
    /// Reads this layer's fields (and its code) from the mapped values; runs on worker threads.
    func readFields(_ fields: [String: JSONValue]) -> Result<(code: String, fields: Fields), IngestError>
    /// Where codes are unique beyond the table's live rows (zones: per kind); nil: the whole table.
    var codeScope: CodeScope? { get }
    /// Prepares this layer's per-import state on the writer thread, before the first row (e.g. statements), on
    /// the connection, import and code rules of `core`.
    /// The layer's own R*Tree does not hold this import's rows until the import ends (BulkSpatialIndex); other
    /// layers' R*Trees are current.
    func makeInserter(_ core: InserterCore) throws -> any FeatureInserter<Fields>
    /// For a feature whose GeoJSON geometry is null: the geometry this layer builds from its fields instead,
    /// already in the store CRS (a site given as a list of parcels); nil refuses the null geometry as usual.
    /// Runs on worker threads.
    func geometryForNull(_ fields: Fields) -> Result<Geometry, IngestError>?
    /// Per-worker work on a feature once its geometry is in the store CRS (e.g. overlays with other layers), so
    /// that it runs on the preparing cores rather than the writer thread. Called once per worker, on the
    /// import's thread; the closure it returns is then used by one worker thread at a time. It may read other
    /// layers through its own read-only connection to `storePath` (they are committed before the import begins).
    func makeEnricher(storePath: String, storeCRS: CRS) throws -> FeatureEnricher<Fields>?
    /// Work inside the import transaction once every row is in and the layer's R*Tree holds them (approvals: the
    /// spots' coverage measured again). Runs on the writer thread; a throw aborts the import.
    func afterRows(_ db: Database, importID: Int64) throws
}

/// Adds to a prepared feature's fields on a worker thread; a thrown error becomes the feature's problem.
typealias FeatureEnricher<Fields> = (inout Fields, IngestedGeometry) throws -> Void

extension FeatureLayer {
    var codeScope: CodeScope? { nil }
    func geometryForNull(_ fields: Fields) -> Result<Geometry, IngestError>? { nil }
    func makeEnricher(storePath: String, storeCRS: CRS) throws -> FeatureEnricher<Fields>? { nil }
    func afterRows(_ db: Database, importID: Int64) throws {}
}

/// Thrown by an inserter for a feature the store already holds exactly so: skipped and counted, not a problem.
struct FeatureUnchanged: Error {}

/// Inserts prepared rows of one layer inside the import transaction.
protocol FeatureInserter<Fields> {
    associatedtype Fields: Sendable
    /// Inserts a feature; returns the fid of a live row it retired (--replace), if any.
    /// Throws `IngestError` for problems of the feature (duplicate code …).
    func insert(_ feature: PreparedFeature<Fields>, replace: Bool) throws -> (fid: Int64, retired: Int64?)
    /// Runs once after every feature is in and the retired rows are superseded, inside the import transaction,
    /// while the layer's R*Tree still holds only the rows from before this import (a survey retires the codes the
    /// file lacks and records lineage). Returns true when the import changed nothing and is to be rolled back.
    func finish(_ report: inout ImportReport) throws -> Bool
}

extension FeatureInserter {
    func finish(_ report: inout ImportReport) throws -> Bool { false }
}

extension Registry {
    /// Imports a GeoJSON file into a layer: one transaction, all or nothing.
    /// - Throws: `ImportFailed` listing every problem (store unchanged), `ImportSetupError` for bad options.
    func importFeatures<L: FeatureLayer>(
        _ layer: L, file: String, options: FeatureImportOptions, progress: ((ImportProgress) -> Void)?
    ) throws -> ImportReport {
        let started = Date()
        let startedAt = Clock.timestamp(started)
        let opened = try LayerSource.open(file, options: options)
        let source = opened.source
        let sourceLayer = opened.layerName
        let profilePairs = try dbQueue.read { db in try profile(options.profile, db) }
        var mapping = try FieldMapping(
            fields: layer.fieldNames, explicit: options.fieldMap, profile: profilePairs,
            caseInsensitive: opened.isGDAL)
        if let gdal = opened.gdal { mapping = try mapping.matchingCase(of: gdal.fieldNames) }
        let (declared, crsOverride) = try opened.declaredCRS(file: file, options: options)
        let storeCRS = self.storeCRS
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
        // Hash the file on another thread while the import runs: the import row records which file it was.
        let hash = Unchecked<String?>(nil)
        let hashing = DispatchGroup()
        DispatchQueue.global().async(group: hashing) { hash.value = try? SHA256Hasher.hexDigest(ofFile: file) }

        var problems: [FeatureProblem] = []
        var problemCount = 0
        func note(_ p: FeatureProblem) {
            problemCount += 1
            if problems.count < ImportFailed.listedProblemLimit { problems.append(p.inLayer(sourceLayer)) }
        }
        var report = ImportReport(
            importID: nil, layer: layer.table, file: file, sourceCRS: declared.description, features: 0, replaced: 0,
            repairs: [], planarAreaM2: 0, ellipsoidalAreaM2: 0, dryRun: options.dryRun, seconds: 0)
        report.sourceLayer = sourceLayer
        report.crsOverride = crsOverride

        do {
            try write(replayable: false) { db in
                let previousCache = try Self.enlargePageCache(db)
                defer { Self.restorePageCache(db, previousCache) }
                try db.execute(
                    sql: """
                        INSERT INTO imports (layer, file_name, file_bytes, source_crs, options, feature_count, actor,
                                             started_at, finished_at)
                        VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
                        """,
                    arguments: [
                        layer.table, file, fileBytes, declared.description, Self.optionsJSON(options),
                        options.context.actor, startedAt, startedAt
                    ])
                let importID = db.lastInsertedRowID
                let inserter = try layer.makeInserter(
                    InserterCore(
                        db, table: layer.table, codeScope: layer.codeScope, importID: importID, createdAt: startedAt))
                let spatialIndex = try BulkSpatialIndex(db, table: layer.table)
                var extent = Envelope.empty
                var retiredPairs: [(old: Int64, new: Int64, code: String)] = []

                try ImportPipeline<PreparedFeature<L.Fields>>().run(
                    source: source, workers: options.workers,
                    makePreparer: {
                        let ingest = try GeometryIngest(sourceCRS: declared, storeCRS: storeCRS, repair: options.repair)
                        let enrich = try layer.makeEnricher(storePath: databaseFile, storeCRS: storeCRS)
                        return { raw in
                            Self.prepare(
                                raw, file: file, layer: layer, mapping: mapping, ingest: ingest, enrich: enrich)
                        }
                    },
                    progress: progress,
                    consume: { result in
                        switch result {
                        case .failure(let p): note(p)
                        case .success(let feature):
                            do {
                                let (fid, retired) = try inserter.insert(feature, replace: options.replace)
                                try spatialIndex.add(fid: fid, envelope: feature.geometry.envelope)
                                if let retired { retiredPairs.append((retired, fid, feature.code)) }
                                extent.include(feature.geometry.envelope)
                                report.features += 1
                                report.planarAreaM2 += feature.geometry.planarAreaM2
                                report.ellipsoidalAreaM2 += feature.geometry.ellipsoidalAreaM2
                                if let r = feature.geometry.repairNote {
                                    report.repairs.append(
                                        FeatureProblem(
                                            featureIndex: feature.index, featureID: feature.featureID,
                                            code: feature.code,
                                            message: r
                                        ).inLayer(sourceLayer))
                                }
                            } catch is FeatureUnchanged {
                                report.unchanged += 1
                            } catch let e as IngestError {
                                note(
                                    FeatureProblem(
                                        featureIndex: feature.index, featureID: feature.featureID,
                                        code: feature.code, message: e.message))
                            }
                        }
                    })
                // ogr2ogr puts the crs member first; if this file put it after the features, we read them in the
                // wrong CRS, unless --crs said otherwise.
                if options.sourceCRS == nil, let late = (source as? GeoJSONFeatureSource)?.legacyCRSName,
                    let lateCRS = try? CRS.parse(late), lateCRS != declared
                {
                    note(
                        FeatureProblem(
                            featureIndex: nil,
                            message:
                                "the crs member (\(late)) comes after the features; pass --crs \(lateCRS) to import this file"
                        ))
                }
                if report.features == 0 && report.unchanged == 0 && problemCount == 0 {
                    note(FeatureProblem(featureIndex: nil, message: "the file holds no features"))
                }
                if problemCount > 0 { throw ImportAbort.problems }

                for pair in retiredPairs {
                    try db.execute(
                        sql: "UPDATE \(layer.table) SET superseded_by = ? WHERE fid = ?",
                        arguments: [pair.new, pair.old])
                    try AuditLog.append(
                        db, context: options.context, entity: layer.entity, entityID: pair.old,
                        entityCode: pair.code, from: "live", to: "retired",
                        details: .retire(RetireDetails(supersededBy: pair.new, importID: importID)))
                }
                report.replaced = retiredPairs.count
                if try inserter.finish(&report) { throw ImportAbort.nothingChanged }
                try spatialIndex.finish(db)
                try layer.afterRows(db, importID: importID)
                try GeoPackageSchema.touchLayer(db, table: layer.table, extent: extent.isEmpty ? nil : extent)
                hashing.wait()
                try db.execute(
                    sql: """
                        UPDATE imports SET feature_count = ?, replaced_count = ?, repaired_count = ?, file_sha256 = ?,
                          finished_at = ? WHERE id = ?
                        """,
                    arguments: [
                        report.features, report.replaced, report.repairs.count, hash.value,
                        Clock.timestamp(), importID
                    ])
                try AuditLog.append(
                    db, context: options.context, entity: .import, entityID: importID, entityCode: nil,
                    details: .layerImport(
                        LayerImportDetails(
                            layer: layer.table, file: file, features: report.features, replaced: report.replaced,
                            repaired: report.repairs.count, sha256: hash.value ?? "", sourceCRS: declared.description,
                            unchanged: report.unchanged)))
                report.importID = importID
                if options.dryRun { throw ImportAbort.dryRun }
            }
        } catch ImportAbort.problems {
            throw ImportFailed(file: file, problems: problems, problemCount: problemCount)
        } catch ImportAbort.dryRun {
            report.importID = nil
        } catch ImportAbort.nothingChanged {
            report.importID = nil
        } catch let e as GeoJSONError {
            note(FeatureProblem(featureIndex: e.featureIndex, featureID: e.featureID, message: e.message))
            throw ImportFailed(file: file, problems: problems, problemCount: problemCount)
        } catch let e as GDALSourceError {
            // Reading stopped (an undecodable .dbf, a truncated file): the problems so far and this one.
            note(FeatureProblem(featureIndex: nil, message: e.message))
            throw ImportFailed(file: file, problems: problems, problemCount: problemCount)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Runs on worker threads: parse, map fields, ingest geometry.
    static func prepare<L: FeatureLayer>(
        _ raw: SourceFeature, file: String, layer: L, mapping: FieldMapping, ingest: GeometryIngest,
        enrich: FeatureEnricher<L.Fields>?
    ) -> Result<PreparedFeature<L.Fields>, FeatureProblem> {
        let feature: GeoJSONFeature
        switch raw {
        case .geoJSON(let text):
            do { feature = try GeoJSONFeatureParser.parse(text, file: file) } catch let e as GeoJSONError {
                return .failure(FeatureProblem(featureIndex: raw.index, featureID: e.featureID, message: e.message))
            } catch {
                return .failure(FeatureProblem(featureIndex: raw.index, message: "\(error)"))
            }
        case .decoded(let d):
            switch LayerSource.feature(d) {
            case .success(let f): feature = f
            case .failure(let p): return .failure(p)
            }
        case .gdalFeature:
            preconditionFailure("ImportPipeline decodes a GDAL feature on its worker before preparing it")
        }
        let featureID = feature.id.flatMap { $0.fieldText }
        let (values, kept) = mapping.apply(feature.properties)
        // Mapped fields become text columns, and SQLite text as GRDB binds it ends at the first NUL: a NUL would
        // silently cut the value short. (Kept properties are stored as JSON text, where a NUL is escaped.)
        // (Scanning the UTF-8 bytes: Foundation's `String.contains` was a visible share of a parcel import.)
        if values.values.contains(where: { $0.fieldText?.utf8.contains(0) == true }),
            let field = values.keys.sorted().first(where: { values[$0]?.fieldText?.utf8.contains(0) == true })
        {
            return .failure(
                FeatureProblem(
                    featureIndex: raw.index, featureID: featureID,
                    message:
                        "field \(field) contains a NUL character (U+0000), which the store cannot keep verbatim; remove it"
                ))
        }
        let fields: (code: String, fields: L.Fields)
        switch layer.readFields(values) {
        case .failure(let e):
            return .failure(
                FeatureProblem(
                    featureIndex: raw.index, featureID: featureID, code: values["code"]?.fieldText,
                    message: e.message))
        case .success(let f): fields = f
        }
        let ingested: Result<IngestedGeometry, IngestError>
        if feature.geometry == nil, let built = layer.geometryForNull(fields.fields) {
            ingested = built.flatMap(ingest.ingestStoreGeometry)
        } else {
            ingested = ingest.ingest(feature.geometry)
        }
        switch ingested {
        case .failure(let e):
            return .failure(
                FeatureProblem(
                    featureIndex: raw.index, featureID: featureID, code: fields.code,
                    message: "geometry " + e.message))
        case .success(let g):
            var layerFields = fields.fields
            if let enrich {
                do { try enrich(&layerFields, g) } catch {
                    return .failure(
                        FeatureProblem(
                            featureIndex: raw.index, featureID: featureID, code: fields.code,
                            message: (error as? IngestError)?.message ?? "\(error)"))
                }
            }
            return .success(
                PreparedFeature(
                    index: raw.index, featureID: featureID, code: fields.code, fields: layerFields,
                    properties: kept.serialized, geometry: g))
        }
    }

    /// Page cache of the import's connection while a layer import runs, in KiB. SQLite's default (2 MiB) is
    /// smaller than the nodes of an R*Tree of a few hundred thousand rows, which an import into a layer that
    /// already holds rows updates row by row (BulkSpatialIndex); the rest of an import appends, for which the
    /// cache size hardly matters. Pages are allocated as used, so a small import does not pay for it.
    static let importCacheKiB = 32 * 1024

    /// Sets the import page cache; returns the connection's setting to restore.
    static func enlargePageCache(_ db: Database) throws -> Int {
        let previous = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        try db.execute(sql: "PRAGMA cache_size = -\(importCacheKiB)")
        return previous
    }

    static func restorePageCache(_ db: Database, _ previous: Int) {
        // Cannot fail for an integer argument; a failure would only leave the larger cache.
        try? db.execute(sql: "PRAGMA cache_size = \(previous)")
    }

    private func profile(_ name: String?, _ db: Database) throws -> [String: String] {
        guard let name else { return [:] }
        let rows = try Row.fetchAll(
            db, sql: "SELECT field, property FROM field_profiles WHERE profile = ?", arguments: [name])
        if rows.isEmpty {
            let known = try String.fetchAll(db, sql: "SELECT DISTINCT profile FROM field_profiles ORDER BY profile")
            throw ImportSetupError("--profile \(name): no such profile (known: \(known.joined(separator: ", ")))")
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["field"] as String, $0["property"] as String) })
    }

    /// The options as the `imports.options` column keeps them (absent options left out).
    private struct StoredOptions: Encodable {
        let repair: Bool, replace: Bool, map: [String: String]
        let profile: String?, crs: String?, layer: String?, encoding: String?
    }

    private static func optionsJSON(_ o: FeatureImportOptions) -> String {
        StoredJSON.text(
            StoredOptions(
                repair: o.repair, replace: o.replace, map: o.fieldMap, profile: o.profile,
                crs: o.sourceCRS?.description, layer: o.layer, encoding: o.encoding))
    }
}

private enum ImportAbort: Error { case problems, dryRun, nothingChanged }
