import GRDB

/// A lease of floor space on a site (一厂多租). Dates are YYYY-MM-DD; the end date is inclusive.
public struct Tenancy: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "tenancies"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var id: Int64
    public var siteCode: String
    public var tenantCreditCode: String
    /// The tenant's name, from the enterprises table.
    public var tenantName: String?
    public var floorAreaM2: Double
    public var startDate: String
    /// nil: open-ended.
    public var endDate: String?
    public var use: TenancyUse
    public var status: TenancyStatus
    /// The lease made the site's concurrently leased floor area exceed its floor area when it was recorded.
    public var overLeasedAtCreation: Bool
    public var createdAt: String

    public init(
        id: Int64, siteCode: String, tenantCreditCode: String, tenantName: String? = nil, floorAreaM2: Double,
        startDate: String, endDate: String?, use: TenancyUse = .production, status: TenancyStatus = .active,
        overLeasedAtCreation: Bool = false, createdAt: String = ""
    ) {
        self.id = id; self.siteCode = siteCode; self.tenantCreditCode = tenantCreditCode; self.tenantName = tenantName
        self.floorAreaM2 = floorAreaM2; self.startDate = startDate; self.endDate = endDate; self.use = use
        self.status = status; self.overLeasedAtCreation = overLeasedAtCreation; self.createdAt = createdAt
    }

    /// Active on `day` (YYYY-MM-DD): started on or before it, not ended before it, and not void.
    public func isActive(on day: String) -> Bool {
        status != .void && startDate <= day && (endDate.map { day <= $0 } ?? true)
    }

    public enum Columns {
        public static let id = Column("id"), siteCode = Column("site_code"),
            tenantCreditCode = Column("tenant_credit_code")
        public static let startDate = Column("start_date"), status = Column("status")
    }

    /// The stored columns a `Tenancy` reads: not `site_fid`, `import_id`.
    static let columnNames = [
        "id", "site_code", "tenant_credit_code", "floor_area_m2", "start_date", "end_date", "use", "status",
        "over_leased_at_creation", "created_at"
    ]

    public static var databaseSelection: [any SQLSelectable] { columnNames.map { Column($0) } }

    /// Leases with their tenant's name (`tenantName`): where every lease read starts.
    static func withTenantName() -> QueryInterfaceRequest<Tenancy> {
        withEnterpriseName(creditCode: Columns.tenantCreditCode, as: "tenant_name")
    }
}

public enum TenancyUse: String, Codable, Sendable, CaseIterable {
    case production, storage, office
}

/// `active`: in force (it may start in the future); `ended`: ended early with `tenancies end`; `void`: never
/// counted.
public enum TenancyStatus: String, Codable, Sendable, CaseIterable {
    case active, ended, void
}

// MARK: - Concurrent leases

public enum LeaseOverlap {
    /// The largest total floor area of `leases` active on one day within [start, end] (end nil: open), with the
    /// first day it is reached. The total is a step function that rises only where a lease starts, so its
    /// maximum over the window is at the window's start or at a lease start inside it.
    public static func peak(of leases: [Tenancy], from start: String, to end: String?) -> (
        floorAreaM2: Double, day: String
    ) {
        var days = Set([start])
        for l in leases where l.startDate > start && (end.map { l.startDate <= $0 } ?? true) {
            days.insert(l.startDate)
        }
        var best = (floorAreaM2: 0.0, day: start)
        for day in days.sorted() {
            let total = leases.filter { $0.isActive(on: day) }.reduce(0) { $0 + $1.floorAreaM2 }
            if total > best.floorAreaM2 { best = (total, day) }
        }
        return best
    }
}
