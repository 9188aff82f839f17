import Foundation
import GRDB

// MARK: - Moving a site through its stages
//
// One call, one transaction, one event: the stage step (checked against the stage table in SiteStages.swift),
// and optionally a new mode and a disposed area (0 ≤ disposed ≤ land area, the ellipsoidal area). Asking for
// the stage the site is at, with a mode or disposed area, records just those (action "update").

/// A site change refused; nothing was written.
public struct SiteChangeRefused: Error, LocalizedError, Sendable {
    public let code: String
    public let reason: String
    public var errorDescription: String? { "site \(code): \(reason); nothing was changed" }
}

extension Registry {
    /// Moves the live site `code` to `stage`, optionally setting its mode and disposed area (m²).
    /// - Throws: `NotFound`, `SiteChangeRefused` saying why.
    @discardableResult
    public func advanceSite(
        code: String, to stage: SiteStage, mode: SiteMode? = nil, disposedM2: Double? = nil,
        context: ChangeContext
    ) throws -> Site {
        try write { db in
            guard
                let site = try Site.withHolderName().live().code(code).fetchOneNamingBadRow(db, file: path)
            else { throw NotFound(what: "live site", code: code) }
            let isUpdate = stage == site.stage && (mode != nil || disposedM2 != nil)
            if isUpdate && site.stage == .cancelled {
                throw SiteChangeRefused(
                    code: code, reason: "the site is cancelled: its mode and disposed area stay as they are")
            }
            if !isUpdate, let why = SiteStages.refusal(from: site.stage, to: stage, suspendedFrom: site.suspendedFrom) {
                throw SiteChangeRefused(code: code, reason: why)
            }
            if let d = disposedM2 {
                guard d.isFinite, d >= 0 else {
                    throw SiteChangeRefused(code: code, reason: "disposed area \(d) m² must be a number ≥ 0")
                }
                guard d <= site.landAreaM2 else {
                    throw SiteChangeRefused(
                        code: code,
                        reason: String(
                            format: "disposed area %.2f m² (%.2f 亩) exceeds the site's land area %.2f m² (%.2f 亩)",
                            d, AreaUnits.mu(d), site.landAreaM2, AreaUnits.mu(site.landAreaM2)))
                }
            }
            var progress = SiteProgress(
                fid: site.fid, stage: site.stage, suspendedFrom: site.suspendedFrom,
                mode: site.mode, disposedM2: site.disposedM2)
            try progress.updateChanges(db) { row in
                row.suspendedFrom = stage == .suspended ? site.stage : (stage == site.stage ? site.suspendedFrom : nil)
                row.stage = stage
                if let mode { row.mode = mode }
                if let disposedM2 { row.disposedM2 = disposedM2 }
            }
            // What it was before goes with each value set, so that the as-of replay can undo the change.
            let change = SiteChange(
                mode: mode, previousMode: mode == nil ? nil : site.mode,
                disposedM2: disposedM2, previousDisposedM2: disposedM2 == nil ? nil : site.disposedM2)
            try AuditLog.append(
                db, context: context, entity: .site, entityID: site.fid, entityCode: code,
                from: site.stage.rawValue, to: stage.rawValue,
                details: isUpdate ? .update(change) : .advance(change))
            guard
                let changed = try Site.withHolderName().filter(Site.Columns.fid == site.fid)
                    .fetchOneNamingBadRow(db, file: path)
            else { throw NotFound(what: "live site", code: code) }
            return changed
        }
    }
}

/// The columns a stage step or update changes (`updateChanges` writes those that changed).
struct SiteProgress: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sites"
    var fid: Int64
    var stage: SiteStage
    var suspendedFrom: SiteStage?
    var mode: SiteMode?
    var disposedM2: Double
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}
