import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Leases, optionally of one site and/or active on one day (see `Tenancy.isActive(on:)`), by site and start.
    public func tenancies(siteCode: String? = nil, activeOn day: String? = nil) throws -> [Tenancy] {
        let all = try dbQueue.read { db in
            try Tenancy.fetchAll(db, sql: Tenancy.selectSQL + " WHERE (?1 IS NULL OR t.site_code = ?1) ORDER BY t.site_code, t.start_date, t.id",
                                 arguments: [siteCode])
        }
        return day.map { d in all.filter { $0.isActive(on: d) } } ?? all
    }

}
