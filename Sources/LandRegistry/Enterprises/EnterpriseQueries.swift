import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Every enterprise, by credit code.
    public func enterprises() throws -> [Enterprise] {
        try dbQueue.read { db in
            try Enterprise.fetchAll(db, sql: "SELECT id, credit_code, name, industry, scale FROM enterprises ORDER BY credit_code")
        }
    }

    /// Every enterprise's figures for `year`.
    public func enterpriseYears(year: Int) throws -> [EnterpriseYear] {
        try dbQueue.read { db in
            try EnterpriseYear.fetchAll(db, sql: """
                SELECT credit_code, year, tax_yuan, value_added_yuan, revenue_yuan, energy_tce, employees, rd_yuan
                FROM enterprise_years WHERE year = ? ORDER BY credit_code
                """, arguments: [year])
        }
    }

    /// The latest year with enterprise figures, at most `upTo`; nil when there are none.
    public func latestEnterpriseYear(upTo: Int? = nil) throws -> Int? {
        try dbQueue.read { db in
            try Int.fetchOne(db, sql: "SELECT max(year) FROM enterprise_years WHERE ?1 IS NULL OR year <= ?1", arguments: [upTo])
        }
    }

}
