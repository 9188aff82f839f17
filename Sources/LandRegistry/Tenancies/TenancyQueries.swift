import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Leases, optionally of one site and/or active on one day (see `Tenancy.isActive(on:)`), by site and start.
    public func tenancies(siteCode: String? = nil, activeOn day: String? = nil) throws -> [Tenancy] {
        let all = try dbQueue.read { db in
            var request = Tenancy.withTenantName()
            if let siteCode { request = request.filter(Tenancy.Columns.siteCode == siteCode) }
            return try request.order(Tenancy.Columns.siteCode, Tenancy.Columns.startDate, Tenancy.Columns.id)
                .fetchAllNamingBadRow(db, file: path)
        }
        return day.map { d in all.filter { $0.isActive(on: d) } } ?? all
    }

}
