import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Every enterprise, by credit code.
    public func enterprises() throws -> [Enterprise] {
        try dbQueue.read { db in
            try Enterprise.order(Enterprise.Columns.creditCode).fetchAllNamingBadRow(db, file: path)
        }
    }

    /// Every enterprise's figures for `year`.
    public func enterpriseYears(year: Int) throws -> [EnterpriseYear] {
        try dbQueue.read { db in
            try EnterpriseYear.filter(EnterpriseYear.Columns.year == year).order(EnterpriseYear.Columns.creditCode)
                .fetchAllNamingBadRow(db, file: path)
        }
    }

    /// The latest year with enterprise figures, at most `upTo`; nil when there are none.
    public func latestEnterpriseYear(upTo: Int? = nil) throws -> Int? {
        try dbQueue.read { db in
            var years = EnterpriseYear.all()
            if let upTo { years = years.filter(EnterpriseYear.Columns.year <= upTo) }
            return try years.select(max(EnterpriseYear.Columns.year), as: Int.self).fetchOne(db)
        }
    }

}
