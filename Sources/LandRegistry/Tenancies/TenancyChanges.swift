import Foundation
import GRDB

// MARK: - Recording and ending leases
//
// A lease is refused when its floor area is not > 0, its end is before its start, its site or its tenant is
// unknown, or the tenant is the site's own holder. Leases that together exceed the site's floor area happen
// (sublets, paper leases): they are recorded, flagged (`over_leased_at_creation`) and reported, unless the
// caller asks for strictness, which refuses them. The same checks serve `tenancies add` and the CSV import.

/// A lease to record.
public struct NewTenancy: Sendable {
    public var siteCode: String
    public var tenantCreditCode: String
    public var floorAreaM2: Double
    public var startDate: String
    public var endDate: String?
    public var use: TenancyUse

    public init(
        siteCode: String, tenantCreditCode: String, floorAreaM2: Double, startDate: String, endDate: String? = nil,
        use: TenancyUse = .production
    ) {
        self.siteCode = siteCode; self.tenantCreditCode = tenantCreditCode; self.floorAreaM2 = floorAreaM2
        self.startDate = startDate; self.endDate = endDate; self.use = use
    }
}

/// Leases on a site that together exceed its floor area on some day.
public struct OverLease: Sendable, Codable, Equatable {
    public let siteCode: String
    public let siteFloorAreaM2: Double
    /// The largest total leased floor area on one day of the new lease's term, the new lease included.
    public let leasedFloorAreaM2: Double
    /// The first day that total is reached.
    public let day: String

    public var description: String {
        "site \(siteCode) is over-leased: \(String(format: "%.2f", leasedFloorAreaM2)) m² leased on \(day) "
            + "but its floor area is \(String(format: "%.2f", siteFloorAreaM2)) m²"
    }

}

/// A lease change refused; nothing was written.
public struct TenancyRefused: Error, LocalizedError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message + "; nothing was changed" }
}

/// What `addTenancy` recorded.
public struct TenancyRecorded: Sendable {
    public let tenancy: Tenancy
    /// Set when the lease over-leases its site (recorded anyway, as not strict).
    public let overLease: OverLease?
}

extension Registry {
    /// Records a lease. - Throws: `TenancyRefused` (with every reason) when it is refused; with `strict`, also
    /// when it would over-lease the site.
    public func addTenancy(_ new: NewTenancy, strict: Bool = false, context: ChangeContext) throws -> TenancyRecorded {
        try write { db in
            let checked = try Self.check(new, db)
            if !checked.problems.isEmpty { throw TenancyRefused(checked.problems.joined(separator: "; ")) }
            if strict, let over = checked.overLease {
                throw TenancyRefused(over.description + " (--strict refuses over-leasing)")
            }
            let id = try Self.insert(
                new, siteFID: checked.siteFID, overLeased: checked.overLease != nil, importID: nil, db)
            let details = TenancyAddition(
                site: new.siteCode, tenant: new.tenantCreditCode, floorAreaM2: new.floorAreaM2, start: new.startDate,
                end: new.endDate, use: new.use,
                overLeased: checked.overLease.map {
                    OverLeaseFigures(
                        day: $0.day, leasedFloorAreaM2: $0.leasedFloorAreaM2, siteFloorAreaM2: $0.siteFloorAreaM2)
                })
            try AuditLog.append(
                db, context: context, entity: .tenancy, entityID: id, entityCode: new.siteCode,
                to: TenancyStatus.active.rawValue, details: .tenancyAdd(details))
            guard let tenancy = try lease(db, id: id) else {
                throw TenancyRefused("tenancy #\(id) cannot be read back")
            }
            return TenancyRecorded(tenancy: tenancy, overLease: checked.overLease)
        }
    }

    /// Ends a lease on `day` (its last day). - Throws: `TenancyRefused` for an unknown, ended or void lease or a
    /// day before its start.
    public func endTenancy(id: Int64, on day: String, context: ChangeContext) throws -> Tenancy {
        try write { db in
            guard Clock.validDay(day) != nil else { throw TenancyRefused("end date \(day) is not a date (YYYY-MM-DD)") }
            guard let t = try lease(db, id: id) else {
                throw TenancyRefused("no tenancy #\(id)")
            }
            guard t.status == .active else { throw TenancyRefused("tenancy #\(id) is \(t.status.rawValue) already") }
            guard day >= t.startDate else {
                throw TenancyRefused("tenancy #\(id) starts on \(t.startDate): it cannot end before that (\(day))")
            }
            var term = TenancyTerm(id: id, endDate: t.endDate, status: t.status)
            try term.updateChanges(db) { row in
                row.endDate = day
                row.status = .ended
            }
            try AuditLog.append(
                db, context: context, entity: .tenancy, entityID: id, entityCode: t.siteCode,
                from: t.status.rawValue, to: TenancyStatus.ended.rawValue,
                details: .tenancyEnd(TenancyEnding(end: day, previousEnd: t.endDate)))
            guard let ended = try lease(db, id: id) else { throw TenancyRefused("tenancy #\(id) cannot be read back") }
            return ended
        }
    }

    /// Every reason `new` is refused, the site's row, and whether it over-leases the site.
    /// `areaChecked`: the caller has already reported an unreadable floor area (CSV), so skip that check.
    /// A lease with its tenant's name.
    private func lease(_ db: Database, id: Int64) throws -> Tenancy? {
        try Tenancy.withTenantName().filter(Tenancy.Columns.id == id).fetchOneNamingBadRow(db, file: path)
    }

    static func check(_ new: NewTenancy, _ db: Database, areaChecked: Bool = false) throws
        -> (problems: [String], siteFID: Int64, overLease: OverLease?)
    {
        var problems: [String] = []
        if !areaChecked && !(new.floorAreaM2.isFinite && new.floorAreaM2 > 0) {
            problems.append("floor area \(new.floorAreaM2) m² must be greater than 0")
        }
        let startOK = Clock.validDay(new.startDate) != nil
        if !startOK { problems.append("start \"\(new.startDate)\" is not a date (YYYY-MM-DD)") }
        if let end = new.endDate {
            if Clock.validDay(end) == nil {
                problems.append("end \"\(end)\" is not a date (YYYY-MM-DD)")
            } else if startOK && end < new.startDate {
                problems.append("end \(end) is before start \(new.startDate)")
            }
        }
        let site = try Row.fetchOne(
            db,
            sql: """
                SELECT fid, holder_credit_code, floor_area_m2 FROM sites WHERE code = ? AND retired_at IS NULL
                """, arguments: [new.siteCode])
        if site == nil { problems.append("unknown site \(new.siteCode) (no live site has this code)") }
        if let why = CreditCode.problem(new.tenantCreditCode) {
            problems.append("tenant " + why)
        } else if try Bool.fetchOne(
            db, sql: "SELECT 1 FROM enterprises WHERE credit_code = ?", arguments: [new.tenantCreditCode]) != true
        {
            problems.append(
                "unknown tenant \(new.tenantCreditCode) (import it with `landreg import enterprises` first)")
        } else if let holder: String = site?["holder_credit_code"], holder == new.tenantCreditCode {
            problems.append("tenant \(new.tenantCreditCode) holds site \(new.siteCode) itself")
        }
        guard problems.isEmpty, let site else { return (problems, 0, nil) }
        var overLease: OverLease? = nil
        if let floor: Double = site["floor_area_m2"] {
            let others = try Tenancy.withTenantName()
                .filter(
                    Tenancy.Columns.siteCode == new.siteCode && Tenancy.Columns.status != TenancyStatus.void.rawValue
                )
                .fetchAll(db)
            let candidate = Tenancy(
                id: 0, siteCode: new.siteCode, tenantCreditCode: new.tenantCreditCode,
                floorAreaM2: new.floorAreaM2, startDate: new.startDate, endDate: new.endDate)
            let peak = LeaseOverlap.peak(of: others + [candidate], from: new.startDate, to: new.endDate)
            if peak.floorAreaM2 > floor {
                overLease = OverLease(
                    siteCode: new.siteCode, siteFloorAreaM2: floor, leasedFloorAreaM2: peak.floorAreaM2, day: peak.day)
            }
        }
        return ([], site["fid"], overLease)
    }

    static func insert(_ new: NewTenancy, siteFID: Int64, overLeased: Bool, importID: Int64?, _ db: Database) throws
        -> Int64
    {
        try db.execute(
            sql: """
                INSERT INTO tenancies (site_code, site_fid, tenant_credit_code, floor_area_m2, start_date, end_date, use, status,
                                       over_leased_at_creation, import_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)
                """,
            arguments: [
                new.siteCode, siteFID, new.tenantCreditCode, new.floorAreaM2, new.startDate, new.endDate,
                new.use.rawValue, overLeased ? 1 : 0, importID, Clock.timestamp()
            ])
        return db.lastInsertedRowID
    }
}

/// The columns ending a lease changes (`updateChanges` writes those that changed).
struct TenancyTerm: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "tenancies"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
    var id: Int64
    var endDate: String?
    var status: TenancyStatus
}
