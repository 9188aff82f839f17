import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Live sites (or every row with `includeRetired`), by code.
    public func sites(stage: SiteStage? = nil, includeRetired: Bool = false) throws -> [Site] {
        try dbQueue.read { db in
            var request = Site.withHolderName()
            if !includeRetired { request = request.live() }
            if let stage { request = request.filter(Site.Columns.stage == stage.rawValue) }
            return try request.order(Site.Columns.code, Site.Columns.fid).fetchAllNamingBadRow(db, file: path)
        }
    }

    /// The live site with this code. - Throws: `NotFound`.
    public func site(code: String) throws -> Site {
        try dbQueue.read { db in
            guard let s = try Site.withHolderName().live().code(code).fetchOneNamingBadRow(db, file: path)
            else { throw NotFound(what: "live site", code: code) }
            return s
        }
    }

    /// Every row of a site code, oldest first. - Throws: `NotFound`.
    public func siteHistory(code: String) throws -> [Site] {
        let rows = try dbQueue.read { db in
            try Site.withHolderName().code(code).order(Site.Columns.fid).fetchAllNamingBadRow(db, file: path)
        }
        if rows.isEmpty { throw NotFound(what: "site", code: code) }
        return rows
    }

    /// Geometries of site rows, in the store CRS.
    public func siteGeometries(fids: [Int64]) throws -> [Int64: Geometry] {
        try dbQueue.read { db in try geometries(db, table: "sites", fids: fids) }
    }

}
