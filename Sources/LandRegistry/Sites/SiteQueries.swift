import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Live sites (or every row with `includeRetired`), by code.
    public func sites(stage: SiteStage? = nil, includeRetired: Bool = false) throws -> [Site] {
        try dbQueue.read { db in
            var clauses: [String] = []
            if !includeRetired { clauses.append("s.retired_at IS NULL") }
            if stage != nil { clauses.append("s.stage = ?") }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            return try Site.fetchAll(db, sql: Site.selectSQL + whereSQL + " ORDER BY s.code, s.fid",
                                     arguments: StatementArguments(stage.map { [$0.rawValue] } ?? []))
        }
    }

    /// The live site with this code. - Throws: `NotFound`.
    public func site(code: String) throws -> Site {
        try dbQueue.read { db in
            guard let s = try Site.fetchOne(db, sql: Site.selectSQL + " WHERE s.code = ? AND s.retired_at IS NULL",
                                            arguments: [code]) else { throw NotFound(what: "live site", code: code) }
            return s
        }
    }

    /// Every row of a site code, oldest first. - Throws: `NotFound`.
    public func siteHistory(code: String) throws -> [Site] {
        let rows = try dbQueue.read { db in
            try Site.fetchAll(db, sql: Site.selectSQL + " WHERE s.code = ? ORDER BY s.fid", arguments: [code])
        }
        if rows.isEmpty { throw NotFound(what: "site", code: code) }
        return rows
    }

    /// Geometries of site rows, in the store CRS.
    public func siteGeometries(fids: [Int64]) throws -> [Int64: Geometry] {
        try dbQueue.read { db in try geometries(db, table: "sites", fids: fids) }
    }

}
